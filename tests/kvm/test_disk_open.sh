# The disk (issue 14): opened once, without blocking, checked on the fd in
# use, and locked (OFD lock: shared for ro, exclusive otherwise), so that two
# cvmm processes never write one image. The lock holder is a real cvmm whose
# guest spins quietly (privmem.c "secret" on --sw).
DO_IMG=$(mktemp /tmp/cvmm-disk-XXXXXX.img); truncate -s 1M "$DO_IMG"
DO_FIFO=$(mktemp -u /tmp/cvmm-fifo-XXXXXX); mkfifo "$DO_FIFO"
do_holder() {	# do_holder DISKSPEC: a running VM holding the disk
	DO_OUT=$(mktemp)
	"$CVMM" --sw --mem 64M --kernel $G/privmem.elf --cmdline secret --disk "$1" >"$DO_OUT" 2>&1 </dev/null &
	DO_PID=$!
	for _ in $(seq 300); do
		grep -q 'secret: ' "$DO_OUT" && return 0
		kill -0 $DO_PID 2>/dev/null || break
		sleep 0.1
	done
	cat "$DO_OUT"; return 1
}
do_holder_end() { kill -TERM $DO_PID 2>/dev/null; wait $DO_PID 2>/dev/null; rm -f "$DO_OUT"; }
# do_second HOLDSPEC SPEC WANT REGEX: a second cvmm on the disk while the first runs
do_second() {
	local out rc ok=0
	do_holder "$1" || { do_holder_end; return 1; }
	out=$(timeout -k 5 "$KVM_TIMEOUT" "$CVMM" --kernel $G/hello.elf --cmdline 0 --disk "$2" 2>&1 </dev/null); rc=$?
	if [ $rc -ne "$3" ] || ! grep -Eq -- "$4" <<<"$out"; then
		echo "exit $rc, want $3; output: $out"; ok=1
	elif [ "$3" -ne 0 ] && [ "$(wc -l <<<"$out")" -ne 1 ]; then
		echo "more than one line: $out"; ok=1
	fi
	do_holder_end; return $ok
}
kvm_check "disk: a second read-write cvmm on an image in use: one line, status 2" \
	do_second "$DO_IMG" "$DO_IMG" 2 "^cvmm: --disk $DO_IMG: in use: another process holds a lock on it$"
kvm_check "disk: read-only beside a read-write user: refused" \
	do_second "$DO_IMG" "$DO_IMG,ro" 2 'in use: another process holds an exclusive'
kvm_check "disk: read-write beside a read-only user: refused" \
	do_second "$DO_IMG,ro" "$DO_IMG" 2 'in use: another process holds a lock'
kvm_check "disk: two read-only users share it" \
	do_second "$DO_IMG,ro" "$DO_IMG,ro" 0 ''
kvm_case "disk: the lock ends with the VM (the image is free again)" 0 '' \
	--kernel $G/hello.elf --cmdline 0 --disk "$DO_IMG"
kvm_case "disk: a FIFO, read-only: refused at once, not opened for ever" 2 \
	'not a regular file or block device \(a FIFO\)' --kernel $G/hello.elf --cmdline 0 --disk "$DO_FIFO,ro"
kvm_case "disk: a FIFO, read-write: refused" 2 'not a regular file or block device \(a FIFO\)' \
	--kernel $G/hello.elf --cmdline 0 --disk "$DO_FIFO"
kvm_case "disk: a character device: refused" 2 'not a regular file or block device \(a character device\)' \
	--kernel $G/hello.elf --cmdline 0 --disk /dev/zero,ro
kvm_case "disk: a directory: refused" 2 '--disk /tmp: ' --kernel $G/hello.elf --cmdline 0 --disk /tmp,ro
# Opened once: the options' open is the one the device uses (no check-then-open race).
do_opens() {
	local n
	ASAN_OPTIONS=detect_leaks=0 strace -f -o "$DO_IMG.trace" -e trace=open,openat "$CVMM" --kernel $G/hello.elf --cmdline 0 \
		--disk "$DO_IMG" >/dev/null 2>&1 </dev/null || { echo "cvmm failed"; return 1; }
	n=$(grep -c "\"$DO_IMG\"" "$DO_IMG.trace"); rm -f "$DO_IMG.trace"
	[ "$n" = 1 ] || { echo "the image was opened $n times"; return 1; }
}
strace_check "disk: the image is opened exactly once" do_opens
rm -f "$DO_IMG" "$DO_FIFO"

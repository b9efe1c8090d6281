# Thread races in the runtime, under ThreadSanitizer (build/tsan/cvmm): vCPU
# threads against each other, against the main thread's stop and teardown,
# and against the console input thread. A race report fails the case even
# when the guest's own result is right.
TSAN_CVMM=build/tsan/cvmm
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 report_signal_unsafe=0"
# kvm_case on the ThreadSanitizer build: a race report is exit status 66.
tsan_case() {
	local CVMM=$TSAN_CVMM
	kvm_case "$@"
}
# A vCPU ends the VM while the main thread is still starting the others.
for i in 1 2 3; do
	tsan_case "race-free: 4 vCPUs, one ends the VM at start-up ($i)" 0 'vCPUs checked in: 4' \
		--kernel $G/smp.elf --cpus 4 --cmdline 4
done
# Lazy memslots: four vCPUs make their first touch of one chunk together.
tsan_case "race-free: 4 vCPUs race the first touch of one lazy chunk" 0 'lazyrace: counter 4, every store landed' \
	--kernel $G/lazyrace.elf --mem 2G --cpus 4 --cmdline 4
tsan_case "race-free: virtio console and rng" 0 'all checks passed' \
	--kernel $G/virtio_drv.elf --mem 64M --rng --console virtio

# SIGTERM to spinning vCPUs, and to vCPUs blocked on a full stdout.
tsan_sigterm() {
	local fifo=/tmp/cvmm-tsan-fifo.$$ rd pid rc log=/tmp/cvmm-tsan.$$
	mkfifo $fifo || return 1
	sleep 60 <$fifo & rd=$!
	"$TSAN_CVMM" "$@" >$fifo 2>$log & pid=$!
	sleep 2; kill -TERM $pid
	for i in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	kill -0 $pid 2>/dev/null && { echo "still running 10 s after SIGTERM"; kill -KILL $pid; }
	wait $pid; rc=$?
	kill $rd; wait $rd 2>/dev/null
	cat $log; rm -f $fifo $log
	echo "exit status $rc"; [ $rc -eq 143 ]
}
kvm_check "race-free: SIGTERM to 4 spinning vCPUs" tsan_sigterm --kernel $G/smp.elf --cpus 4 --cmdline 5
kvm_check "race-free: SIGTERM to 2 vCPUs blocked on stdout" tsan_sigterm --kernel $G/spew.elf --cpus 2

# At a terminal (a pty from script(1)): KEYS typed 2 s in end the VM with
# status WANT, from the terminal's input thread (Ctrl-A x, with either
# console); the terminal mode is the same afterwards.
tsan_tty() {
	local keys=$1 want=$2 out; shift 2
	command -v script >/dev/null || { echo "no script(1)"; return 1; }
	out=$( (sleep 2; printf "$keys"; sleep 5) | timeout 30 script -qec \
		"s=\$(stty -g); $TSAN_CVMM $*; rc=\$?; [ \"\$(stty -g)\" = \"\$s\" ] && echo TTY-RESTORED; echo STATUS=\$rc" \
		/dev/null 2>&1)
	echo "$out"
	grep -q "STATUS=$want" <<<"$out" && grep -q TTY-RESTORED <<<"$out"
}
kvm_check "race-free: Ctrl-A x at a terminal, 2 vCPUs" tsan_tty '\001x' 0 \
	--kernel $G/smp.elf --cpus 2 --cmdline 3
kvm_check "race-free: Ctrl-A x at a terminal, --console virtio, 4 vCPUs" tsan_tty 'typed\n\001x' 0 \
	--kernel $G/smp.elf --cpus 4 --cmdline 5 --console virtio
kvm_check "race-free: virtio-console input thread feeding the guest" tsan_tty 'one\ntwo\nq\n' 0 \
	--kernel $G/console_echo.elf --console virtio --mem 64M

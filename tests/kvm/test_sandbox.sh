# Least privilege (issue 14, vmm/sandbox.h): every thread of a running VM
# under its seccomp filter, no_new_privs, no capabilities when started as
# root, no inherited file descriptors; a device that makes a forbidden
# system call stops cvmm with one line naming it.
sb_start() {	# sb_start ARGS...: a VM that spins (2 vCPUs), its pid in SB_PID
	SB_ERR=$(mktemp)
	"$CVMM" --kernel $G/smp.elf --cpus 2 --cmdline 3 "$@" >/dev/null 2>"$SB_ERR" </dev/null &
	SB_PID=$!
	sleep 1
	kill -0 $SB_PID 2>/dev/null || { cat "$SB_ERR"; return 1; }
}
sb_stop() { kill -TERM $SB_PID 2>/dev/null; wait $SB_PID 2>/dev/null; rm -f "$SB_ERR"; }
# sb_filtered [RUNTIME_THREADS]: how many unfiltered threads the sanitizer's
# run-time may have started before main (ThreadSanitizer's background thread).
sb_filtered() {
	local t n=0 rc=0 free=${1:-0}
	sb_start || { sb_stop; return 1; }
	for t in /proc/$SB_PID/task/*; do
		n=$((n + 1))
		grep -qx 'Seccomp:	2' $t/status && continue
		if [ $free -gt 0 ] && [ "$(basename $t)" != $SB_PID ]; then free=$((free - 1)); continue; fi
		echo "thread $(basename $t) ($(cat $t/comm)): $(grep Seccomp: $t/status)"; rc=1
	done
	grep -qx 'NoNewPrivs:	1' /proc/$SB_PID/status || { echo "no_new_privs not set"; rc=1; }
	[ $n -ge 3 ] || { echo "only $n threads (main and 2 vCPUs expected)"; rc=1; }
	sb_stop; return $rc
}
kvm_check "seccomp: every thread of a running VM is filtered (Seccomp: 2), no_new_privs" sb_filtered
sb_unfiltered() {
	sb_start --no-seccomp || { sb_stop; return 1; }
	local rc=0; grep -qx 'Seccomp:	0' /proc/$SB_PID/status || rc=1
	# no_new_privs is cvmm's own, not only libseccomp's side effect (cvmm.1: it stays)
	grep -qx 'NoNewPrivs:	1' /proc/$SB_PID/status || { echo "no_new_privs not set"; rc=1; }
	sb_stop; return $rc
}
kvm_check "--no-seccomp: no filter, no_new_privs still set" sb_unfiltered
# A system call no list has (socket), made by a device model on a vCPU
# thread: the conversion port's test hook, built into the sanitizer builds only.
sb_forbidden() {
	local out rc
	out=$(timeout -k 5 "$KVM_TIMEOUT" "$CVMM" --kernel $G/privmem.elf --cmdline xforbidden 2>&1 </dev/null); rc=$?
	[ $rc -eq 1 ] && [ "$(wc -l <<<"$out")" = 1 ] &&
		grep -qx "cvmm: seccomp: forbidden system call 41 .*" <<<"$out" || { echo "exit $rc: $out"; return 1; }
}
# Which thread got which filter: the test hook makes call NR on the ROLE
# thread once its filter is on (vmm/sandbox.h sandbox_test_call). stdin is a
# pipe, so the terminal's input thread runs. NR:stops: cvmm ends with the
# line naming NR (one per thread that made it), status 1; NR:runs: the VM
# still runs 2 s later.
sb_role() {	# sb_role ROLE NR:stops|NR:runs... [--CVMM-OPTION...]
	local role=$1 c nr out rc args=(); shift
	while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do c+=" $1"; shift; done
	args=("$@")
	for c in $c; do
		nr=${c%:*}
		out=$(CVMM_TEST_SECCOMP_CALL=$role:$nr timeout -k 5 2 "$CVMM" "${args[@]}" \
			--kernel $G/smp.elf --cpus 2 --cmdline 3 2>&1 >/dev/null < <(sleep 4)); rc=$?
		case ${c#*:} in
		stops)	# one line per thread that made it: both vCPUs may
			[ $rc -eq 1 ] && [ -n "$out" ] &&
				! grep -vx "cvmm: seccomp: forbidden system call $nr .*" <<<"$out" ||
				{ echo "$role thread, call $nr: exit $rc, not stopped: $out"; return 1; } ;;
		runs)	[ $rc -eq 124 ] && ! grep -q seccomp <<<"$out" ||
				{ echo "$role thread, call $nr: exit $rc, not running: $out"; return 1; } ;;
		esac
	done
}
if timeout -k 5 "$KVM_TIMEOUT" "$CVMM" --no-seccomp --kernel $G/privmem.elf --cmdline xforbidden 2>&1 </dev/null |
	grep -q 'no test hook in this build'; then
	echo "*** SKIPPED: $TIER: forbidden system call: $CVMM has no test hooks (a release build): 7 tests NOT run ***"
	SKIP=$((SKIP + 7))
else
	kvm_check "seccomp: a device's forbidden system call ends cvmm: one line, status 1" sb_forbidden
	kvm_case "--no-seccomp: the same call goes through" 0 'forbidden: the call went through' \
		--no-seccomp --kernel $G/privmem.elf --cmdline xforbidden
	kvm_check "seccomp: the main thread may not make a vCPU's calls (pread64, fallocate); fsync it may" \
		sb_role main 17:stops 285:stops 74:runs
	kvm_check "seccomp: the input thread may not make a vCPU's (pread64) nor the main thread's (fsync) calls" \
		sb_role input 17:stops 74:stops 0:runs
	kvm_check "seccomp: a vCPU thread may (pread64, fallocate, fsync), not socket" \
		sb_role vcpu 17:runs 285:runs 74:runs 41:stops
	kvm_check "--no-seccomp: the main thread's pread64 goes through" sb_role main 17:runs --no-seccomp
	kvm_check "--no-seccomp: the input thread's pread64 goes through" sb_role input 17:runs --no-seccomp
fi
# A parent's open file (fd 7) is not inherited by the running VM.
sb_fds() {
	local f rc=0; f=$(mktemp)
	exec 7<"$f"
	sb_start; local st=$?
	exec 7<&-
	[ $st -eq 0 ] || { sb_stop; rm -f "$f"; return 1; }
	if ls -l /proc/$SB_PID/fd/ | grep -qF -- "$f"; then echo "fd 7 ($f) still open in cvmm"; rc=1; fi
	sb_stop; rm -f "$f"; return $rc
}
kvm_check "inherited file descriptors above 2 are closed" sb_fds
sb_caps() {
	sb_start || { sb_stop; return 1; }
	local rc=0 c
	for c in CapInh CapPrm CapEff CapAmb; do
		grep -qx "$c:	0000000000000000" /proc/$SB_PID/status || { grep "^$c" /proc/$SB_PID/status; rc=1; }
	done
	sb_stop; return $rc
}
if [ "$(id -u)" = 0 ]; then
	kvm_check "started as root: no capabilities once the VM runs" sb_caps
else
	echo "*** SKIPPED: $TIER test 'root: capabilities dropped': not running as root ***"; SKIP=$((SKIP + 1))
fi
# The other builds the suite runs: the filters are on there too, and a
# forbidden call from the device path ends them the same way.
sb_cvmm=$CVMM
for sb_bin in build/tsan/cvmm ./cvmm; do
	[ -x "$sb_bin" ] && [ "$sb_bin" != "$sb_cvmm" ] || continue
	sb_rt=0; [ "$sb_bin" = build/tsan/cvmm ] && sb_rt=1	# TSan's background thread, started before main
	CVMM=$sb_bin
	kvm_check "seccomp ($sb_bin): every thread of a running VM is filtered" sb_filtered $sb_rt
	if [ "$sb_bin" = build/tsan/cvmm ]; then
		kvm_check "seccomp (TSan build): a device's forbidden system call ends cvmm" sb_forbidden
	fi
done
CVMM=$sb_cvmm
# /proc/PID/cmdline is readable by every user: a running VM's shows its name
# only, not the guest's command line, kernel or disk paths (vmm/main.c wipes
# the arguments once copied).
sb_cmdline() {
	local got rc=0
	sb_start || { sb_stop; return 1; }
	got=$(tr '\0' ' ' </proc/$SB_PID/cmdline | sed 's/ *$//')
	case "$got" in
	*smp.elf*|*--cpus*|*--cmdline*) echo "/proc/$SB_PID/cmdline: '$got'"; rc=1 ;;
	esac
	[ -n "$got" ] || { echo "/proc/$SB_PID/cmdline is empty (argv[0] expected)"; rc=1; }
	sb_stop; return $rc
}
kvm_check "/proc/PID/cmdline of a running VM shows no argument" sb_cmdline

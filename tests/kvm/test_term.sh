# The terminal (devices/term.c) at a pty from script(1), with both consoles:
# raw mode while the VM runs, Ctrl-A x, Ctrl-A Ctrl-A, the mode restored
# after SIGTERM and after a guest triple fault, and a start in the
# background of the terminal. Guests: uart_echo.c and console_echo.c echo
# what they receive, other bytes than printable ASCII as <hh>.

# term_pty KEYS CMD: runs shell CMD at a pty while KEYS (a shell command
# writing keystrokes) types; prints the session, TTY-RESTORED when the mode
# after CMD equals the mode before, and STATUS=CMD's exit status.
# KEYS may start with term_wait_raw: it waits (at most 20 s) until the pty is
# in raw mode, i.e. cvmm has taken the terminal, so that keys are never typed
# at a cooked terminal on a loaded host (where Ctrl-C would be SIGINT).
TERM_TTYF=/tmp/cvmm-term-tty.$$
term_pty() {
	local keys=$1 cmd=$2
	command -v script >/dev/null || { echo "no script(1)"; return 1; }
	rm -f $TERM_TTYF
	(eval "$keys") | timeout 40 script -qec \
		"tty >$TERM_TTYF; s=\$(stty -g); $cmd; rc=\$?; [ \"\$(stty -g)\" = \"\$s\" ] && echo TTY-RESTORED; echo STATUS=\$rc" \
		/dev/null 2>&1
	rm -f $TERM_TTYF
}
term_wait_raw() {
	local i t
	for i in $(seq 200); do
		t=$(cat $TERM_TTYF 2>/dev/null)
		[ -n "$t" ] && stty -F "$t" -a 2>/dev/null | grep -q -- '-icanon' && { sleep 0.5; return; }
		sleep 0.1
	done
}
# term_expect KEYS WANT_STATUS REGEX CVMM_ARGS...: the session matches REGEX,
# cvmm exited WANT_STATUS, and the terminal mode is as before.
term_expect() {
	local keys=$1 want=$2 regex=$3 out; shift 3
	out=$(term_pty "$keys" "$CVMM $*")
	echo "$out"
	grep -Eq -- "$regex" <<<"$out" && grep -q "STATUS=$want" <<<"$out" && grep -q TTY-RESTORED <<<"$out"
}
UE="--kernel $G/uart_echo.elf --mem 64M"
CE="--kernel $G/console_echo.elf --console virtio --mem 64M"

# Raw: a CR stays a CR and Ctrl-C is a byte for the guest, not SIGINT.
kvm_check "terminal: raw mode, UART" term_expect \
	"term_wait_raw; printf 'ab\\003q\\r'; sleep 3" 0 'uart: ab<03>q<0d>' $UE
kvm_check "terminal: raw mode, virtio-console" term_expect \
	"term_wait_raw; printf 'ab\\003\\r'; sleep 1; printf q; sleep 3" 0 'echo: ab<03><0d>' $CE
# Cooked, the terminal itself would echo what is typed: only the guest may.
term_no_local_echo() {
	local out
	out=$(term_pty "term_wait_raw; printf 'secret'; sleep 1; printf q; sleep 3" "$CVMM $CE")
	echo "$out"
	grep -q '^echo: secret' <<<"$out" && ! grep -v '^echo: ' <<<"$out" | grep -q secret
}
kvm_check "terminal: the typed bytes appear only in the guest's echo" term_no_local_echo

kvm_check "terminal: Ctrl-A x ends the VM, UART" term_expect \
	"term_wait_raw; printf '\\001x'; sleep 3" 0 'Ctrl-A x pressed' -v $UE
kvm_check "terminal: Ctrl-A x ends the VM, virtio-console" term_expect \
	"term_wait_raw; printf '\\001x'; sleep 3" 0 'Ctrl-A x pressed' -v $CE
kvm_check "terminal: Ctrl-A Ctrl-A sends Ctrl-A, Ctrl-A a both bytes, UART" term_expect \
	"term_wait_raw; printf '\\001\\001\\001aq\\r'; sleep 3" 0 'uart: <01><01>aq<0d>' $UE
kvm_check "terminal: Ctrl-A Ctrl-A sends Ctrl-A, virtio-console" term_expect \
	"term_wait_raw; printf '\\001\\001\\001a'; sleep 1; printf q; sleep 3" 0 'echo: <01><01>a' $CE

# SIGTERM from outside: a sibling of cvmm at the same terminal kills it.
term_sigterm() {
	local pf=/tmp/cvmm-term-pid.$$ out
	out=$(term_pty "sleep 4" \
		"(sleep 2; kill -TERM \$(cat $pf)) & sh -c 'echo \$\$ >$pf; exec $CVMM $*'")
	rm -f $pf
	echo "$out"; grep -q STATUS=143 <<<"$out" && grep -q TTY-RESTORED <<<"$out"
}
kvm_check "terminal: restored after SIGTERM, UART" term_sigterm $UE
kvm_check "terminal: restored after SIGTERM, virtio-console" term_sigterm $CE

term_triple() {
	local out
	out=$(term_pty "sleep 2" "$CVMM $*")
	echo "$out"
	grep -q 'triple fault' <<<"$out" && ! grep -q STATUS=0 <<<"$out" && grep -q TTY-RESTORED <<<"$out"
}
kvm_check "terminal: restored after a triple fault, UART" term_triple --kernel $G/triplefault.elf
kvm_check "terminal: restored after a triple fault, virtio-console" term_triple \
	--kernel $G/triplefault.elf --console virtio

# In the background of the terminal (a job of a shell with job control):
# cvmm neither stops (SIGTTOU/SIGTTIN) nor changes or reads the terminal;
# keys typed meanwhile are not the guest's.
term_background() {
	local out
	out=$(term_pty "sleep 1; printf 'zz\\r'; sleep 3" \
		"bash -c 'set -m; $CVMM $*& p=\$!; sleep 3; kill -TERM \$p; wait \$p'")
	echo "$out"
	grep -q STATUS=143 <<<"$out" && grep -q TTY-RESTORED <<<"$out" && ! grep -q 'zz<0d>' <<<"$out"
}
kvm_check "terminal: cvmm in the background, UART" term_background $UE
kvm_check "terminal: cvmm in the background, virtio-console" term_background $CE

# The input thread cannot start (the second thread; the first fetches
# CPUID; stdin is a pipe, as </dev/null starts none): status 1, one line.
term_thread_fails() {
	local out rc
	out=$(: | fail_clone3 2 "$CVMM" --kernel $G/hello.elf 2>&1); rc=$?
	echo "$out"; echo "exit status $rc"
	[ $rc -eq 1 ] && [ "$out" = "cvmm: terminal: cannot start the input thread: Resource temporarily unavailable" ]
}
strace_check "terminal: input thread start failure: one line, status 1" term_thread_fails
# </dev/null: no input thread at all (start-up cost; services and benchmarks).
term_devnull_no_thread() {
	local n log
	log=$(mktemp)	# a file, not /dev/stdout: it may be missing or a plain file
	ASAN_OPTIONS=detect_leaks=0 strace -f -e trace=clone3,clone -o "$log" "$CVMM" --kernel $G/hello.elf --cmdline 0 </dev/null >/dev/null 2>&1
	n=$(grep -c 'clone3(' "$log"); rm -f "$log"
	echo "clone3 calls: $n"
	[ "$n" -eq 2 ]	# CPUID prefetch and vCPU 0
}
strace_check "terminal: stdin at /dev/null starts no input thread" term_devnull_no_thread

# Issue 14: SIGHUP (the terminal's session ending) and a seccomp stop leave
# the terminal as they found it, too.
term_sighup() {
	local pf=/tmp/cvmm-term-pid.$$ out
	out=$(term_pty "sleep 4" \
		"(sleep 2; kill -HUP \$(cat $pf)) & sh -c 'echo \$\$ >$pf; exec $CVMM $*'")
	rm -f $pf
	echo "$out"; grep -q STATUS=129 <<<"$out" && grep -q TTY-RESTORED <<<"$out" &&
		grep -q 'stopped by SIGHUP' <<<"$out"
}
kvm_check "terminal: restored after SIGHUP, UART" term_sighup $UE
if timeout -k 5 "$KVM_TIMEOUT" "$CVMM" --no-seccomp --kernel $G/privmem.elf --cmdline xforbidden 2>&1 </dev/null |
	grep -q 'no test hook in this build'; then
	echo "*** SKIPPED: $TIER test 'terminal restored after a seccomp stop': $CVMM has no test hooks ***"
	SKIP=$((SKIP + 1))
else
	kvm_check "terminal: restored after a seccomp stop (a device's forbidden call)" term_expect \
		"sleep 3" 1 'seccomp: forbidden system call 41' --kernel $G/privmem.elf --cmdline xforbidden
fi
# Ctrl-A x while 2 vCPUs print to a stdout pipe nobody reads: a vCPU blocked
# writing COM1 output must not hold the UART's lock (the bytes typed before
# Ctrl-A x go to the UART), so the VM ends at Ctrl-A x; it used to wait until
# killed. (Typed as term_pty types, with the session written to a file.)
term_ctrl_a_full_stdout() {
	local fifo=/tmp/cvmm-term-fifo.$$ log=/tmp/cvmm-term-log.$$ rc=0
	mkfifo $fifo || return 1
	(sleep 3; printf 'ab'; sleep 2; printf '\001x'; sleep 6) | timeout 20 script -qec \
		"sleep 30 <$fifo >/dev/null 2>&1 & $CVMM -v --kernel $G/spew.elf --cpus 2 >$fifo; echo STATUS=\$?" \
		/dev/null >$log 2>&1
	tr -d '\r' <$log; grep -q 'Ctrl-A x pressed' $log && grep -q STATUS=0 $log || rc=1
	rm -f $fifo $log; return $rc
}
kvm_check "terminal: Ctrl-A x while stdout is full, UART, 2 vCPUs" term_ctrl_a_full_stdout

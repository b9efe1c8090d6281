# Shell-test helpers for the kvm and cli tiers, sourced by tests/run-all.sh.
#   kvm_case NAME WANT_STATUS WANT_REGEX [ARGS...]   (cli_case is the same)
# runs "$CVMM ARGS..." under a timeout (guests here run at 1-2 MIPS, but a
# hung vCPU must not hang the suite), then checks the exit status and that
# stdout+stderr match WANT_REGEX (extended grep; "" = anything).
KVM_PASS=0 KVM_FAIL=0 KVM_FAILED=()
KVM_TIMEOUT=${KVM_TIMEOUT:-30}
G=build/guests

kvm_case() {
	local name=$1 want=$2 regex=$3; shift 3
	local out rc
	out=$(timeout -k 5 "$KVM_TIMEOUT" "$CVMM" "$@" 2>&1 </dev/null); rc=$?
	if [ "$rc" -ne "$want" ]; then
		kvm_fail "$name" "exit status $rc, want $want" "$out"
	elif [ -n "$regex" ] && ! grep -Eq -- "$regex" <<<"$out"; then
		kvm_fail "$name" "output does not match /$regex/" "$out"
	else
		echo "ok   $TIER: $name"; KVM_PASS=$((KVM_PASS + 1))
	fi
}

# kvm_check NAME COMMAND...: a free-form check; passes when COMMAND succeeds.
kvm_check() {
	local name=$1; shift
	local out
	if out=$("$@" 2>&1); then
		echo "ok   $TIER: $name"; KVM_PASS=$((KVM_PASS + 1))
	else
		kvm_fail "$name" "check failed" "$out"
	fi
}

kvm_fail() {
	echo "FAIL $TIER: $1: $2"; sed 's/^/     | /' <<<"$3" | tail -20
	KVM_FAIL=$((KVM_FAIL + 1)); KVM_FAILED+=("$TIER:$1")
}

cli_case() { kvm_case "$@"; }
cli_check() { kvm_check "$@"; }

# Tests that watch or fault cvmm's system calls need strace (and ptrace).
have_strace() {
	[ -n "${HAVE_STRACE:-}" ] || { command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null &&
		HAVE_STRACE=yes || HAVE_STRACE=no; }
	[ "$HAVE_STRACE" = yes ]
}

# strace_check NAME FUNCTION [ARGS...]: a check that needs strace; without
# it the check is counted as SKIPPED, loudly, never as passed.
strace_check() {
	if have_strace; then
		kvm_check "$@"
	else
		echo "*** SKIPPED: $TIER test '$1': strace cannot run here ***"
		SKIP=$((SKIP + 1))
	fi
}

# fail_clone3 N CMD...: runs CMD with the Nth thread it starts failing (EAGAIN).
fail_clone3() {
	local n=$1; shift
	ASAN_OPTIONS=detect_leaks=0 strace -f -o /dev/null -e trace=clone3,clone \
		-e inject=clone3:error=EAGAIN:when="$n" "$@"
}

# vectors_dir: prints where the shared reference vectors are ($CVMM_VECTORS,
# or shared/vectors beside the checkout); fails where there are none (a clone
# without them). Relative candidates only, as tests/unit/vectors.h.
vectors_dir() {
	local d
	if [ -n "${CVMM_VECTORS:-}" ]; then
		[ -d "$CVMM_VECTORS" ] && echo "$CVMM_VECTORS"
		return
	fi
	for d in ../shared/vectors ../../shared/vectors shared/vectors; do
		[ -d "$d" ] && { echo "$d"; return 0; }
	done
	return 1
}

# vectors_skip WHAT N: N tests that need the vectors, counted as SKIPPED, loudly.
vectors_skip() {
	echo "*** SKIPPED: $TIER: $1: shared/vectors not found (set CVMM_VECTORS): $2 tests NOT run ***"
	SKIP=$((SKIP + $2))
}

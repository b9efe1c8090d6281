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

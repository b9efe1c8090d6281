#!/bin/bash
# Runs the test tiers (design.md): unit (Check), command-line tests that need
# no KVM (cli), KVM integration, short fuzz, the Debian package (deb).
#   tests/run-all.sh [unit|cli|kvm|fuzz|deb]...   (default: all)
# Ends with one line "N passed, N failed, N skipped" and exits non-zero on any
# failure. A tier that cannot run here says SKIPPED loudly, never "passed".
set -u
cd "$(dirname "$0")/.."
tiers=("$@"); [ ${#tiers[@]} -eq 0 ] && tiers=(unit cli kvm fuzz deb)
export CVMM=${CVMM:-build/asan/cvmm}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
PASS=0 FAIL=0 SKIP=0
FAILED=()

unit_tier() {
	echo "=== unit tests (Check, ASan+UBSan)"
	for t in build/asan/tests/unit/test_*; do
		[ -x "$t" ] || continue
		out=$(CK_DEFAULT_TIMEOUT=120 "$t" 2>&1); rc=$?
		line=$(grep -E '^[0-9]+%: Checks: ' <<<"$out" | tail -1)
		# A program that cannot run some of its tests (missing test
		# data) says "*** SKIPPED: N tests ...": shown and counted.
		while read -r s; do
			[ -n "$s" ] || continue
			echo "$s"; n=$(sed -E 's/^\*\*\* SKIPPED: ([0-9]+).*/\1/' <<<"$s")
			SKIP=$((SKIP + ${n:-1}))
		done < <(grep -E '^\*\*\* SKIPPED: [0-9]+ ' <<<"$out")
		checks=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
		bad=$(sed -E 's/.*Failures: ([0-9]+), Errors: ([0-9]+).*/\1+\2/' <<<"$line")
		bad=$((${bad:-1}))
		if [ -z "$line" ] || [ $rc -ne 0 ] || [ "$bad" -ne 0 ]; then
			echo "$out" | grep -vE '^(Running suite|[0-9]+%: Checks)' | tail -40
			echo "FAIL $(basename "$t"): ${line:-no Check summary} (exit $rc)"
			FAIL=$((FAIL + ${bad:-1} + (bad == 0 ? 1 : 0))); FAILED+=("$(basename "$t")")
			PASS=$((PASS + ${checks:-0} - bad))
		else
			echo "ok   $(basename "$t"): $checks checks"
			PASS=$((PASS + checks))
		fi
	done
}

kvm_tier() {
	echo "=== KVM integration tests (real /dev/kvm)"
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		n=$(cat tests/kvm/test_*.sh | grep -cE '^\s*(kvm_case|kvm_check|strace_check) ')
		echo "*** SKIPPED: /dev/kvm is missing or not accessible: $n KVM tests NOT run ***"
		SKIP=$((SKIP + n)); return
	fi
	shell_tier kvm
}

cli_tier() {
	echo "=== command-line tests (no KVM needed)"
	shell_tier cli
}

deb_tier() {
	echo "=== Debian package (dpkg-buildpackage from a copy of the tree, lintian)"
	local t
	for t in dpkg-buildpackage dh; do
		if ! command -v $t >/dev/null; then
			n=$(cat tests/deb/test_*.sh | grep -cE '^\s*(if )?kvm_check ')
			echo "*** SKIPPED: $t is missing (make deps installs it): $n package tests NOT run ***"
			SKIP=$((SKIP + n)); return
		fi
	done
	shell_tier deb
}

shell_tier() {
	source tests/lib.sh
	TIER=$1
	for f in tests/$1/test_*.sh; do [ -f "$f" ] && source "$f"; done
	PASS=$((PASS + KVM_PASS)); FAIL=$((FAIL + KVM_FAIL))
	[ ${#KVM_FAILED[@]} -gt 0 ] && FAILED+=("${KVM_FAILED[@]}")
}

fuzz_tier() {
	echo "=== fuzz (short runs: ${FUZZ_RUN_SECONDS:-20} s each)"
	for f in build/fuzz/tests/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		n=$(basename "$f"); seeds=tests/fuzz/seeds/$n
		corpus=$(mktemp -d)
		args=("-max_total_time=${FUZZ_RUN_SECONDS:-20}" -print_final_stats=0 "$corpus")
		[ -d "$seeds" ] && args+=("$seeds")
		if out=$("$f" "${args[@]}" 2>&1); then
			echo "ok   $n: $(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' <<<"$out" | head -1)s"
			PASS=$((PASS + 1))
		else
			echo "$out" | tail -30
			echo "FAIL $n"; FAIL=$((FAIL + 1)); FAILED+=("$n")
		fi
		rm -rf "$corpus"
	done
}

for t in "${tiers[@]}"; do "${t}_tier"; done
echo
[ ${#FAILED[@]} -gt 0 ] && echo "failed: ${FAILED[*]}"
[ $SKIP -gt 0 ] && echo "*** $SKIP tests SKIPPED (see above) ***"
echo "$PASS passed, $FAIL failed, $SKIP skipped"
[ $FAIL -eq 0 ]

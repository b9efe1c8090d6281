#!/bin/bash
# Runs the test tiers (design.md): unit (Check), command-line tests that need
# no KVM (cli), KVM integration, short fuzz, the Debian package (deb), Linux
# guests in a nested KVM host (nested).
#   tests/run-all.sh [unit|cli|kvm|fuzz|deb|nested]...   (default: all)
# Ends with one line "N passed, N failed, N skipped" and exits non-zero on any
# failure. A tier that cannot run here says SKIPPED loudly, never "passed".
set -u
cd "$(dirname "$0")/.."
tiers=("$@"); [ ${#tiers[@]} -eq 0 ] && tiers=(unit cli kvm fuzz deb nested)
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

# Linux guests (design.md tier 4, tests/nested/): QEMU's TCG emulates AMD SVM,
# Debian's kernel with kvm_amd (L1) offers a /dev/kvm, and the static release
# cvmm boots the same Debian kernel inside it, every case in one L1 boot.
# L1 prints "NESTED-CASE NAME ok|FAIL ..." per check; a check it never
# reported (L1 died, hung) fails. The guest's ext4 write is read back here,
# from L1's disk image, with debugfs after L1 ended.
nested_tier() {
	echo "=== Linux guests under cvmm in a nested KVM host (QEMU TCG + SVM, tests/nested/)"
	local dir=build/nested n why= log out wrote got
	n=$(grep -cE '^\s*(check|status|trace_phases|accept_split) ' tests/nested/l1-cases.sh)
	n=$((n + 2))	# the debugfs read-backs: written.txt, root-written.txt
	if ! command -v qemu-system-x86_64 >/dev/null; then
		why="qemu-system-x86_64 is missing (make deps installs qemu-system-x86)"
	elif ! command -v debugfs >/dev/null; then
		why="debugfs is missing (make deps installs e2fsprogs)"
	elif [ -f $dir/missing ]; then
		why="$(cat $dir/missing)"
	elif [ ! -s $dir/l1.cpio.gz ] || [ ! -s $dir/vmlinuz ] || [ ! -s $dir/disk.img ]; then
		why="no $dir/l1.cpio.gz (make nested-deps builds it)"
	elif ! qemu-system-x86_64 -accel tcg -cpu help 2>/dev/null | grep -qw svm; then
		why="this QEMU's TCG has no svm CPU flag"
	fi
	if [ -n "$why" ]; then
		echo "*** SKIPPED: $why: $n nested tests NOT run ***"
		SKIP=$((SKIP + n)); return
	fi
	log=$dir/l1.log
	local t0=$SECONDS
	tests/nested/boot-l1.sh $dir >$log 2>&1
	echo "     (L1 ran $((SECONDS - t0)) s; its console: $log)"
	if grep -q '^NESTED-L1 no /dev/kvm' $log; then
		grep '^NESTED-L1' $log
		echo "*** SKIPPED: L1 has no /dev/kvm (TCG without SVM?): $n nested tests NOT run ***"
		SKIP=$((SKIP + n)); return
	fi
	grep -E '^NESTED-RUN ' $log | sed 's/^NESTED-RUN /     run: /'
	while read -r name verdict detail; do
		if [ "$verdict" = ok ]; then
			echo "ok   nested: $name: $detail"; PASS=$((PASS + 1))
		else
			echo "FAIL nested: $name: $detail"
			run=${name%%-*}
			grep "^NESTED-LOG $run|" $log | sed 's/^NESTED-LOG /     | /' | head -30
			FAIL=$((FAIL + 1)); FAILED+=("nested:$name")
		fi
	done < <(sed -n 's/^NESTED-CASE //p' $log | tr -d '\r')
	got=$(grep -c '^NESTED-CASE ' $log)
	# The writes survive: what the guest wrote (from the initramfs, and as
	# its root) is in L1's disk after both ended.
	for f in written.txt root-written.txt; do
		wrote=$(tr -d '\r' <$log | sed -n "s/^NESTED-WROTE $f //p" | head -1)
		out=$(debugfs -R "cat $f" $dir/disk-run.img 2>/dev/null)
		if [ -n "$wrote" ] && [ "$out" = "$wrote" ]; then
			echo "ok   nested: disk-write-survives ($f): debugfs reads '$out'"; PASS=$((PASS + 1))
		else
			echo "FAIL nested: disk-write-survives ($f): guest wrote '${wrote}', debugfs reads '${out}'"
			FAIL=$((FAIL + 1)); FAILED+=("nested:disk-write-survives-$f")
		fi
		got=$((got + 1))
	done
	if [ "$got" -lt "$n" ]; then
		echo "FAIL nested: $((n - got)) of $n checks never reported (L1's end:)"
		tail -15 $log | sed 's/^/     | /'
		FAIL=$((FAIL + n - got)); FAILED+=("nested:unreported")
	fi
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

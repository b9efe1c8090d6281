# The Linux row (issue 16), run by bench/run.sh with RES, OUT set:
# Debian's kernel with the nested tier's busybox initramfs, 2 vCPUs, 512 MiB,
# virtio-blk (ext4) + virtio-rng, COM1 console, under cvmm and under QEMU
# microvm (ACPI on, no PIC/PIT/RTC) side by side in one nested KVM host (L1 =
# QEMU TCG with SVM, tests/nested/boot-l1.sh), alternating, timed on L1's
# clock from the VMM's start to the guest's first userspace line and to the
# VMM's exit. Absolute nested times mean nothing; the ratio does.
#   NESTED_RUNS=N (default 5)   NESTED_BENCH_LOG=FILE (parse an earlier L1 console)
OUT=${OUT:-bench/out}
RES=${RES:-/dev/null}
D=build/nested
N=${NESTED_RUNS:-5}
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >> "$RES"; }
show() { printf '  %-46s %10s %10s %10s  %s\n' "$@"; }
median() { awk -F'\t' -v n="$1" '$1 == n { print $4 }' "$RES"; }

rm -f $OUT/linux-phases.dat $OUT/linux.dat
echo "== Linux (Debian's kernel to userspace and poweroff; nested KVM, $N runs each)"
if ! command -v qemu-system-x86_64 >/dev/null || [ ! -s $D/l1-bench.cpio.gz ]; then
	echo "  SKIPPED: no $D/l1-bench.cpio.gz (make nested-deps builds it; needs qemu-system-x86)"
	exit 0
fi
if [ -n "${NESTED_BENCH_LOG:-}" ]; then	# re-read an earlier run's L1 console
	cp "$NESTED_BENCH_LOG" $OUT/linux-nested.log
else
	NESTED_L1_INITRD=l1-bench.cpio.gz tests/nested/boot-l1.sh $D cases=bench nested.runs=$N \
		>$OUT/linux-nested.log 2>&1
fi
tr -d '\r' <$OUT/linux-nested.log | sed -n 's/^NESTED-BENCH //p' >$OUT/linux.dat
grep -q . $OUT/linux.dat || { echo "  FAILED: L1 reported nothing (see $OUT/linux-nested.log)"; exit 0; }
bad=$(awk '$3 < 0 || $5 != "rc=0"' $OUT/linux.dat)
[ -n "$bad" ] && echo "  runs that did not reach userspace or exit 0: $bad"
# figure WHO COLUMN: min/median/max in ms of the runs that reached userspace and exited 0
lin_fig() {
	awk -v w="$1" -v c="$2" '$1 == w && $3 >= 0 && $5 == "rc=0" { print $c * 1000 }' $OUT/linux.dat | sort -n |
		awk '{ v[NR] = $1 } END { if (NR) printf "%.0f\t%.0f\t%.0f", v[1], (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[NR] }'
}
show "" min median max
for who in cvmm qemu; do
	label=$([ $who = cvmm ] && echo "Linux nested: cvmm" || echo "Linux nested: QEMU microvm")
	for col in 3:userspace 4:poweroff; do
		f=$(lin_fig $who ${col%%:*})
		[ -n "$f" ] || continue
		IFS=$'\t' read -r mn md mx <<<"$f"
		record "$label, start to ${col#*:}" ms "$mn" "$md" "$mx"
		show "$label, start to ${col#*:}" "$mn" "$md" "$mx" ms
	done
done
for what in userspace poweroff; do
	c=$(median "Linux nested: cvmm, start to $what"); q=$(median "Linux nested: QEMU microvm, start to $what")
	echo "  -> cvmm / QEMU microvm, start to $what: $(awk -v a="$c" -v b="$q" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')" \
		"$([ $what = userspace ] && echo '(target: <= 1.0, aim 0.8)')"
done
echo "  (inside L1: $(tr -d '\r' <$OUT/linux-nested.log | sed -n 's/^NESTED-QEMU //p' | head -1) and the static release cvmm)"
# The Linux guest's boot phases (one cvmm run, --boot-trace=json) for the plot.
tr -d '\r' <$OUT/linux-nested.log | sed -n 's/^NESTED-TRACE //p' | head -1 |
	grep -o '"phase":"[^"]*","t":[0-9.]*,"delta":[0-9.]*' |
	sed -E 's/"phase":"([^"]*)","t":([0-9.]*),"delta":([0-9.]*)/\1\t\2\t\3/' >$OUT/linux-phases.dat
if [ -s $OUT/linux-phases.dat ] && command -v gnuplot >/dev/null; then
	gnuplot <<GP 2>/dev/null
set terminal pngcairo size 900,500 noenhanced
set output "${PLOTS:-bench/plots}/linux-boot-phases.png"
set title "Debian's kernel under cvmm (nested KVM): when each boot phase happened (one run)"
set style fill solid 0.8
set boxwidth 0.7
set xtics rotate by -40 font ",8"
set ylabel "seconds after main()"
set datafile separator "\t"
plot "$OUT/linux-phases.dat" using (\$2/1e6):xtic(1) with boxes notitle
GP
	echo "  plot: ${PLOTS:-bench/plots}/linux-boot-phases.png"
fi

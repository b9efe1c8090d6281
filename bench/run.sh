#!/bin/bash
# make bench: fixed scenarios, several runs each, min/median/max and ratios
# measured side by side in one run. Figures are printed, never asserted.
# Writes bench/out/results.tsv, bench/out/*.png (gnuplot) and BENCHMARKS.md.
#   RUNS=N (default 20)   BENCH_QUICK=1 (fewer runs, skips 64 GiB)
set -u
cd "$(dirname "$0")/.."
RUNS=${RUNS:-20}
[ "${BENCH_QUICK:-0}" = 1 ] && RUNS=5
OUT=bench/out
PLOTS=bench/plots	# tracked, so BENCHMARKS.md shows them
mkdir -p $OUT $PLOTS
T=build/bench/timeit
CVMM=./cvmm
EXITG=build/bench/exitguest.elf
RES=$OUT/results.tsv
: > $RES

if [ ! -w /dev/kvm ]; then
	echo "*** make bench: SKIPPED: /dev/kvm is missing or not writable ***"
	exit 0
fi

# figure NAME UNIT MIN MED MAX
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >> $RES; }
show() { printf '  %-46s %10s %10s %10s  %s\n' "$@"; }

# timed NAME [-p PHASE]... -- CMD...: runs timeit, records wall and phases
timed() {
	local name=$1; shift
	local out
	if ! out=$($T -n "$RUNS" "$@"); then
		echo "  $name: FAILED (see above)"; return 1
	fi
	while IFS=$'\t' read -r what mn md mx; do
		local label=$name; [ "$what" != wall ] && label="$name [$what]"
		record "$label" ms "$mn" "$md" "$mx"
		show "$label" "$mn" "$md" "$mx" ms
	done <<<"$out"
}
median() { awk -F'\t' -v n="$1" '$1 == n { print $4 }' $RES; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "n/a" }'; }

bench_body() {
	echo "cvmm benchmarks: $RUNS runs per figure, times in ms (min / median / max)"
	echo
	echo "== start to exit, same 5-byte guest (writes 0 to port 0xf4)"
	show "" min median max
	timed "bare KVM runner" -- build/bench/bare_runner
	timed "cvmm" -p "first KVM_RUN" -p "VM ended" -- $CVMM --kernel $EXITG --boot-trace=json
	QEMU_OK=0
	if command -v qemu-system-x86_64 >/dev/null; then
		timed "QEMU microvm (PVH -kernel)" -s 1 -- qemu-system-x86_64 -M microvm -accel kvm \
			-cpu host,-arch-capabilities -m 256M -nodefaults -no-user-config -display none \
			-kernel $EXITG -device isa-debug-exit,iobase=0xf4,iosize=1 && QEMU_OK=1
	else
		echo "  QEMU: not installed (make deps installs qemu-system-x86)"
	fi
	timed "cvmm demo guest (prints 70 bytes on COM1)" -p "first KVM_RUN" -- $CVMM --boot-trace=json
	C=$(median "cvmm"); B=$(median "bare KVM runner")
	echo "  -> cvmm - bare runner: $(awk -v a="$C" -v b="$B" 'BEGIN{printf "%.2f", a-b}') ms (target: within 2 ms)"
	echo "  -> process start to first guest instruction: $(median "cvmm [first KVM_RUN]") ms after main() (target: under 3 ms)"
	[ $QEMU_OK = 1 ] && echo "  -> QEMU microvm / cvmm: $(ratio "$(median "QEMU microvm (PVH -kernel)")" "$C")x (target: at least 20x)"

	echo
	echo "== set-up cost against guest RAM (cvmm, 5-byte guest)"
	MEMS="256M 1G 4G 16G 64G"
	[ "${BENCH_QUICK:-0}" = 1 ] && MEMS="256M 1G 4G"
	: > $OUT/mem.dat
	for m in $MEMS; do
		timed "cvmm --mem $m" -p "first KVM_RUN" -- $CVMM --mem $m --kernel $EXITG --boot-trace=json || continue
		printf '%s\t%s\t%s\n' "$m" "$(median "cvmm --mem $m [first KVM_RUN]")" "$(median "cvmm --mem $m")" >> $OUT/mem.dat
	done
	for m in 256M 4G; do
		timed "cvmm --mem $m --no-guest-memfd" -p "first KVM_RUN" -- $CVMM --mem $m --no-guest-memfd --kernel $EXITG --boot-trace=json
	done

	echo
	# max: the most vCPUs direct boot gives a stack below 1 MiB (KVM here allows 1024)
	MAXCPUS=$($CVMM --cpus 4096 --dry-run 2>&1 | sed -nE 's/.*at most ([0-9]+).*/\1/p')
	echo "== vCPUs (every vCPU enters the guest and checks in; max = ${MAXCPUS:-?}, direct boot's limit)"
	for n in 1 2 8 ${MAXCPUS:-}; do
		timed "cvmm --cpus $n" -p "first KVM_RUN" -- $CVMM --cpus $n --kernel build/guests/smp.elf --cmdline $n --boot-trace=json
	done

	if $CVMM --sw --kernel $EXITG >/dev/null 2>&1; then
		echo
		echo "== sw platform (all private at start)"
		for m in 256M 4G; do
			timed "cvmm --sw --mem $m" -p "first KVM_RUN" -- $CVMM --sw --mem $m --kernel $EXITG --boot-trace=json
		done
	fi

	# Figures other parts of cvmm contribute: each bench/parts/*.sh prints its
	# own lines (and may append to $RES).
	for part in bench/parts/*.sh; do
		[ -f "$part" ] || continue
		echo
		RES=$RES OUT=$OUT RUNS=$RUNS CVMM=$CVMM T=$T PLOTS=$PLOTS bash "$part"
	done

}
# Everything printed also goes into BENCHMARKS.md.
bench_body 2>&1 | tee $OUT/bench.txt

# ---- plots ------------------------------------------------------------------
$CVMM --boot-trace=json 2>$OUT/trace.json >/dev/null
grep -o '"phase":"[^"]*","t":[0-9.]*,"delta":[0-9.]*' $OUT/trace.json |
	sed -E 's/"phase":"([^"]*)","t":([0-9.]*),"delta":([0-9.]*)/\1\t\2\t\3/' > $OUT/phases.dat
if command -v gnuplot >/dev/null; then
	gnuplot <<EOF 2>/dev/null
set terminal pngcairo size 900,500 noenhanced
set output "$PLOTS/boot-phases.png"
set title "cvmm demo guest: time spent in each boot phase (one run)"
set style fill solid 0.8
set boxwidth 0.7
set xtics rotate by -40 font ",8"
set ylabel "microseconds"
set datafile separator "\t"
plot "$OUT/phases.dat" using 3:xtic(1) with boxes notitle
set output "$PLOTS/setup-vs-memory.png"
set title "cvmm set-up time (main() to first KVM_RUN) against guest RAM"
set xtics norotate font ",10"
set ylabel "milliseconds (median)"
set yrange [0:*]
set xlabel "guest RAM"
plot "$OUT/mem.dat" using 0:2:xtic(1) with linespoints title "set-up", \
     "$OUT/mem.dat" using 0:3 with linespoints title "start to process gone"
EOF
	echo; echo "plots: $PLOTS/boot-phases.png $PLOTS/setup-vs-memory.png"
fi

# ---- BENCHMARKS.md ----------------------------------------------------------
{
	echo "# cvmm benchmarks"
	echo
	echo "Regenerated by \`make bench\` on $(date -u '+%Y-%m-%d %H:%M UTC'); $RUNS runs per figure."
	echo "Machine: $(uname -r), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')),"
	echo "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM. KVM here runs on a PVM module without"
	echo "hardware virtualization: guest code is emulated, exits cost ~9 us. Figures are wall"
	echo "times in milliseconds (min / median / max); phases are from cvmm's \`--boot-trace=json\`"
	echo "(milliseconds after main())."
	echo
	echo "| figure | min | median | max |"
	echo "|---|---:|---:|---:|"
	awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $1, $3, $4, $5 }' $RES
	echo
	echo "![boot phases](bench/plots/boot-phases.png)"
	echo
	echo "![set-up vs memory](bench/plots/setup-vs-memory.png)"
	echo
	[ -s $PLOTS/linux-boot-phases.png ] && [ -s $OUT/linux-phases.dat ] &&
		{ echo "![Linux boot phases (nested)](bench/plots/linux-boot-phases.png)"; echo; }
	echo "## Everything make bench printed"
	echo
	echo '```'
	cat $OUT/bench.txt
	echo '```'
} > BENCHMARKS.md
echo "results: $RES, BENCHMARKS.md"

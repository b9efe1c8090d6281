# Private memory figures (issue 3), sourced by bench/run.sh with RES, CVMM
# set: conversion throughput through the routine (build/opt/bench/convbench)
# and through the conversion port on /dev/kvm (a --sw guest converting pages
# to shared and back, timed between its milestones by --boot-trace), and
# the bookkeeping cost of 64 GiB with 10,000 ranges. Printed, never asserted.
CVMM=${CVMM:-./cvmm}
RES=${RES:-/dev/null}
G=build/guests/convbench.elf
N=${CONV_N:-2000}

echo "== shared/private conversions"
if [ -x build/opt/bench/convbench ]; then
	build/opt/bench/convbench
else
	echo "  convbench not built (make build/opt/bench/convbench)"
fi

loop_us() {	# microseconds between the guest's milestones "entered" and "ready"
	"$CVMM" --sw --kernel $G --cmdline "$1" --boot-trace=json 2>&1 >/dev/null |
		grep -o '"phase":"guest milestone: [a-z]*","t":[0-9.]*' |
		sed 's/.*"t"://' | tr '\n' ' ' | awk '{ printf "%.1f", $2 - $1 }'
}

echo "conversion port (--sw on this host's /dev/kvm; a guest converts to shared and back; min/median/max of 3):"
for mode in 4k 2m; do
	arg="$N"; pages=1
	[ $mode = 2m ] && { arg="$((N / 8)) 2m"; pages=512; }
	n=${arg%% *}
	ts=$(for i in 1 2 3; do loop_us "$arg"; echo; done | sort -n | tr '\n' ' ')
	read -r t1 t2 t3 <<<"$ts"
	awk -v a="$t1" -v b="$t2" -v c="$t3" -v n="$n" -v p="$pages" -v m="$mode" 'BEGIN {
		k = 2 * n;
		printf "  %s runs: %d conversions, %.1f us per conversion (median), %.0f pages/s\n",
			m, k, b / k, k * p / (b / 1e6) }'
	awk -v a="$t1" -v b="$t2" -v c="$t3" -v n="$n" -v m="$mode" 'BEGIN {
		k = 2 * n;
		printf "conversion via port, %s run\tus\t%.1f\t%.1f\t%.1f\n", m, a / k, b / k, c / k }' >> "$RES"
done

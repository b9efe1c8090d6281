#!/bin/bash
# Conversion throughput through the cvmm conversion port on /dev/kvm (--sw):
# a guest converts pages to shared and back; --boot-trace brackets the loop
# with the guest's milestones. Printed, never asserted.
#   bench/convport.sh [CVMM] [N]
set -u
cd "$(dirname "$0")/.."
CVMM=${1:-./cvmm}
N=${2:-2000}
G=build/guests/convbench.elf
[ -r /dev/kvm ] || { echo "convport bench: SKIPPED (no /dev/kvm)"; exit 0; }

loop_us() {	# prints the microseconds between milestones "entered" and "ready"
	"$CVMM" --sw --kernel $G --cmdline "$1" --boot-trace=json 2>&1 >/dev/null |
		grep -o '"phase":"guest milestone: [a-z]*","t":[0-9.]*' |
		sed 's/.*"t"://' | tr '\n' ' ' | awk '{ printf "%.1f", $2 - $1 }'
}

echo "conversion port (--sw on this host's /dev/kvm, $N round trips per run, median of 3):"
for mode in "4k" "2m"; do
	arg="$N"; pages=1
	[ $mode = 2m ] && { arg="$((N / 8)) 2m"; pages=512; }
	n=${arg%% *}
	ts=$(for i in 1 2 3; do loop_us "$arg"; echo; done | sort -n | sed -n 2p)
	awk -v t="$ts" -v n="$n" -v p="$pages" -v m="$mode" 'BEGIN {
		c = 2 * n;
		printf "  %s runs: %d conversions in %.1f ms: %.1f us per conversion, %.0f pages/s\n",
			m, c, t / 1000, t / c, c * p / (t / 1e6) }'
done

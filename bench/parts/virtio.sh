# virtio-blk figures (issue 4), sourced by bench/run.sh with RES, CVMM set:
# the device model beside raw pread (build/opt/bench/virtioblk), then whole
# requests from a real guest on /dev/kvm (plain, and --sw through the shared
# window), timed between the guest's milestones. Printed, never asserted.
CVMM=${CVMM:-./cvmm}
RES=${RES:-/dev/null}
G=build/guests/virtio_bench.elf
N=${VIRTIO_N:-500}

echo "== virtio-blk"
if [ -x build/opt/bench/virtioblk ]; then
	build/opt/bench/virtioblk 2>$OUT/virtioblk.tsv
	# one value per figure: min = median = max
	awk -F'\t' '{ printf "%s\t%s\t%s\t%s\t%s\n", $1, $2, $3, $3, $3 }' $OUT/virtioblk.tsv >> "$RES"
else
	echo "  virtioblk not built (make build/opt/bench/virtioblk)"
fi

VIMG=$(mktemp /tmp/cvmm-benchdisk-XXXXXX.img)
head -c $((64 << 20)) /dev/zero >"$VIMG"
loop_us() {	# microseconds between the guest's milestones "entered" and "ready"
	"$CVMM" "$@" --boot-trace=json 2>&1 >/dev/null |
		grep -o '"phase":"guest milestone: [a-z]*","t":[0-9.]*' |
		sed 's/.*"t"://' | tr '\n' ' ' | awk '{ printf "%.1f", $2 - $1 }'	# trace unit: us
}
echo "whole requests from a guest on /dev/kvm ($N reads each, one in flight; min/median/max of 3):"
for plat in plain sw; do
	for kib in 4 64; do
		ts=$(for i in 1 2 3; do loop_us --$plat --mem 64M --kernel $G --disk "$VIMG" --cmdline "$N $kib"; echo; done |
			sort -n | tr '\n' ' ')
		read -r t1 t2 t3 <<<"$ts"
		[ -n "${t2:-}" ] || { echo "  --$plat $kib KiB: FAILED"; continue; }
		awk -v a="$t1" -v b="$t2" -v c="$t3" -v n="$N" -v k="$kib" -v p="$plat" 'BEGIN {
			printf "  --%-5s %2d KiB: %6.1f us per request (median), %7.1f MB/s\n",
				p, k, b / n, n * k * 1024 / b }'
		awk -v a="$t1" -v b="$t2" -v c="$t3" -v n="$N" -v k="$kib" -v p="$plat" 'BEGIN {
			printf "virtio-blk guest request, --%s, %d KiB\tus\t%.1f\t%.1f\t%.1f\n",
				p, k, a / n, b / n, c / n }' >> "$RES"
	done
done
rm -f "$VIMG"

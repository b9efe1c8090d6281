#!/bin/bash
# Measurement prediction figures (issue 5): SNP launch-digest throughput for
# a large firmware beside `openssl speed -evp sha384` on this machine, and
# the time to predict a direct-boot digest for 64 GiB vs 256 MiB of RAM.
# Run by bench/run.sh (RES, OUT, RUNS, CVMM, T from there) or alone.
set -u
cd "$(dirname "$0")/../.."
RES=${RES:-/dev/null} OUT=${OUT:-bench/out} RUNS=${RUNS:-10} CVMM=${CVMM:-./cvmm}
T=${T:-build/bench/timeit}
mkdir -p "$OUT"
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >> "$RES"; }
median_ms() { "$T" -n "$RUNS" -- "$@" | awk -F'\t' '$1 == "wall" { print $3 }'; }
min_ms() { "$T" -n "$RUNS" -- "$@" | awk -F'\t' '$1 == "wall" { print $2 }'; }
# CPU time (user + system) of one run, like openssl speed counts it; this
# 2-core machine is shared, so wall time includes waiting for a core.
cpu_ms() {
	perf stat -r "$RUNS" -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ { print $1 }'
}

echo "== launch measurement prediction (cvmm measure)"
# A 64 MiB firmware: random bytes in front of OVMF_CODE.fd (its tables are
# found from the end, so it stays a valid SNP firmware).
FW=$OUT/fw64m.fd
head -c $((64 * 1024 * 1024 - 0x1e0000)) /dev/urandom > "$FW"
cat /usr/share/OVMF/OVMF_CODE.fd >> "$FW"
MB=64
ms=$(min_ms $CVMM measure --snp --firmware "$FW")
if command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1; then
	cpu=$(cpu_ms $CVMM measure --snp --firmware "$FW")
	basis="CPU time"
else
	cpu=$ms
	basis="best wall time"
fi
cvmm_mbs=$(awk -v ms="$cpu" -v mb=$MB 'BEGIN { printf "%.0f", mb * 1.048576 / (ms / 1000) }')
ossl=$(openssl speed -evp sha384 -bytes 4096 -seconds 2 2>/dev/null | awk '/^sha384/ { v = $NF; sub("k", "", v); printf "%.0f", v / 1000 }')
printf '  %-58s %8s ms wall (best of %s), %s ms CPU\n' "SNP launch digest, 64 MiB firmware" "$ms" "$RUNS" "$cpu"
printf '  %-58s %8s MB/s\n' "  = throughput ($basis, file mapping included)" "$cvmm_mbs"
printf '  %-58s %8s MB/s\n' "openssl speed -evp sha384, 4 KiB blocks" "${ossl:-n/a}"
[ -n "${ossl:-}" ] && printf '  %-58s %8s %%\n' "cvmm / openssl" \
	"$(awk -v a="$cvmm_mbs" -v b="$ossl" 'BEGIN { printf "%.0f", 100 * a / b }')"
record "measure: SNP digest 64 MiB firmware" MB/s "$cvmm_mbs" "$cvmm_mbs" "$cvmm_mbs"
record "openssl sha384 4 KiB blocks" MB/s "${ossl:-0}" "${ossl:-0}" "${ossl:-0}"
rm -f "$FW"

BZ=build/guests/bootparams.bzImage
if [ -r $BZ ]; then
	for m in 256M 64G; do
		ms=$(median_ms $CVMM measure --tdx --kernel $BZ --mem $m)
		printf '  %-58s %8s ms\n' "TDX direct-boot MRTD, --mem $m" "$ms"
		record "measure: TDX direct boot --mem $m" ms "$ms" "$ms" "$ms"
		ms=$(median_ms $CVMM measure --snp --kernel $BZ --mem $m)
		printf '  %-58s %8s ms\n' "SNP direct-boot digest, --mem $m" "$ms"
		record "measure: SNP direct boot --mem $m" ms "$ms" "$ms" "$ms"
	done
else
	echo "  (direct-boot figures need $BZ: make test-build)"
fi

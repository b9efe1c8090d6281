# The release binary (./cvmm, libcrypto and libfdt linked statically) does
# what the sanitizer build does: the other tiers test build/asan/cvmm.
rel_case() { CVMM=./cvmm cli_case "$@"; }
# The vectors wherever the checkout sits (a worktree has no ../shared).
REL_V=${CVMM_VECTORS:-}
for d in ../shared/vectors ../../shared/vectors /work/shared/vectors; do
	[ -z "$REL_V" ] && [ -f "$d/attest/README.md" ] && REL_V=$d
done
rel_case "release: --version" 0 '^cvmm ' --version
rel_case "release: measure SNP from Debian's OVMF_CODE.fd" 0 '^[0-9a-f]{96}$' measure --snp --firmware /usr/share/OVMF/OVMF_CODE.fd
rel_case "release: attest verify (OpenSSL, static)" 0 'passed' attest verify "$REL_V/attest/snp/mstav-genoa-report.bin" \
	--certs "$REL_V/attest/snp/mstav-genoa-report.vcek.pem" --certs "$REL_V/attest/snp/chains/amd-genoa-ask-ark.pem"
rel_case "release: dry run of the demo" 0 'launch plan: demo image' --dry-run

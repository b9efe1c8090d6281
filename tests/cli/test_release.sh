# The release binary (./cvmm, libcrypto and libfdt linked statically) does
# what the sanitizer build does: the other tiers test build/asan/cvmm.
rel_case() { CVMM=./cvmm cli_case "$@"; }
rel_case "release: --version" 0 '^cvmm ' --version
rel_case "release: measure SNP from Debian's OVMF_CODE.fd" 0 '^[0-9a-f]{96}$' measure --snp --firmware /usr/share/OVMF/OVMF_CODE.fd
rel_case "release: attest verify (OpenSSL, static)" 0 'passed' attest verify ../shared/vectors/attest/snp/mstav-genoa-report.bin --certs ../shared/vectors/attest/snp/mstav-genoa-report.vcek.pem --certs ../shared/vectors/attest/snp/chains/amd-genoa-ask-ark.pem
rel_case "release: dry run of the demo" 0 'launch plan: demo image' --dry-run

# The release binary (./cvmm, libcrypto and libfdt linked statically) does
# what the sanitizer build does: the other tiers test build/asan/cvmm.
rel_case() { CVMM=./cvmm cli_case "$@"; }
REL_V=$(vectors_dir)
rel_case "release: --version" 0 '^cvmm ' --version
rel_case "release: measure SNP from Debian's OVMF_CODE.fd" 0 '^[0-9a-f]{96}$' measure --snp --firmware /usr/share/OVMF/OVMF_CODE.fd
if [ -n "$REL_V" ]; then
	rel_case "release: attest verify (OpenSSL, static)" 0 'passed' attest verify "$REL_V/attest/snp/mstav-genoa-report.bin" \
		--certs "$REL_V/attest/snp/mstav-genoa-report.vcek.pem" --certs "$REL_V/attest/snp/chains/amd-genoa-ask-ark.pem"
else
	vectors_skip "release: attest verify" 1
fi
rel_case "release: dry run of the demo" 0 'launch plan: demo image' --dry-run
# test-only code (tests/support/: the failing backend, guest memory without a VM) is not shipped
rel_no_test_code() { ! nm "$1" | grep -E ' [TtDdBb] (kb_failing_init|gm_init|gm_init_backing)$'; }
cli_check "release: no test-only code in ./cvmm" rel_no_test_code ./cvmm
cli_check "sanitizer build: no test-only code in $CVMM" rel_no_test_code "$CVMM"

# `cvmm attest dump|verify` on the real vectors and on damaged copies.
# Expected values are read from the files with od and openssl, never from
# cvmm's own output. Sourced by tests/run-all.sh (cli tier).

AV=${CVMM_VECTORS:-}
if [ -z "$AV" ]; then
	for d in ../shared/vectors ../../shared/vectors /work/shared/vectors; do
		[ -f "$d/attest/README.md" ] && { AV=$d; break; }
	done
fi
AV=$AV/attest
AT=$(mktemp -d)

# hex_at FILE OFFSET COUNT: bytes as contiguous lowercase hex
hex_at() { od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'; }
# flip FILE OFFSET: xor the byte with 1, in place
flip() {
	local b; b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# put_le FILE OFFSET WIDTH VALUE: little-endian integer, in place
put_le() {
	local i s=""
	for ((i = 0; i < $3; i++)); do s+=$(printf '\\%03o' $((($4 >> (8 * i)) & 255))); done
	printf "$s" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# certdir NAME FILE...: a directory holding copies under names cvmm cannot guess from
certdir() {
	local d=$AT/$1 i=0; shift; mkdir -p "$d"
	for f in "$@"; do cp "$f" "$d/c$i"; i=$((i + 1)); done
	echo "$d"
}
# iso_end CERTFILE [der]: notAfter as cvmm prints it, computed by openssl + date
iso_end() {
	date -u -d "$(openssl x509 ${2:+-inform der} -in "$1" -noout -enddate | cut -d= -f2)" \
		+%Y-%m-%dT%H:%M:%SZ
}

if [ ! -d "$AV" ]; then
	cli_check "attest vectors present (set CVMM_VECTORS)" false
else
S=$AV/snp C=$AV/snp/chains T=$AV/tdx ROOT=$AV/tdx/collateral/intel-sgx-root-ca.pem

# --- dump: every vector, its digests as the bytes at the ABI offsets
for f in "$S"/*.bin; do
	off=0; case $f in *hcl*) off=32;; esac	# README: HCLA header, report at 0x20
	cli_case "dump $(basename "$f")" 0 "measurement +$(hex_at "$f" $((off + 0x90)) 48)" \
		attest dump "$f"
done
for f in "$T"/*.dat "$T"/*.bin; do
	v=$(od -An -tu2 -N2 "$f" | tr -d ' '); body=48; [ "$v" = 5 ] && body=54
	cli_case "dump $(basename "$f")" 0 "mrtd +$(hex_at "$f" $((body + 136)) 48)" attest dump "$f"
done
cli_case "dump: Azure HCL container found" 0 "container +azure-hcl" attest dump "$S/trustee-az-snp-hcl-report.bin"
cli_case "dump: --offset into the container" 0 "offset +32" \
	attest dump --offset 0x20 "$S/trustee-az-snp-hcl-report.bin"
CQ=$T/gotdx-cos-113-tdx-quote.dat	# v4: signature data length at 48 + 584
cli_case "dump: COS quote's trailing bytes" 0 \
	"trailing_bytes +$(( $(stat -c %s "$CQ") - 636 - $(od -An -tu4 -j 632 -N4 "$CQ" | tr -d ' ') ))\b" \
	attest dump "$CQ"
cli_case "dump: PCK chain subjects" 0 "CN=Intel SGX PCK Certificate" attest dump "$T/trustee-tdx_quote_5.dat"
if command -v python3 >/dev/null; then
	for f in "$S/mstav-turin-report.bin" "$T/gotdx-quote_v5_sample.dat"; do
		cli_check "dump --json parses: $(basename "$f")" \
			sh -c "'$CVMM' attest dump --json '$f' | python3 -c 'import json,sys; json.load(sys.stdin)'"
	done
	cli_check "verify --json parses" sh -c "'$CVMM' attest verify --json --root '$ROOT' \
		'$T/trustee-tdx_quote_6.dat' | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"result\"]==\"passed\"'"
fi

# --- verify: each report with the chain its README pairs it with
snp_ok() {	# report ek chain
	local d; d=$(certdir "$(basename "$1")" "$2" ${3:+"$3"})
	cli_case "verify $(basename "$1")" 0 "result: passed" attest verify "$1" --certs "$d" \
		--no-time-check --allow-debug
}
snp_ok "$S/gosev-attestation.bin" "$S/gosev-attestation.vcek.der" "$C/amd-milan-ask-ark.pem"
snp_ok "$S/trustee-test-report.bin" "$S/trustee-test-report.vcek.der" "$C/amd-milan-ask-ark.pem"
snp_ok "$S/trustee-test-vlek-report.bin" "$S/trustee-test-vlek-report.vlek.der" "$C/amd-milan-asvk-ark.pem"
snp_ok "$S/mstav-milan-report.bin" "$S/mstav-milan-report.vcek.pem" "$C/amd-milan-ask-ark.pem"
snp_ok "$S/mstav-genoa-report.bin" "$S/mstav-genoa-report.vcek.pem" "$C/amd-genoa-ask-ark.pem"
snp_ok "$S/mstav-turin-report.bin" "$S/mstav-turin-report.vcek.pem" "$C/amd-turin-ask-ark.pem"
snp_ok "$S/teekit-sev-gcp-reportdata.bin" "$S/teekit-sev-gcp-reportdata.vcek.pem" "$C/amd-milan-ask-ark.pem"
snp_ok "$S/trustee-e2e-report.bin" "$S/trustee-e2e-report.vcek.der" "$C/amd-genoa-ask-ark.pem"
snp_ok "$S/trustee-az-snp-hcl-report.bin" "$S/trustee-az-snp-hcl-report.vcek-ask-ark.pem"
cli_case "verify: --certs FILE (PEM bundle)" 0 "passed +report_signature" \
	attest verify "$S/trustee-az-snp-hcl-report.bin" --certs "$S/trustee-az-snp-hcl-report.vcek-ask-ark.pem" --no-time-check
for f in "$T"/*.dat "$T"/*.bin; do
	cli_case "verify $(basename "$f") --root" 0 "passed +root_pinned" attest verify "$f" --root "$ROOT" \
		--allow-debug
done
# Debug guests are refused unless --allow-debug: the bits read from the files.
GS=$S/gosev-attestation.bin
want=$(( ($(od -An -tu1 -j $((0x08 + 2)) -N1 "$GS") >> 3) & 1 ))
cli_case "verify: SNP debug policy bit ($want) decides" "$want" "(passed|failed) +debug +policy bit 19" \
	attest verify "$GS" --certs "$(certdir gosev-dbg "$S/gosev-attestation.vcek.der" "$C/amd-milan-ask-ark.pem")" \
	--no-time-check
for f in "$T/trustee-tdx_quote_4.dat" "$T/trustee-tdx_quote_5.dat"; do
	want=$(( $(od -An -tu1 -j $((48 + 120)) -N1 "$f") & 1 ))
	cli_case "verify: TD debug bit ($want) decides, $(basename "$f")" "$want" "(passed|failed) +debug" \
		attest verify "$f"
done

# --- expected values, read from the report bytes
G=$S/teekit-sev-gcp-reportdata.bin GD=$(certdir gcp "$S/teekit-sev-gcp-reportdata.vcek.pem" "$C/amd-milan-ask-ark.pem")
cli_case "verify: expected measurement and report data" 0 "passed +report_data" \
	attest verify "$G" --certs "$GD" --no-time-check \
	--expect-measurement "$(hex_at "$G" 0x90 48)" --report-data "$(hex_at "$G" 0x50 64)"
cli_case "verify: wrong measurement" 1 "failed +measurement" \
	attest verify "$G" --certs "$GD" --no-time-check --expect-measurement "$(hex_at "$G" 0x91 48)"
Q=$T/trustee-tdx_quote_4.dat
cli_case "verify: TDX MRTD expected" 0 "passed +measurement" \
	attest verify "$Q" --allow-debug --expect-measurement "$(hex_at "$Q" $((48 + 136)) 48)"

# --- time: which certificate expired, and when (dates from openssl)
VL=$S/trustee-test-vlek-report.vlek.der
VD=$(certdir vlek "$VL" "$C/amd-milan-asvk-ark.pem")
cli_case "verify: VLEK expiry named" 1 "failed +cert_validity +VLEK \(CN=SEV-VLEK\) expired on $(iso_end "$VL" der)" \
	attest verify "$S/trustee-test-vlek-report.bin" --certs "$VD" --at 2099-01-01
GV=$S/gosev-attestation.vcek.der
cli_case "verify: --at after the VCEK's end" 1 "VCEK \(CN=SEV-VCEK\) expired on $(iso_end "$GV" der)" \
	attest verify "$S/gosev-attestation.bin" --certs "$(certdir gosev "$GV" "$C/amd-milan-ask-ark.pem")" \
	--at 2099-01-01
cli_case "verify: PCK leaf expiry named" 1 "PCK leaf \(CN=Intel SGX PCK Certificate\) expired on" \
	attest verify "$Q" --at 2099-01-01

# --- damaged copies: each fails with its reason and exit status
M=$AT/milan.bin; cp "$S/mstav-milan-report.bin" "$M"; flip "$M" $((0x2a0 + 3))
MD=$(certdir milan "$S/mstav-milan-report.vcek.pem" "$C/amd-milan-ask-ark.pem")
cli_case "verify: flipped SNP signature byte" 1 "failed +report_signature" \
	attest verify "$M" --certs "$MD" --no-time-check
cp "$S/mstav-milan-report.bin" "$M"
cli_case "verify: certificate from another product" 1 "failed +product +.*says Milan.*says Genoa" \
	attest verify "$M" --certs "$(certdir milan-genoa "$S/mstav-milan-report.vcek.pem" "$C/amd-genoa-ask-ark.pem")" --no-time-check
cli_case "verify: SNP --root pins the ARK" 0 "passed +root_pinned" \
	attest verify "$M" --certs "$MD" --no-time-check --root "$C/amd-milan-ask-ark.pem"
cli_case "verify: SNP --root of another product" 1 "failed +root_pinned" \
	attest verify "$M" --certs "$MD" --no-time-check --root "$C/amd-genoa-ask-ark.pem"
cli_case "verify: no --certs" 1 "failed +certificates" attest verify "$M"
head -c 1000 "$M" >"$AT/short.bin"
cli_case "dump: truncated SNP report" 2 "truncated: 1000 bytes" attest dump "$AT/short.bin"
put_le "$M" 0 4 99
cli_case "dump: wrong SNP version" 2 "SNP report version 99" attest dump "$M"
cli_case "verify: wrong SNP version" 2 "SNP report version 99" attest verify "$M" --certs "$MD"

X=$AT/quote.dat; cp "$Q" "$X"; flip "$X" $((48 + 584 + 4 + 7))
cli_case "verify: flipped TDX signature byte" 1 "failed +quote_signature" attest verify "$X"
cp "$Q" "$X"; flip "$X" $((48 + 584 + 4 + 128 + 6 + 2))
cli_case "verify: flipped QE report byte" 1 "failed +qe_report_signature" attest verify "$X"
head -c 3000 "$Q" >"$X"
cli_case "dump: truncated TDX quote" 2 "runs past the end" attest dump "$X"
cp "$Q" "$X"; put_le "$X" 0 2 3
cli_case "dump: wrong TDX version" 2 "TDX quote version 3" attest dump "$X"
cp "$Q" "$X"; put_le "$X" $((48 + 584)) 4 $(($(stat -c %s "$Q") * 2))
cli_case "dump: signature length past the end" 2 "signature data .* runs past the end" attest dump "$X"
cp "$Q" "$X"; put_le "$X" $((48 + 584 + 4 + 128 + 2)) 4 4294967295
cli_case "dump: certification data length past the end" 2 "certification data .* runs past the end" attest dump "$X"
cli_case "verify: other vendor's root pinned" 1 "failed +pck_chain" \
	attest verify "$Q" --root "$C/amd-milan-ask-ark.pem"

# --- the command line itself
cli_case "attest --help" 0 "dump .*verify|verify" attest --help
cli_case "attest dump --help" 0 "--offset" attest dump --help
cli_case "attest verify --help" 0 "--no-time-check" attest verify --help
cli_case "attest: unknown sub-command" 2 "unknown command 'frob'" attest frob
cli_case "attest dump: no file" 2 "no evidence FILE" attest dump
cli_case "attest dump: missing file" 2 "No such file" attest dump "$AT/nope"
cli_case "attest dump: not evidence" 2 "not attestation evidence" attest dump "$AV/README.md"
cli_case "verify: bad --report-data" 2 "--report-data: not hex" attest verify "$Q" --report-data xyz
fi
rm -rf "$AT"

# `cvmm attest dump|verify` on the real vectors and on damaged copies.
# Expected values are read from the files with od and openssl, never from
# cvmm's own output. Sourced by tests/run-all.sh (cli tier).

ATT_AV=$(vectors_dir) && ATT_AV=$ATT_AV/attest || ATT_AV=""
ATT_AT=$(mktemp -d)

# att_hex_at FILE OFFSET COUNT: bytes as contiguous lowercase hex
att_hex_at() { od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'; }
# att_flip FILE OFFSET: xor the byte with 1, in place
att_flip() {
	local b; b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# att_put_le FILE OFFSET WIDTH VALUE: little-endian integer, in place
att_put_le() {
	local i s=""
	for ((i = 0; i < $3; i++)); do s+=$(printf '\\%03o' $((($4 >> (8 * i)) & 255))); done
	printf "$s" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# att_certdir NAME FILE...: a directory holding copies under names cvmm cannot guess from
att_certdir() {
	local d=$ATT_AT/$1 i=0; shift; mkdir -p "$d"
	for f in "$@"; do cp "$f" "$d/c$i"; i=$((i + 1)); done
	echo "$d"
}
# att_iso_end CERTFILE [der]: notAfter as cvmm prints it, computed by openssl + date
att_iso_end() {
	date -u -d "$(openssl x509 ${2:+-inform der} -in "$1" -noout -enddate | cut -d= -f2)" \
		+%Y-%m-%dT%H:%M:%SZ
}

# Everything below runs in a function: this file is sourced next to the other
# cli tests, so its loop variables must not leak into theirs.
att_main() {
local f v body off d want
if [ ! -d "$ATT_AV" ]; then
	# every check below reads them (a loop counted once)
	vectors_skip "attest dump/verify on the vectors (each check or loop counted once)" \
		"$(grep -cE '^\s*(cli_case|cli_check|att_snp_ok) ' "${BASH_SOURCE[0]}")"
else
ATT_S=$ATT_AV/snp ATT_C=$ATT_AV/snp/chains ATT_T=$ATT_AV/tdx ATT_ROOT=$ATT_AV/tdx/collateral/intel-sgx-root-ca.pem

# --- dump: every vector, its digests as the bytes at the ABI offsets
for f in "$ATT_S"/*.bin; do
	off=0; case $f in *hcl*) off=32;; esac	# README: HCLA header, report at 0x20
	cli_case "dump $(basename "$f")" 0 "measurement +$(att_hex_at "$f" $((off + 0x90)) 48)" \
		attest dump "$f"
done
for f in "$ATT_T"/*.dat "$ATT_T"/*.bin; do
	v=$(od -An -tu2 -N2 "$f" | tr -d ' '); body=48; [ "$v" = 5 ] && body=54
	cli_case "dump $(basename "$f")" 0 "mrtd +$(att_hex_at "$f" $((body + 136)) 48)" attest dump "$f"
done
cli_case "dump: Azure HCL container found" 0 "container +azure-hcl" attest dump "$ATT_S/trustee-az-snp-hcl-report.bin"
cli_case "dump: --offset into the container" 0 "offset +32" \
	attest dump --offset 0x20 "$ATT_S/trustee-az-snp-hcl-report.bin"
ATT_CQ=$ATT_T/gotdx-cos-113-tdx-quote.dat	# v4: signature data length at 48 + 584
cli_case "dump: COS quote's trailing bytes" 0 \
	"trailing_bytes +$(( $(stat -c %s "$ATT_CQ") - 636 - $(od -An -tu4 -j 632 -N4 "$ATT_CQ" | tr -d ' ') ))\b" \
	attest dump "$ATT_CQ"
cli_case "dump: PCK chain subjects" 0 "CN=Intel SGX PCK Certificate" attest dump "$ATT_T/trustee-tdx_quote_5.dat"
if command -v python3 >/dev/null; then
	for f in "$ATT_S/mstav-turin-report.bin" "$ATT_T/gotdx-quote_v5_sample.dat"; do
		cli_check "dump --json parses: $(basename "$f")" \
			sh -c "'$CVMM' attest dump --json '$f' | python3 -c 'import json,sys; json.load(sys.stdin)'"
	done
	cli_check "verify --json parses" sh -c "'$CVMM' attest verify --json --root '$ATT_ROOT' \
		'$ATT_T/trustee-tdx_quote_6.dat' | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"result\"]==\"passed\"'"
fi

# --- verify: each report with the chain its README pairs it with
# att_snp_relax REPORT: the options a report needs past go-sev-guest's default policy, from
# its own bytes (SNP ABI offsets, od): committed TCB 0x1e0 / version 0x1ec against current
# TCB 0x38 / version 0x1e8 (provisional firmware), VMPL 0x30.
att_snp_relax() {
	local o=0 v
	case $1 in *hcl*) o=32;; esac	# README: HCLA header, report at 0x20
	[ "$(att_hex_at "$1" $((o + 0x38)) 8)$(att_hex_at "$1" $((o + 0x1e8)) 3)" != \
	  "$(att_hex_at "$1" $((o + 0x1e0)) 8)$(att_hex_at "$1" $((o + 0x1ec)) 3)" ] &&
		echo --allow-provisional-firmware
	v=$(od -An -tu4 -j $((o + 0x30)) -N4 "$1" | tr -d ' ')
	[ "$v" != 0 ] && echo "--vmpl $v"
	return 0
}
att_snp_ok() {	# report ek chain
	local d relax; d=$(att_certdir "$(basename "$1")" "$2" ${3:+"$3"})
	relax=$(att_snp_relax "$1" | tr '\n' ' ')
	# shellcheck disable=SC2086
	cli_case "verify $(basename "$1") ${relax}" 0 "passed +root_pinned +the ARK is AMD's ARK-.* built into cvmm" \
		attest verify "$1" --certs "$d" --no-time-check --allow-debug $relax
	# The same report under the default policy: it fails exactly when it needed relaxing.
	if [ -n "$relax" ]; then
		cli_case "verify $(basename "$1"): default policy refuses it" 1 "failed +(committed_tcb|vmpl) " \
			attest verify "$1" --certs "$d" --no-time-check --allow-debug
	else
		cli_check "verify $(basename "$1"): current = committed TCB, VMPL 0" bash -c "set -o pipefail; \
			'$CVMM' attest verify '$1' --certs '$d' --no-time-check --allow-debug | tr '\n' ' ' | grep -Eq \
			'passed +committed_tcb .*passed +reported_tcb_committed .*passed +vmpl +report requested at VMPL 0'"
	fi
}
att_snp_ok "$ATT_S/gosev-attestation.bin" "$ATT_S/gosev-attestation.vcek.der" "$ATT_C/amd-milan-ask-ark.pem"
att_snp_ok "$ATT_S/trustee-test-report.bin" "$ATT_S/trustee-test-report.vcek.der" "$ATT_C/amd-milan-ask-ark.pem"
att_snp_ok "$ATT_S/trustee-test-vlek-report.bin" "$ATT_S/trustee-test-vlek-report.vlek.der" "$ATT_C/amd-milan-asvk-ark.pem"
att_snp_ok "$ATT_S/mstav-milan-report.bin" "$ATT_S/mstav-milan-report.vcek.pem" "$ATT_C/amd-milan-ask-ark.pem"
att_snp_ok "$ATT_S/mstav-genoa-report.bin" "$ATT_S/mstav-genoa-report.vcek.pem" "$ATT_C/amd-genoa-ask-ark.pem"
att_snp_ok "$ATT_S/mstav-turin-report.bin" "$ATT_S/mstav-turin-report.vcek.pem" "$ATT_C/amd-turin-ask-ark.pem"
att_snp_ok "$ATT_S/teekit-sev-gcp-reportdata.bin" "$ATT_S/teekit-sev-gcp-reportdata.vcek.pem" "$ATT_C/amd-milan-ask-ark.pem"
att_snp_ok "$ATT_S/trustee-e2e-report.bin" "$ATT_S/trustee-e2e-report.vcek.der" "$ATT_C/amd-genoa-ask-ark.pem"
att_snp_ok "$ATT_S/trustee-az-snp-hcl-report.bin" "$ATT_S/trustee-az-snp-hcl-report.vcek-ask-ark.pem"
# Every certificate of every product at once: the VCEK is found by hwID, the CA by issuer.
for f in mstav-turin-report mstav-genoa-report trustee-test-vlek-report; do
	# shellcheck disable=SC2046
	cli_case "verify $f: --certs with every product's certificates" 0 "result: passed" \
		attest verify "$ATT_S/$f.bin" --certs "$ATT_S" --certs "$ATT_C" --no-time-check --allow-debug \
		$(att_snp_relax "$ATT_S/$f.bin")
done
cli_case "verify: --certs FILE (PEM bundle)" 0 "passed +report_signature" \
	attest verify "$ATT_S/trustee-az-snp-hcl-report.bin" --certs "$ATT_S/trustee-az-snp-hcl-report.vcek-ask-ark.pem" --no-time-check \
	$(att_snp_relax "$ATT_S/trustee-az-snp-hcl-report.bin")
for f in "$ATT_T"/*.dat "$ATT_T"/*.bin; do
	cli_case "verify $(basename "$f"): built-in Intel root" 0 \
		"passed +root_pinned +the quote's root is Intel's SGX Root CA built into cvmm" \
		attest verify "$f" --allow-debug
	cli_case "verify $(basename "$f") --root" 0 "passed +root_pinned .*--root pins" attest verify "$f" --root "$ATT_ROOT" \
		--allow-debug
done
# Debug guests are refused unless --allow-debug: the bits read from the files.
ATT_GS=$ATT_S/gosev-attestation.bin
want=$(( ($(od -An -tu1 -j $((0x08 + 2)) -N1 "$ATT_GS") >> 3) & 1 ))
cli_case "verify: SNP debug policy bit ($want) decides" "$want" "(passed|failed) +debug +policy bit 19" \
	attest verify "$ATT_GS" --certs "$(att_certdir gosev-dbg "$ATT_S/gosev-attestation.vcek.der" "$ATT_C/amd-milan-ask-ark.pem")" \
	--no-time-check
for f in "$ATT_T/trustee-tdx_quote_4.dat" "$ATT_T/trustee-tdx_quote_5.dat"; do
	want=$(( $(od -An -tu1 -j $((48 + 120)) -N1 "$f") & 1 ))
	cli_case "verify: TD debug bit ($want) decides, $(basename "$f")" "$want" "(passed|failed) +debug" \
		attest verify "$f"
done

# --- expected values, read from the report bytes
ATT_G=$ATT_S/teekit-sev-gcp-reportdata.bin ATT_GD=$(att_certdir gcp "$ATT_S/teekit-sev-gcp-reportdata.vcek.pem" "$ATT_C/amd-milan-ask-ark.pem")
cli_case "verify: expected measurement and report data" 0 "passed +report_data" \
	attest verify "$ATT_G" --certs "$ATT_GD" --no-time-check $(att_snp_relax "$ATT_G") \
	--expect-measurement "$(att_hex_at "$ATT_G" 0x90 48)" --report-data "$(att_hex_at "$ATT_G" 0x50 64)"
cli_case "verify: wrong measurement" 1 "failed +measurement" \
	attest verify "$ATT_G" --certs "$ATT_GD" --no-time-check --expect-measurement "$(att_hex_at "$ATT_G" 0x91 48)"

# --- SNP field policy (go-sev-guest's defaults), every value read from the report with od
v=$(od -An -tu4 -j $((0x30)) -N4 "$ATT_G" | tr -d ' ')
cli_case "verify: VMPL $v report under the default --vmpl 0" 1 "failed +vmpl +report requested at VMPL $v, not 0" \
	attest verify "$ATT_G" --certs "$ATT_GD" --no-time-check
cli_case "verify: --vmpl $v accepts it" 0 "passed +vmpl +report requested at VMPL $v" \
	attest verify "$ATT_G" --certs "$ATT_GD" --no-time-check --vmpl "$v"
cli_case "verify: --vmpl $((v + 1)) does not" 1 "failed +vmpl +report requested at VMPL $v, not $((v + 1)) \(--vmpl\)" \
	attest verify "$ATT_G" --certs "$ATT_GD" --no-time-check --vmpl $((v + 1))
cli_case "verify: --vmpl 4 is no VMPL" 2 "--vmpl 4: not a VMPL" attest verify "$ATT_G" --vmpl 4
cli_case "verify: --vmpl with a TDX quote is refused, not ignored" 2 "--vmpl applies to SNP reports; .* is tdx-quote" \
	attest verify "$ATT_T/trustee-tdx_quote_6.dat" --vmpl 0
# Every other SNP-only option too (attest/OUTPUT.md: refused with TDX evidence, never ignored).
for o in "--crl $ATT_T/trustee-tdx_quote_6.dat" --allow-provisional-firmware "--min-tcb 0" \
	"--host-data $(printf '00%.0s' $(seq 32))" "--id-key-digest $(printf '00%.0s' $(seq 48))" \
	"--author-key-digest $(printf '00%.0s' $(seq 48))" "--min-guest-svn 0"; do
	# shellcheck disable=SC2086
	cli_case "verify: ${o%% *} with a TDX quote is refused, not ignored" 2 "^cvmm: ${o%% *} applies to SNP reports; .* is tdx-quote" \
		attest verify "$ATT_T/trustee-tdx_quote_6.dat" $o
done
cli_case "verify: --host-data as the report holds it" 0 "passed +host_data" \
	attest verify "$ATT_G" --certs "$ATT_GD" --no-time-check --vmpl "$v" --host-data "$(att_hex_at "$ATT_G" 0xc0 32)"
cli_case "verify: another --host-data" 1 "failed +host_data +host data is $(att_hex_at "$ATT_G" 0xc0 32), --host-data gives 01" \
	attest verify "$ATT_G" --certs "$ATT_GD" --no-time-check --vmpl "$v" --host-data "01$(att_hex_at "$ATT_G" 0xc1 31)"
cli_case "verify: --host-data of 31 bytes" 2 "--host-data: not hex of 32 bytes" \
	attest verify "$ATT_G" --host-data "$(att_hex_at "$ATT_G" 0xc0 31)"
ATT_M=$ATT_S/mstav-milan-report.bin ATT_MD=$(att_certdir milan-pol "$ATT_S/mstav-milan-report.vcek.pem" "$ATT_C/amd-milan-ask-ark.pem")
for v in id_key_digest:0xe0 author_key_digest:0x110; do
	cli_case "verify: --${v%%:*} as the report holds it" 0 "passed +${v%%:*} " \
		attest verify "$ATT_M" --certs "$ATT_MD" --no-time-check --"$(tr _ - <<<"${v%%:*}")" "$(att_hex_at "$ATT_M" $((${v#*:})) 48)"
	cli_case "verify: another --${v%%:*}" 1 "failed +${v%%:*} " \
		attest verify "$ATT_M" --certs "$ATT_MD" --no-time-check --"$(tr _ - <<<"${v%%:*}")" "ff$(att_hex_at "$ATT_M" $((${v#*:} + 1)) 47)"
done
v=$(od -An -tu4 -j 4 -N4 "$ATT_M" | tr -d ' ')	# GUEST_SVN
cli_case "verify: --min-guest-svn $v (the report's)" 0 "passed +guest_svn +guest SVN $v reaches" \
	attest verify "$ATT_M" --certs "$ATT_MD" --no-time-check --min-guest-svn "$v"
cli_case "verify: --min-guest-svn $((v + 1))" 1 "failed +guest_svn +guest SVN $v is below --min-guest-svn $((v + 1))" \
	attest verify "$ATT_M" --certs "$ATT_MD" --no-time-check --min-guest-svn $((v + 1))
# --min-tcb: the report's current TCB (0x38, a Milan layout: bl byte 0, snp byte 6, ucode byte 7)
v=$(od -An -tx8 -j $((0x38)) -N8 "$ATT_M" | tr -d ' ')
cli_case "verify: --min-tcb 0x$v (its current TCB)" 0 "passed +min_tcb +current, committed and reported TCB reach" \
	attest verify "$ATT_M" --certs "$ATT_MD" --no-time-check --min-tcb "0x$v"
cli_case "verify: --min-tcb one SNP SPL higher" 1 "failed +min_tcb +below --min-tcb .*snp $(( $(od -An -tu1 -j $((0x38 + 6)) -N1 "$ATT_M") + 1 ))" \
	attest verify "$ATT_M" --certs "$ATT_MD" --no-time-check --min-tcb "0x$(printf %016x $((0x$v + (1 << 48))))"
cli_case "verify: --min-tcb is hex" 2 "--min-tcb zz: not a hex" attest verify "$ATT_M" --min-tcb zz
# Provisional firmware: trustee's VLEK report (README pairing), the TCBs read with od.
ATT_VP=$ATT_S/trustee-test-vlek-report.bin
cli_case "verify: committed ucode $(od -An -tu1 -j $((0x1e0 + 7)) -N1 "$ATT_VP" | tr -d ' ') != current $(od -An -tu1 -j $((0x38 + 7)) -N1 "$ATT_VP" | tr -d ' ')" 1 \
	"failed +committed_tcb +provisional firmware: committed TCB .*ucode $(od -An -tu1 -j $((0x1e0 + 7)) -N1 "$ATT_VP" | tr -d ' ') \(0x$(od -An -tx8 -j $((0x1e0)) -N8 "$ATT_VP" | tr -d ' ').* current TCB .*ucode $(od -An -tu1 -j $((0x38 + 7)) -N1 "$ATT_VP" | tr -d ' ') " \
	attest verify "$ATT_VP" --certs "$ATT_S" --certs "$ATT_C" --no-time-check --vmpl 1
cli_case "verify: --allow-provisional-firmware accepts it" 0 "passed +committed_tcb +provisional firmware.*allowed" \
	attest verify "$ATT_VP" --certs "$ATT_S" --certs "$ATT_C" --no-time-check --vmpl 1 --allow-provisional-firmware
# A reported TCB above the committed one (microcode byte 7 of committed_tcb lowered in a copy;
# the signature then fails too, the field check is what this looks at).
cp "$ATT_M" "$ATT_AT/rep-gt-com.bin"
att_put_le "$ATT_AT/rep-gt-com.bin" $((0x1e0 + 7)) 1 $(( $(od -An -tu1 -j $((0x1e0 + 7)) -N1 "$ATT_M") - 1 ))
cli_case "verify: reported TCB newer than the committed one" 1 "failed +reported_tcb_committed +reported TCB .* is newer than the committed TCB" \
	attest verify "$ATT_AT/rep-gt-com.bin" --certs "$ATT_MD" --no-time-check

# --- --at @EPOCH as its own argument is a time, never an argument file (review §3 item 1),
# even with a file of that name in the current directory. The VCEK's notBefore from openssl.
v=$(date -u -d "$(openssl x509 -in "$ATT_S/mstav-milan-report.vcek.pem" -noout -startdate | cut -d= -f2)" +%s)
mkdir -p "$ATT_AT/cwd"; printf -- '--no-time-check\n' >"$ATT_AT/cwd/$((v - 86400))"
cli_check "verify --at @EPOCH (a day before the VCEK's notBefore) is a time, not the file of that name" \
	bash -c "cd '$ATT_AT/cwd' && '$(realpath "$CVMM")' attest verify '$(realpath "$ATT_M")' --certs '$(realpath "$ATT_MD")' \
		--at @$((v - 86400)) | grep -Eq 'failed +cert_validity +VCEK .* is not valid before'"
cli_case "verify --at @EPOCH (a day after it) passes cert_validity" 0 "passed +cert_validity" \
	attest verify "$ATT_M" --certs "$ATT_MD" --at @$((v + 86400))
cli_check "@./NUMBER still reads the argument file" \
	bash -c "cd '$ATT_AT/cwd' && '$(realpath "$CVMM")' attest verify '$(realpath "$ATT_M")' --certs '$(realpath "$ATT_MD")' \
		@./$((v - 86400)) | grep -Eq 'skipped +cert_validity +--no-time-check'"

# --- review §3 items 4-6: FIFOs, the region a length overruns, bare TDREPORTs
mkfifo "$ATT_AT/fifo"
cli_case "dump: a named FIFO as evidence is refused, not waited on" 2 "fifo: a named FIFO, not attestation evidence" \
	attest dump "$ATT_AT/fifo"
cli_case "verify: a named FIFO as --certs is refused" 2 "fifo: a named FIFO, not a certificate file" \
	attest verify "$ATT_M" --certs "$ATT_AT/fifo"
cli_case "verify: a named FIFO as --collateral is refused" 2 "fifo: a named FIFO" \
	attest verify "$ATT_T/trustee-tdx_quote_4.dat" --collateral "$ATT_AT/fifo"
cli_check "dump: evidence through a pipe (/dev/stdin) still reads" \
	bash -c "cat '$ATT_M' | '$CVMM' attest dump /dev/stdin | grep -Eq 'format +snp-report'"
f=$ATT_T/gotdx-tdx_prod_quote_SPR_E4.dat; cp "$f" "$ATT_AT/bigcert.dat"
v=$(od -An -tu4 -j 632 -N4 "$f" | tr -d ' ')	# v4: signature data length at 48 + 584
att_put_le "$ATT_AT/bigcert.dat" $((636 + 128 + 2)) 4 $((0xfffffff0))
cli_case "dump: a certification data size past the signature data names that region" 2 \
	"bigcert.dat: TDX quote: certification data \(4294967280 bytes at offset 770\) runs past the end of the signature data its length field gives \(offset $((636 + v))\)" \
	attest dump "$ATT_AT/bigcert.dat"
head -c 1024 /dev/urandom >"$ATT_AT/rand.tdr"; att_put_le "$ATT_AT/rand.tdr" 0 1 129
cli_case "dump: 0x81 and random bytes are no TDREPORT" 2 "rand.tdr: not a TDREPORT" attest dump "$ATT_AT/rand.tdr"
head -c 1024 /dev/zero >"$ATT_AT/zero.tdr"; att_put_le "$ATT_AT/zero.tdr" 0 1 129
cli_case "dump: 0x81 and zeros are no TDREPORT (no MAC)" 2 "zero.tdr: not a TDREPORT: its MAC \(bytes 224-255\) is all zero" \
	attest dump "$ATT_AT/zero.tdr"

ATT_Q=$ATT_T/trustee-tdx_quote_4.dat
cli_case "verify: TDX MRTD expected" 0 "passed +measurement" \
	attest verify "$ATT_Q" --allow-debug --expect-measurement "$(att_hex_at "$ATT_Q" $((48 + 136)) 48)"

# --- time: which certificate expired, and when (dates from openssl)
ATT_VL=$ATT_S/trustee-test-vlek-report.vlek.der
ATT_VD=$(att_certdir vlek "$ATT_VL" "$ATT_C/amd-milan-asvk-ark.pem")
cli_case "verify: VLEK expiry named" 1 "failed +cert_validity +VLEK \(CN=SEV-VLEK\) expired on $(att_iso_end "$ATT_VL" der)" \
	attest verify "$ATT_S/trustee-test-vlek-report.bin" --certs "$ATT_VD" --at 2099-01-01
ATT_GV=$ATT_S/gosev-attestation.vcek.der
cli_case "verify: --at after the VCEK's end" 1 "VCEK \(CN=SEV-VCEK\) expired on $(att_iso_end "$ATT_GV" der)" \
	attest verify "$ATT_S/gosev-attestation.bin" --certs "$(att_certdir gosev "$ATT_GV" "$ATT_C/amd-milan-ask-ark.pem")" \
	--at 2099-01-01
cli_case "verify: PCK leaf expiry named" 1 "PCK leaf \(CN=Intel SGX PCK Certificate\) expired on" \
	attest verify "$ATT_Q" --at 2099-01-01

# --- --expect-from: the digest `cvmm measure` prints for the same launch options.
# A TDREPORT is unsigned, so one made here carries a chosen MRTD (TDINFO at 512,
# MRTD at +16); verify still fails its signature check, the measurement must pass.
ATT_FW=/usr/share/ovmf/OVMF.fd	# Debian's ovmf (a make deps package), with TDVF metadata
ATT_MRTD=$("$CVMM" measure --tdx --firmware "$ATT_FW" 2>/dev/null)
ATT_TDR=$ATT_AT/tdreport.bin
head -c 1024 /dev/zero >"$ATT_TDR"; att_put_le "$ATT_TDR" 0 1 129	# REPORTTYPE.TYPE 0x81
att_put_le "$ATT_TDR" 224 1 109; att_put_le "$ATT_TDR" 256 1 1	# a MAC, TEE_TCB_INFO.VALID
printf "$(sed 's/../\\x&/g' <<<"$ATT_MRTD")" | dd of="$ATT_TDR" bs=1 seek=528 conv=notrunc status=none
cli_case "verify --expect-from: MRTD as cvmm measure predicts it" 1 \
	"passed +measurement +MRTD is the one --expect-from gives: $ATT_MRTD" \
	attest verify "$ATT_TDR" --expect-from --firmware "$ATT_FW"
cli_case "verify --expect-from: other launch options, other MRTD" 1 "failed +measurement +MRTD is $ATT_MRTD, --expect-from gives" \
	attest verify "$ATT_TDR" --expect-from --firmware "$ATT_FW" --mrtd-order two-pass
ATT_SNPFW=/usr/share/OVMF/OVMF_CODE.fd
cli_case "verify --expect-from on an SNP report" 1 \
	"failed +measurement .*--expect-from gives $("$CVMM" measure --snp --firmware "$ATT_SNPFW" --vcpu-type EPYC-Genoa 2>/dev/null)" \
	attest verify "$ATT_S/mstav-genoa-report.bin" --expect-from --firmware "$ATT_SNPFW" --vcpu-type EPYC-Genoa
cli_case "verify: launch options without --expect-from" 2 "input of --expect-from" \
	attest verify "$ATT_TDR" --firmware "$ATT_FW"
cli_case "verify --expect-from: platform of the evidence" 2 "cannot predict the measurement of tdx" \
	attest verify "$ATT_TDR" --expect-from --snp --firmware "$ATT_SNPFW"
cli_case "verify: --expect-from with --expect-measurement" 2 "exclude each other" \
	attest verify "$ATT_TDR" --expect-from --firmware "$ATT_FW" --expect-measurement "$ATT_MRTD"

# --- damaged copies: each fails with its reason and exit status
ATT_M=$ATT_AT/milan.bin; cp "$ATT_S/mstav-milan-report.bin" "$ATT_M"; att_flip "$ATT_M" $((0x2a0 + 3))
ATT_MD=$(att_certdir milan "$ATT_S/mstav-milan-report.vcek.pem" "$ATT_C/amd-milan-ask-ark.pem")
cli_case "verify: flipped SNP signature byte" 1 "failed +report_signature" \
	attest verify "$ATT_M" --certs "$ATT_MD" --no-time-check
cp "$ATT_S/mstav-milan-report.bin" "$ATT_M"
cli_case "verify: certificate from another product" 1 "failed +product +.*says Milan.*says Genoa" \
	attest verify "$ATT_M" --certs "$(att_certdir milan-genoa "$ATT_S/mstav-milan-report.vcek.pem" "$ATT_C/amd-genoa-ask-ark.pem")" --no-time-check
cli_case "verify: SNP --root pins the ARK" 0 "passed +root_pinned" \
	attest verify "$ATT_M" --certs "$ATT_MD" --no-time-check --root "$ATT_C/amd-milan-ask-ark.pem"
cli_case "verify: SNP --root of another product" 1 "failed +root_pinned" \
	attest verify "$ATT_M" --certs "$ATT_MD" --no-time-check --root "$ATT_C/amd-genoa-ask-ark.pem"
cli_case "verify: --policy-max without DEBUG refuses a debug guest" 1 "failed +policy .*bit 19 \(debug\)" \
	attest verify "$ATT_S/gosev-attestation.bin" --certs "$ATT_S" --certs "$ATT_C" --no-time-check --policy-max 0x30000
cli_case "verify: --policy-max = the report's policy" 0 "passed +policy" \
	attest verify "$ATT_M" --certs "$ATT_MD" --no-time-check --policy-max "0x$(od -An -tx8 -j 8 -N 8 "$ATT_M" | tr -d ' ')"
cli_case "verify: no --certs" 1 "failed +certificates" attest verify "$ATT_M"
head -c 1000 "$ATT_M" >"$ATT_AT/short.bin"
cli_case "dump: truncated SNP report" 2 "truncated: 1000 bytes" attest dump "$ATT_AT/short.bin"
att_put_le "$ATT_M" 0 4 99
cli_case "dump: wrong SNP version" 2 "SNP report version 99" attest dump "$ATT_M"
cli_case "verify: wrong SNP version" 2 "SNP report version 99" attest verify "$ATT_M" --certs "$ATT_MD"

ATT_X=$ATT_AT/quote.dat; cp "$ATT_Q" "$ATT_X"; att_flip "$ATT_X" $((48 + 584 + 4 + 7))
cli_case "verify: flipped TDX signature byte" 1 "failed +quote_signature" attest verify "$ATT_X"
cp "$ATT_Q" "$ATT_X"; att_flip "$ATT_X" $((48 + 584 + 4 + 128 + 6 + 2))
cli_case "verify: flipped QE report byte" 1 "failed +qe_report_signature" attest verify "$ATT_X"
head -c 3000 "$ATT_Q" >"$ATT_X"
cli_case "dump: truncated TDX quote" 2 "runs past the end" attest dump "$ATT_X"
cp "$ATT_Q" "$ATT_X"; att_put_le "$ATT_X" 0 2 3
cli_case "dump: wrong TDX version" 2 "TDX quote version 3" attest dump "$ATT_X"
cp "$ATT_Q" "$ATT_X"; att_put_le "$ATT_X" $((48 + 584)) 4 $(($(stat -c %s "$ATT_Q") * 2))
cli_case "dump: signature length past the end" 2 "signature data .* runs past the end" attest dump "$ATT_X"
cp "$ATT_Q" "$ATT_X"; att_put_le "$ATT_X" $((48 + 584 + 4 + 128 + 2)) 4 4294967295
cli_case "dump: certification data length past the end" 2 "certification data .* runs past the end" attest dump "$ATT_X"
cli_case "verify: other vendor's root pinned" 1 "failed +pck_chain" \
	attest verify "$ATT_Q" --root "$ATT_C/amd-milan-ask-ark.pem"

# --- self-made chains: what anyone can make with openssl fails unless --trust-evidence-root.
# A TDX quote keeps its signed body; its PCK chain becomes a made-up leaf and a root that
# carries Intel's names, and the QE report is re-signed with the leaf's key.
d=$ATT_AT/fake; mkdir -p "$d"
openssl ecparam -name prime256v1 -genkey -noout -out "$d/root.key"
openssl ecparam -name prime256v1 -genkey -noout -out "$d/leaf.key"
openssl req -x509 -new -key "$d/root.key" -subj "/CN=Intel SGX Root CA" -days 30 \
	-addext basicConstraints=critical,CA:TRUE -out "$d/root.pem"
openssl req -new -key "$d/leaf.key" -subj "/CN=Intel SGX PCK Certificate" 2>/dev/null |
	openssl x509 -req -CA "$d/root.pem" -CAkey "$d/root.key" -days 30 -out "$d/leaf.pem" 2>/dev/null
ATT_F=$d/quote.dat; cp "$ATT_T/trustee-tdx_quote_4.dat" "$ATT_F"
off=$((48 + 584 + 4 + 128 + 6))	# v4: QE report (384), its signature (64), QE auth size, data
v=$(od -An -tu2 -j $((off + 384 + 64)) -N2 "$ATT_F" | tr -d ' ')
body=$((off + 384 + 64 + 2 + v + 6))	# PCK chain PEM, after its type (2) and size (4)
v=$(od -An -tu4 -j $((body - 4)) -N4 "$ATT_F" | tr -d ' ')
dd if="$ATT_F" of="$d/qe.bin" bs=1 skip=$off count=384 status=none
openssl dgst -sha256 -sign "$d/leaf.key" -out "$d/sig.der" "$d/qe.bin"
want=$(openssl asn1parse -inform DER -in "$d/sig.der" | awk -F: '/INTEGER/ { printf "%064s", $NF }' | tr ' ' 0)
printf "$(sed 's/../\\x&/g' <<<"$want")" | dd of="$ATT_F" bs=1 seek=$((off + 384)) conv=notrunc status=none
dd if=/dev/zero of="$ATT_F" bs=1 seek=$body count="$v" conv=notrunc status=none
cat "$d/leaf.pem" "$d/root.pem" | dd of="$ATT_F" bs=1 seek=$body conv=notrunc status=none
cli_case "verify: self-made TDX chain fails by default" 1 "failed +root_pinned .*built into cvmm" \
	attest verify "$ATT_F" --allow-debug
cli_case "verify: self-made TDX chain re-signs the QE report" 1 "passed +qe_report_signature" \
	attest verify "$ATT_F" --allow-debug
cli_case "verify: self-made TDX chain fails its pck_chain" 1 "failed +pck_chain" attest verify "$ATT_F" --allow-debug
cli_case "verify: self-made TDX chain fails against --root" 1 "failed +root_pinned" \
	attest verify "$ATT_F" --allow-debug --root "$ATT_ROOT"
cli_case "verify: self-made TDX chain passes only with --trust-evidence-root" 0 \
	"skipped +root_pinned +NOT ANCHORED" attest verify "$ATT_F" --allow-debug --trust-evidence-root
cli_case "verify: --trust-evidence-root: pck_chain says not anchored" 0 "passed +pck_chain .*NOT ANCHORED" \
	attest verify "$ATT_F" --allow-debug --trust-evidence-root
cli_case "verify: --root with --trust-evidence-root" 2 "exclude each other" \
	attest verify "$ATT_F" --root "$ATT_ROOT" --trust-evidence-root
# SNP: the real VCEK and ASK under a self-made ARK-Milan.
openssl ecparam -name secp384r1 -genkey -noout -out "$d/ark.key"
openssl req -x509 -new -key "$d/ark.key" -subj "/CN=ARK-Milan" -days 30 \
	-addext basicConstraints=critical,CA:TRUE -out "$d/ark.pem"
openssl crl2pkcs7 -nocrl -certfile "$ATT_C/amd-milan-ask-ark.pem" | openssl pkcs7 -print_certs |
	awk '/BEGIN CERT/ { n++ } n == 1' >"$d/ask.pem"
cat "$ATT_S/mstav-milan-report.vcek.pem" "$d/ask.pem" "$d/ark.pem" >"$d/snp-chain.pem"
cli_case "verify: self-made SNP ARK fails by default" 1 "failed +root_pinned +the ARK --certs gave is not AMD's ARK-Milan" \
	attest verify "$ATT_S/mstav-milan-report.bin" --certs "$d/snp-chain.pem" --no-time-check
cli_case "verify: self-made SNP ARK with --trust-evidence-root is not anchored" 1 \
	"skipped +root_pinned +NOT ANCHORED" \
	attest verify "$ATT_S/mstav-milan-report.bin" --certs "$d/snp-chain.pem" --no-time-check --trust-evidence-root

# --- the command line itself
cli_case "attest --help" 0 "dump .*verify|verify" attest --help
cli_case "attest dump --help" 0 "--offset" attest dump --help
cli_case "attest verify --help" 0 "--no-time-check" attest verify --help
cli_case "attest: unknown sub-command" 2 "unknown command 'frob'" attest frob
cli_case "attest dump: no file" 2 "no evidence FILE" attest dump
cli_case "attest dump: missing file" 2 "No such file" attest dump "$ATT_AT/nope"
cli_case "attest dump: not evidence" 2 "not attestation evidence" attest dump "$ATT_AV/README.md"
cli_case "verify: bad --report-data" 2 "--report-data: not hex" attest verify "$ATT_Q" --report-data xyz
fi
}
att_main
rm -rf "$ATT_AT"
unset -f att_main att_hex_at att_flip att_put_le att_certdir att_iso_end att_snp_ok att_snp_relax
unset ATT_AV ATT_AT ATT_S ATT_C ATT_T ATT_ROOT ATT_G ATT_GD ATT_VP ATT_Q ATT_M ATT_MD ATT_X ATT_VL ATT_VD \
	ATT_GV ATT_GS ATT_CQ ATT_FW ATT_MRTD ATT_TDR ATT_SNPFW ATT_F

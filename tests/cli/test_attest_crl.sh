# `cvmm attest verify --crl`: AMD's CRLs from the vectors (openpcc's KDS copies, issued
# by ARK-Milan and ARK-Genoa) against the vectors' SNP chains. Serials, entry counts and
# dates are read with openssl, never from cvmm's output. Sourced by tests/run-all.sh (cli tier).

acrl_main() {
local V S C R W d n ser
V=$(vectors_dir) && V=$V/attest || V=""
if [ ! -f "$V/snp/crl/openpcc-amd-milan-crl.pem" ]; then
	vectors_skip "attest verify --crl" "$(grep -cE '^\s*(cli_case|cli_check) ' "${BASH_SOURCE[0]}")"
	return
fi
S=$V/snp C=$V/snp/chains R=$V/snp/crl W=$(mktemp -d)
local MI="$S/mstav-milan-report.bin --certs $S/mstav-milan-report.vcek.pem --certs $C/amd-milan-ask-ark.pem"
local GE="$S/mstav-genoa-report.bin --certs $S/mstav-genoa-report.vcek.pem --certs $C/amd-genoa-ask-ark.pem"
# The first certificate of a chain file is the ASK (README).
openssl x509 -in "$C/amd-genoa-ask-ark.pem" -out "$W/genoa-ask.pem"
openssl x509 -in "$C/amd-milan-ask-ark.pem" -out "$W/milan-ask.pem"
n=$(openssl crl -in "$R/openpcc-amd-milan-crl.pem" -noout -text | grep -c 'Serial Number:')
ser=$(openssl x509 -in "$W/milan-ask.pem" -noout -serial | cut -d= -f2)
# 2026-03-01: inside the Milan CRL (2025-05-06..2026-05-12) and the VCEK (from 2026-02-05).
# shellcheck disable=SC2086
cli_case "crl: Milan CRL signed by the built-in ARK-Milan" 0 "passed +crl_signature +--crl is signed by the pinned ARK \(CN=ARK-Milan\)" \
	attest verify $MI --crl "$R/openpcc-amd-milan-crl.pem" --at 2026-03-01
cli_case "crl: Milan CRL valid at --at" 0 \
	"passed +crl_validity +the CRL is valid from $(date -u -d "$(openssl crl -in "$R/openpcc-amd-milan-crl.pem" -noout -lastupdate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ)" \
	attest verify $MI --crl "$R/openpcc-amd-milan-crl.pem" --at 2026-03-01
cli_case "crl: Milan ASK serial 0x$ser not in the CRL ($n entries)" 0 \
	"passed +revocation +ASK serial 0x$ser not listed, VCEK serial 0x0+ not listed \(CRL of CN=ARK-Milan, $n entries\)" \
	attest verify $MI --crl "$R/openpcc-amd-milan-crl.pem" --at 2026-03-01
openssl crl -in "$R/openpcc-amd-milan-crl.pem" -outform der -out "$W/milan.crl"
cli_case "crl: the same CRL in DER" 0 "passed +revocation" \
	attest verify $MI --crl "$W/milan.crl" --at 2026-03-01
cli_case "crl: past its nextUpdate now" 1 "failed +crl_validity +the CRL is valid from .* to 2026-05-12T00:00:00Z, not at" \
	attest verify $MI --crl "$R/openpcc-amd-milan-crl.pem"
# A day before its lastUpdate (openssl's date): not yet valid either.
cli_case "crl: before its lastUpdate" 1 "failed +crl_validity +the CRL is valid from .*, not at" \
	attest verify $MI --crl "$R/openpcc-amd-milan-crl.pem" \
	--at @$(( $(date -u -d "$(openssl crl -in "$R/openpcc-amd-milan-crl.pem" -noout -lastupdate | cut -d= -f2)" +%s) - 86400 ))
n=$(openssl crl -in "$R/openpcc-amd-genoa-crl.pem" -noout -text | grep -c 'Serial Number:')
ser=$(openssl x509 -in "$W/genoa-ask.pem" -noout -serial | cut -d= -f2)
cli_check "crl: the Genoa CRL does not list the vectors' Genoa ASK (openssl)" \
	bash -c "! openssl crl -in '$R/openpcc-amd-genoa-crl.pem' -noout -text | grep -qi 'Serial Number: 0*${ser#0}\$'"
cli_case "crl: Genoa CRL ($n entries) does not list ASK 0x$ser" 0 \
	"passed +revocation +ASK serial 0x$ser not listed.*CN=ARK-Genoa, $n entries" \
	attest verify $GE --crl "$R/openpcc-amd-genoa-crl.pem" --no-time-check
cli_case "crl: no --crl: revocation not checked" 0 "skipped +crl_signature +no --crl" \
	attest verify $GE --no-time-check

# --- CRLs the pinned ARK did not sign
cli_case "crl: the Milan CRL for a Genoa chain" 1 "failed +crl_signature +--crl is issued by CN=ARK-Milan, not by the pinned ARK \(CN=ARK-Genoa\)" \
	attest verify $GE --crl "$R/openpcc-amd-milan-crl.pem" --no-time-check
cp "$W/milan.crl" "$W/bad.crl"
printf '\x00\x00\x00\x00' | dd of="$W/bad.crl" bs=1 seek=$(($(stat -c %s "$W/bad.crl") - 20)) conv=notrunc status=none
cli_check "crl: the damaged copy differs" bash -c "! cmp -s '$W/bad.crl' '$W/milan.crl'"
cli_case "crl: a damaged signature" 1 "failed +crl_signature +.*does not verify with that ARK's key" \
	attest verify $MI --crl "$W/bad.crl" --at 2026-03-01

# --- a revoked ASK. No public AMD CRL lists an ASK the vectors have (review §2b), so a
# self-made key under ARK-Genoa's exact name signs a CRL that revokes the Genoa ASK's serial,
# and --root pins that key: the CRL verifies, the revocation is found (root_pinned fails).
d=$W/rev; mkdir -p "$d"
openssl genrsa -out "$d/ark.key" 2048 2>/dev/null
openssl req -x509 -new -key "$d/ark.key" -days 30 -out "$d/ark.pem" \
	-subj "/OU=Engineering/C=US/L=Santa Clara/ST=CA/O=Advanced Micro Devices/CN=ARK-Genoa"
: >"$d/index.txt"
printf '[ca]\ndefault_ca=c\n[c]\ndatabase=%s\ndefault_md=sha384\ndefault_crl_days=30\n' "$d/index.txt" >"$d/ca.cnf"
openssl ca -config "$d/ca.cnf" -keyfile "$d/ark.key" -cert "$d/ark.pem" -revoke "$W/genoa-ask.pem" 2>/dev/null
openssl ca -config "$d/ca.cnf" -keyfile "$d/ark.key" -cert "$d/ark.pem" -gencrl -out "$d/crl.pem" 2>/dev/null
cli_check "crl: the self-made CRL lists serial $ser (openssl)" \
	bash -c "openssl crl -in '$d/crl.pem' -noout -text | grep -qi 'Serial Number: $ser'"
cli_case "crl: a revoked ASK fails revocation" 1 "failed +revocation +ASK serial 0x$ser REVOKED on 20" \
	attest verify $GE --root "$d/ark.pem" --crl "$d/crl.pem" --no-time-check
cli_case "crl: ... and the self-made pin is not AMD's ARK" 1 "failed +root_pinned" \
	attest verify $GE --root "$d/ark.pem" --crl "$d/crl.pem" --no-time-check

cli_case "crl: --crl with a TDX quote is refused, not ignored" 2 "--crl applies to SNP reports" \
	attest verify "$V/tdx/trustee-tdx_quote_6.dat" --crl "$R/openpcc-amd-milan-crl.pem"

# --- files that are not a CRL
cli_case "crl: a certificate is not a CRL" 2 "genoa-ask.pem: not a CRL" \
	attest verify $GE --crl "$W/genoa-ask.pem"
cli_case "crl: missing file" 2 "nope.crl: No such file" attest verify $GE --crl "$W/nope.crl"
mkfifo "$W/fifo"
cli_case "crl: a named FIFO is refused, not waited on" 2 "fifo: a named FIFO" \
	attest verify $GE --crl "$W/fifo"
rm -rf "$W"
}
acrl_main
unset -f acrl_main

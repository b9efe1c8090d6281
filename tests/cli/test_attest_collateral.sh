# `cvmm attest verify --collateral`: real TDX quotes against Intel's signed
# collateral from the vectors. The expected TCB statuses and advisory IDs are
# the ones docs/reviews/attestation-gaps.md §2a computed independently
# (its tcbeval.py, go-tdx-guest / dcap-qvl rules), never cvmm's own output.
# Sourced by tests/run-all.sh (cli tier).

atc_main() {
local V="" T C d q crlcfg
for d in ${CVMM_VECTORS:-} ../shared/vectors ../../shared/vectors /work/shared/vectors; do
	[ -f "$d/attest/README.md" ] && { V=$d/attest; break; }
done
if [ -z "$V" ]; then
	cli_check "attest collateral vectors present (set CVMM_VECTORS)" false
	return
fi
T=$V/tdx C=$V/tdx/collateral
local W; W=$(mktemp -d)
# Collateral directories as users keep them: PCS responses, the TCB Signing chain, CRLs.
mkdir -p "$W/d90" "$W/d50" "$W/dtr"
cp "$C/gotdx-tcbinfo-90c06f000000.json" "$C/dcapqvl-tcb-signing-chain.pem" "$W/d90/"
cp "$C/gotdx-tcbinfo-50806f000000.json" "$C/gotdx-qeidentity-td_qe.json" \
   "$C/dcapqvl-tcb-signing-chain.pem" "$C/gotdx-pckcrl-platform.der" "$C/gotdx-rootcrl.der" "$W/d50/"
cp "$C/trustee-tcbinfo-00a06d080000.json" "$C/trustee-qeidentity.json" \
   "$C/dcapqvl-tcb-signing-chain.pem" "$W/dtr/"
local J=$C/dcapqvl-tdx_quote_collateral.json

# --- the review's expected outcomes (§2a), one per quote/collateral pair.
# The --at times lie inside each collateral's issueDate..nextUpdate (README: all are past
# nextUpdate now). gotdx's 2023 collateral predates the only TCB Signing certificate in
# the vectors (valid from 2025-05-06), so its pairs run with --no-time-check.
cli_case "collateral: dcap-qvl quote: UpToDate, TDX_01 UpToDate, QE UpToDate" 0 \
	"passed +tcb_status +UpToDate \(platform UpToDate of .*TDX module TDX_01 UpToDate, QE UpToDate\); advisories: none" \
	attest verify "$T/dcapqvl-tdx_quote.dat" --collateral "$J" --at 2025-07-01
cli_case "collateral: dcap-qvl one-object form: both signatures over the string fields" 0 \
	"passed +qe_identity_signature .*TCB Signing" \
	attest verify "$T/dcapqvl-tdx_quote.dat" --collateral "$J" --at 2025-07-01
cli_case "collateral: dcap-qvl CRLs checked" 0 "passed +root_crl .*Intel SGX Root CA" \
	attest verify "$T/dcapqvl-tdx_quote.dat" --collateral "$J" --at 2025-07-01
cli_case "collateral: trustee quote 4 (50806f): UpToDate, QE UpToDate" 0 \
	"passed +tcb_status +UpToDate .*QE UpToDate" \
	attest verify "$T/trustee-tdx_quote_4.dat" --collateral "$W/d50" --no-time-check --allow-debug
cli_case "collateral: trustee quote 4: no advisory IDs (review §2a lists none)" 0 \
	"passed +tcb_status +UpToDate .*; advisories: none$" \
	attest verify "$T/trustee-tdx_quote_4.dat" --collateral "$W/d50" --no-time-check --allow-debug
cli_case "collateral: SPR_E4 --json: status NoMatchingTcbLevel, not accepted" 1 \
	'"accepted": false' \
	attest verify "$T/gotdx-tdx_prod_quote_SPR_E4.dat" --collateral "$W/d50" --no-time-check --json
cli_case "collateral: quote v5 sample: no advisory IDs" 0 \
	"passed +tcb_status +UpToDate .*TDX_01 UpToDate\); advisories: none$" \
	attest verify "$T/gotdx-quote_v5_sample.dat" --collateral "$W/d90" --at 2026-02-15
cli_case "collateral: trustee quote 4: PCK CRL (DER) from the PCK Platform CA" 0 \
	"passed +pck_crl .*not in the CRL of CN=Intel SGX PCK Platform CA \($(openssl crl -inform der -in "$C/gotdx-pckcrl-platform.der" -noout -text | grep -c 'Serial Number:') entries\)" \
	attest verify "$T/trustee-tdx_quote_4.dat" --collateral "$W/d50" --no-time-check --allow-debug
cli_case "collateral: SPR_E4 (50806f): no matching TCB level" 1 "failed +tcb_status +no matching TCB level" \
	attest verify "$T/gotdx-tdx_prod_quote_SPR_E4.dat" --collateral "$W/d50" --no-time-check
cli_case "collateral: SPR_E4: no --accept-tcb makes no matching level pass" 1 "failed +tcb_status +no matching" \
	attest verify "$T/gotdx-tdx_prod_quote_SPR_E4.dat" --collateral "$W/d50" --no-time-check \
	--accept-tcb OutOfDate,ConfigurationNeeded,SWHardeningNeeded,OutOfDateConfigurationNeeded,ConfigurationAndSWHardeningNeeded
cli_case "collateral: quote v5 sample (90c06f): UpToDate, TDX_01 UpToDate" 0 \
	"passed +tcb_status +UpToDate .*TDX module TDX_01 UpToDate" \
	attest verify "$T/gotdx-quote_v5_sample.dat" --collateral "$W/d90" --at 2026-02-15
cli_check "collateral: quote v5 sample: its TDX module SVN is 11 (od)" \
	test "$(od -An -tu1 -j $((54 + 0)) -N1 "$T/gotdx-quote_v5_sample.dat" | tr -d ' ')" = 11
cli_case "collateral: trustee quote 5: no platform level, TDX_01 OutOfDate, SA-01036/01099" 1 \
	"failed +tcb_status +no matching TCB level.*TDX module TDX_01: OutOfDate.*INTEL-SA-01036, INTEL-SA-01099" \
	attest verify "$T/trustee-tdx_quote_5.dat" --collateral "$W/d90" --at 2026-02-15
cli_case "collateral: trustee quote 6 (00a06d): platform OutOfDate, TDX_03 UpToDate, QE UpToDate" 1 \
	"failed +tcb_status +OutOfDate \(platform OutOfDate of 2018-01-04T00:00:00Z, TDX module TDX_03 UpToDate, QE UpToDate\); advisories: none" \
	attest verify "$T/trustee-tdx_quote_6.dat" --collateral "$W/dtr" --at 2025-11-01
cli_case "collateral: --accept-tcb OutOfDate lets quote 6 pass" 0 "passed +tcb_status +OutOfDate" \
	attest verify "$T/trustee-tdx_quote_6.dat" --collateral "$W/dtr" --at 2025-11-01 --accept-tcb OutOfDate
cli_case "collateral: --json carries the module status" 1 '"tdx_module_status": "OutOfDate"' \
	attest verify "$T/trustee-tdx_quote_5.dat" --collateral "$W/d90" --at 2026-02-15 --json
cli_case "collateral: --json carries the advisory IDs" 1 '^ +"INTEL-SA-01099"$' \
	attest verify "$T/trustee-tdx_quote_5.dat" --collateral "$W/d90" --at 2026-02-15 --json
cli_case "collateral: --accept-tcb Revoked is refused" 2 "--accept-tcb Revoked" \
	attest verify "$T/trustee-tdx_quote_6.dat" --collateral "$W/dtr" --accept-tcb Revoked
cli_case "collateral: --accept-tcb of an unknown status" 2 "--accept-tcb Fine" \
	attest verify "$T/trustee-tdx_quote_6.dat" --collateral "$W/dtr" --accept-tcb Fine

# --- without collateral the verdict says what it leaves out
cli_case "no collateral: tcb_status skipped" 0 "skipped +tcb_status +no --collateral" \
	attest verify "$T/gotdx-quote_v5_sample.dat"
cli_case "no collateral: summary excludes TCB status" 0 "^result: passed .*excludes TCB status" \
	attest verify "$T/gotdx-quote_v5_sample.dat"
cli_case "no collateral: JSON says so" 0 '"verdict_excludes_tcb_status": true' \
	attest verify "$T/gotdx-quote_v5_sample.dat" --json

# --- damaged or mismatched collateral
cli_case "collateral: TCB Info for another FMSPC" 1 "failed +fmspc +TCB Info is for FMSPC 90c06f000000, the PCK leaf says 50806f000000" \
	attest verify "$T/trustee-tdx_quote_4.dat" --collateral "$W/d90" --no-time-check --allow-debug
cli_case "collateral: outside its validity window" 1 "failed +collateral_validity +TCB Info is valid from 2026-02-01" \
	attest verify "$T/gotdx-quote_v5_sample.dat" --collateral "$W/d90" --at 2026-04-01
# Intel signs the raw tcbInfo bytes: whitespace around the member changes nothing...
mkdir -p "$W/ws"; cp "$C/dcapqvl-tcb-signing-chain.pem" "$W/ws/"
sed 's/^{"tcbInfo":/{ \n  "tcbInfo" :  /; s/,"signature":/ ,\n "signature" : /' \
	"$C/gotdx-tcbinfo-90c06f000000.json" >"$W/ws/tcb.json"
cli_case "collateral: whitespace outside the signed span" 0 "passed +tcb_info_signature" \
	attest verify "$T/gotdx-quote_v5_sample.dat" --collateral "$W/ws" --at 2026-02-15
# ...one byte inside it (a status rewritten) breaks the signature.
sed 's/"isvsvn":4},"tcbDate":"2024-03-13T00:00:00Z","tcbStatus":"OutOfDate"/"isvsvn":4},"tcbDate":"2024-03-13T00:00:00Z","tcbStatus":"UpToDate"/' \
	"$C/gotdx-tcbinfo-90c06f000000.json" >"$W/ws/tcb.json"
cli_check "collateral: the damaged copy differs from Intel's" \
	bash -c "! cmp -s '$W/ws/tcb.json' '$C/gotdx-tcbinfo-90c06f000000.json'"
cli_case "collateral: a status rewritten inside tcbInfo breaks its signature" 1 "failed +tcb_info_signature" \
	attest verify "$T/trustee-tdx_quote_5.dat" --collateral "$W/ws" --at 2026-02-15
cli_case "collateral: signed by no certificate of the collateral" 1 "failed +tcb_info_signature +.*no certificate" \
	attest verify "$T/gotdx-quote_v5_sample.dat" --collateral "$C/gotdx-tcbinfo-90c06f000000.json" --at 2026-02-15
cp "$C/gotdx-pckcrl-platform.der" "$W/crl.der"
printf '\x00' | dd of="$W/crl.der" bs=1 seek=$(($(stat -c %s "$W/crl.der") - 8)) conv=notrunc status=none
mkdir -p "$W/badcrl"; cp "$W/crl.der" "$C/gotdx-tcbinfo-50806f000000.json" "$C/dcapqvl-tcb-signing-chain.pem" "$W/badcrl/"
cli_case "collateral: a PCK CRL with a damaged signature" 1 "failed +pck_crl +.*not signed by it" \
	attest verify "$T/trustee-tdx_quote_4.dat" --collateral "$W/badcrl" --no-time-check --allow-debug
cli_case "collateral: not collateral" 2 "not collateral" \
	attest verify "$T/trustee-tdx_quote_4.dat" --collateral "$T/trustee-tdx_quote_4.dat"
cli_case "collateral: missing" 2 "--collateral $W/nope: No such file" \
	attest verify "$T/trustee-tdx_quote_4.dat" --collateral "$W/nope"
printf '{"tcbInfo": {"id": "TDX"' >"$W/trunc.json"
cli_case "collateral: truncated JSON names the file" 2 "trunc.json: not JSON collateral" \
	attest verify "$T/trustee-tdx_quote_4.dat" --collateral "$W/trunc.json"

# --- a revoked PCK leaf: no public quote's leaf is listed (review §2b), so a self-made
# root revokes its self-made leaf and the quote carries that chain (--trust-evidence-root).
d=$W/rev; mkdir -p "$d"
openssl ecparam -name prime256v1 -genkey -noout -out "$d/root.key"
openssl ecparam -name prime256v1 -genkey -noout -out "$d/leaf.key"
openssl req -x509 -new -key "$d/root.key" -subj "/CN=Test PCK CA" -days 30 \
	-addext basicConstraints=critical,CA:TRUE -out "$d/root.pem"
openssl req -new -key "$d/leaf.key" -subj "/CN=Test PCK Certificate" 2>/dev/null |
	openssl x509 -req -CA "$d/root.pem" -CAkey "$d/root.key" -days 30 -set_serial 4660 -out "$d/leaf.pem" 2>/dev/null
: >"$d/index.txt"
crlcfg="[ca]
default_ca=c
[c]
database=$d/index.txt
default_md=sha256
default_crl_days=30"
printf '%s\n' "$crlcfg" >"$d/ca.cnf"
openssl ca -config "$d/ca.cnf" -keyfile "$d/root.key" -cert "$d/root.pem" -revoke "$d/leaf.pem" 2>/dev/null
openssl ca -config "$d/ca.cnf" -keyfile "$d/root.key" -cert "$d/root.pem" -gencrl -out "$d/crl.pem" 2>/dev/null
q=$d/quote.dat; cp "$T/trustee-tdx_quote_4.dat" "$q"
local off=$((48 + 584 + 4 + 128 + 6)) v body
v=$(od -An -tu2 -j $((off + 384 + 64)) -N2 "$q" | tr -d ' ')
body=$((off + 384 + 64 + 2 + v + 6))
v=$(od -An -tu4 -j $((body - 4)) -N4 "$q" | tr -d ' ')
dd if=/dev/zero of="$q" bs=1 seek=$body count="$v" conv=notrunc status=none
cat "$d/leaf.pem" "$d/root.pem" | dd of="$q" bs=1 seek=$body conv=notrunc status=none
mkdir -p "$d/col"; cp "$d/crl.pem" "$d/col/"
cli_check "collateral: the CRL lists serial 4660 (openssl)" \
	bash -c "openssl crl -in '$d/crl.pem' -noout -text | grep -q 'Serial Number: 1234'"
cli_case "collateral: a revoked PCK leaf fails pck_crl" 1 "failed +pck_crl +.*REVOKED" \
	attest verify "$q" --allow-debug --trust-evidence-root --collateral "$d/col"
# The same chain reversed (root first) is not a passed pck_chain (review §3 item 2).
cat "$d/root.pem" "$d/leaf.pem" | dd of="$q" bs=1 seek=$body conv=notrunc status=none
cli_case "verify: a reversed PCK chain is not passed" 1 "failed +pck_chain +.*starts with a self-issued" \
	attest verify "$q" --allow-debug --trust-evidence-root
rm -rf "$W"
}
atc_main
unset -f atc_main

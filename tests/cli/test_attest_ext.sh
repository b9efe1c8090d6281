# Extended SNP reports: the report followed by its certificate table, as the GHCB extended
# guest request returns it (24-byte entries: GUID in RFC 4122 byte order, LE u32 offset and
# length from the table's start; a zero entry ends it). No public binary of a real table
# exists (review §2d), so the table is assembled here from the vectors' DER certificates;
# offsets, lengths and subjects are the shell's and openssl's, never cvmm's.
# Sourced by tests/run-all.sh (cli tier).

# aext_le32 N: four little-endian bytes
aext_le32() { printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"; }
# aext_build OUT REPORT GUID=DERFILE...: OUT = REPORT || table || blobs (in argument order)
aext_build() {
	local out=$1 rep=$2 n off e g; shift 2
	n=$#; off=$(((n + 1) * 24))
	cat "$rep" >"$out"
	for e in "$@"; do
		g=${e%%=*}; g=${g//-/}
		printf "$(sed 's/../\\x&/g' <<<"$g")" >>"$out"
		aext_le32 "$off" >>"$out"; aext_le32 "$(stat -c %s "${e#*=}")" >>"$out"
		off=$((off + $(stat -c %s "${e#*=}")))
	done
	head -c 24 /dev/zero >>"$out"
	for e in "$@"; do cat "${e#*=}" >>"$out"; done
}

# aext_has NAME REGEX ARGS...: cvmm ARGS exits 0 and its output, lines joined, matches REGEX
aext_has() {
	local name=$1 re=$2; shift 2
	cli_check "$name" bash -c 'set -o pipefail; "$0" "${@:2}" | tr "\n" " " | grep -Eq -- "$1"' "$CVMM" "$re" "$@"
}

aext_main() {
local V S C W VCEK=63da758d-e664-4564-adc5-f4b93be8accd ASK=4ab7b379-bbac-4fe4-a02f-05aef327c782
local ARK=c0b406a4-a803-4952-9743-3fb6014cd0ae X R
V=$(vectors_dir) && V=$V/attest || V=""
if [ ! -f "$V/snp/mstav-milan-report.bin" ]; then
	vectors_skip "extended SNP reports" "$(grep -cE '^\s*(cli_case|cli_check) ' "${BASH_SOURCE[0]}")"
	return
fi
S=$V/snp C=$V/snp/chains W=$(mktemp -d)
R=$S/mstav-milan-report.bin
openssl x509 -in "$S/mstav-milan-report.vcek.pem" -outform der -out "$W/vcek.der"
openssl x509 -in "$C/amd-milan-ask-ark.pem" -outform der -out "$W/ask.der"	# first: the ASK
sed -n '/END CERT/,$p' "$C/amd-milan-ask-ark.pem" | sed 1d | openssl x509 -outform der -out "$W/ark.der"
X=$W/ext.bin
aext_build "$X" "$R" "$VCEK=$W/vcek.der" "$ASK=$W/ask.der" "$ARK=$W/ark.der"
local o1=96 l1 l2 l3
l1=$(stat -c %s "$W/vcek.der") l2=$(stat -c %s "$W/ask.der") l3=$(stat -c %s "$W/ark.der")

aext_has "ext: dump shows the VCEK entry (offset $o1, $l1 bytes)" \
	"\"guid\": \"$VCEK\", +\"kind\": \"vcek\", +\"offset\": $o1, +\"length\": $l1," \
	attest dump --json "$X"
aext_has "ext: dump shows the ARK entry after the ASK" \
	"\"guid\": \"$ARK\", +\"kind\": \"ark\", +\"offset\": $((o1 + l1 + l2)), +\"length\": $l3," \
	attest dump --json "$X"
cli_case "ext: dump names each certificate's subject" 0 \
	"subject +$(openssl x509 -inform der -in "$W/ask.der" -noout -subject -nameopt RFC2253 | sed 's/^subject=//; s/.*CN=/.*CN=/')" \
	attest dump "$X"
aext_has "ext: the table is part of the evidence, nothing trails" \
	"evidence_size +$((1184 + o1 + l1 + l2 + l3))\b.*trailing_bytes +0\b" \
	attest dump "$X"
cli_case "ext: verify with no --certs uses the table" 0 \
	"passed +certificates +VCEK, ASK and ARK found in the report's certificate table" \
	attest verify "$X" --no-time-check
cli_case "ext: the built-in ARK is still the anchor" 0 \
	"passed +root_pinned +the ARK is AMD's ARK-Milan built into cvmm" attest verify "$X" --no-time-check
cli_case "ext: the report signature verifies with the table's VCEK" 0 "passed +report_signature" \
	attest verify "$X" --no-time-check
# A table with the VCEK only: the chain comes from --certs.
aext_build "$W/vcek-only.bin" "$R" "$VCEK=$W/vcek.der"
cli_case "ext: table VCEK + --certs chain" 0 \
	"passed +certificates +VCEK, ASK and ARK found \(in --certs and the report's certificate table\)" \
	attest verify "$W/vcek-only.bin" --certs "$C/amd-milan-ask-ark.pem" --no-time-check
cli_case "ext: table VCEK alone: no ASK/ARK" 1 "failed +certificates +the report's certificate table holds no ASK" \
	attest verify "$W/vcek-only.bin" --no-time-check
# A self-made ARK under ARK-Milan's name in the table: not the built-in anchor.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/fake.key" -days 30 -outform der -out "$W/fake-ark.der" \
	-subj "/OU=Engineering/C=US/L=Santa Clara/ST=CA/O=Advanced Micro Devices/CN=ARK-Milan" 2>/dev/null
aext_build "$W/fake.bin" "$R" "$VCEK=$W/vcek.der" "$ASK=$W/ask.der" "$ARK=$W/fake-ark.der"
cli_case "ext: a self-made ARK in the table fails root_pinned" 1 \
	"failed +root_pinned +the ARK --certs or the certificate table gave is not AMD's ARK-Milan" \
	attest verify "$W/fake.bin" --no-time-check
# An entry pointing past the end: not a table, the bytes only trail the report.
cp "$X" "$W/bad.bin"
aext_le32 $(( $(stat -c %s "$X") )) | dd of="$W/bad.bin" bs=1 seek=$((1184 + 16)) conv=notrunc status=none
cli_case "ext: an entry past the end: no table, trailing bytes" 0 \
	"trailing_bytes +$(( $(stat -c %s "$X") - 1184 ))\b" attest dump "$W/bad.bin"
cli_case "ext: ... and verify wants --certs" 1 "failed +certificates +no --certs and no certificate table" \
	attest verify "$W/bad.bin" --no-time-check
if command -v python3 >/dev/null; then
	cli_check "ext: dump --json parses, three entries" sh -c "'$CVMM' attest dump --json '$X' |
		python3 -c 'import json,sys; d=json.load(sys.stdin); assert [e[\"kind\"] for e in d[\"cert_table\"]]==[\"vcek\",\"ask\",\"ark\"]'"
fi
rm -rf "$W"
}
aext_main
unset -f aext_main aext_build aext_le32 aext_has

# `cvmm attest eventlog` and `verify --eventlog`: the CCEL event log of the TD that made
# gotdx-cos-113-tdx-quote.dat (go-tdx-guest), which replays exactly to that quote's RTMRs
# (review §2c: 43 events, RTMR3 zero), and go-eventlog's copy with a duplicated separator,
# which must not. RTMRs are read from the quote with od (v4 body at 48, RTMR0 at body +
# 328, 48 bytes each); decoded strings are looked up in the raw log with grep.
# Sourced by tests/run-all.sh (cli tier).

ael_main() {
local V E Q W i
V=$(vectors_dir) && V=$V/attest || V=""
if [ ! -f "$V/tdx/ccel/gotdx-ccel_data.dat" ]; then
	vectors_skip "attest eventlog" "$(grep -cE '^\s*(cli_case|cli_check) ' "${BASH_SOURCE[0]}")"
	return
fi
E=$V/tdx/ccel Q=$V/tdx/gotdx-cos-113-tdx-quote.dat W=$(mktemp -d)
local L=$E/gotdx-ccel_data.dat TB=$E/gotdx-ccel_table.dat
ael_rtmr() { od -An -v -tx1 -j $((48 + 328 + 48 * $1)) -N48 "$Q" | tr -d ' \n'; }

for i in 0 1 2 3; do
	cli_case "eventlog: replays to the quote's RTMR$i" 0 "rtmr$i +$(ael_rtmr $i)$" \
		attest eventlog "$L" --table "$TB"
done
cli_check "eventlog: the quote's RTMR3 is zero (review: nothing extends it)" \
	test "$(ael_rtmr 3)" = "$(printf '0%.0s' $(seq 96))"
cli_case "eventlog: 43 events (review §2c)" 0 "^  events +43$" attest eventlog "$L"
cli_case "eventlog: the CCEL table: TDX, log area $(od -An -tu8 -j 40 -N8 "$TB" | tr -d ' ') bytes" 0 \
	"log_area_minimum_length +$(od -An -tu8 -j 40 -N8 "$TB" | tr -d ' ')$" attest eventlog "$L" --table "$TB"
cli_case "eventlog: the Spec ID event names SHA-384 (0x000c) only" 0 "id +0x000c" attest eventlog "$L"
# Decoded data, each string also found in the raw bytes (UTF-16 names with the NULs dropped).
cli_check "eventlog: the raw log holds the kernel command line" \
	bash -c "grep -aq 'kernel_cmdline: /syslinux/vmlinuz.A init=' '$L'"
cli_case "eventlog: EV_IPL kernel command line decoded" 0 \
	"string +kernel_cmdline: /syslinux/vmlinuz.A init=/usr/lib/systemd/systemd rootwait" attest eventlog "$L"
cli_check "eventlog: the raw log holds SecureBoot (UTF-16)" bash -c "tr -d '\\000' <'$L' | grep -aq SecureBoot"
cli_check "eventlog: EFI variable name and GUID" bash -c "set -o pipefail; '$CVMM' attest eventlog '$L' |
	tr -s ' \\n' ' ' | grep -Eq 'variable_guid 8be4df61-93ca-11d2-aa0d-00e098032b8c variable_name SecureBoot'"
cli_check "eventlog: the raw log holds the boot loader path (UTF-16)" \
	bash -c "tr -d '\\000' <'$L' | grep -aq 'grub-lakitu.efi'"
cli_case "eventlog: boot services application's file path" 0 "device_path +.*grub-lakitu\.efi" \
	attest eventlog "$L"
if command -v python3 >/dev/null; then
	cli_check "eventlog --json parses: 43 events, RTMR1 the quote's" sh -c "'$CVMM' attest eventlog --json '$L' |
		python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d[\"events\"])==43 and d[\"replayed\"][\"rtmr1\"]==\"$(ael_rtmr 1)\"'"
fi
for f in "$E/trustee-CCEL_data_ovmf" "$E/trustee-CCEL_data_grub"; do
	cli_case "eventlog: $(basename "$f") parses" 0 "^  events +[1-9]" attest eventlog "$f"
done

# --- verify --eventlog
cli_case "verify --eventlog: the matching log replays to RTMR0-3" 0 \
	"passed +eventlog +the log's 43 events replay to RTMR0-3" attest verify "$Q" --eventlog "$L"
cli_case "verify --eventlog: the dupe-separator log fails at RTMR0 first" 1 \
	"failed +eventlog +RTMR0 differs \(the first that does\).*the evidence has $(ael_rtmr 0)" \
	attest verify "$Q" --eventlog "$E/goel-cos-113-intel-tdx-dupe-separator.bin"
cli_check "verify --eventlog: the damaged log is not the good one" \
	bash -c "! cmp -s '$L' '$E/goel-cos-113-intel-tdx-dupe-separator.bin'"
# RTMR2 of a copy of the quote changed (its signature then fails too): RTMR2 is named.
cp "$Q" "$W/q.dat"
printf '\xff' | dd of="$W/q.dat" bs=1 seek=$((48 + 328 + 96)) conv=notrunc status=none
cli_case "verify --eventlog: a changed RTMR2 is the one named" 1 "failed +eventlog +RTMR2 differs" \
	attest verify "$W/q.dat" --eventlog "$L"
# RTMR3 too (the last one compared): zero in the log and in the quote, changed in a copy.
cp "$Q" "$W/q3.dat"
printf '\x01' | dd of="$W/q3.dat" bs=1 seek=$((48 + 328 + 144)) conv=notrunc status=none
cli_case "verify --eventlog: a changed RTMR3 is the one named" 1 "failed +eventlog +RTMR3 differs" \
	attest verify "$W/q3.dat" --eventlog "$L"
# One event written by hand after the log's last (offset 18101, 0xff after it): MR index,
# type, digest count, SHA-384 (id 0x000c) of 48 bytes 0xab, 1 byte of data. Events the
# replay must not extend (EV_NO_ACTION 3; MR index 0, MRTD, which no event extends) leave
# the quote's RTMRs; a count above the Spec ID's one algorithm is refused.
ael_event() {	# ael_event OUT MR TYPE COUNT
	local d
	cp "$L" "$1"
	d=$(printf '\\xab%.0s' $(seq 48))
	printf "\\x$2\\x00\\x00\\x00\\x$3\\x00\\x00\\x00\\x$4\\x00\\x00\\x00\\x0c\\x00$d\\x01\\x00\\x00\\x00Z" |
		dd of="$1" bs=1 seek=18101 conv=notrunc status=none
}
ael_event "$W/noaction" 01 03 01
cli_case "eventlog: the hand-written event is the 44th" 0 "^  events +44$" attest eventlog "$W/noaction"
cli_case "verify --eventlog: an EV_NO_ACTION event in RTMR0 is not extended" 0 \
	"passed +eventlog +the log's 44 events replay" attest verify "$Q" --eventlog "$W/noaction"
ael_event "$W/ipl1" 01 0d 01
cli_case "verify --eventlog: the same event as EV_IPL is extended (RTMR0 then differs)" 1 \
	"failed +eventlog +RTMR0 differs" attest verify "$Q" --eventlog "$W/ipl1"
ael_event "$W/mr0" 00 0d 01
cli_case "verify --eventlog: an EV_IPL event of MR index 0 (MRTD) is not replayed" 0 \
	"passed +eventlog +the log's 44 events replay" attest verify "$Q" --eventlog "$W/mr0"
ael_event "$W/count2" 01 0d 02
cli_case "eventlog: 2 digests where the Spec ID event lists 1 algorithm" 2 \
	"count2: event 44 at offset 0x46b5: 2 digests, the Spec ID event lists 1 algorithms" \
	attest eventlog "$W/count2"
cli_case "verify: without --eventlog the RTMRs are not replayed" 0 "skipped +eventlog" attest verify "$Q"
cli_case "verify --eventlog on an SNP report" 2 "--eventlog: a CC event log replays to TDX RTMRs" \
	attest verify "$V/snp/mstav-milan-report.bin" --eventlog "$L"

# --- files that are not a log or table
head -c 18090 "$L" >"$W/cut"	# review: 18101 bytes in use; this cuts the last event
cli_case "eventlog: a log cut inside an event names it" 2 "cut: event [0-9]+ at offset 0x[0-9a-f]+ runs past the end of the 18090-byte log area" \
	attest eventlog "$W/cut"
head -c 4096 /dev/urandom >"$W/random"
cli_case "eventlog: random bytes" 2 "random: the first event \(offset 0\) is not the EV_NO_ACTION" attest eventlog "$W/random"
cli_case "verify --eventlog: random bytes" 2 "random: the first event" attest verify "$Q" --eventlog "$W/random"
cp "$TB" "$W/table"; printf '\x01' | dd of="$W/table" bs=1 seek=9 conv=notrunc status=none
cli_case "eventlog: a CCEL table with a broken checksum" 2 "table: the CCEL table's checksum" \
	attest eventlog "$L" --table "$W/table"
cli_case "eventlog: a table whose log area is larger than the log" 2 "but the CCEL table .* gives the log area 262144" \
	attest eventlog "$W/cut" --table "$TB"
cli_case "eventlog: the quote is no CCEL table" 2 "not an ACPI CCEL table" attest eventlog "$L" --table "$Q"
mkfifo "$W/fifo"
cli_case "eventlog: a named FIFO is refused" 2 "fifo: a named FIFO" attest eventlog "$W/fifo"
cli_case "eventlog: no FILE" 2 "no event log FILE" attest eventlog
rm -rf "$W"
unset -f ael_rtmr ael_event
}
ael_main
unset -f ael_main

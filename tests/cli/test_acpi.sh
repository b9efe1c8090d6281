# ACPI tables of a bzImage boot (loader/acpi/), checked by an independent
# reader: Debian's iasl disassembles each table (checksums included) with no
# error or warning, and what it prints names every device cvmm serves.
acpi_dir=$(mktemp -d)
acpi_disk=$(mktemp); truncate -s 1M "$acpi_disk"

# acpi_iasl DIR: disassembles every table there; fails on any error or warning.
acpi_iasl() {
	local out f
	for f in "$1"/*.dat; do
		# iasl 20200925 cannot read a bare RSDP (it wants a table header): acpi_rsdp checks it
		[ "$(basename "$f")" = RSDP.dat ] && continue
		out=$(cd "$1" && iasl -d "$(basename "$f")" 2>&1) || { echo "$out"; return 1; }
		if grep -Eiq 'error|warning' <<<"$out"; then echo "$out"; return 1; fi
	done
	for f in XSDT FACP APIC DSDT; do
		[ -s "$1/$f.dsl" ] || { echo "no $f.dsl"; return 1; }
	done
}

# acpi_rsdp DIR [TABLES_GPA]: "RSD PTR ", revision 2, both checksums zero, XSDT found at its address.
acpi_rsdp() {
	local at=$((${2:-0xe0000} + 0x30))
	local b=($(od -An -v -tu1 "$1/RSDP.dat")) s20=0 s36=0 i
	[ ${#b[@]} -eq 36 ] || { echo "RSDP is ${#b[@]} bytes"; return 1; }
	[ "$(head -c 8 "$1/RSDP.dat")" = "RSD PTR " ] && [ "${b[15]}" -eq 2 ] || { echo "bad RSDP"; return 1; }
	for i in $(seq 0 35); do s36=$((s36 + b[i])); [ $i -lt 20 ] && s20=$((s20 + b[i])); done
	[ $((s20 % 256)) -eq 0 ] && [ $((s36 % 256)) -eq 0 ] || { echo "RSDP checksums"; return 1; }
	# the XSDT sits at the RSDP's address + 0x30 in cvmm's layout: iasl read it there
	[ $((b[24] | b[25] << 8 | b[26] << 16)) -eq $at ] || { echo "XSDT address"; return 1; }
	grep -q 'Signature : "XSDT"' "$1/XSDT.dsl"
}

# acpi_rtc DIR: the CMOS RTC (devices/rtc.c) is a PNP0B00 device at ports 0x70-0x71 with no
# IRQ (cvmm raises none), and the FADT neither says it is absent (Linux would skip it) nor
# lacks its century register (0x32).
acpi_rtc() {
	local d=$1/DSDT.dsl f=$1/FACP.dsl dev
	dev=$(sed -n '/EisaId ("PNP0B00")/,/^        }/p' "$d")
	grep -q '0x0070, *// Range Minimum' <<<"$dev" && grep -q '0x02, *// Length' <<<"$dev" ||
		{ echo "no PNP0B00 at 0x70-0x71"; cat "$d"; return 1; }
	! grep -Eq 'IRQ|Interrupt' <<<"$dev" || { echo "the RTC names an IRQ"; return 1; }
	grep -q 'CMOS RTC Not Present (V5) : 0' "$f" && grep -q 'RTC Century Index : 32$' "$f" ||
		{ echo "FADT: RTC said absent, or no century index 0x32"; grep -i 'rtc\|century' "$f"; return 1; }
}

# acpi_devices DIR [MP_WAKEUP]: COM1, 3 virtio-mmio, pvpanic, S5, 4 CPUs, the I/O APIC;
# MP_WAKEUP 1: the MADT has the multiprocessor wakeup structure (type 0x10), 0: it has none.
acpi_devices() {
	local d=$1/DSDT.dsl m=$1/APIC.dsl f=$1/FACP.dsl wake=${2:-0}
	grep -q 'EisaId ("PNP0501")' "$d" && grep -q '0x03F8, *// Range Minimum' "$d" &&
	grep -Eq '^ *\{4\}' "$d" || { echo "COM1 missing"; cat "$d"; return 1; }
	[ "$(grep -c '_HID, "LNRO0005"' "$d")" -eq 3 ] || { echo "want 3 virtio-mmio devices"; return 1; }
	for base_irq in D0000000:5 D0000200:6 D0000400:7; do
		grep -q "0x${base_irq%:*}, *// Address Base" "$d" &&
		grep -q "0x0000000${base_irq#*:}," "$d" || { echo "no device ${base_irq}"; return 1; }
	done
	[ "$(grep -c 'Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive' "$d")" -eq 3 ] ||
		{ echo "virtio interrupts not level/active-high"; return 1; }
	grep -q 'Name (\\_S5, Package' "$d" || { echo "no _S5"; return 1; }
	grep -q '_HID, "QEMU0001"' "$d" && grep -q '0x0505, *// Range Minimum' "$d" ||
		{ echo "no pvpanic device"; return 1; }
	[ "$(grep -c 'Subtable Type : 00 \[Processor Local APIC\]' "$m")" -eq 4 ] ||
		{ echo "want 4 LAPIC entries"; return 1; }
	grep -q 'Subtable Type : 01 \[I/O APIC\]' "$m" && grep -q 'Address : FEC00000' "$m" &&
	grep -q 'Subtable Type : 02 \[Interrupt Source Override\]' "$m" ||
		{ echo "no I/O APIC / override"; return 1; }
	# iasl 20200925 predates ACPI 6.4's type 0x10 (it prints "Unknown Subtable Type")
	[ "$(grep -c 'Subtable Type : 10 ' "$m")" -eq "$wake" ] || { echo "MP wakeup entries != $wake"; return 1; }
	grep -q 'Hardware Reduced (V5) : 1' "$f" && grep -q 'Address : 0000000000000CF9' "$f" &&
	grep -q 'Address : 0000000000000620' "$f" && grep -q 'Address : 0000000000000621' "$f" ||
		{ echo "FADT: not hardware-reduced with sleep and reset registers"; return 1; }
}

if command -v iasl >/dev/null; then
	cli_case "--dump-acpi writes the tables of a 4-vCPU bzImage boot" 0 '' \
		--kernel $G/hello.bzImage --cpus 4 --disk "$acpi_disk" --rng --console virtio \
		--dump-acpi "$acpi_dir" --dry-run
	cli_check "iasl -d reads every table without errors or warnings" acpi_iasl "$acpi_dir"
	cli_check "the RSDP is checksummed and points at the XSDT" acpi_rsdp "$acpi_dir"
	cli_check "the tables name COM1, 3 virtio-mmio devices, 4 CPUs, the I/O APIC" \
		acpi_devices "$acpi_dir"
	cli_check "the DSDT names the CMOS RTC (PNP0B00, 0x70-0x71, no IRQ); the FADT does not hide it" \
		acpi_rtc "$acpi_dir"
	# A table with a broken checksum must be caught by the check above.
	acpi_bad=$(mktemp -d); cp "$acpi_dir/APIC.dat" "$acpi_bad/"
	printf '\x00' | dd of="$acpi_bad/APIC.dat" bs=1 seek=9 conv=notrunc 2>/dev/null
	cli_check "the iasl check catches a bad checksum" bash -c \
		"$(declare -f acpi_iasl); ! acpi_iasl $acpi_bad"
	rm -rf "$acpi_bad"
	# The confidential shim boots give Linux the same PC platform (its devices
	# through swiotlb in memory the guest shares), in tables at 0xb0000 that
	# are launch pages: TDX wakes APs through the mailbox, SNP by AP creation.
	for acpi_plat in tdx:1 snp:0; do
		rm -rf "$acpi_dir"; mkdir "$acpi_dir"
		cli_case "--${acpi_plat%:*} --dump-acpi: the shim boot's tables" 0 '' \
			--${acpi_plat%:*} --kernel $G/hello.bzImage --cpus 4 --disk "$acpi_disk" --rng \
			--console virtio --dump-acpi "$acpi_dir" --dry-run
		cli_check "--${acpi_plat%:*}: iasl -d reads every table" acpi_iasl "$acpi_dir"
		cli_check "--${acpi_plat%:*}: the RSDP points at the XSDT at 0xb0030" acpi_rsdp "$acpi_dir" 0xb0000
		cli_check "--${acpi_plat%:*}: COM1, 3 virtio-mmio, I/O APIC, 4 CPUs, MP wakeup ${acpi_plat#*:}" \
			acpi_devices "$acpi_dir" "${acpi_plat#*:}"
		cli_check "--${acpi_plat%:*}: the CMOS RTC in the DSDT and the FADT" acpi_rtc "$acpi_dir"
	done
else
	echo "*** SKIPPED: $TIER ACPI tests: iasl (acpica-tools) is not installed ***"
	SKIP=$((SKIP + 16))
fi
cli_case "--dump-acpi with an ELF guest: no tables, one line" 2 \
	'--dump-acpi: this launch has no ACPI tables' --kernel $G/hello.elf --dump-acpi "$acpi_dir" --dry-run
rm -rf "$acpi_dir" "$acpi_disk"

# Power and reset (devices/power.c): ACPI poweroff ends cvmm with 0, every
# way a PC resets ends it with 3 (cvmm does not reboot), and writes that ask
# for neither change nothing.
kvm_case "ACPI poweroff (sleep control, S5) ends with status 0" 0 'guest powered off \(ACPI S5\)' \
	-v --kernel $G/power.elf --cmdline s5
kvm_case "an ACPI sleep type cvmm does not offer is ignored" 7 '' --kernel $G/power.elf --cmdline s3
kvm_case "reset through 0xcf9 (the FADT reset register) ends with status 3" 3 \
	'guest reset \(port 0xcf9 = 0x06\)' --kernel $G/power.elf --cmdline cf9
kvm_case "0xcf9 without the reset bit does not reset" 8 '' --kernel $G/power.elf --cmdline cf9s
kvm_case "i8042 reset (0xfe to port 0x64) ends with status 3" 3 'guest reset \(i8042 command 0xfe\)' \
	--kernel $G/power.elf --cmdline kbd
kvm_case "pvpanic (port 0x505, bit 0) ends with status 4, distinct from a reset" 4 \
	'guest panicked \(pvpanic\)' --kernel $G/power.elf --cmdline panic
kvm_case "pvpanic 'crash kernel loaded' alone does not end the VM" 10 '' --kernel $G/power.elf --cmdline kdump
kvm_case "a bzImage guest's ACPI poweroff ends with status 0" 0 '' \
	--kernel $G/power.bzImage --cmdline s5
# Interrupts of a full-OS guest (devices/ioapic.c, tests/guests/ioapic.c).
if "$CVMM" info 2>/dev/null | grep -q '^split irqchip *yes'; then
	kvm_case "I/O APIC: version, COM1 THRE on pin 4 (edge), virtio level line with EOI" 0 \
		'ioapic: version 0x0*170011 uart 1 iir 0x0*c2 virtio [23]$' \
		--kernel $G/ioapic.bzImage --mem 64M --rng
else
	echo "*** SKIPPED: $TIER I/O APIC test: this KVM has no split irqchip ***"; SKIP=$((SKIP + 1))
fi

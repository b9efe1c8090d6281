# virtio-mmio devices with real guests: a polling driver (console, blk, rng)
# and a malicious one that must not crash cvmm.
VDISK=$(mktemp /tmp/cvmm-vdisk-XXXXXX.img)
VTOKEN="token-$$-$RANDOM"
# 64 sectors; sector 0 names a token only this run knows
vdisk_reset() {
	head -c $((64 * 512)) /dev/zero >"$VDISK"
	printf 'cvmm disk sector 0: %s' "$VTOKEN" | dd of="$VDISK" conv=notrunc status=none
}
vdisk_reset

kvm_case "virtio guest: console, blk read/write/read-back, id, rng" 0 \
	"sector 0: cvmm disk sector 0: $VTOKEN" \
	--kernel $G/virtio_drv.elf --mem 64M --disk "$VDISK" --rng --console virtio
kvm_case "virtio guest prints through virtio-console" 0 'virtio-console: hello from the guest' \
	--kernel $G/virtio_drv.elf --mem 64M --console virtio
# what the guest wrote reached the file
vdisk_written() { dd if="$VDISK" bs=512 skip=2 count=1 status=none | grep -aq 'written by the virtio guest'; }
kvm_check "virtio-blk: the guest's write is in the image file" vdisk_written
kvm_case "virtio guest: everything checked" 0 'all checks passed.*' \
	--kernel $G/virtio_drv.elf --mem 64M --disk "$VDISK" --rng --console virtio
kvm_case "virtio-blk: the disk's ID is its file name" 0 "virtio-blk id: $(basename "$VDISK" | cut -c1-20)" \
	--kernel $G/virtio_drv.elf --mem 64M --disk "$VDISK"
kvm_case "virtio-blk with O_DIRECT" 0 'write and read-back match' \
	--kernel $G/virtio_drv.elf --mem 64M --disk "$VDISK,direct"

vdisk_reset
VSUM=$(sha256sum <"$VDISK")
kvm_case "virtio-blk read-only: writes refused" 0 'write refused \(read-only\)' \
	--kernel $G/virtio_drv.elf --mem 64M --disk "$VDISK,ro"
vdisk_unchanged() { [ "$(sha256sum <"$VDISK")" = "$VSUM" ]; }
kvm_check "virtio-blk read-only: image unchanged" vdisk_unchanged

kvm_case "virtio-rng gives bytes" 0 'virtio-rng: [0-9a-f]{16}' --kernel $G/virtio_drv.elf --mem 64M --rng
kvm_case "virtio with interrupts on (split irqchip, MSI, irqfd)" 0 'all checks passed' \
	--kernel $G/virtio_drv.elf --mem 64M --disk "$VDISK" --rng --virtio-irq
# line 5 (the first slot) arrives as MSI vector 0x20 + 5, once, acknowledged through the transport
kvm_case "virtio interrupt arrives as its MSI vector (--virtio-irq)" 0 \
	"virtio interrupts: 1, vector $((0x20 + 5)), InterruptStatus 1, after ack 0" \
	--kernel $G/virtio_irq.elf --mem 64M --rng --virtio-irq
kvm_case "virtio devices on the kernel command line" 0 \
	'virtio_mmio.device=512@0xd0000000:5 virtio_mmio.device=512@0xd0000200:6' \
	--kernel $G/hello.elf --cmdline 0 --disk "$VDISK" --rng
kvm_case "malicious virtio queues: cvmm survives every case" 0 'cvmm survived every case' \
	--kernel $G/virtio_evil.elf --mem 64M --disk "$VDISK" --rng
kvm_case "malicious virtio queues: one warning per broken queue" 0 \
	'descriptor chain from 0 loops.*device needs reset' \
	--kernel $G/virtio_evil.elf --mem 64M --disk "$VDISK" --rng
rm -f "$VDISK"

# --sw: all RAM private but the shared window; the guests find the window in e820
VDISK=$(mktemp /tmp/cvmm-vdisk-XXXXXX.img)
vdisk_reset
kvm_case "--sw: virtio guest works through the shared window" 0 \
	"sector 0: cvmm disk sector 0: $VTOKEN" \
	--sw --kernel $G/virtio_drv.elf --mem 64M --disk "$VDISK" --rng --console virtio
kvm_case "--sw: malicious queues, buffers and rings in private memory refused" 0 \
	'ok   blk: descriptor table in private memory refused' \
	--sw --kernel $G/virtio_evil.elf --mem 64M --disk "$VDISK" --rng
kvm_case "--sw: a buffer in private memory is named in the warning" 0 \
	'read at sector 0 failed: a buffer is in private memory' \
	--sw --kernel $G/virtio_evil.elf --mem 64M --disk "$VDISK" --rng
# The device tree always travels as boot_params setup_data (loader/boot/virtio_boot.c):
# expected from what the options ask for, never from what --dry-run prints.
kvm_case "--sw: the guest finds the device tree with a restricted-dma-pool" 0 \
	'device tree: [0-9]+ bytes, 2 virtio,mmio nodes, restricted-dma-pool: yes' \
	--sw --kernel $G/virtio_drv.elf --mem 64M --disk "$VDISK" --rng
kvm_case "plain: device tree without a pool" 0 \
	'device tree: [0-9]+ bytes, 1 virtio,mmio nodes, restricted-dma-pool: no' \
	--kernel $G/virtio_drv.elf --mem 64M --rng
rm -f "$VDISK"

# virtio-console input: from a pipe, and from a terminal (a pty from
# script(1)) where Ctrl-D in between must not end the guest's input.
vcon_pipe() {
	local out
	out=$( (sleep 1; printf 'hello\n'; sleep 1; printf 'q\n') | timeout 30 "$CVMM" \
		--kernel $G/console_echo.elf --console virtio --mem 64M 2>&1); local rc=$?
	echo "$out"; [ $rc -eq 0 ] && grep -q 'echo: hello' <<<"$out"
}
kvm_check "virtio-console input from a pipe reaches the guest" vcon_pipe
vcon_tty_ctrl_d() {
	local out
	command -v script >/dev/null || { echo "no script(1)"; return 1; }
	out=$( (sleep 2; printf 'abc\n'; sleep 1; printf '\004'; sleep 1; printf 'after\n'; sleep 1; \
		printf 'q\n'; sleep 3) | timeout 30 script -qec \
		"$CVMM --kernel $G/console_echo.elf --console virtio --mem 64M; echo STATUS=\$?" /dev/null 2>&1)
	echo "$out"; grep -q 'echo: after' <<<"$out" && grep -q 'STATUS=0' <<<"$out"
}
kvm_check "virtio-console input at a terminal survives Ctrl-D" vcon_tty_ctrl_d

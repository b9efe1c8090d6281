# cvmm's boot shim (loader/shim/) on the real /dev/kvm: `--boot-shim` runs
# the exact blob that --snp/--tdx direct boots measure, minus the TDX/SNP
# instructions, in front of a bzImage test guest that reports the
# boot_params it got (tests/guests/bootparams.c). The e820 the guest sees is
# what the shim wrote from the unmeasured memory-map page; the expected
# values are computed here from --mem.
SH=$(mktemp -d /tmp/cvmm-shim.XXXXXX)
yes 'shim initrd' | head -c 7000 >"$SH/initrd"
SH_SUM=$(od -An -v -t u1 "$SH/initrd" | awk '{ for (i = 1; i <= NF; i++) s += $i } END { printf "%016x", s }')
SH_HOLE=$((0x100000 - 0x9f000))	# the shim's map keeps the page-aligned BIOS hole

# shim_boot MEM_BYTES E820_COUNT CMDLINE: boots bootparams.bzImage through the shim
shim_boot() {
	local mem=$1 count=$2 cmd=$3 out rc
	out=$(timeout -k 5 "$KVM_TIMEOUT" "$CVMM" --boot-shim --kernel $G/bootparams.bzImage \
		--mem "$mem" --cmdline "$cmd" --initrd "$SH/initrd" 2>&1 </dev/null); rc=$?
	echo "$out"
	[ $rc -eq 0 ] || { echo "exit status $rc"; return 1; }
	grep -qx "bootparams: e820 $(printf %016x "$count") ram $(printf %016x $((mem - SH_HOLE)))" <<<"$out" &&
	grep -qxF "bootparams: cmdline [$cmd]" <<<"$out" &&
	grep -qx "bootparams: initrd [0-9a-f]*000 $(printf %016x 7000) sum $SH_SUM" <<<"$out" &&
	grep -qx 'bootparams: ok' <<<"$out"
}

# e820: RAM below the hole, the hole as mailbox (NVS), reserved, ACPI, reserved, RAM [, RAM above 4 GiB]
kvm_check "boot shim: bzImage guest gets e820, cmdline, initrd (256 MiB)" \
	shim_boot $((256 << 20)) 6 "console=ttyS0 via shim"
kvm_check "boot shim: RAM above 4 GiB reaches the guest's e820 (8 GiB)" \
	shim_boot $((8 << 30)) 7 "x"
# APs start parked on the MP wakeup mailbox; a guest that never wakes them still ends.
kvm_case "boot shim: 3 vCPUs, APs parked on the mailbox" 0 "bootparams: ok" \
	--boot-shim --kernel $G/bootparams.bzImage --cpus 3
# Issue 13 item 3: the TD's acceptance split, run for real on a plain VM:
# the BSP posts the job, every vCPU takes its part of the TD's ranges (RAM
# and the first MiB: all of --mem), the BSP waits for all and goes on only
# if the parts add up. -v reads the job back; the sum is checked here.
# shim_spread CPUS MEM_BYTES
shim_spread() {
	local cpus=$1 mem=$2 out rc line n=0 sum=0
	out=$(timeout -k 5 "$KVM_TIMEOUT" "$CVMM" -v --boot-shim --kernel $G/bootparams.bzImage \
		--cpus "$cpus" --mem "$mem" 2>&1 </dev/null); rc=$?
	echo "$out"
	[ $rc -eq 0 ] || { echo "exit status $rc"; return 1; }
	grep -qx 'bootparams: ok' <<<"$out" || return 1
	line=$(sed -n "s/^cvmm: boot shim acceptance: $cpus of $cpus vCPUs, 4 KiB pages per vCPU:\([0-9 ]*\); the BSP's total \([0-9]*\)$/\1 \2/p" <<<"$out")
	[ -n "$line" ] || { echo "no acceptance line for $cpus vCPUs"; return 1; }
	set -- $line
	while [ $# -gt 1 ]; do
		[ "$1" -gt 0 ] || { echo "a vCPU did no part"; return 1; }
		sum=$((sum + $1)); n=$((n + 1)); shift
	done
	[ $n -eq "$cpus" ] && [ $sum -eq $((mem / 4096)) ] && [ "$1" -eq $((mem / 4096)) ] ||
		{ echo "$n parts, sum $sum, total $1: want $cpus parts of $((mem / 4096)) pages"; return 1; }
}
kvm_check "boot shim: acceptance split over 3 vCPUs adds up to --mem (256 MiB)" shim_spread 3 $((256 << 20))
kvm_check "boot shim: acceptance split over 4 vCPUs adds up to --mem (6 GiB, RAM above 4 GiB)" \
	shim_spread 4 $((6 << 30))
# The BSP takes the 32-bit door as a TD's does and reads RAM through the map it built.
kvm_case "boot shim: the BSP's own page tables map all RAM (milestone)" 0 \
	"boot shim read the end of every RAM range through its map" \
	--boot-shim --kernel $G/bootparams.bzImage --mem 2G --boot-trace
kvm_case "boot shim: dry run names the shim" 0 "boot shim" \
	--boot-shim --kernel $G/bootparams.bzImage --dry-run
rm -rf "$SH"

# Loaders on the real /dev/kvm: a test guest wrapped as a bzImage
# (tests/tools/mkbzimage.c) boots through cvmm's bzImage path and reports
# the boot_params it received (tests/guests/bootparams.c); the expected
# values are computed here from the inputs, never taken from cvmm.
LD=$(mktemp -d /tmp/cvmm-loaders.XXXXXX)
yes 'cvmm initrd test data' | head -c 5000 >"$LD/initrd"
RD_SUM=$(od -An -v -t u1 "$LD/initrd" | awk '{ for (i = 1; i <= NF; i++) s += $i } END { printf "%016x", s }')
RD_SIZE=$(printf '%016x' "$(stat -c %s "$LD/initrd")")
BIOS_HOLE=$((0x100000 - 0x9fc00))	# the e820 reserved area cvmm's layout keeps

hex16() { printf '%016x' "$1"; }
u() { od -An -t "u$2" -j $(($3)) -N "$2" "$1" | tr -d ' '; }

# boot_bootparams NAME MEM_BYTES IMAGE CMDLINE [more cvmm args]: boots the
# guest, then checks every line it printed against what was asked for.
boot_bootparams() {
	local mem=$1 img=$2 cmd=$3; shift 3
	local out rc code32
	out=$(timeout -k 5 "$KVM_TIMEOUT" "$CVMM" --kernel "$img" --mem "$mem" --cmdline "$cmd" "$@" 2>&1 </dev/null)
	rc=$?
	echo "$out"
	[ $rc -eq 0 ] || { echo "exit status $rc"; return 1; }
	grep -qx "bootparams: e820 [0-9a-f]* ram $(hex16 $((mem - BIOS_HOLE - ${RESERVED:-0})))" <<<"$out" ||
		return 1
	grep -qxF "bootparams: cmdline [$cmd]" <<<"$out" || return 1
	grep -qx 'bootparams: ok' <<<"$out" || return 1
	if [[ $img == *.bzImage ]]; then
		# code32_start is where the kernel went: the image's pref_address
		code32=$(hex16 "$(u "$img" 8 0x258)")
		grep -qx "bootparams: header HdrS $(hex16 0x20f) loader $(hex16 0xff) code32 $code32" <<<"$out" || return 1
	else
		grep -q '^bootparams: header none ' <<<"$out" || return 1
	fi
	if [[ " $* " == *" --initrd "* ]]; then
		grep -qx "bootparams: initrd [0-9a-f]*000 $RD_SIZE sum $RD_SUM" <<<"$out" || return 1
	else
		grep -qx "bootparams: initrd $(hex16 0) $(hex16 0) sum $(hex16 0)" <<<"$out" || return 1
	fi
}

kvm_check "bzImage guest: boot_params, e820, cmdline, initrd (64 MiB)" \
	boot_bootparams $((64 << 20)) $G/bootparams.bzImage "console=ttyS0 cvmm.test=1" --initrd "$LD/initrd"
kvm_check "bzImage guest: RAM above 4 GiB in e820, initrd below initrd_addr_max (8 GiB)" \
	boot_bootparams $((8 << 30)) $G/bootparams.bzImage "x" --initrd "$LD/initrd"
kvm_check "bzImage guest: no initrd, empty command line" \
	boot_bootparams $((32 << 20)) $G/bootparams.bzImage ""
kvm_check "ELF guest: boot_params without a setup header" \
	boot_bootparams $((256 << 20)) $G/bootparams.elf "elf boot"
# --sw keeps a shared window (2 MiB at the top of low RAM, e820-reserved):
# the initrd goes below it, and the guest's RAM total is that much less.
boot_bootparams_sw() { local RESERVED=$((2 << 20)); boot_bootparams "$@" --sw; }
kvm_check "bzImage guest on --sw: initrd placed clear of the shared window" \
	boot_bootparams_sw $((64 << 20)) $G/bootparams.bzImage "sw" --initrd "$LD/initrd"
kvm_case "bzImage guest: exit status through port 0xf4" 7 "hello from a tiny guest, cmdline '7'" \
	--kernel $G/hello.bzImage --cmdline 7
kvm_case "bzImage guest: a 2047-byte command line (its cmdline_size) arrives" 0 \
	"^bootparams: cmdline \[x{2047}\]$" --kernel $G/bootparams.bzImage \
	--cmdline "$(head -c 2047 /dev/zero | tr '\0' x)"
kvm_case "bzImage guest: the dry run names the image kind" 0 "^launch plan: bzImage image" --kernel $G/bootparams.bzImage --dry-run

# The refused inputs never create a VM; the control: an accepted one does.
kvm_touched() {
	strace -f -o "$LD/strace.log" -e trace=ioctl "$CVMM" --kernel $G/hello.bzImage >/dev/null 2>&1
	grep -q KVM_CREATE_VM "$LD/strace.log"
}
strace_check "an accepted bzImage does create a VM (control for the cli tier)" kvm_touched

# The real Debian kernel (build/testdata, see tests/tools/fetch-debian-kernel.sh)
# cannot boot at this host's 1-2 MIPS, but its first steps are observable:
# entered at startup_64 with rsi = boot_params, it relocates itself and, when
# our command line says earlyprintk=serial, programs COM1 (nine port
# accesses, each a KVM_RUN exit) within about a second, before it
# decompresses. Without that option it makes no exit at all in that time.
DEB=build/testdata/vmlinuz
debian_first_steps() {
	local want=$1 cmd=$2 n
	strace -f -o "$LD/deb.log" -e trace=ioctl \
		timeout -s TERM 6 "$CVMM" --kernel "$DEB" --cmdline "$cmd" >/dev/null 2>&1
	n=$(grep -c 'KVM_RUN' "$LD/deb.log")
	echo "KVM_RUN calls: $n (want $want)"
	if [ "$want" = many ]; then [ "$n" -ge 9 ]; else [ "$n" -le 3 ]; fi
}
if [ ! -r "$DEB" ]; then
	echo "*** SKIPPED: 2 kvm tests on a real Debian kernel: $(cat build/testdata/vmlinuz.missing 2>/dev/null || echo 'not fetched') ***"
	SKIP=$((SKIP + 2))
elif ! have_strace; then
	echo "*** SKIPPED: 2 kvm tests on a real Debian kernel: strace cannot run here ***"
	SKIP=$((SKIP + 2))
else
	kvm_check "Debian kernel: entered, reads our command line, programs COM1 (earlyprintk)" \
		debian_first_steps many "earlyprintk=serial,ttyS0,115200 nokaslr"
	kvm_check "Debian kernel: without earlyprintk it stays silent (control)" \
		debian_first_steps few "console=ttyS0 nokaslr"
fi
rm -rf "$LD"

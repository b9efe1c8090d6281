#!/bin/busybox sh
# Runs inside L1 (tests/nested/l1-init.sh). Each case is one cvmm run of
# Debian's kernel with /l2/initrd.gz; its output is checked here and reported
# on L1's console as "NESTED-CASE NAME ok|FAIL DETAIL" (the host side,
# tests/run-all.sh's nested tier, counts them). cases= on L1's command line
# picks some (default: all).
K=/l2/vmlinuz I=/l2/initrd.gz
T=$(sed -n 's/.*\bnested.timeout=\([0-9]*\).*/\1/p' /proc/cmdline); T=${T:-150}
only=$(sed -n 's/.*\bcases=\([^ ]*\).*/\1/p' /proc/cmdline)
verbose=$(grep -c 'nested.verbose' /proc/cmdline)

want() { case ",${only:-all}," in *",all,"*|*",$1,"*) return 0;; esac; return 1; }
# cases=bench alone runs only the benchmark (below)
case $only in bench|qemu-log) only=none;; esac
# run NAME [ASK=TEXT] CVMM_ARGS...: runs cvmm, leaves /tmp/NAME.out, $rc and
# $secs. With ASK=TEXT, TEXT and a newline go to cvmm's stdin once the guest
# printed a line starting ASK (before it, the guest's tty may not yet exist:
# Linux's serial driver flushes its FIFO when the port opens); stdin stays
# open until cvmm ends.
run() {
	local name=$1 input= t0 t1
	shift
	case $1 in *=*) input=$1; shift;; esac
	t0=$(cut -d' ' -f1 /proc/uptime)
	: >/tmp/$name.out
	if [ -n "$input" ]; then
		mkfifo /tmp/$name.in
		(exec 3>/tmp/$name.in
		 while ! grep -q "${input%%=*}" /tmp/$name.out; do sleep 0.2; done
		 printf '%s\n' "${input#*=}" >&3
		 while [ -e /tmp/$name.in ]; do sleep 0.5; done) &
		timeout $T cvmm $V "$@" </tmp/$name.in >/tmp/$name.out 2>&1; rc=$?
		rm -f /tmp/$name.in
	else
		timeout $T cvmm $V "$@" </dev/null >/tmp/$name.out 2>&1; rc=$?
	fi
	t1=$(cut -d' ' -f1 /proc/uptime)
	secs=$(awk "BEGIN{print $t1 - $t0}")
	[ "$verbose" != 0 ] && sed "s/^/[$name] /" /tmp/$name.out
	echo "NESTED-RUN $name exit=$rc seconds=$secs"
	logged=
}
ok() { echo "NESTED-CASE $1 ok $2"; }
# A failed check shows the end of its run's output, once per run.
bad() {
	echo "NESTED-CASE $1 FAIL $2"
	[ -n "$logged" ] && return
	logged=1
	{ grep -E 'L2-|cvmm:' /tmp/$3.out; echo ...; grep -v '^$' /tmp/$3.out | tail -25; } | sed "s/^/NESTED-LOG $3| /"
}
# check NAME RUN REGEX: RUN's output has a line matching REGEX
check() { if grep -Eq "$3" /tmp/$2.out; then ok $1 "$(grep -Eo "$3" /tmp/$2.out | head -1)"; else bad $1 "no /$3/" $2; fi; }
# trace_phases NAME RUN: RUN's --boot-trace lists a Linux boot's phases in this order.
trace_phases() {
	local got
	got=$(grep -oE 'first KVM_RUN|first console byte|I/O APIC: first line unmasked|guest milestone: ready|guest power-off|VM ended' /tmp/$2.out | uniq | tr '\n' ,)
	if [ "$got" = "first KVM_RUN,first console byte,I/O APIC: first line unmasked,guest milestone: ready,guest power-off,VM ended," ]; then
		ok $1 "$(grep -E 'first console byte|milestone: ready|VM ended' /tmp/$2.out | awk '{printf "%s %.2fs; ", $3" "$4" "$5, $1/1e6}')"
	else
		bad $1 "phases: $got" $2
	fi
}
status() { if [ "$rc" = "$2" ]; then ok $1 "exit $rc in ${secs}s"; else bad $1 "exit $rc, want $2" $3; fi; }
# accept_split NAME RUN CPUS PAGES: cvmm -v read the boot shim's acceptance
# job back: spread over CPUS vCPUs, each did a part, the parts add up to
# PAGES (summed here), and the BSP's own total is PAGES.
accept_split() {
	local l
	l=$(sed -n "s/.*boot shim acceptance: $3 of $3 vCPUs, 4 KiB pages per vCPU:\([0-9 ]*\); the BSP's total \([0-9]*\).*/\1 \2/p" /tmp/$2.out | head -1)
	if [ -n "$l" ] && echo "$l" | awk -v n=$3 -v want=$4 '{ s = 0; for (i = 1; i < NF; i++) { if ($i <= 0) exit 1; s += $i }
		exit !(NF - 1 == n && s == want && $NF == want) }'; then
		ok $1 "$3 vCPUs, pages:$l"
	else
		bad $1 "no acceptance split over $3 vCPUs adding up to $4 pages: '$l'" $2
	fi
}

CMD="console=ttyS0 loglevel=4"
# nested.debug: the guest kernel says everything, from its first line.
V=
grep -q 'nested.debug' /proc/cmdline && CMD="console=ttyS0 earlyprintk=ttyS0 ignore_loglevel nokaslr" verbose=1 V=-v
# Four vCPUs, the ext4 disk mounted from the initramfs (read, write, umount),
# hvc0 (the console on stdin), hwrng, then the disk as root (switch_root: its
# own init reads, writes, remounts read-only and powers off).
if want smp4; then
	run smp4 L2-HVC-OUT=hvc-ping-42 --kernel $K --initrd $I --mem 512M --cpus 4 --disk /dev/vda --rng --console virtio --boot-trace \
		--cmdline "$CMD ct=cpus,disk,hvc,rng,root"
	check smp4-userspace smp4 'L2-USERSPACE'
	check smp4-cpus smp4 'L2-CPUS 4 online=0-3'
	check smp4-disk-read smp4 'L2-DISK-READ cvmm-nested-disk-content'
	check smp4-disk-write smp4 'L2-DISK-UMOUNT ok'
	check smp4-hvc-out smp4 'L2-HVC-OUT hello-from-hvc0'
	check smp4-hvc-in smp4 'L2-HVC-IN hvc-ping-42'  # after the tty's echo, on one line
	check smp4-rng smp4 'L2-RNG virtio_rng.0 [0-9a-f]{32}'
	check smp4-ext4-root smp4 'L2-ROOT /dev/vda ext4'
	check smp4-root-read smp4 'L2-ROOT-READ cvmm-nested-disk-content'
	check smp4-root-ro smp4 'L2-ROOT-RO ok'
	status smp4-poweroff 0 smp4
	check smp4-trace-virtio smp4 'virtio driver ready \(virtio-blk\)'
	trace_phases smp4-trace smp4
	grep -o 'written-by-l2-[0-9a-f-]*' /tmp/smp4.out | head -1 | sed 's/^/NESTED-WROTE written.txt /'
	grep -o 'root-written-[0-9a-f-]*' /tmp/smp4.out | head -1 | sed 's/^/NESTED-WROTE root-written.txt /'
fi
# L1's year (its clock is QEMU's RTC: host time), for the L2 RTC checks: the
# CMOS RTC cvmm serves (devices/rtc.c) reads the same year, through Linux's
# rtc_cmos bound to the DSDT's PNP0B00 (a PNP device name like 00:01; with
# the DSDT's entry gone, this Debian L2 had no rtc0 at all).
Y=$(date -u +%Y)
# One vCPU, COM1 input answered, the RTC, reboot.
if want smp1; then
	run smp1 L2-COM1-ASK=com1-ping-7 --kernel $K --initrd $I --mem 256M --cpus 1 --cmdline "$CMD ct=cpus,com1,rtc,reboot"
	check smp1-cpus smp1 'L2-CPUS 1 online=0'
	check smp1-rtc smp1 "L2-RTC rtc_cmos [0-9a-f]{2}:[0-9a-f]{2} $Y-[0-9]{2}-[0-9]{2}"
	check smp1-com1-in smp1 'L2-COM1-IN com1-ping-7'
	status smp1-reboot 3 smp1
fi
# Two vCPUs, a panic (panic=-1: Linux resets at once, after its pvpanic
# driver told cvmm: status 4, not the reset's 3).
if want smp2; then
	run smp2 --kernel $K --initrd $I --mem 256M --cpus 2 --cmdline "$CMD panic=-1 ct=cpus,panic"
	check smp2-cpus smp2 'L2-CPUS 2 online=0-1'
	check smp2-panic-msg smp2 'Kernel panic'
	check smp2-pvpanic smp2 'guest panicked \(pvpanic\)'
	status smp2-panic 4 smp2
fi
# Eight vCPUs (the issue's "up to at least 8"), all brought up by Linux through INIT/SIPI.
if want smp8; then
	run smp8 --kernel $K --initrd $I --mem 512M --cpus 8 --cmdline "$CMD ct=cpus,poweroff"
	check smp8-cpus smp8 'L2-CPUS 8 online=0-7'
	status smp8-poweroff 0 smp8
fi
# The same kernel through the boot shim, with the boot trace.
if want shim; then
	run shim --kernel $K --initrd $I --mem 256M --boot-shim --boot-trace --cmdline "$CMD ct=cpus,rtc,poweroff"
	check shim-userspace shim 'L2-USERSPACE'
	check shim-rtc shim "L2-RTC rtc_cmos [0-9a-f]{2}:[0-9a-f]{2} $Y-[0-9]{2}-[0-9]{2}"
	trace_phases shim-trace shim
	status shim-poweroff 0 shim
fi
# ---- issue 13 (APs through the ACPI MP wakeup mailbox) ----------------------
# The same shim path a TD takes: the MADT carries the MP wakeup structure,
# the APs run from the start in the shim's mailbox loop (no INIT/SIPI ever),
# and Linux wakes each one by writing the mailbox. 4 CPUs online is only
# reachable that way: Linux waits forever on a mailbox nobody answers. The
# devices are the ones the shim's DSDT describes (the TDX/SNP one too): the
# disk read-only (smp4 owns written.txt), hvc0 both ways, hwrng.
if want shim-smp4; then
	run shim-smp4 L2-HVC-OUT=hvc-ping-43 -v --kernel $K --initrd $I --mem 5G --cpus 4 --boot-shim --boot-trace \
		--disk /dev/vda --rng --console virtio --cmdline "$CMD ct=cpus,diskro,hvc,rng,poweroff"
	check shim-smp4-userspace shim-smp4 'L2-USERSPACE'
	check shim-smp4-cpus shim-smp4 'L2-CPUS 4 online=0-3'
	check shim-smp4-disk-read shim-smp4 'L2-DISKRO-READ cvmm-nested-disk-content'
	check shim-smp4-hvc-in shim-smp4 'L2-HVC-IN hvc-ping-43'
	check shim-smp4-rng shim-smp4 'L2-RNG virtio_rng.0 [0-9a-f]{32}'
	# cvmm -v reads the mailbox at the end: Linux's last command went to
	# APIC ID 3 and the shim acknowledged it (command 0).
	check shim-smp4-mailbox shim-smp4 'MP wakeup mailbox: command 0, last APIC ID 3, wakeup vector 0x[0-9a-f]+'
	# Issue 13 item 3: before Linux, the shim spread the TD's acceptance
	# walk (counted, not accepted, on plain KVM) over the 4 vCPUs, the APs
	# on their own stack slots; the BSP waited for all and checked the sum.
	# A TD accepts all of --mem (RAM and the first MiB): 5 GiB / 4 KiB.
	accept_split shim-smp4-accept-split shim-smp4 4 $((5 << 18))
	# 5 GiB: RAM above 4 GiB, read by the shim through the map its 32-bit
	# door built (the 1 GiB pages SNP's PVALIDATE needs), before the kernel.
	check shim-smp4-high-ram shim-smp4 'boot shim read the end of every RAM range through its map'
	status shim-smp4-poweroff 0 shim-smp4
fi

# make bench's Linux row (bench/parts/linux_nested.sh; only when cases=bench
# names it, in the L1 with QEMU): the same kernel, initramfs, vCPUs, RAM and
# devices (virtio-blk on L1's disk, virtio-rng, COM1 console) under cvmm and
# QEMU microvm, alternating, nested.runs= times each. Timed from outside on
# L1's clock: start to the guest's "L2-USERSPACE" line, start to exit.
# NESTED-BENCH WHO RUN USERSPACE_S EXIT_S STATUS
stamp_until_userspace() {	# prints the uptime at which the line came; drains the rest
	local l up rest t=
	while IFS= read -r l; do
		case $l in *L2-USERSPACE*) [ -z "$t" ] && { read -r up rest </proc/uptime; t=$up; };; esac
	done
	echo "${t:--1}"
}
bench_one() {
	local who=$1 i=$2 t0 t1 tu rest
	shift 2
	read -r t0 rest </proc/uptime
	# A run that hangs (one QEMU microvm run did, once) must not stall the others.
	tu=$( { timeout $T "$@" </dev/null 2>&1; echo "rc=$?" >/tmp/bench.rc; } | stamp_until_userspace)
	read -r t1 rest </proc/uptime
	echo "NESTED-BENCH $who $i $(awk "BEGIN{ if ($tu < 0) print -1; else print $tu - $t0 }") $(awk "BEGIN{print $t1 - $t0}") $(cat /tmp/bench.rc)"
}
if [ "$(sed -n 's/.*\bcases=\([^ ]*\).*/\1/p' /proc/cmdline)" = bench ] && [ -x /bin/qemu-system-x86_64 ]; then
	qemu-system-x86_64 --version 2>&1 | head -1 | sed 's/^/NESTED-QEMU /'
	N=$(sed -n 's/.*\bnested.runs=\([0-9]*\).*/\1/p' /proc/cmdline); N=${N:-5}
	BC="console=ttyS0 loglevel=4 ct=cpus,disk,rng,poweroff"
	for i in $(seq 1 $N); do
		bench_one cvmm $i cvmm --kernel $K --initrd $I --mem 512M --cpus 2 --disk /dev/vda --rng \
			--cmdline "$BC"
		bench_one qemu $i qemu-system-x86_64 -L /qemu -M microvm,acpi=on,pic=off,pit=off,rtc=off \
			-enable-kvm -cpu host -smp 2 -m 512M -nodefaults -no-user-config -display none \
			-no-reboot -serial stdio -kernel $K -initrd $I -append "$BC" \
			-drive id=d0,file=/dev/vda,format=raw,if=none -device virtio-blk-device,drive=d0 \
			-device virtio-rng-device
	done
	# One cvmm run's boot phases for the plot.
	cvmm --kernel $K --initrd $I --mem 512M --cpus 2 --disk /dev/vda --rng --cmdline "$BC" \
		--boot-trace=json </dev/null 2>&1 >/dev/null | grep '^{' | sed 's/^/NESTED-TRACE /'
fi

# Debugging aid, only when cases=qemu-log names it (in the L1 with QEMU): the
# same guest under QEMU microvm with the kernel's whole log, to compare with
# cvmm's (cases=smp2 nested.debug).
if [ "$(sed -n 's/.*\bcases=\([^ ]*\).*/\1/p' /proc/cmdline)" = qemu-log ] && [ -x /bin/qemu-system-x86_64 ]; then
	timeout $T qemu-system-x86_64 -L /qemu -M microvm,acpi=on,pic=off,pit=off,rtc=off \
		-enable-kvm -cpu host -smp 2 -m 512M -nodefaults -no-user-config -display none \
		-no-reboot -serial stdio -kernel $K -initrd $I \
		-append "console=ttyS0 earlyprintk=ttyS0 ignore_loglevel ct=cpus,poweroff" </dev/null 2>&1 |
		sed 's/^/[qemu] /'
fi

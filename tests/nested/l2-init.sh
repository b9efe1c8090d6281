#!/bin/busybox sh
# The init of the Linux guest under test (tests/tools/nested-prep.sh packs it).
# It loads the virtio and ext4 modules, then runs the checks named by the
# "ct=" words on the kernel command line, printing one "L2-..." line each on
# COM1 (ttyS0), which tests/nested/l1-cases.sh reads, and ends the way the
# last word says: poweroff, reboot, panic, or root (switch to the ext4 disk).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc p /proc; mount -t sysfs s /sys; mount -t devtmpfs d /dev
echo "L2-USERSPACE"
# Milestone 2 ("ready") on cvmm's port 0x610: --boot-trace times userspace from outside.
printf '\002' | dd of=/dev/port bs=1 seek=$((0x610)) count=1 2>/dev/null
for m in $(cat /lib/modules/order); do
	insmod /lib/modules/$m 2>/dev/null || echo "L2-INSMOD-FAILED $m"
done
# Userspace's console output drains through the UART's interrupts; the ending
# (poweroff -f, reboot -f, a panic's direct printk) does not wait for it.
drain() { sleep 1; }
ct=$(sed -n 's/.*\bct=\([^ ]*\).*/\1/p' /proc/cmdline)
for c in $(echo "$ct" | tr , ' '); do
	case $c in
	cpus) echo "L2-CPUS $(grep -c '^processor' /proc/cpuinfo) online=$(cat /sys/devices/system/cpu/online)";;
	disk)
		if mount -t ext4 /dev/vda /mnt; then
			echo "L2-DISK-READ $(cat /mnt/hello.txt)"
			echo "written-by-l2-$(cat /proc/sys/kernel/random/uuid)" >/mnt/written.txt
			echo "L2-DISK-WROTE $(cat /mnt/written.txt)"
			umount /mnt && echo "L2-DISK-UMOUNT ok"
		else
			echo "L2-DISK-MOUNT-FAILED"
		fi;;
	diskro)	# read only: another case checks what it wrote survives
		if mount -t ext4 -o ro /dev/vda /mnt; then
			echo "L2-DISKRO-READ $(cat /mnt/hello.txt)"
			umount /mnt
		else
			echo "L2-DISK-MOUNT-FAILED"
		fi;;
	hvc)
		echo "L2-HVC-OUT hello-from-hvc0" >/dev/hvc0
		read -r line </dev/hvc0; echo "L2-HVC-IN $line";;
	rng)
		echo "L2-RNG $(cat /sys/class/misc/hw_random/rng_current) $(dd if=/dev/hwrng bs=16 count=1 2>/dev/null | od -An -tx1 | tr -d ' \n')";;
	com1)
		echo "L2-COM1-ASK"
		read -r line </dev/ttyS0; echo "L2-COM1-IN $line";;
	rtc) echo "L2-RTC $(cat /sys/class/rtc/rtc0/name) $(cat /sys/class/rtc/rtc0/date)";;	# devices/rtc.c through rtc_cmos
	irqs) grep -E 'ttyS|virtio|LNRO' /proc/interrupts | sed 's/^/L2-IRQ /';;
	root)	# the ext4 disk becomes the root: its own /sbin/init (tests/nested/disk-init.sh) goes on
		drain; mount -t ext4 /dev/vda /mnt && exec switch_root /mnt /sbin/init
		echo "L2-ROOT-FAILED";;
	poweroff) echo "L2-POWEROFF"; drain; poweroff -f;;
	reboot) echo "L2-REBOOT"; drain; reboot -f;;
	panic) echo "L2-PANIC"; drain; echo 1 >/proc/sys/kernel/sysrq; echo c >/proc/sysrq-trigger;;
	esac
done
echo "L2-END-OF-CASES"
sh

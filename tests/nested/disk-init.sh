#!/bin/busybox sh
# /sbin/init of the guest's ext4 disk (tests/tools/nested-prep.sh puts it
# there with a static busybox): Linux runs it after switch_root from the
# initramfs (l2-init.sh "root"). It says which device and file system are
# root, reads a file, writes one the host reads back with debugfs after the
# run, remounts read-only (so the write is on the disk) and powers off.
B=/bin/busybox
$B mount -t proc p /proc
echo "L2-ROOT $($B awk '$2 == "/" { print $1, $3 }' /proc/mounts | $B tail -1)"
echo "L2-ROOT-READ $($B cat /hello.txt)"
echo "root-written-$($B cat /proc/sys/kernel/random/uuid)" >/root-written.txt
echo "L2-ROOT-WROTE $($B cat /root-written.txt)"
$B sync
$B mount -o remount,ro / && echo "L2-ROOT-RO ok"
echo "L2-POWEROFF"
$B sleep 1	# the console drains through interrupts; poweroff -f does not wait
$B poweroff -f

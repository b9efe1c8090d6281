#!/bin/busybox sh
# L1's init (the nested KVM host; tests/tools/nested-prep.sh packs it): loads
# the KVM modules in the order nested-prep.sh resolved from their depends=,
# then runs /cases.sh, which prints the markers the host side counts, and
# powers L1 off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc p /proc; mount -t sysfs s /sys; mount -t devtmpfs d /dev; mount -t tmpfs t /tmp
for m in $(cat /lib/modules/order); do
	insmod /lib/modules/$m || echo "NESTED-L1 insmod $m failed"
done
if [ -c /dev/kvm ]; then
	echo "NESTED-L1 kvm ready $(cut -d' ' -f1 /proc/uptime)"
	sh /cases.sh
else
	echo "NESTED-L1 no /dev/kvm: $(dmesg | grep -iE 'kvm|svm' | tail -3 | tr '\n' ' ')"
fi
echo "NESTED-L1 done $(cut -d' ' -f1 /proc/uptime)"
sync
poweroff -f

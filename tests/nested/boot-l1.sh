#!/bin/bash
# Boots L1 (QEMU TCG with AMD SVM, Debian's kernel, build/nested/l1.cpio.gz)
# with a scratch copy of the guest's disk as L1's /dev/vda; prints L1's
# console. Extra words go on L1's command line (cases=smp1 nested.debug
# nested.timeout=60 nested.verbose). NESTED_L1_INITRD=l1-bench.cpio.gz: the
# L1 with QEMU (make bench).
#   tests/nested/boot-l1.sh [DIR] [WORDS...]
set -u
dir=${1:-build/nested}; shift
cp "$dir/disk.img" "$dir/disk-run.img" || exit 1
exec timeout -k 5 "${NESTED_L1_TIMEOUT:-900}" qemu-system-x86_64 -accel tcg -cpu max -m 2G -smp 1 \
	-nographic -no-reboot -nodefaults -serial stdio -kernel "$dir/vmlinuz" -initrd "$dir/${NESTED_L1_INITRD:-l1.cpio.gz}" \
	-drive "file=$dir/disk-run.img,if=virtio,format=raw" \
	-append "console=ttyS0 quiet panic=-1 $*" </dev/null

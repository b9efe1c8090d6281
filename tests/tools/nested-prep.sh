#!/bin/bash
# The nested-KVM tier's inputs (design.md tier 4, linux-guest.md), built only
# from Debian packages and cached under DIR (default build/nested):
#   DIR/vmlinuz        Debian's linux-image kernel (L1 and the guest under test)
#   DIR/l1.cpio.gz     L1's initramfs: busybox, the KVM modules (irqbypass, ccp,
#                      kvm, kvm-amd) and virtio-pci + virtio-blk (L1's own disk),
#                      the static release cvmm, the case runner
#   DIR/l2.cpio.gz     the guest's initramfs: busybox, virtio_mmio, virtio_blk,
#                      virtio_console, virtio-rng, crc32c_generic, ext4, pvpanic-mmio (each with
#                      the modules its depends= names, loaded in that order)
#   DIR/disk.img       an ext4 image made with mke2fs -d (the guest's root disk)
#   DIR/l1-bench.cpio.gz  l1.cpio.gz plus QEMU and its libraries, for make bench's
#                      Linux row (cvmm against QEMU microvm inside the same L1)
#   tests/tools/nested-prep.sh [DIR] [CVMM]
# Exits 0 with DIR/missing holding the reason where a package cannot be had
# (the tier then says SKIPPED); non-zero only when building from files here fails.
set -eu
dir=${1:-build/nested}
cvmm=${2:-cvmm}
here=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
rm -f "$dir/missing"
missing() { echo "$*" >"$dir/missing"; echo "*** nested: $* ***" >&2; exit 0; }
for t in busybox cpio gzip mke2fs strings; do
	command -v $t >/dev/null || missing "$t is not installed (make deps)"
done
# Both run in an initramfs without a C library: they must be static (ldd says so).
static() { [ -x "$1" ] && LC_ALL=C ldd "$1" 2>&1 | grep -q 'not a dynamic executable'; }
static "$(command -v busybox)" || missing "busybox is not static (install busybox-static)"
static "$cvmm" || missing "$cvmm is missing or not a static binary (make cvmm)"

# 1. The kernel package, unpacked once (the modules are what depmod never indexed).
if [ ! -s "$dir/vmlinuz" ] || [ ! -d "$dir/pkg/lib/modules" ]; then
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -1)
	[ -n "$pkg" ] || missing "apt-cache knows no linux-image-amd64 (apt-get update)"
	tmp=$(mktemp -d); chmod 0777 "$tmp"
	(cd "$tmp" && timeout 600 apt-get download -q "$pkg" >/dev/null 2>&1) ||
		{ rm -rf "$tmp"; missing "apt-get download $pkg failed"; }
	rm -rf "$dir/pkg"; mkdir "$dir/pkg"
	dpkg-deb -x "$tmp"/*.deb "$dir/pkg"
	echo "$pkg $(dpkg-deb -f "$tmp"/*.deb Version)" >"$dir/kernel.source"
	rm -rf "$tmp"
	cp "$dir"/pkg/boot/vmlinuz-* "$dir/vmlinuz"
fi
moddir=$(ls -d "$dir"/pkg/lib/modules/*/kernel | head -1)

# Module NAME's file (names use - and _ interchangeably), from one index.
find "$moddir" -name '*.ko' | awk -F/ '{n=$NF; sub(/\.ko$/,"",n); gsub(/-/,"_",n); print n, $0}' >"$dir/ko.index"
ko_path() {
	local n=${1//-/_} f
	f=$(awk -v n="$n" '$1 == n {print $2; exit}' "$dir/ko.index")
	[ -n "$f" ] || { echo "nested-prep: no module $1 in $moddir" >&2; return 1; }
	echo "$f"
}
# Prints the modules NAMES need, dependencies first, each once.
mod_order() {
	local seen=" " out=()
	visit() {
		local n=${1//-/_} f deps d
		case "$seen" in *" $n "*) return;; esac
		seen="$seen$n "
		f=$(ko_path "$1")
		deps=$(strings "$f" | sed -n 's/^depends=//p' | head -1)
		for d in ${deps//,/ }; do visit "$d"; done
		out+=("$f")
	}
	for m in "$@"; do visit "$m"; done
	printf '%s\n' "${out[@]}"
}

# cpio_dir SRC OUT: a newc initramfs of SRC, gzipped.
cpio_dir() { (cd "$1" && find . | sort | cpio -o -H newc --quiet -R 0:0) | gzip -6 >"$2.tmp" && mv "$2.tmp" "$2"; }

# 2. The guest's initramfs.
l2=$dir/l2.root; rm -rf "$l2"; mkdir -p "$l2"/{bin,dev,proc,sys,mnt,lib/modules}
cp "$(command -v busybox)" "$l2/bin/busybox"
mod_order virtio_mmio virtio_blk virtio_console virtio-rng crc32c_generic ext4 pvpanic-mmio >"$dir/l2.modules"
while read -r f; do cp "$f" "$l2/lib/modules/"; basename "$f"; done <"$dir/l2.modules" >"$l2/lib/modules/order"
install -m 0755 "$here/tests/nested/l2-init.sh" "$l2/init"
cpio_dir "$l2" "$dir/l2.cpio.gz"

# 3. The guest's root disk: ext4 with a file the guest reads.
rm -rf "$dir/disk.root"; mkdir -p "$dir/disk.root"
echo "cvmm-nested-disk-content" >"$dir/disk.root/hello.txt"
# ... and a userspace of its own, for the guest that makes it its root.
mkdir -p "$dir/disk.root"/{bin,sbin,proc,dev}
cp "$(command -v busybox)" "$dir/disk.root/bin/busybox"
install -m 0755 "$here/tests/nested/disk-init.sh" "$dir/disk.root/sbin/init"
rm -f "$dir/disk.img"
mke2fs -q -t ext4 -E root_owner=0:0 -d "$dir/disk.root" "$dir/disk.img" 64M

# 4. L1's initramfs.
l1=$dir/l1.root; rm -rf "$l1"; mkdir -p "$l1"/{bin,dev,proc,sys,tmp,lib/modules,l2}
cp "$(command -v busybox)" "$l1/bin/busybox"
mod_order irqbypass ccp kvm kvm-amd virtio_pci virtio_blk >"$dir/l1.modules"
while read -r f; do cp "$f" "$l1/lib/modules/"; basename "$f"; done <"$dir/l1.modules" >"$l1/lib/modules/order"
cp "$cvmm" "$l1/bin/cvmm"
cp "$dir/vmlinuz" "$l1/l2/vmlinuz"
cp "$dir/l2.cpio.gz" "$l1/l2/initrd.gz"
install -m 0755 "$here/tests/nested/l1-init.sh" "$l1/init"
install -m 0755 "$here/tests/nested/l1-cases.sh" "$l1/cases.sh"
cpio_dir "$l1" "$dir/l1.cpio.gz"

# 5. The bench's L1: QEMU with the libraries ldd names and microvm's firmware
# (its data path is relative to the binary: the bench passes -L /qemu).
rm -f "$dir/l1-bench.cpio.gz"
if q=$(command -v qemu-system-x86_64); then
	mkdir -p "$l1/qemu"
	cp "$q" "$l1/bin/"
	for lib in $(ldd "$q" | awk '/=> \// {print $3} $1 ~ /^\/lib/ {print $1}'); do
		mkdir -p "$l1$(dirname "$lib")"; cp -L "$lib" "$l1$lib"
	done
	for f in bios-microvm.bin linuxboot_dma.bin pvh.bin kvmvapic.bin; do
		cp -L "/usr/share/qemu/$f" "$l1/qemu/" 2>/dev/null || true
	done
	# Debian's libraries live in /lib/x86_64-linux-gnu, the loader under /lib64.
	[ -e "$l1/lib64" ] || ln -s lib "$l1/lib64"
	cpio_dir "$l1" "$dir/l1-bench.cpio.gz"
fi
rm -rf "$l1" "$l2" "$dir/disk.root"
echo "nested: $dir/{vmlinuz,l1.cpio.gz,l2.cpio.gz,disk.img} from $(cat "$dir/kernel.source" 2>/dev/null)"

#!/bin/bash
# Test data: the vmlinuz of Debian's current linux-image package, unpacked
# with dpkg-deb (never installed), plus facts about it read with od, which
# tests/unit/test_bzimage.c compares with what cvmm's parser says.
#   tests/tools/fetch-debian-kernel.sh build/testdata
# Leaves DIR/vmlinuz, DIR/vmlinuz.facts and DIR/vmlinuz.source, or, when the
# package cannot be had, DIR/vmlinuz.missing with the reason; exits 0 either
# way so that the test build goes on and the test says SKIPPED.
set -u
dir=${1:-build/testdata}
mkdir -p "$dir"
# An offline machine should not wait on apt at every build: retry hourly.
if [ -n "$(find "$dir/vmlinuz.missing" -mmin -60 2>/dev/null)" ]; then
	echo "*** test data: no Debian kernel: $(cat "$dir/vmlinuz.missing") (cached;" \
		"rm $dir/vmlinuz.missing to retry now) ***" >&2
	exit 0
fi
rm -f "$dir/vmlinuz.missing"

fail() {
	echo "$*" >"$dir/vmlinuz.missing"
	echo "*** test data: no Debian kernel: $* (test_bzimage will say SKIPPED) ***" >&2
	exit 0
}

# The metapackage names the current ABI package (linux-image-6.1.0-NN-amd64).
arch=$(dpkg --print-architecture 2>/dev/null)
[ "$arch" = amd64 ] || fail "host architecture is '${arch:-unknown}', not amd64"
abi_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -1
}
pkg=$(abi_pkg)
# A fresh machine may have no package lists yet; make deps would fetch them too.
if [ -z "$pkg" ] && [ "$(id -u)" -eq 0 ]; then
	timeout 300 apt-get update -qq >/dev/null 2>&1
	pkg=$(abi_pkg)
fi
[ -n "$pkg" ] || fail "apt-cache knows no linux-image-amd64 (run apt-get update)"

tmp=$(mktemp -d) || fail "mktemp failed"
trap 'rm -rf "$tmp"' EXIT
# _apt cannot write into a root-owned mktemp directory; let it.
chmod 0777 "$tmp"
(cd "$tmp" && timeout 300 apt-get download -q "$pkg" >/dev/null 2>"$tmp/apt.err") ||
	fail "apt-get download $pkg failed: $(grep -v '^W:' "$tmp/apt.err" | tail -1)"
deb=$(ls "$tmp"/*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "apt-get download $pkg left no .deb"
# Only ./boot/vmlinuz-*: the modules are hundreds of MB we do not need.
mkdir "$tmp/x"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/x" --wildcards './boot/vmlinuz-*' 2>/dev/null
img=$(ls "$tmp"/x/boot/vmlinuz-* 2>/dev/null | head -1)
[ -s "$img" ] || fail "$deb holds no ./boot/vmlinuz-*"

# od reads little-endian on this (amd64) host: u1/u2/u4/u8 at an offset.
rd() { od -An -t "u$2" -j "$1" -N "$2" "$img" | tr -d ' '; }
{
	echo "file_size $(stat -c %s "$img")"
	echo "setup_sects $(rd 0x1f1 1)"
	echo "syssize $(rd 0x1f4 4)"
	echo "boot_flag $(rd 0x1fe 2)"
	echo "jump_disp $(rd 0x201 1)"
	echo "version $(rd 0x206 2)"
	echo "kernel_version_ptr $(rd 0x20e 2)"
	echo "loadflags $(rd 0x211 1)"
	echo "initrd_addr_max $(rd 0x22c 4)"
	echo "kernel_alignment $(rd 0x230 4)"
	echo "relocatable $(rd 0x234 1)"
	echo "min_alignment $(rd 0x235 1)"
	echo "xloadflags $(rd 0x236 2)"
	echo "cmdline_size $(rd 0x238 4)"
	echo "payload_offset $(rd 0x248 4)"
	echo "payload_length $(rd 0x24c 4)"
	echo "pref_address $(rd 0x258 8)"
	echo "init_size $(rd 0x260 4)"
	echo "abi ${pkg#linux-image-}"
} >"$tmp/facts" || fail "od failed"
echo "$pkg $(dpkg-deb -f "$deb" Version)" >"$dir/vmlinuz.source"
mv "$tmp/facts" "$dir/vmlinuz.facts"
mv "$img" "$dir/vmlinuz"
echo "test data: $dir/vmlinuz from $pkg $(dpkg-deb -f "$deb" Version)"

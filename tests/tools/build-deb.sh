#!/bin/bash
# build-deb.sh OUTDIR: builds the Debian package (dpkg-buildpackage -us -uc
# -b) from a copy of this tree in a temporary directory, so the checkout is
# never written to, and leaves the .deb, .buildinfo and .changes in OUTDIR.
# The copy is what git tracks plus untracked files it does not ignore (what
# would be committed), or the whole tree minus build/ outside git.
# KEEP_SRC=DIR: copy into DIR instead of a temporary directory, and keep it.
set -eu
cd "$(dirname "$0")/../.."
out=$1
mkdir -p "$out"; out=$(realpath "$out")
ver=$(dpkg-parsechangelog -S Version)
work=${KEEP_SRC:-$(mktemp -d)}
[ -n "${KEEP_SRC:-}" ] || trap 'rm -rf "$work"' EXIT
src=$work/cvmm-$ver
rm -rf "$src"; mkdir -p "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do
		[ -e "$f" ] && printf '%s\0' "$f"
	done | cpio -0pdm --quiet "$src"
else
	tar --exclude=./build --exclude=./cvmm -cf - . | tar -C "$src" -xf -
fi
( cd "$src" && DEB_BUILD_OPTIONS="parallel=${JOBS:-2} ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage -us -uc -b )
for f in "$work"/cvmm*_"$ver"_*; do cp "$f" "$out/"; done
echo "build-deb: $(ls "$out"/cvmm_"$ver"_*.deb)"

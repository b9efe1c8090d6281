# The Debian package: built with dpkg-buildpackage -us -uc -b from a copy of
# the tree (tests/tools/build-deb.sh), then checked: the checkout is left as
# it was, the .deb holds exactly the files `make install DESTDIR=... PREFIX=/usr`
# installs (byte for byte, the man page after Debian's gzip; plus only the
# copyright, changelog and lintian override Debian requires), lintian finds
# no error, dpkg installs it into an empty root, and the cvmm it installed
# runs, has its man page and reads its examples. Sourced by tests/run-all.sh
# (deb tier; about 30 s here: the package build is one release build).

DEB_T=$(mktemp -d)
DEB_VER=$(sed -nE 's/^VERSION *:= *//p' Makefile)
DEB_SRC=$DEB_T/src/cvmm-$DEB_VER
DEB_FILE=$DEB_T/out/cvmm_${DEB_VER}_amd64.deb
# The files Debian adds to every package (policy 12.5, 12.7) and our override.
DEB_OWN='usr/share/doc/cvmm/copyright|usr/share/doc/cvmm/changelog.gz|usr/share/lintian/overrides/cvmm'

deb_build() {
	local before after
	before=$(git status --porcelain --ignored=no 2>&1)
	KEEP_SRC=$DEB_T/src tests/tools/build-deb.sh "$DEB_T/out" >"$DEB_T/build.log" 2>&1 ||
		{ tail -30 "$DEB_T/build.log"; return 1; }
	after=$(git status --porcelain --ignored=no 2>&1)
	[ "$before" = "$after" ] || { echo "the build changed the checkout:"; diff <(echo "$before") <(echo "$after"); return 1; }
	[ -f "$DEB_FILE" ] || { echo "no $DEB_FILE"; ls "$DEB_T/out"; return 1; }
}

deb_versions_agree() {
	local ch; ch=$(cd "$DEB_SRC" && dpkg-parsechangelog -S Version)
	[ "$ch" = "$DEB_VER" ] || { echo "debian/changelog says $ch, the Makefile $DEB_VER"; return 1; }
	[ "$(dpkg-deb -f "$DEB_FILE" Version)" = "$DEB_VER" ]
}

# deb_list: the package's files (not directories), man pages without .gz
deb_list() {
	dpkg-deb -c "$DEB_FILE" | awk '$1 !~ /^d/ { print $6 }' | sed -E 's|^\./||; s|^(usr/share/man/.*)\.gz$|\1|' |
		grep -vxE "$DEB_OWN" | sort
}

deb_same_files() {
	local inst=$DEB_T/inst root=$DEB_T/x f a b rc=0
	make -s -C "$DEB_SRC" install DESTDIR="$inst" PREFIX=/usr >"$DEB_T/install.log" 2>&1 ||
		{ cat "$DEB_T/install.log"; return 1; }
	diff <(cd "$inst" && find . -type f -o -type l | sed 's|^\./||' | sort) <(deb_list) ||
		{ echo "(< make install only, > the .deb only)"; return 1; }
	dpkg-deb -x "$DEB_FILE" "$root"
	while read -r f; do
		a=$inst/$f b=$root/$f
		case $f in
		usr/bin/*) continue ;;	# stripped by dh_strip: compared by running it below
		usr/share/man/*) cmp <(cat "$a") <(zcat "$b.gz") || rc=1 ;;
		*) cmp "$a" "$b" || rc=1 ;;
		esac
		[ "$(stat -c %a "$a")" = "$(stat -c %a "$root/$f"* | head -1)" ] || { echo "$f: mode differs"; rc=1; }
	done < <(deb_list)
	return $rc
}

deb_lintian() {
	local out
	out=$(lintian --fail-on error "$DEB_T/out/cvmm_${DEB_VER}_amd64.changes" 2>&1) || { echo "$out"; return 1; }
	grep -E '^[EW]: ' <<<"$out" && return 1
	return 0
}

# dpkg -i into an empty root (its own database): unpacks, configures, and the
# cvmm it installed works.
deb_installed_works() {
	local r=$DEB_T/root ver
	mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates"; : >"$r/var/lib/dpkg/status"
	dpkg --root="$r" --force-script-chrootless -i "$DEB_FILE" >"$DEB_T/dpkg.log" 2>&1 || { cat "$DEB_T/dpkg.log"; return 1; }
	dpkg --root="$r" -s cvmm | grep -qx 'Status: install ok installed' || return 1
	ver=$("$r/usr/bin/cvmm" --version) && [ "$ver" = "cvmm $DEB_VER" ] || { echo "--version: $ver"; return 1; }
	"$r/usr/bin/cvmm" --dry-run @"$r/usr/share/doc/cvmm/examples/demo.conf" | grep -q 'launch plan: demo image' ||
		{ echo "the installed example does not parse"; return 1; }
	zcat "$r/usr/share/man/man1/cvmm.1.gz" | groff -man -Tutf8 -ww 2>&1 >"$DEB_T/man.txt" | grep . && return 1
	grep -q 'cvmm - a minimal confidential-VM monitor' "$DEB_T/man.txt" || { echo "man page has no NAME line"; return 1; }
	[ ! -f /usr/share/bash-completion/bash_completion ] ||
		bash -c 'source /usr/share/bash-completion/bash_completion; source "$1"; complete -p cvmm' _ \
			"$r/usr/share/bash-completion/completions/cvmm" | grep -q '_cvmm cvmm'
}

if kvm_check "package: dpkg-buildpackage -us -uc -b from a copy, checkout untouched" deb_build; then
	kvm_check "package: version is the Makefile's, in debian/changelog and the .deb" deb_versions_agree
	kvm_check "package: the same files as make install DESTDIR=, byte for byte" deb_same_files
	if command -v lintian >/dev/null; then
		kvm_check "package: lintian finds no error or warning" deb_lintian
	else
		echo "*** SKIPPED: deb: lintian is not installed: the lintian check NOT run ***"; SKIP=$((SKIP + 1))
	fi
	kvm_check "package: dpkg installs it; its cvmm runs, man page and examples there" deb_installed_works
else
	echo "*** SKIPPED: deb: the package did not build: 4 checks NOT run (the build is counted as failed) ***"
	SKIP=$((SKIP + 4))
fi
rm -rf "$DEB_T"

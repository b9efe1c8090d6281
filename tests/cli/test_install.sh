# make install: the files it puts where (PREFIX, DESTDIR), their modes, and
# the example launch files it installs all parse. Sourced by
# tests/run-all.sh (cli tier); the .deb is checked against the same
# `make install` in the deb tier.

# inst_files DESTDIR: what is installed there, one path a line, with its mode
inst_files() { (cd "$1" && find . -type f -printf '%m %P\n' | sort -k2); }

# inst_expect PREFIX: the install contract (README "Installing")
inst_expect() {
	local p=${1#/} c
	{
		echo "755 $p/bin/cvmm"
		echo "644 $p/share/man/man1/cvmm.1"
		echo "644 $p/share/bash-completion/completions/cvmm"
		for c in configs/*.conf; do echo "644 $p/share/doc/cvmm/examples/${c#configs/}"; done
	} | sort -k2
}

inst_layout() {
	local d rc=0; d=$(mktemp -d)
	make -s install DESTDIR="$d/a" >/dev/null 2>&1 && diff <(inst_files "$d/a") <(inst_expect /usr/local) || rc=1
	make -s install DESTDIR="$d/b" PREFIX=/usr >/dev/null 2>&1 && diff <(inst_files "$d/b") <(inst_expect /usr) || rc=1
	[ $rc -ne 0 ] || cmp docs/cvmm.1 "$d/b/usr/share/man/man1/cvmm.1" || rc=1
	[ $rc -ne 0 ] || [ "$("$d/b/usr/bin/cvmm" --version)" = "$(./cvmm --version)" ] || rc=1
	make -s uninstall DESTDIR="$d/b" PREFIX=/usr >/dev/null 2>&1 && [ -z "$(inst_files "$d/b")" ] ||
		{ echo "uninstall left: $(inst_files "$d/b")"; rc=1; }
	rm -rf "$d"; return $rc
}
cli_check "make install: PREFIX and DESTDIR, every file and mode; uninstall removes them" inst_layout

# Every example parses into a plan (linux-disk.conf's host paths swapped for
# a real Debian kernel, a stand-in initrd and a scratch disk).
inst_examples() {
	local c d out rc=0
	d=$(mktemp -d); head -c 4096 /dev/zero >"$d/initrd"; truncate -s 1M "$d/root.img"
	for c in configs/*.conf; do
		if grep -q '^--kernel=/vmlinuz$' "$c"; then
			[ -r build/testdata/vmlinuz ] || { echo "$c: no build/testdata/vmlinuz (make test-build)"; rc=1; continue; }
			sed -e "s|^--kernel=/vmlinuz$|--kernel=$PWD/build/testdata/vmlinuz|" \
				-e "s|^--initrd=/initrd.img$|--initrd=$d/initrd|" -e "s|^--disk=root.img$|--disk=$d/root.img|" \
				"$c" >"$d/$(basename "$c")"
			grep -q "^--disk=$d/root.img$" "$d/$(basename "$c")" || { echo "$c: paths not found"; rc=1; }
			c=$d/$(basename "$c")
		fi
		out=$("$CVMM" @"$c" --dry-run 2>&1) && grep -q 'launch plan' <<<"$out" || { echo "$c: $out" | head -3; rc=1; }
	done
	rm -rf "$d"; return $rc
}
cli_check "configs/*.conf: every example parses into a launch plan" inst_examples

# Bash completion (completion/cvmm) driven the way bash drives it: the
# completion function called with COMP_WORDS/COMP_CWORD set, under Debian's
# bash-completion, on the binary under test. Expectations are fixed words
# from the command line's contract, not what the completion itself prints.
# Sourced by tests/run-all.sh (cli tier).

COMP_BC=/usr/share/bash-completion/bash_completion

# comp_words LINE: what completing the end of the command line "cvmm LINE"
# offers, one a line. COMP_WORDS is split the way bash splits it (blanks, and
# '=' as a word of its own, as in COMP_WORDBREAKS).
comp_words() {
	CVMM_BIN=$(realpath "$CVMM") bash -c '
		source "$1"; source completion/cvmm
		COMP_LINE="$CVMM_BIN $2"; COMP_POINT=${#COMP_LINE}
		read -ra COMP_WORDS <<<"${COMP_LINE//=/ = }"
		[[ $COMP_LINE == *[\ =] ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_cvmm "$CVMM_BIN" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP_BC" "$1"
}

# comp_is WANT LINE: WANT (words separated by blanks) is exactly what
# completing LINE offers.
comp_is() {
	local got
	got=$(comp_words "$2" | grep -v '^$' | sort | tr '\n' ' ')
	[ "$got" = "$(tr ' ' '\n' <<<"$1" | grep -v '^$' | sort | tr '\n' ' ')" ] ||
		{ echo "cvmm $2: got '$got', want '$1'"; return 1; }
}
# comp_has WORD LINE: completing LINE offers WORD (among others); comp_hasnt: not
comp_has() { comp_words "$2" | grep -qxF -- "$1" || { echo "cvmm $2: no '$1' in: $(comp_words "$2" | tr '\n' ' ')"; return 1; }; }
comp_hasnt() { ! comp_words "$2" | grep -qxF -- "$1" || { echo "cvmm $2: offers '$1'"; return 1; }; }

comp_files() {
	local d rc=0; d=$(mktemp -d)
	touch "$d/vmlinuz-6.1" "$d/report.bin" "$d/launch.conf"
	comp_is "$d/vmlinuz-6.1" "--kernel $d/vm" || rc=1
	comp_is "$d/vmlinuz-6.1" "-k $d/vm" || rc=1
	comp_is "$d/vmlinuz-6.1" "--kernel=$d/vm" || rc=1
	comp_is "$d/report.bin" "attest dump $d/re" || rc=1
	comp_is "$d/report.bin" "attest verify $d/rep" || rc=1
	comp_is "$d/report.bin" "attest verify x --certs $d/rep" || rc=1
	comp_is "@$d/launch.conf" "measure @$d/la" || rc=1
	rm -rf "$d"; return $rc
}

if [ ! -f "$COMP_BC" ]; then
	echo "*** SKIPPED: $TIER: bash completion: $COMP_BC missing (package bash-completion): 4 tests NOT run ***"
	SKIP=$((SKIP + 4))
else
	cli_check "completion: commands, then attest's subcommands" eval \
		'comp_is "run info measure attest" "" && comp_is measure me && comp_is "dump eventlog verify" "attest "'
	cli_check "completion: options are the (sub)command's own" eval \
		'comp_has --certs= "attest verify x --ce" && comp_is --json "info --j" && comp_has --json "measure --j" &&
		 comp_hasnt --dry-run "measure --d" && comp_has --dry-run "--d" && comp_has --dry-run "run --dr" &&
		 comp_hasnt --certs= "attest dump --c"'
	cli_check "completion: choices of an option's argument" eval \
		'comp_is "virtio uart" "--console " && comp_is "qemu ec2 gce" "measure --vmm-type=" &&
		 comp_is "json" "--boot-trace=" && comp_is "" "--mem " && comp_is "two-pass" "--mrtd-order=t"'
	cli_check "completion: file names where a file is expected (and @FILE)" comp_files
fi

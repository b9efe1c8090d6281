# The manual page (docs/cvmm.1) against the binary: groff finds no problem
# in it, and for every command and subcommand that `cvmm help` (and each
# command's --help) lists, the options --help prints and the options the
# man page documents for it are the same set, argument names included.
# Both lists are parsed, one from --help, one from the man source: an
# option added to the code without the man page (or the other way) fails
# here, naming it. Sourced by tests/run-all.sh (cli tier).

MAN_SRC=docs/cvmm.1

# man_spec_entries "-c, --cmdline=STR": one entry per option name, the long
# one with its argument as printed ("-c", "--cmdline=STR").
man_spec_entries() { sed -E 's/, +/\n/g' <<<"$1" | sed -E 's/^ +//; s/ +$//' | grep -E '^-'; }

# man_help_opts ARGS...: the options `cvmm ARGS --help` lists, one a line.
man_help_opts() {
	local line
	"$CVMM" "$@" --help 2>&1 | grep -E '^(  -[^-], --|      --)[a-z]' | while IFS= read -r line; do
		line=${line#"${line%%[! ]*}"}
		man_spec_entries "${line%%  *}"
	done | sort -u
}

# man_help_cmds ARGS...: the commands `cvmm ARGS help|--help` lists under "Commands:".
man_help_cmds() {
	"$CVMM" "$@" 2>&1 | sed -n '/^Commands:/,/^$/p' | sed -nE 's/^  ([a-z]+) {2,}.*/\1/p'
}

# man_src_tags: "SECTION<TAB>SUBSECTION<TAB>TAG" for every .TP tag of the man
# source, the tag with groff's escapes and font changes taken out.
man_src_tags() {
	awk -v OFS='\t' '
		/^\.SH / { sh = $0; sub(/^\.SH +/, "", sh); gsub(/"/, "", sh); ss = ""; next }
		/^\.SS / { ss = $0; sub(/^\.SS +/, "", ss); gsub(/"/, "", ss); next }
		/^\.TP/ { tag = 1; next }
		tag { tag = 0; t = $0; sub(/^\.B[IR]* +/, "", t); gsub(/"/, "", t)
		      gsub(/\\-/, "-", t); gsub(/\\f[BIRP]/, "", t); print sh, ss, t }
	' "$MAN_SRC"
}

# man_src_opts COMMAND: the options the man page lists for COMMAND (every
# OPTIONS subsection whose title ends in a "(cmd, cmd ...)" list naming it).
man_src_opts() {
	local sh ss tag cmds
	man_src_tags | while IFS=$'\t' read -r sh ss tag; do
		[ "$sh" = OPTIONS ] || continue
		[[ "$ss" =~ \(([^\)]*)\)$ ]] || continue
		cmds=", ${BASH_REMATCH[1]},"
		[[ "$cmds" == *", $1,"* ]] && man_spec_entries "$tag"
	done | sort -u
}

# man_src_cmds: the commands the COMMANDS section documents ("attest dump").
man_src_cmds() {
	man_src_tags | awk -F'\t' '$1 == "COMMANDS" { sub(/^cvmm +/, "", $3); print $3 }' | sort -u
}

# man_all_cmds: every command path --help knows, subcommands replacing their
# parent ("attest" -> "attest dump", "attest verify"); "help" when it runs.
man_all_cmds() {
	local c s subs
	for c in $(man_help_cmds help); do
		subs=$(man_help_cmds "$c" --help)
		if [ -n "$subs" ]; then
			for s in $subs; do echo "$c $s"; done
		else
			echo "$c"
		fi
	done
	"$CVMM" help >/dev/null 2>&1 && echo help
}

man_groff_clean() {
	local out
	command -v groff >/dev/null || { echo "groff is not installed"; return 1; }
	out=$(groff -man -ww -z "$MAN_SRC" 2>&1) || { echo "$out"; return 1; }
	[ -z "$out" ] || { echo "$out"; return 1; }
}

man_cmds_match() {
	local d
	d=$(diff <(man_all_cmds | sort -u) <(man_src_cmds)) && return 0
	sed -nE 's/^< /in --help, not in the man page: /p; s/^> /in the man page, unknown to --help: /p' <<<"$d"
	return 1
}

# man_opts_match COMMAND...: --help of each command against the man page.
man_opts_match() {
	local c d bad=0 n=0
	while read -r c; do
		[ "$c" = help ] && continue
		n=$((n + 1))
		# shellcheck disable=SC2086 # a command path is words
		d=$(diff <(man_help_opts $c) <(man_src_opts "$c")) && continue
		bad=1
		sed -nE "s/^< /$c: in --help, not in the man page: /p; s/^> /$c: in the man page, unknown to --help: /p" <<<"$d"
	done < <(man_all_cmds)
	[ "$n" -ge 5 ] || { echo "only $n commands found in cvmm help"; bad=1; }
	return $bad
}

# The default command's options are run's (the man page says so).
man_default_is_run() { diff <(man_help_opts) <(man_help_opts run); }

# The checker itself sees a drift: a man page with one option dropped and one
# invented must fail both ways, naming both.
man_check_catches_drift() {
	local tmp out
	tmp=$(mktemp)
	sed -e '/^\.B "\\-\\-xfam=/,+1d' -e 's/^\.B \\-\\-rng$/.B \\-\\-rng\n.TP\n.B \\-\\-frobnicate/' "$MAN_SRC" >"$tmp"
	out=$(MAN_SRC=$tmp man_opts_match); local rc=$?
	rm -f "$tmp"
	[ $rc -ne 0 ] && grep -q 'run: in --help, not in the man page: --xfam=HEX' <<<"$out" &&
		grep -q 'measure: in the man page, unknown to --help: --frobnicate' <<<"$out" || { echo "$out"; return 1; }
}

cli_check "man page: groff -man -ww finds nothing" man_groff_clean
cli_check "man page: documents every command --help lists, and no other" man_cmds_match
cli_check "man page: every command's options are --help's, both ways" man_opts_match
cli_check "man page: the default command takes run's options" man_default_is_run
cli_check "man page: the check fails on a dropped and an invented option" man_check_catches_drift

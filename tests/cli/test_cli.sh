# The command line itself: help, usage, version, @FILE, argument errors.
cli_case "--help lists platforms and options" 0 'Platform \(pick one; default --plain\)' --help
cli_case "run --help is the same" 0 '--boot-trace\[=json\]' run --help
cli_case "--usage" 0 'Usage: cvmm' --usage
cli_case "--version" 0 '^cvmm [0-9]+\.[0-9]+' --version
cli_case "help lists the commands" 0 'info +what this host' help
cli_case "info --help explains" 0 'Usage: cvmm info' info --help
cli_case "unknown command" 2 "unknown command 'frobnicate'" frobnicate
cli_case "unknown option" 2 "unrecognized option '--frobnicate'" --frobnicate
cli_case "stray argument" 2 "unexpected argument 'extra'" run extra
cli_case "--policy with a sign is not a hex number" 2 "--policy  -1: not a hex number" --policy ' -1' --dry-run
cli_case "--guest-features with a blank is not a hex number" 2 "--guest-features  1: not a hex number" \
	--guest-features ' 1' --dry-run
cli_case "--no-guest-memfd is refused, not ignored, with --sw" 2 \
	'^cvmm: --no-guest-memfd: plain VMs only \(--sw keeps guest memory in guest_memfd\)$' --sw --no-guest-memfd --dry-run
cli_case "stray argument to info: named once" 2 "^cvmm info: unexpected argument 'extra'$" info extra
cli_case "two platforms" 2 '--tdx and --snp exclude each other' --tdx --snp
cli_case "--mem 0" 2 '--mem 0: must be a non-zero multiple of 4 KiB' --mem 0
cli_case "--mem not page-aligned" 2 '--mem 4097: must be a non-zero multiple of 4 KiB' --mem 4097
cli_case "--mem not a size" 2 '--mem lots: not a size' --mem lots
cli_case "--mem absurd" 2 '--mem .*cvmm supports' --mem 4T
cli_case "--mem too small" 2 '--mem 1 MiB: cvmm supports 2 MiB' --mem 1M
cli_case "--cpus 0" 2 '--cpus 0: a VM needs at least one vCPU' --cpus 0
cli_case "--cpus not a number" 2 '--cpus two: not a vCPU count' --cpus two
cli_case "--boot-trace=xml" 2 '--boot-trace=xml: the only format is json' --boot-trace=xml
cli_case "--initrd without --kernel" 2 '--initrd needs --kernel' --initrd /etc/hostname
cli_case "dry run prints the plan, touches no KVM" 0 'launch plan: demo image, 256 MiB RAM' --dry-run
cli_case "dry run of an ELF names its segments" 0 'ELF segment' --dry-run --kernel $G/hello.elf
cli_case "missing kernel file" 2 '^cvmm: --kernel /nonexistent: No such file or directory$' --kernel /nonexistent
cli_case "kernel is a directory" 2 '--kernel /tmp: is a directory' --kernel /tmp
cli_case "empty kernel file" 2 '--kernel /dev/null: not a regular file|empty file' --kernel /dev/null

cli_argfile() {
	local d; d=$(mktemp -d)
	printf '# a comment\n\n  --dry-run  \n--mem=64M\n--cmdline=from a file\n' > "$d/a.conf"
	"$CVMM" @"$d/a.conf" | grep -q 'launch plan: demo image, 64 MiB RAM' &&
		"$CVMM" @"$d/a.conf" | grep -q 'cmdline' &&
		! "$CVMM" @"$d/missing.conf" 2>/dev/null &&
		printf '@%s\n' "$d/a.conf" > "$d/nest.conf" &&
		"$CVMM" @"$d/nest.conf" 2>&1 | grep -q 'argument files do not nest'
	local ok=$?; rm -rf "$d"; return $ok
}
cli_check "@FILE reads one argument per line" cli_argfile
cli_case "@FILE that does not exist" 2 'argument file /nonexistent.conf: No such file' @/nonexistent.conf
rrt_many=$(mktemp); seq 600 | sed 's/^/--cmdline=/' >"$rrt_many"
cli_case "@FILE with too many arguments names the file" 2 "^cvmm: @$rrt_many: more than 512 arguments in all\$" \
	@"$rrt_many" --dry-run
rm -f "$rrt_many"
cli_case "configs/demo.conf parses" 0 'launch plan: demo image' @configs/demo.conf --dry-run

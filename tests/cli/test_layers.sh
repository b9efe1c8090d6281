# The include direction (tests/tools/check-layers.sh) holds in this checkout,
# and the checker does catch an include against it (a tree of two files).
cli_check "layering: includes follow base <- loader <- mem <- devices <- vmm <- cli" \
	tests/tools/check-layers.sh

layers_catches() {
	local d rc out
	d=$(mktemp -d); mkdir -p "$d/loader" "$d/vmm/cli"
	echo '#include "vmm/cli/opts.h"' > "$d/loader/direct.c"
	: > "$d/vmm/cli/opts.h"
	out=$(tests/tools/check-layers.sh "$d"); rc=$?
	rm -rf "$d"
	[ $rc -eq 1 ] && grep -q '^loader/direct.c:1: includes vmm/cli/opts.h' <<<"$out"
}
cli_check "layering: a loader including the CLI's header is refused" layers_catches

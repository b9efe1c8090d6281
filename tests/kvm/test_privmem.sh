# Private memory on --sw (issue 3): conversions through the port, what the
# host can see, bad requests, the shared window. Guest: tests/guests/privmem.c.
P=$G/privmem.elf
kvm_case "sw: round trip zeroes data written while private (and shared data)" 0 'roundtrip: ok' --sw --kernel $P --cmdline roundtrip
kvm_case "sw: round trip with RAM above 4 GiB" 0 'roundtrip: ok' --sw --mem 5G --kernel $P --cmdline roundtrip
kvm_case "sw: bad conversions get statuses 1/2, the VM keeps running" 0 'bad: ok' --sw --kernel $P --cmdline bad
kvm_case "sw: bad conversions, 5 GiB" 0 'bad: ok' --sw --mem 5G --kernel $P --cmdline bad
kvm_case "sw: single pages in a large private run, all of RAM" 0 'pages: ok' --sw --kernel $P --cmdline pages
kvm_case "sw: single pages and all of RAM, both RAM regions" 0 'pages: ok' --sw --mem 5G --kernel $P --cmdline pages
kvm_case "sw: default window shared, image and boot_params private" 0 'window 0x000000000fe00000 size 0x0000000000200000' --sw --kernel $P --cmdline window
kvm_case "sw: --shared-window SIZE@GPA lands in e820" 0 'window 0x0000000002000000 size 0x0000000000400000' --sw --shared-window 4M@0x2000000 --kernel $P --cmdline window
kvm_case "sw: --shared-window 0: everything private" 0 'window 0x0000000000000000 size 0x0000000000000000' --sw --shared-window 0 --kernel $P --cmdline window
kvm_case "sw: demo guest runs from private memory" 0 'Hello from the cvmm demo guest' --sw
kvm_case "sw: two vCPUs on private memory" 0 'vCPUs checked in: 2' --sw --kernel $G/smp.elf --cpus 2 --cmdline 2
kvm_case "sw: -v says which variant runs" 0 'sw platform: (fallback|KVM_X86_SW_PROTECTED_VM)' --sw -v
kvm_case "info says which variant --sw runs" 0 'sw \(--sw\) +(fallback|KVM_X86_SW_PROTECTED_VM)' info
kvm_case "plain: conversions refused with status 3, host reads freely" 0 'plain: ok' --kernel $P --cmdline lain
# Issue 14: 131072 one-page conversions, every other page of 1 GiB (it used
# to run out of host mappings at ~32,755, discarding each refused page's contents).
pm_t=$KVM_TIMEOUT; KVM_TIMEOUT=120
kvm_case "sw: every other page of 1 GiB converted to shared; private pages keep their contents" 0 \
	'alternate: ok' --sw --mem 2G --kernel $P --cmdline alternate
KVM_TIMEOUT=$pm_t
kvm_case "--shared-window unaligned" 2 'multiples of 4 KiB' --sw --shared-window 3000@0x2000000
kvm_case "--shared-window beyond RAM" 2 'not inside guest RAM' --sw --shared-window 2M@0x20000000
kvm_case "--shared-window over the image" 2 'overlaps the ELF segment' --sw --shared-window 2M@0x100000 --kernel $P
kvm_case "--shared-window without --sw" 2 'only platforms with private memory' --shared-window 2M
kvm_case "--shared-window syntax" 2 'not SIZE or SIZE@GPA' --sw --shared-window 2M@zz

# Lazy memslots on the sw fallback (default VM + guest_memfd): chunks the
# launch does not touch are registered on the guest's first touch, which may
# be of a private page. KVM_X86_SW_PROTECTED_VM registers every chunk.
if "$CVMM" -v --sw --mem 256M --kernel $G/hello.elf --cmdline 0 2>&1 | grep -q 'sw platform: fallback'; then
	kvm_case "sw fallback: convert pages in a chunk registered on first touch" 0 \
		'zroundtrip: ok' --sw --mem 8G --kernel $P --cmdline zroundtrip
	kvm_case "sw fallback: the first touch of that chunk registered it" 0 \
		'memory slots: [0-9]+ of 32 registered, [1-9][0-9]* on first touch' \
		-v --sw --mem 8G --kernel $P --cmdline zroundtrip
	kvm_case "sw fallback: first touch of private RAM, above 4 GiB too" 0 \
		'memtouch: all reads back' --sw --mem 8G --cmdline 8192 --kernel $G/memtouch.elf
	kvm_case "sw fallback: 64 GiB starts with 1 of 256 slots registered" 0 \
		'memory slots: 1 of 256 registered, 0 on first touch' \
		-v --sw --mem 64G --kernel $G/hello.elf --cmdline 0
else
	kvm_case "KVM_X86_SW_PROTECTED_VM: every chunk registered at start" 0 \
		'memory slots: 32 of 32 registered, 0 on first touch' \
		-v --sw --mem 8G --kernel $P --cmdline zroundtrip
fi

# Private memory stays in the guest (issue 14): a running --sw guest writes a
# marker into private pages (privmem.c "secret"; never in clear in its image)
# and spins. cvmm and the readers run as this uid with no capabilities
# (setpriv: "another process of the same user"; /dev/kvm is this uid's own).
# Root, with CAP_SYS_PTRACE, can read the marker through /proc/PID/mem (the
# control: it is there and the search finds it; only TDX/SNP hardware keeps
# it from root). The same uid without it cannot (cvmm is not dumpable), and a
# core dump (gcore, every mapping kind in the filter) carries no guest RAM
# (MADV_DONTDUMP). The core is of the release binary (the sanitizers' shadow
# would make it huge), capped by ulimit -f.
PM_MARK=CVMM-PRIVATE-MARKER-7f3a
PM_NOCAPS=(setpriv --bounding-set=-all --inh-caps=-all --)
pm_start() {
	PM_DIR=$(mktemp -d)
	"${PM_NOCAPS[@]}" "$1" --sw --mem 64M --kernel $P --cmdline secret >"$PM_DIR/out" 2>&1 </dev/null &
	PM_PID=$!
	for _ in $(seq 300); do
		grep -q 'secret: ' "$PM_DIR/out" && break
		kill -0 $PM_PID 2>/dev/null || break
		sleep 0.1
	done
	grep -q 'secret: ready' "$PM_DIR/out" || { cat "$PM_DIR/out"; return 1; }
	# guest RAM: the guest_memfd (or memfd) mappings, read as root
	grep -E 'kvm-gmem|cvmm-ram' /proc/$PM_PID/maps | sed -E 's/^([0-9a-f]+)-([0-9a-f]+) .*/\1 \2/' >"$PM_DIR/maps"
	[ -s "$PM_DIR/maps" ] || { echo "no guest RAM mapping in /proc/$PM_PID/maps"; return 1; }
}
pm_stop() {
	kill -TERM $PM_PID 2>/dev/null; wait $PM_PID 2>/dev/null
	rm -rf "$PM_DIR"
}
# pm_search_mem [PREFIX...]: reads guest RAM through /proc/PID/mem, running
# dd under PREFIX...; succeeds when the marker is found.
pm_search_mem() {
	local start end
	while read -r start end; do
		timeout 30 "$@" dd if=/proc/$PM_PID/mem bs=65536 iflag=skip_bytes,count_bytes \
			skip=$((16#$start)) count=$((16#$end - 16#$start)) 2>/dev/null
	done <"$PM_DIR/maps" | grep -aqF "$PM_MARK"
}
pm_proc_mem() {
	local rc=0
	pm_start "$CVMM" || { pm_stop; return 1; }
	pm_search_mem || { echo "control: root (CAP_SYS_PTRACE) did not find the marker"; rc=1; }
	if pm_search_mem "${PM_NOCAPS[@]}"; then
		echo "the same uid without CAP_SYS_PTRACE read the private marker through /proc/PID/mem"; rc=1
	fi
	pm_stop; return $rc
}
pm_core() {
	local rc=0
	pm_start ./cvmm || { pm_stop; return 1; }
	echo 0x3f >/proc/$PM_PID/coredump_filter
	if ! (ulimit -f 1048576; cd "$PM_DIR" && timeout 60 gcore -o core $PM_PID >gcore.log 2>&1) ||
	   ! ls "$PM_DIR"/core.* >/dev/null 2>&1; then
		cat "$PM_DIR/gcore.log"; echo "gcore wrote no core"; rc=1
	elif grep -aqF "$PM_MARK" "$PM_DIR"/core.*; then
		echo "the core dump ($(du -h "$PM_DIR"/core.* | cut -f1)) holds the private marker"; rc=1
	fi
	pm_stop; return $rc
}
if ! "${PM_NOCAPS[@]}" true 2>/dev/null; then
	echo "*** SKIPPED: $TIER: private memory outside the guest: setpriv cannot drop capabilities here: 2 tests NOT run ***"
	SKIP=$((SKIP + 2))
else
	kvm_check "sw: private marker not readable through /proc/PID/mem by the same uid" pm_proc_mem
	if ! command -v gcore >/dev/null; then
		echo "*** SKIPPED: $TIER test 'core dump holds no private marker': gcore (gdb) is missing ***"
		SKIP=$((SKIP + 1))
	elif [ ! -x ./cvmm ]; then
		echo "*** SKIPPED: $TIER test 'core dump holds no private marker': no release ./cvmm (make cvmm) ***"
		SKIP=$((SKIP + 1))
	else
		kvm_check "sw: a core dump (gcore, filter 0x3f) holds no private marker" pm_core
	fi
fi

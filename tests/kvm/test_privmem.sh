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

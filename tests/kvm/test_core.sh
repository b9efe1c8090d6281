# The VM core on the real /dev/kvm: demo, UART, exit port, vCPUs, crashes.
kvm_case "demo guest greets and exits 0" 0 'Hello from the cvmm demo guest' 
kvm_case "demo guest on anonymous memory" 0 'Hello from the cvmm demo guest' --no-guest-memfd
kvm_case "demo guest with 8 GiB (RAM above 4 GiB)" 0 'Hello from the cvmm demo guest' --mem 8G
kvm_case "hello: exit status 0" 0 "hello from a tiny guest, cmdline '0'" --kernel $G/hello.elf --cmdline 0
kvm_case "hello: exit status 7" 7 "cmdline '7'" --kernel $G/hello.elf --cmdline 7
kvm_case "hello: exit status 255" 255 "" --kernel $G/hello.elf --cmdline 255
kvm_case "two vCPUs both run" 0 'vCPUs checked in: 2, mask 0x0000000000000003' --kernel $G/smp.elf --cpus 2 --cmdline 2
kvm_case "four vCPUs all run" 0 'vCPUs checked in: 4, mask 0x000000000000000f' --kernel $G/smp.elf --cpus 4 --cmdline 4
kvm_case "triple fault ends cvmm with status 1 and a reason" 1 'triple fault.*vCPU 0' --kernel $G/triplefault.elf
kvm_case "unmapped MMIO and ports read as all ones" 0 'mmio hole reads 0x00000000ffffffff, port 0x80 reads 0x00000000000000ff' --kernel $G/unmapped.elf
kvm_case "access outside the identity map faults the guest" 1 'triple fault' --kernel $G/unmapped.elf --cmdline fault
kvm_case "boot trace records guest milestones" 0 'guest milestone: entered.*' --boot-trace
kvm_case "boot trace as JSON" 0 '"phase":"guest milestone: ready"' --boot-trace=json
kvm_case "-v says which memory backs the VM" 0 'plain VM: 256 MiB \(guest_memfd\)' -v
kvm_case "info describes the host" 0 'guest_memfd +yes' info
kvm_case "info --json" 0 '"tdx": false' info --json
kvm_case "--tdx on a host without TDX names what is missing" 2 'cannot run TDX guests: KVM offers no KVM_X86_TDX_VM' --tdx
kvm_case "--snp on a host without SNP names what is missing" 2 'cannot run SEV-SNP guests: KVM offers no KVM_X86_SNP_VM' --snp
kvm_case "--cpus above the host limit" 2 '--cpus 5000' --cpus 5000

# SIGTERM while the guest spins: clean stop, status 128+15, no leftovers.
kvm_sigterm() {
	"$CVMM" --kernel $G/smp.elf --cpus 2 --cmdline 3 >/dev/null 2>/tmp/cvmm-sigterm.$$ &
	local pid=$! rc
	sleep 1; kill -TERM $pid; wait $pid; rc=$?
	grep -q 'stopped by SIGTERM' /tmp/cvmm-sigterm.$$ && [ $rc -eq 143 ]
	local ok=$?; rm -f /tmp/cvmm-sigterm.$$; return $ok
}
kvm_check "SIGTERM stops a spinning guest with status 143" kvm_sigterm

# Lazy memslots: RAM beyond the launch plan's chunks reaches KVM on first touch.
kvm_case "first touch of lazily registered RAM (2 GiB)" 0 'memtouch: all reads back' --mem 2G --cmdline 2048 --kernel $G/memtouch.elf
kvm_case "first touch above 4 GiB, slots counted" 0 'registered, 1[0-9] on first touch' -v --mem 8G --cmdline 8192 --kernel $G/memtouch.elf
kvm_case "first touch on anonymous memory" 0 'memtouch: all reads back' --no-guest-memfd --mem 8G --cmdline 8192 --kernel $G/memtouch.elf
kvm_case "64 GiB guest starts without registering all of it" 0 'memory slots: 1 of 256 registered' -v --mem 64G

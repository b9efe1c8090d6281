#!/bin/bash
# The include direction (README "Layout"): a file may include headers of its
# own layer or of a layer below it, never above.
#
#   0 base      vmm/log.h, vmm/trace.h, vmm/sandbox.h (process hardening); vmm/kvm/kvm_abi.h (the kernel's ABI
#               constants and structs, no code: anyone speaking to KVM or
#               checking what a guest sent may name them); vmm/kvm/kvm_backend.h
#               (the interface every KVM ioctl goes through, the kernel or a
#               recorder: guest memory issues its ioctls through it too)
#   1 loader    loader/: inputs (launch_opts.h) -> launch plan
#   2 memory    vmm/mem/: guest RAM and its one door; devices read the guest
#               only through it
#   3 devices   devices/, attest/ (attest/measure reads only the loader)
#   4 vmm       vmm/core, vmm/kvm, vmm/platform: the VM, KVM, the platforms
#   5 cli       vmm/cli/, vmm/main.c: nothing else includes these
#
#   tests/check-layers.sh [ROOT]   (default: the checkout); one line per
#   include against the direction, exit 1 if there is any.
set -u
root=${1:-$(dirname "$0")/../..}
cd "$root" || exit 2

level() {
	case "$1" in
	vmm/log.[ch]|vmm/trace.[ch]|vmm/sandbox.[ch]|vmm/kvm/kvm_abi.h|vmm/kvm/kvm_backend.h) echo 0 ;;
	loader/*) echo 1 ;;
	vmm/mem/*) echo 2 ;;
	devices/*|attest/*) echo 3 ;;
	vmm/core/*|vmm/kvm/*|vmm/platform/*) echo 4 ;;
	vmm/cli/*|vmm/main.c) echo 5 ;;
	*) echo "" ;;
	esac
}

# The exceptions, each with its reason. Devices are handed the VM by the
# run loop and call back into it: they register on its buses, ask it to
# stop (vm_request_stop) and raise interrupt lines (irq.h). That callback
# surface is vm.h and irq.h only; a device-context struct below devices/
# would remove it.
allowed() {
	case "$1 $2" in
	"devices/"*" vmm/core/vm.h") return 0 ;;
	"devices/"*" vmm/core/irq.h") return 0 ;;
	esac
	return 1
}

bad=0
while IFS= read -r f; do
	lf=$(level "$f"); [ -n "$lf" ] || continue
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		[[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]] || continue
		h=${BASH_REMATCH[1]}
		lh=$(level "$h"); [ -n "$lh" ] || continue
		if [ "$lh" -gt "$lf" ] && ! allowed "$f" "$h"; then
			echo "$f:$n: includes $h (layer $lh above its own $lf)"
			bad=1
		fi
	done < "$f"
done < <(find vmm loader devices attest -name '*.[chS]' 2>/dev/null | sort)
exit $bad

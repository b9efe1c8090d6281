#include <string.h>

#include "loader/plan.h"
#include "vmm/log.h"
#include "vmm/platform.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

static const struct platform_ops *const platforms[] = {
	&platform_plain,
	&platform_sw,
	&platform_snp,
	&platform_tdx,
};

const struct platform_ops *platform_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++)
		if (!strcmp(platforms[i]->name, name))
			return platforms[i];
	return NULL;
}

int platform_copy_piece(struct vm *vm, const struct plan_piece *piece)
{
	uint8_t *dst = gm_launch_ptr(&vm->mem, piece->gpa, piece->len);

	if (!dst) {
		cvmm_err("launch plan: %s [0x%llx, +0x%llx) is outside guest RAM", piece->what,
			 (unsigned long long)piece->gpa, (unsigned long long)piece->len);
		return -1;
	}
	/* Fresh guest memory is zero: only write zeroes over nothing. */
	if (piece->data)
		memcpy(dst, piece->data, piece->data_len);
	return 0;
}

int platform_direct_vcpu(struct vm *vm, struct vcpu *v, const struct launch_plan *plan)
{
	if (plan->boot.mode != CPU_MODE_LONG64) {
		cvmm_err("the %s platform boots kernels and ELF images directly; "
			 "firmware boot (--firmware) needs --snp or --tdx", vm->plat->name);
		return -1;
	}
	return vcpu_setup_long64(v, plan);
}

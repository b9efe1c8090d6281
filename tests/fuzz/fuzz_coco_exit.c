/*
 * TDX/SNP platform exits with guest-chosen contents: the exit union, the
 * reason, and the guest memory a GetQuote buffer lives in. No crash, no
 * access outside guest memory, and every exit gets an answer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/platform/coco.h"
#include "vmm/platform/coco_exit.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/log.h"
#include "vmm/cli/opts.h"

#define GBASE 0x100000ULL
static uint8_t *guest;
static size_t guest_len;

static int g_read(void *o, uint64_t gpa, void *dst, uint64_t len)
{
	if (gpa < GBASE || len > guest_len || gpa - GBASE > guest_len - len)
		return -1;
	memcpy(dst, guest + (gpa - GBASE), len);
	return 0;
}

static int g_write(void *o, uint64_t gpa, const void *src, uint64_t len)
{
	if (gpa < GBASE || len > guest_len || gpa - GBASE > guest_len - len)
		return -1;
	memcpy(guest + (gpa - GBASE), src, len);
	return 0;
}

static int answer;
static int fake_convert(void *o, uint64_t gpa, uint64_t pages, bool to_private)
{
	return answer;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t reasons[] = { KVM_EXIT_HYPERCALL, KVM_EXIT_TDX, KVM_EXIT_SYSTEM_EVENT,
					    KVM_EXIT_MEMORY_FAULT, KVM_EXIT_SNP_REQ_CERTS, KVM_EXIT_IO };
	struct kvm_run run;
	struct kvm_tdx_capabilities caps = { .user_tdvmcallinfo_1_r11 = 2 };
	struct launch_opts opts;
	struct coco c;
	struct coco_stop s;

	if (size < 260)
		return 0;
	cvmm_verbosity = LOG_QUIET;
	memset(&run, 0, sizeof(run));
	run.exit_reason = reasons[data[0] % (sizeof(reasons) / sizeof(reasons[0]))];
	memcpy(kvm_run_exit_union(&run), data + 4, 256);
	answer = (int)(data[1] % 5) - 1;	/* -1 .. 3 */
	guest_len = size - 260;
	guest = malloc(guest_len ? guest_len : 1);
	memcpy(guest, data + 260, guest_len);
	launch_opts_init(&opts);
	coco_init(&c, data[2] & 1 ? &coco_tdx_ops : &coco_snp_ops, &kb_real, &opts);
	c.guest_read = g_read;
	c.guest_write = g_write;
	c.convert = data[3] & 1 ? fake_convert : NULL;
	c.caps = &caps;
	for (int i = 0; i < 3; i++)	/* the same exit again: the repeat guard */
		coco_handle_exit(&c, &run, data[1] >> 3, data[3] & 2 ? -1 : 0,
				 data[3] & 4 ? EHWPOISON : EFAULT, &s);
	c.caps = NULL;
	coco_destroy(&c);
	free(guest);
	return 0;
}

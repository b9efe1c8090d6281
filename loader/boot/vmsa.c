#include <string.h>
#include <strings.h>

#include "loader/boot/vmsa.h"

/* Offsets into the save area (APM vol. 2, table B-4). */
enum {
	OFF_ES = 0x000, OFF_SS = 0x020, OFF_DS = 0x030, OFF_FS = 0x040,
	OFF_GS = 0x050, OFF_GDTR = 0x060, OFF_LDTR = 0x070, OFF_IDTR = 0x080,
	OFF_TR = 0x090, OFF_EFER = 0x0d0, OFF_CR4 = 0x148, OFF_CR0 = 0x158,
	OFF_DR7 = 0x160, OFF_DR6 = 0x168, OFF_RFLAGS = 0x170, OFF_G_PAT = 0x268,
	OFF_XCR0 = 0x3e8, OFF_MXCSR = 0x408, OFF_X87_FCW = 0x410,
};

static void put16(uint8_t *b, unsigned off, uint16_t v) { memcpy(b + off, &v, 2); }
static void put32(uint8_t *b, unsigned off, uint32_t v) { memcpy(b + off, &v, 4); }
static void put64(uint8_t *b, unsigned off, uint64_t v) { memcpy(b + off, &v, 8); }

static void seg(uint8_t *b, unsigned off, uint16_t sel, uint16_t attrib, uint32_t limit,
		uint64_t base)
{
	put16(b, off, sel);
	put16(b, off + 2, attrib);
	put32(b, off + 4, limit);
	put64(b, off + 8, base);
}

/* Flat 4 GiB code (0x18) and data (0x10) segments, CR0.PE, paging off. */
static void flat32(uint8_t *b, const struct vmsa_params *p)
{
	static const unsigned data_segs[] = { OFF_ES, OFF_SS, OFF_DS, OFF_FS, OFF_GS };

	for (size_t i = 0; i < sizeof(data_segs) / sizeof(data_segs[0]); i++)
		seg(b, data_segs[i], 0x10, 0xc93, 0xffffffff, 0);
	seg(b, VMSA_OFF_CS, 0x18, 0xc9b, 0xffffffff, 0);
	put64(b, OFF_CR0, 0x11);		/* PE | ET */
	put64(b, VMSA_OFF_RIP, p->eip);
	put64(b, VMSA_OFF_RSI, p->rsi);
}

void vmsa_build(uint8_t b[VMSA_SIZE], const struct vmsa_params *p)
{
	/* Real-mode reset state (APM 14.1.3) with QEMU's segment attributes. */
	uint16_t cs_attr = 0x9b, ss_attr = 0x93, tr_attr = 0x8b;
	uint64_t rdx = p->vcpu_sig, g_pat = 0x0007040600070406ULL;
	uint32_t mxcsr = 0x1f80;
	uint16_t fcw = 0x37f;

	switch (p->vmm) {
	case VMSA_VMM_QEMU:
		if (p->legacy_fpu)	/* legacy KVM_SEV_INIT leaves the FPU image zero */
			mxcsr = fcw = 0;
		break;
	case VMSA_VMM_EC2:
		/* EC2 marks the BSP's code segment not-yet-accessed, APs as QEMU. */
		if (p->eip == VMSA_BSP_EIP)
			cs_attr = 0x9a;
		ss_attr = 0x92;
		tr_attr = 0x83;
		rdx = 0x600;
		mxcsr = fcw = 0;
		break;
	case VMSA_VMM_GCE:
		rdx = 0x600;
		g_pat = 0x0000000000070106ULL;
		mxcsr = fcw = 0;
		break;
	}
	memset(b, 0, VMSA_SIZE);
	seg(b, OFF_ES, 0, 0x93, 0xffff, 0);
	seg(b, VMSA_OFF_CS, 0xf000, cs_attr, 0xffff, p->eip & 0xffff0000u);
	seg(b, OFF_SS, 0, ss_attr, 0xffff, 0);
	seg(b, OFF_DS, 0, 0x93, 0xffff, 0);
	seg(b, OFF_FS, 0, 0x93, 0xffff, 0);
	seg(b, OFF_GS, 0, 0x93, 0xffff, 0);
	seg(b, OFF_GDTR, 0, 0, 0xffff, 0);
	seg(b, OFF_LDTR, 0, 0x82, 0xffff, 0);
	seg(b, OFF_IDTR, 0, 0, 0xffff, 0);
	seg(b, OFF_TR, 0, tr_attr, 0xffff, 0);
	put64(b, OFF_EFER, 0x1000);		/* SVME: KVM sets it */
	put64(b, OFF_CR4, 0x40);		/* MCE: KVM sets it */
	put64(b, OFF_CR0, 0x10);		/* ET */
	put64(b, OFF_DR7, 0x400);
	put64(b, OFF_DR6, 0xffff0ff0);
	put64(b, OFF_RFLAGS, 0x2);
	put64(b, VMSA_OFF_RIP, p->eip & 0xffff);
	put64(b, OFF_G_PAT, g_pat);
	put64(b, VMSA_OFF_RDX, rdx);
	put64(b, VMSA_OFF_SEV_FEATURES, p->sev_features);
	put64(b, OFF_XCR0, 0x1);
	put32(b, OFF_MXCSR, mxcsr);
	put16(b, OFF_X87_FCW, fcw);
	if (p->flat32)
		flat32(b, p);
}

int vmsa_vmm_parse(const char *s)
{
	if (!strcasecmp(s, "qemu"))
		return VMSA_VMM_QEMU;
	if (!strcasecmp(s, "ec2"))
		return VMSA_VMM_EC2;
	if (!strcasecmp(s, "gce"))
		return VMSA_VMM_GCE;
	return -1;
}

const char *vmsa_vmm_name(enum vmsa_vmm v)
{
	return v == VMSA_VMM_EC2 ? "ec2" : v == VMSA_VMM_GCE ? "gce" : "qemu";
}

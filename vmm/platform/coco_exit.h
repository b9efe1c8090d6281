/*
 * Platform exits of TDX and SNP guests (vmm/platform/coco_exit.c). The run loop calls
 * coco_handle_exit() after every KVM_RUN, also when KVM_RUN failed: a
 * memory-fault exit arrives as -1/EFAULT with exit_reason 39.
 */
#ifndef CVMM_COCO_EXIT_H
#define CVMM_COCO_EXIT_H

#include "vmm/platform/platform.h"

struct coco;
struct kvm_run;

/* Statuses of the conversion routine (vmm/mem/convert.h's enum conv_status). */
enum {
	COCO_CONV_OK = 0,
	COCO_CONV_BAD_RANGE = 1,
	COCO_CONV_NOT_RAM = 2,
	COCO_CONV_REFUSED = 3,
};

#define COCO_GHCB_MSR_TERM_REQ			0x100	/* GHCB MSR protocol: termination */
#define COCO_TDVMCALL_R11_SETUP_EVENT_NOTIFY	(1ULL << 1)

/* Why the VM stops, when coco_handle_exit() answers EXIT_STOP. */
struct coco_stop {
	int code;		/* process exit status */
	char reason[200];
};

/* vcpu: the index of the vCPU whose kvm_run this is (GetQuote notifies it). */
enum exit_action coco_handle_exit(struct coco *c, struct kvm_run *run, int vcpu, int kvm_ret,
				  int kvm_errno, struct coco_stop *s);

#endif

/*
 * Why (not) TDX or SNP on this host: one answer for `cvmm info`, the
 * platforms' host checks and the error line of `cvmm --tdx` on a host that
 * cannot. Reads KVM's VM types and, to make the reason precise, the kernel
 * module parameters and CPU flags that gate them.
 */
#ifndef CVMM_HOST_COCO_H
#define CVMM_HOST_COCO_H

#include <stdbool.h>
#include <stddef.h>

struct kvm_host;

/* true when KVM accepts the VM type; else why says precisely what is missing. */
bool host_tdx_available(const struct kvm_host *h, char *why, size_t n);
bool host_snp_available(const struct kvm_host *h, char *why, size_t n);

#endif

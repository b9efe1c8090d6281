/* The sw platform's host facts, for `cvmm info`. */
#ifndef CVMM_PLATFORM_SW_H
#define CVMM_PLATFORM_SW_H

#include <stdbool.h>

struct kvm_host;

/* Does the host offer KVM_X86_SW_PROTECTED_VM (else: the fallback)? */
bool sw_host_protected(const struct kvm_host *h);
/* Which variant --sw runs on this host, in words. */
const char *sw_variant(const struct kvm_host *h);

#endif

/*
 * What the rest of cvmm uses of the TDX and SNP platforms: host checks,
 * `cvmm info`, the dry run, and the pieces the tests reach directly.
 */
#ifndef CVMM_PLATFORM_COCO_H
#define CVMM_PLATFORM_COCO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "loader/launch_opts.h"

struct kvm_host;
struct kvm_cpuid2;
struct kvm_tdx_capabilities;
struct launch_plan;
struct launch_opts;
struct kvm_backend;

/*
 * Can this host run PLATFORM_SNP or PLATFORM_TDX (vmm/platform/coco_host.c)?
 * The platforms' host_ok, which `cvmm info` asks too. On no, one sentence in
 * why naming exactly what is missing and what to use instead; on yes, what
 * was found.
 */
bool coco_host_ok(const struct kvm_host *h, enum platform_id id, char *why, size_t n);

/*
 * `cvmm info`: the details of the platforms this host can run (SNP
 * attributes, TDX capabilities), asked through kb (tests: the recorder).
 */
void coco_info_details(FILE *f, struct kvm_host *h, struct kvm_backend *kb);

/*
 * `--dry-run` for --snp/--tdx, on the plan build_plan made: prints it, runs
 * the launch against the recorder and prints the ioctl transcript. 0 or -1
 * (one line).
 */
int coco_dry_run_plan(const struct launch_opts *o, const struct launch_plan *p, FILE *out);

/* SNP guest policy: bit 17 set, defined bits only, within allowed when known. */
int snp_policy_check(uint64_t policy, uint64_t allowed, bool have_allowed);

struct coco;
struct plan_piece;
/* SNP_LAUNCH_UPDATE of one piece (VMSA and shared pieces: nothing to do). */
int snp_add_piece(struct coco *c, const struct plan_piece *pc);

/* KVM_TDX_CAPABILITIES on c->vm_fd, growing the CPUID list on E2BIG. */
struct kvm_tdx_capabilities *tdx_get_caps(struct coco *c);

/* INIT_VM's CPUID from the host's and the module's configurable list. */
struct kvm_cpuid2 *tdx_filter_cpuid(const struct kvm_cpuid2 *host,
				    const struct kvm_tdx_capabilities *caps);

#endif

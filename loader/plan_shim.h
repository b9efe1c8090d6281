/*
 * Direct boot of a bzImage without firmware, through cvmm's boot shim
 * (loader/shim/): the launch plans for SNP, TDX and (to test the shim on
 * any KVM) plain VMs. Every measured piece sits at a fixed address and
 * none depends on --mem or, for TDX, on --cpus: guest RAM reaches the shim
 * only through the unmeasured memory-map page, which the shim checks.
 */
#ifndef CVMM_PLAN_SHIM_H
#define CVMM_PLAN_SHIM_H

#include <stdbool.h>
#include <stdint.h>

struct launch_plan;
struct launch_opts;
struct shim_memmap;

enum shim_target { SHIM_FOR_PLAIN, SHIM_FOR_SNP, SHIM_FOR_TDX };

/*
 * Adds the shim, the kernel, initrd, command line, boot_params and the
 * memory-map page (plus, for SNP, the secrets and CPUID pages and the CC
 * blob) to p, which plan_init() sized for --mem. For plain the caller has
 * added page tables and GDT and gets a 64-bit entry; SNP gets VMSAs (32-bit
 * entry), TDX the reset vector. -1 with one line on failure.
 */
int plan_add_shim_boot(struct launch_plan *p, const struct launch_opts *o, enum shim_target t);

/*
 * The memory map of mem_size bytes of guest RAM, as the e820 table cvmm
 * uses; snp: the secrets and CPUID pages reserved.
 */
void shim_memmap_build(struct shim_memmap *m, uint64_t mem_size, bool snp);

#endif

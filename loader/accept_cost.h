/*
 * What making RAM usable costs before the kernel runs (TDX: accepting every
 * page; SNP: validating it), counted on the walk the boot shim makes over
 * the memory map it is handed (loader/shim/shim.c: 2 MiB where aligned, 4
 * KiB otherwise and when refused). Without EFI, Linux has no table of
 * unaccepted memory, so all of it is done up front: on TDX spread over the
 * vCPUs (up to SHIM_WORKERS_MAX), each taking its part of every range
 * (shim_part: cut at 2 MiB boundaries, so the total is the same as on one
 * vCPU); on SNP on the BSP alone.
 *
 * The host model (an upper bound: pages the launch already added answer at
 * once): KVM maps TD private memory 4 KiB-wise, so a 2 MiB ACCEPT costs one
 * EPT-violation exit and is refused, then 512 4 KiB accepts cost one each;
 * guest_memfd pages sit in the SNP RMP 4 KiB-wise, so a 2 MiB PVALIDATE is
 * refused (size mismatch) after one nested page fault, then 512 4 KiB ones
 * cost a fault each. All of them are served in the kernel: none reaches
 * userspace, because cvmm made all RAM private at launch.
 */
#ifndef CVMM_ACCEPT_COST_H
#define CVMM_ACCEPT_COST_H

#include <stdint.h>
#include <stdio.h>

struct shim_memmap;

enum accept_kind { ACCEPT_NONE, ACCEPT_TDX, ACCEPT_SNP };

struct accept_cost {
	enum accept_kind kind;
	uint64_t bytes;		/* what the shim accepts or validates */
	uint64_t tries_2m;	/* 2 MiB operations (refused by the model host) */
	uint64_t ops_4k;	/* 4 KiB operations */
	uint64_t vm_exits;	/* exits the host serves in the kernel */
	uint64_t user_exits;	/* exits that reach cvmm */
	uint32_t workers;	/* vCPUs the walk is spread over */
	uint64_t busiest_exits;	/* the most exits one of them takes: the wall-clock share */
};

/* The cost of the shim's walk over m for kind (ACCEPT_NONE: zero) on workers vCPUs. */
void accept_cost_of(const struct shim_memmap *m, enum accept_kind kind, uint32_t workers,
		    struct accept_cost *c);

/* Exits per GiB of what is accepted (0 when nothing is). */
uint64_t accept_exits_per_gib(const struct accept_cost *c);

/* The busiest vCPU's exits per GiB of all that is accepted. */
uint64_t accept_busiest_exits_per_gib(const struct accept_cost *c);

/* One line: "memory acceptance: ..." (nothing for ACCEPT_NONE). */
void accept_cost_print(const struct accept_cost *c, FILE *f);

#endif

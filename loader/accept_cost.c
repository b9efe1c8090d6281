#include "loader/accept_cost.h"
#include "loader/shim/shim_abi.h"

#define PAGE_4K	0x1000ULL
#define PAGE_2M	0x200000ULL

/* The ranges the shim walks: RAM, and on TDX the BIOS hole too (shim.c). */
static int walked(const struct shim_mem_range *r, enum accept_kind kind)
{
	if (kind == ACCEPT_TDX && r->addr < SHIM_LOW_END)
		return 1;
	return kind != ACCEPT_NONE && r->type == SHIM_MEM_RAM;
}

void accept_cost_of(const struct shim_memmap *m, enum accept_kind kind, struct accept_cost *c)
{
	*c = (struct accept_cost){ .kind = kind };
	for (uint32_t i = 0; i < m->count; i++) {
		const struct shim_mem_range *r = &m->r[i];
		uint64_t a = r->addr, end = r->addr + r->size;

		if (!walked(r, kind))
			continue;
		c->bytes += r->size;
		while (a < end) {
			if (!(a & (PAGE_2M - 1)) && end - a >= PAGE_2M) {
				c->tries_2m++;		/* one exit, refused */
				c->ops_4k += PAGE_2M / PAGE_4K;
				a += PAGE_2M;
			} else {
				c->ops_4k++;
				a += PAGE_4K;
			}
		}
	}
	c->vm_exits = c->tries_2m + c->ops_4k;
	c->user_exits = 0;
}

uint64_t accept_exits_per_gib(const struct accept_cost *c)
{
	if (!c->bytes)
		return 0;
	return (uint64_t)((double)(c->vm_exits + c->user_exits) * (double)(1ULL << 30) / (double)c->bytes + 0.5);
}

void accept_cost_print(const struct accept_cost *c, FILE *f)
{
	const char *op = c->kind == ACCEPT_TDX ? "TDG.MEM.PAGE.ACCEPT" : "PVALIDATE";

	if (c->kind == ACCEPT_NONE)
		return;
	fprintf(f, "memory acceptance (boot shim, vCPU 0, expected): %llu MiB by %s: %llu 2 MiB tries, "
		"%llu 4 KiB; %llu exits in the kernel (%llu per GiB), %llu to userspace\n",
		(unsigned long long)(c->bytes >> 20), op, (unsigned long long)c->tries_2m,
		(unsigned long long)c->ops_4k, (unsigned long long)c->vm_exits,
		(unsigned long long)accept_exits_per_gib(c), (unsigned long long)c->user_exits);
}

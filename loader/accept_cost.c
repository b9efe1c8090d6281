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

/* The model's exits for the shim's walk over [a, end), added to c. */
static uint64_t walk_cost(uint64_t a, uint64_t end, struct accept_cost *c)
{
	uint64_t exits = 0;

	while (a < end) {
		if (!(a & (PAGE_2M - 1)) && end - a >= PAGE_2M) {
			c->tries_2m++;		/* one exit, refused */
			c->ops_4k += PAGE_2M / PAGE_4K;
			exits += 1 + PAGE_2M / PAGE_4K;
			a += PAGE_2M;
		} else {
			c->ops_4k++;
			exits++;
			a += PAGE_4K;
		}
	}
	return exits;
}

/* Each worker walks its part of every range (shim_part), as the shim's vCPUs do. */
void accept_cost_of(const struct shim_memmap *m, enum accept_kind kind, uint32_t workers,
		    struct accept_cost *c)
{
	*c = (struct accept_cost){ .kind = kind, .workers = workers ? workers : 1 };
	for (uint32_t k = 0; k < c->workers; k++) {
		uint64_t exits = 0;

		for (uint32_t i = 0; i < m->count; i++) {
			const struct shim_mem_range *r = &m->r[i];
			uint64_t a, e;

			if (!walked(r, kind))
				continue;
			shim_part(r->addr, r->addr + r->size, k, c->workers, &a, &e);
			c->bytes += e - a;
			exits += walk_cost(a, e, c);
		}
		if (exits > c->busiest_exits)
			c->busiest_exits = exits;
	}
	c->vm_exits = c->tries_2m + c->ops_4k;
	c->user_exits = 0;
}

static uint64_t per_gib(uint64_t n, uint64_t bytes)
{
	return bytes ? (uint64_t)((double)n * (double)(1ULL << 30) / (double)bytes + 0.5) : 0;
}

uint64_t accept_exits_per_gib(const struct accept_cost *c)
{
	return per_gib(c->vm_exits + c->user_exits, c->bytes);
}

uint64_t accept_busiest_exits_per_gib(const struct accept_cost *c)
{
	return per_gib(c->busiest_exits, c->bytes);
}

void accept_cost_print(const struct accept_cost *c, FILE *f)
{
	const char *op = c->kind == ACCEPT_TDX ? "TDG.MEM.PAGE.ACCEPT" : "PVALIDATE";
	char on[48];

	if (c->kind == ACCEPT_NONE)
		return;
	if (c->workers > 1)
		snprintf(on, sizeof(on), "spread over %u vCPUs", c->workers);
	else
		snprintf(on, sizeof(on), "on vCPU 0");
	fprintf(f, "memory acceptance (boot shim, expected): %llu MiB by %s %s: "
		"%llu 2 MiB tries, %llu 4 KiB; %llu exits in the kernel (%llu per GiB), %llu to userspace; "
		"the busiest vCPU takes %llu (%llu per GiB)\n",
		(unsigned long long)(c->bytes >> 20), op, on, (unsigned long long)c->tries_2m,
		(unsigned long long)c->ops_4k, (unsigned long long)c->vm_exits,
		(unsigned long long)accept_exits_per_gib(c), (unsigned long long)c->user_exits,
		(unsigned long long)c->busiest_exits, (unsigned long long)accept_busiest_exits_per_gib(c));
}

/*
 * The boot shim's memory-map check (loader/shim/shim.c), compiled for the
 * host: the map comes from an untrusted VMM, so every way it can lie must
 * be refused before the shim accepts or validates a byte. The shim's
 * TDX/SNP instructions are compiled in but never executed here.
 */
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "check_compat.h"
#include "loader/layout.h"
#include "loader/plan_shim.h"
#include "loader/shim/shim_abi.h"

#define shim_main shim_main_under_test
#define SHIM_HOST_TEST
#include "loader/shim/shim.c"
#include "loader/accept_cost.h"

/*
 * The host behind the shim's TDG.MEM.PAGE.ACCEPT and PVALIDATE, as KVM
 * behaves (accept_cost.h): private memory is mapped 4 KiB-wise, so every
 * 2 MiB operation costs one exit and is refused, every 4 KiB one costs one
 * exit and succeeds. It counts (atomically: APs run as threads below),
 * marks each 4 KiB page done in a bitmap and flags one done twice, and
 * refuses the page at refuse (when set).
 */
#define HOST_PAGES	(16ULL << 30 >> 12)
static struct {
	uint64_t exits, tries_2m, ops_4k, bytes, refuse;
	int bad, refusing;
	uint8_t done[HOST_PAGES / 8];
} host;

static void host_reset(void)
{
	memset(&host, 0, sizeof(host));
}

static uint64_t host_get(uint64_t *v)
{
	return __atomic_load_n(v, __ATOMIC_SEQ_CST);
}

static int host_page(uint64_t gpa)
{
	uint8_t bit = (uint8_t)(1u << (gpa >> 12 & 7));

	__atomic_fetch_add(&host.exits, 1, __ATOMIC_SEQ_CST);
	if (host.refusing && gpa == host.refuse)
		return -1;
	if (gpa & 0xfff || gpa >> 12 >= HOST_PAGES ||
	    __atomic_fetch_or(&host.done[gpa >> 15], bit, __ATOMIC_SEQ_CST) & bit)
		__atomic_store_n(&host.bad, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&host.ops_4k, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&host.bytes, 4096, __ATOMIC_SEQ_CST);
	return 0;
}

static int host_done(uint64_t gpa)
{
	return host.done[gpa >> 15] >> (gpa >> 12 & 7) & 1;
}

uint64_t shim_tdx_accept_page(uint64_t gpa, int level)
{
	if (level) {
		__atomic_fetch_add(&host.exits, 1, __ATOMIC_SEQ_CST);
		__atomic_fetch_add(&host.tries_2m, 1, __ATOMIC_SEQ_CST);
		return 0xc0000b0b00000001ULL;	/* TDX_PAGE_SIZE_MISMATCH class: refused */
	}
	return host_page(gpa) ? 0xc000010000000000ULL : 0;	/* an operand error */
}

uint32_t shim_snp_pvalidate(uint64_t va, int huge)
{
	if (huge) {
		__atomic_fetch_add(&host.exits, 1, __ATOMIC_SEQ_CST);
		__atomic_fetch_add(&host.tries_2m, 1, __ATOMIC_SEQ_CST);
		return 6;			/* FAIL_SIZEMISMATCH */
	}
	return host_page(va) ? 1 : 0;		/* FAIL_INPUT */
}

/* The job area and memory map the shim's JOB() / MEMMAP() name here. */
static struct shim_job test_job;
struct shim_job *shim_test_job = &test_job;
static struct shim_memmap m;
const struct shim_memmap *shim_test_memmap = &m;

void shim_jump(uint64_t entry, uint64_t boot_params)
{
	(void)entry; (void)boot_params;
	abort();
}

const uint8_t shim_exc_stubs[SHIM_IDT_VECTORS * 8];	/* entry.S's, for the IDT's addresses */

START_TEST(memmap_from_cvmm_is_accepted)
{
	static const uint64_t sizes[] = { 2ULL << 20, 256ULL << 20, 3ULL << 30, 8ULL << 30, 64ULL << 30 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t ram = 0;

		for (int snp = 0; snp <= 1; snp++) {
			ram = 0;
			shim_memmap_build(&m, sizes[i], snp);
			ck_assert_ptr_null(check_memmap(&m, LAYOUT_KERNEL, snp ? SHIM_PLAT_SNP : SHIM_PLAT_PLAIN));
			if (!snp)	/* the SNP map has no mailbox: see memmap_lies_are_refused */
				ck_assert_ptr_null(check_memmap(&m, LAYOUT_KERNEL, SHIM_PLAT_TDX));
			for (uint32_t j = 0; j < m.count; j++)
				if (m.r[j].type == SHIM_MEM_RAM)
					ram += m.r[j].size;
			/* all of --mem but the page-aligned BIOS hole (and SNP's two pages) */
			ck_assert_uint_eq(ram, sizes[i] - (LAYOUT_KERNEL - (LAYOUT_EBDA & ~0xfffULL)) -
					  (snp ? 2 * 4096 : 0));
		}
	}
}
END_TEST

/* The entry of cvmm's map that starts at addr (the layout is cvmm's, not the test's). */
static uint32_t at(uint64_t addr)
{
	for (uint32_t i = 0; i < m.count; i++)
		if (m.r[i].addr == addr)
			return i;
	ck_abort_msg("no memory-map entry at 0x%llx", (unsigned long long)addr);
	return 0;
}

START_TEST(memmap_lies_are_refused)
{
#define LIE(field, value) do {						\
		shim_memmap_build(&m, 8ULL << 30, false);		\
		field = value;						\
		ck_assert_ptr_nonnull(check_memmap(&m, LAYOUT_KERNEL, SHIM_PLAT_TDX)); \
		ck_assert_ptr_nonnull(check_memmap(&m, LAYOUT_KERNEL, SHIM_PLAT_PLAIN)); \
	} while (0)
	const uint64_t k = LAYOUT_KERNEL, hi = LAYOUT_HIGH_RAM;

	LIE(m.magic, 0);
	LIE(m.count, 0);
	LIE(m.count, SHIM_MEMMAP_MAX + 1);
	LIE(m.r[at(k)].size, 0);				/* empty */
	LIE(m.r[at(k)].addr, LAYOUT_KERNEL + 1);		/* unaligned */
	LIE(m.r[at(hi)].size, ~0ULL - 0xfff);			/* wraps */
	LIE(m.r[at(hi)].addr, 1ULL << 52);			/* beyond 52 bits */
	LIE(m.r[at(0xa0000)].type, 5);				/* unknown type */
	LIE(m.r[at(0xa0000)].type, 0);
	LIE(m.r[at(0x9f000)].addr, 0x9e000);			/* overlaps the RAM below */
	LIE(m.r[at(hi)].addr, 0x40000000);			/* not sorted */
	LIE(m.r[at(k)].size, SHIM_BASE);			/* RAM over the shim */
	LIE(m.r[0].size, 0x10000);				/* no RAM under the stack */
	LIE(m.r[at(k)].type, SHIM_MEM_RESERVED);		/* no RAM at the kernel */
	/* The hole holds the mailbox, the AP page tables and code: never RAM. */
	LIE(m.r[at(0x9f000)].type, SHIM_MEM_RAM);
	LIE(m.r[at(0xa0000)].type, SHIM_MEM_RAM);
	LIE(m.r[at(0xc0000)].type, SHIM_MEM_RAM);
	LIE(m.r[0].size, 0xa0000);				/* RAM runs into the hole */
	/* A TD maps reserved memory shared: ACPI tables must be ACPI, the mailbox NVS. */
	LIE(m.r[at(SHIM_ACPI)].type, SHIM_MEM_RESERVED);
	LIE(m.r[at(0x9f000)].type, SHIM_MEM_RESERVED);
#undef LIE
	/* SNP: a map that hands the secrets or CPUID page to the kernel as RAM */
	shim_memmap_build(&m, 8ULL << 30, false);
	ck_assert_ptr_nonnull(check_memmap(&m, LAYOUT_KERNEL, SHIM_PLAT_SNP));
	shim_memmap_build(&m, 8ULL << 30, true);
	m.r[1].type = SHIM_MEM_RAM;
	ck_assert_ptr_nonnull(check_memmap(&m, LAYOUT_KERNEL, SHIM_PLAT_SNP));
	/* SNP has no mailbox (AP creation): its hole is reserved, and that is fine there only. */
	shim_memmap_build(&m, 8ULL << 30, true);
	ck_assert_uint_eq(m.r[at(0x9f000)].type, SHIM_MEM_RESERVED);
	ck_assert_ptr_null(check_memmap(&m, LAYOUT_KERNEL, SHIM_PLAT_SNP));
	ck_assert_ptr_nonnull(check_memmap(&m, LAYOUT_KERNEL, SHIM_PLAT_TDX));
}
END_TEST

/* The e820 Linux gets below 1 MiB, entry by entry (ACPI 6.4 / e820 type numbers). */
START_TEST(memmap_bios_hole_types)
{
	shim_memmap_build(&m, 256ULL << 20, false);
	ck_assert_uint_eq(m.r[0].addr, 0);
	ck_assert_uint_eq(m.r[0].size, 0x9f000);
	ck_assert_uint_eq(m.r[1].addr, 0x9f000);
	ck_assert_uint_eq(m.r[1].size, 0x1000);
	ck_assert_uint_eq(m.r[1].type, 4);			/* NVS: the mailbox */
	ck_assert_uint_eq(m.r[2].addr, 0xa0000);
	ck_assert_uint_eq(m.r[2].type, 2);
	ck_assert_uint_eq(m.r[2].size, 0x10000);
	ck_assert_uint_eq(m.r[3].addr, 0xb0000);
	ck_assert_uint_eq(m.r[3].size, 0x10000);
	ck_assert_uint_eq(m.r[3].type, 3);			/* ACPI, below the ROM range */
	ck_assert_uint_eq(m.r[4].addr, 0xc0000);		/* the ROMs Linux probes (SNP: validates) */
	ck_assert_uint_eq(m.r[4].size, 0x40000);
	ck_assert_uint_eq(m.r[4].type, 2);
	ck_assert_uint_eq(m.r[5].addr, 0x100000);
	ck_assert_uint_eq(m.r[5].type, 1);
	ck_assert_uint_eq(m.count, 6);
}
END_TEST

/* Whether every page of what the shim walks on plat (RAM; TDX also [0, 1 MiB)) is marked done. */
static int host_covers_walk(uint32_t plat)
{
	for (uint32_t j = 0; j < m.count; j++) {
		if (m.r[j].type != SHIM_MEM_RAM && (plat == SHIM_PLAT_SNP || m.r[j].addr >= 0x100000))
			continue;
		for (uint64_t a = m.r[j].addr; a < m.r[j].addr + m.r[j].size; a += 4096)
			if (!host_done(a))
				return 0;
	}
	return 1;
}

/*
 * Issue 13 item 3: the exits the shim's own walk costs per GiB, on the host
 * above, against the figure the plan prints (--dry-run, --boot-trace) and
 * against the arithmetic done here by hand: per 2 MiB one refused try plus
 * 512 pages; the first MiB (RAM + the BIOS hole on TDX: 256 pages) and
 * [1 MiB, 2 MiB) (256 pages) have no aligned 2 MiB. 1 GiB of TDX RAM is
 * 256 + 256 + 511 * 513 = 262655 exits; none reaches userspace (SNP no
 * longer asks for a page-state change per 4 KiB page). First on one vCPU,
 * then split over n (each part walked alone, as each vCPU walks it).
 */
START_TEST(acceptance_exits_per_gib)
{
	static const struct { uint64_t mem; uint32_t plat; uint64_t exits, tries, bytes; } want[] = {
		{ 1ULL << 30, SHIM_PLAT_TDX, 262655, 511, 1ULL << 30 },
		/* SNP: RAM only (no hole, minus the secrets and CPUID pages) */
		{ 1ULL << 30, SHIM_PLAT_SNP, 262655 - 97 - 2, 511, (1ULL << 30) - 0x61000 - 0x2000 },
		/* 8 GiB: [3 GiB, 4 GiB) is the hole, RAM resumes at 4 GiB (512 more tries of 513) */
		{ 8ULL << 30, SHIM_PLAT_TDX, 262655 + 7 * 512 * 513, 511 + 7 * 512, 8ULL << 30 },
	};
	static const uint32_t spreads[] = { 1, 2, 3, 4, 7, 32 };

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int snp = want[i].plat == SHIM_PLAT_SNP;

		shim_memmap_build(&m, want[i].mem, snp);
		ck_assert_ptr_null(check_memmap(&m, LAYOUT_KERNEL, want[i].plat));
		for (size_t s = 0; s < sizeof(spreads) / sizeof(spreads[0]); s++) {
			uint32_t n = spreads[s];
			uint64_t busiest = 0, pages = 0, sum = 0;
			struct accept_cost c;

			if (snp && n > 1)
				continue;	/* SNP validates on the BSP alone */
			host_reset();
			for (uint32_t k = 0; k < n; k++) {
				uint64_t before = host.exits;

				ck_assert_int_eq(accept_part(&m, want[i].plat, k, n, &pages), 0);
				ck_assert_uint_eq(pages, (host.bytes >> 12) - sum);	/* what it reports */
				sum += pages;
				if (host.exits - before > busiest)
					busiest = host.exits - before;
			}
			/* disjoint (no page twice), all of it, and nothing but it */
			ck_assert_int_eq(host.bad, 0);
			ck_assert(host_covers_walk(want[i].plat));
			ck_assert_uint_eq(host.bytes, want[i].bytes);
			/* cuts at 2 MiB only: every 2 MiB try survives the split */
			ck_assert_uint_eq(host.tries_2m, want[i].tries);
			ck_assert_uint_eq(host.exits, want[i].exits);
			/* what the plan says the same walk costs */
			accept_cost_of(&m, snp ? ACCEPT_SNP : ACCEPT_TDX, n, &c);
			ck_assert_uint_eq(c.workers, n);
			ck_assert_uint_eq(c.vm_exits, host.exits);
			ck_assert_uint_eq(c.tries_2m, host.tries_2m);
			ck_assert_uint_eq(c.ops_4k, host.ops_4k);
			ck_assert_uint_eq(c.bytes, host.bytes);
			ck_assert_uint_eq(c.busiest_exits, busiest);
			ck_assert_uint_eq(c.user_exits, 0);
			/* about 2^18 exits per GiB, never one more than 1 + 512 per 2 MiB */
			ck_assert_uint_le(accept_exits_per_gib(&c), 262656);
			ck_assert_uint_ge(accept_exits_per_gib(&c), 262144);
			if (n == 1)
				ck_assert_uint_eq(busiest, want[i].exits);
		}
	}
	/*
	 * 1 GiB of TDX RAM over 4 vCPUs, by hand: [1 MiB, 1 GiB) has 511
	 * aligned 2 MiB blocks, 128 per part (ceil(511 / 4)), cut at 2 MiB +
	 * 256 MiB, 514 MiB, 770 MiB. vCPU 0: the first MiB and [1, 2) MiB
	 * (256 + 256) + 128 * 513 = 66176; vCPUs 1, 2: 128 * 513 = 65664;
	 * vCPU 3: 127 * 513 = 65151. The busiest per GiB: 66176.
	 */
	{
		static const uint64_t per[4] = { 66176, 65664, 65664, 65151 };
		static const uint64_t cut[5] = { 0, (2 + 256) << 20, 514 << 20, 770 << 20, 1ULL << 30 };
		struct accept_cost c;

		shim_memmap_build(&m, 1ULL << 30, false);
		for (uint32_t k = 0; k < 4; k++) {
			uint64_t before, pages, a, e;

			host_reset();
			before = host.exits;
			ck_assert_int_eq(accept_part(&m, SHIM_PLAT_TDX, k, 4, &pages), 0);
			ck_assert_uint_eq(host.exits - before, per[k]);
			shim_part(0x100000, 1ULL << 30, k, 4, &a, &e);
			ck_assert_uint_eq(a, k ? cut[k] : 0x100000);
			ck_assert_uint_eq(e, cut[k + 1]);
		}
		accept_cost_of(&m, ACCEPT_TDX, 4, &c);
		ck_assert_uint_eq(c.busiest_exits, 66176);
		ck_assert_uint_eq(accept_busiest_exits_per_gib(&c), 66176);
		ck_assert_uint_eq(c.vm_exits, 262655);
	}
	/* plain: the TD's ranges counted, no instruction */
	host_reset();
	shim_memmap_build(&m, 1ULL << 30, false);
	{
		uint64_t pages;

		ck_assert_int_eq(accept_part(&m, SHIM_PLAT_PLAIN, 0, 1, &pages), 0);
		ck_assert_uint_eq(pages, (1ULL << 30) >> 12);
		ck_assert_uint_eq(host.exits, 0);
	}
}
END_TEST

/* shim_part's cuts, for ranges of every shape: contiguous, in order, at 2 MiB inside. */
START_TEST(parts_cut_at_2m)
{
	static const uint64_t ranges[][2] = {
		{ 0, 0x9f000 }, { 0x9f000, 0xa0000 }, { 0x100000, 0xbff00000 },
		{ 0x100000000ULL, 0x140000000ULL }, { 0x1ff000, 0x601000 }, { 0x1000, 0x1ff000 },
		{ 0x200000, 0x400000 }, { 0x3ff000, 0x1000000001000ULL },
	};

	for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++)
		for (uint32_t n = 1; n <= SHIM_WORKERS_MAX; n++) {
			uint64_t prev = ranges[r][0], a, e;

			for (uint32_t k = 0; k < n; k++) {
				shim_part(ranges[r][0], ranges[r][1], k, n, &a, &e);
				ck_assert_uint_eq(a, prev);
				ck_assert_uint_le(a, e);
				ck_assert(k == 0 || a == ranges[r][1] || !(a & 0x1fffff));
				prev = e;
			}
			ck_assert_uint_eq(prev, ranges[r][1]);
			shim_part(ranges[r][0], ranges[r][1], n, n, &a, &e);	/* beyond: empty */
			ck_assert_uint_eq(a, e);
		}
}
END_TEST

/*
 * The protocol itself: the BSP posts the job, does part 0 and returns only
 * once every AP worker is done; each AP (a thread doing what entry.S's ap64
 * does around shim_ap_accept) waits for the post and is slow to start, so
 * a BSP that did not wait would return with their pages not accepted.
 */
struct ap_arg { uint32_t index; pthread_t t; };

static void *ap_thread(void *p)
{
	const struct ap_arg *ap = p;

	if (ap->index >= SHIM_WORKERS_MAX || ap->index >= test_job.vcpus)
		return NULL;				/* parks at once */
	while (__atomic_load_n(&test_job.posted, __ATOMIC_ACQUIRE) != SHIM_JOB_MAGIC)
		sched_yield();
	if (ap->index >= test_job.workers)
		return NULL;
	usleep(20000);
	shim_ap_accept(ap->index);
	__atomic_fetch_add(&test_job.done, 1, __ATOMIC_SEQ_CST);	/* lock incl */
	return NULL;
}

/* Runs the BSP's make_ram_usable with vcpus threads as APs; its answer. */
static const char *run_spread(uint32_t vcpus, uint32_t plat)
{
	static struct ap_arg ap[40];
	const char *why;

	memset(&test_job, 0, sizeof(test_job));
	test_job.vcpus = vcpus;				/* cvmm's, measured */
	for (uint32_t i = 1; i < vcpus; i++) {
		ap[i].index = i;
		ck_assert_int_eq(pthread_create(&ap[i].t, NULL, ap_thread, &ap[i]), 0);
	}
	why = make_ram_usable(&m, plat, &test_job);
	/* at the BSP's return, not after the join: what the kernel would find */
	ck_assert_int_eq(host.bad, 0);
	if (!why && plat == SHIM_PLAT_TDX) {
		ck_assert_uint_eq(host_get(&host.bytes), 1ULL << 30);
		ck_assert(host_covers_walk(plat));
	}
	for (uint32_t i = 1; i < vcpus; i++)
		pthread_join(ap[i].t, NULL);
	return why;
}

START_TEST(acceptance_spread_over_vcpus)
{
	/* 4 KiB pages of 1 GiB over 4 vCPUs (the cuts above): 256 + 256 + 128 * 512, ... */
	static const uint64_t pages4[4] = { 66048, 65536, 65536, 65024 };

	shim_memmap_build(&m, 1ULL << 30, false);
	host_reset();
	ck_assert_ptr_null(run_spread(4, SHIM_PLAT_TDX));
	ck_assert_uint_eq(test_job.workers, 4);
	ck_assert_uint_eq(test_job.done, 3);
	ck_assert_uint_eq(test_job.total_pages, 262144);
	for (int i = 0; i < 4; i++) {
		ck_assert_uint_eq(test_job.pages[i], pages4[i]);
		ck_assert_uint_eq(test_job.status[i], SHIM_PART_OK);
	}
	ck_assert_uint_eq(host.exits, 262655);		/* the one-vCPU figure */
	/* plain: the same split, counted */
	host_reset();
	ck_assert_ptr_null(run_spread(4, SHIM_PLAT_PLAIN));
	ck_assert_uint_eq(host.exits, 0);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_eq(test_job.pages[i], pages4[i]);
	/* more vCPUs than stack slots: 32 work, the rest park */
	host_reset();
	ck_assert_ptr_null(run_spread(40, SHIM_PLAT_TDX));
	ck_assert_uint_eq(test_job.workers, SHIM_WORKERS_MAX);
	ck_assert_uint_eq(test_job.done, SHIM_WORKERS_MAX - 1);
	/* one vCPU: the BSP alone */
	host_reset();
	ck_assert_ptr_null(run_spread(1, SHIM_PLAT_TDX));
	ck_assert_uint_eq(test_job.pages[0], 262144);
	/* a page refused in vCPU 2's part [514 MiB, 770 MiB): the BSP says so */
	host_reset();
	host.refusing = 1;
	host.refuse = 600ULL << 20;
	ck_assert_str_eq(run_spread(4, SHIM_PLAT_TDX), "TDG.MEM.PAGE.ACCEPT failed");
	ck_assert_uint_eq(test_job.status[2], SHIM_PART_FAILED);
	ck_assert_uint_eq(test_job.status[1], SHIM_PART_OK);
}
END_TEST

/* Issue 13 item 5: the BSP's IDT sends every exception vector to its stub. */
START_TEST(idt_gates_reach_the_stubs)
{
	static uint8_t idt[SHIM_IDT_VECTORS * 16 + 8];
	const uint64_t stubs = 0xffffc1b8ULL;

	memset(idt, 0xa5, sizeof(idt));
	idt_build(idt, SHIM_PLAT_SNP, stubs);
	for (int v = 0; v < SHIM_IDT_VECTORS; v++) {
		const uint8_t *g = idt + 16 * v;
		uint64_t h = stubs + 8 * (uint64_t)v, off;
		uint16_t sel, lo;
		uint32_t mid, hi, rsv;

		memcpy(&lo, g, 2);
		memcpy(&sel, g + 2, 2);
		memcpy(&mid, g + 6, 2);
		mid &= 0xffff;
		memcpy(&hi, g + 8, 4);
		memcpy(&rsv, g + 12, 4);
		off = lo | (uint64_t)mid << 16 | (uint64_t)hi << 32;
		ck_assert_uint_eq(off, h);
		ck_assert_uint_eq(sel, 0x10);		/* the shim's 64-bit CS */
		ck_assert_uint_eq(g[4], 0);		/* IST 0 */
		ck_assert_uint_eq(g[5], 0x8e);		/* present interrupt gate */
		ck_assert_uint_eq(rsv, 0);
	}
	/* the platform for the handler, right behind the gates */
	ck_assert_uint_eq(idt[SHIM_IDT_VECTORS * 16], SHIM_PLAT_SNP);
	ck_assert_uint_eq(idt[SHIM_IDT_VECTORS * 16 + 1], 0);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("shim");
	TCase *tc = tcase_create("shim");

	tcase_add_test(tc, memmap_from_cvmm_is_accepted);
	tcase_add_test(tc, memmap_lies_are_refused);
	tcase_add_test(tc, memmap_bios_hole_types);
	tcase_add_test(tc, acceptance_exits_per_gib);
	tcase_add_test(tc, parts_cut_at_2m);
	tcase_add_test(tc, acceptance_spread_over_vcpus);
	tcase_add_test(tc, idt_gates_reach_the_stubs);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()

/*
 * Guest RAM, and the one door into it.
 *
 * RAM is a list of regions (below the 32-bit MMIO hole, and above 4 GiB).
 * Each region has the mapping KVM faults the guest through (kvm_map) and the
 * mapping device models see (view). Nothing outside the platforms' launch
 * step and this file touches kvm_map: device code and exit handlers ask
 * gm_view_begin() for a view of [gpa, gpa+len), which answers only when the
 * whole range is RAM and shared, and holds off conversions until
 * gm_view_end(). A view is never kept across exits.
 */
#ifndef CVMM_MEM_H
#define CVMM_MEM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kvm_backend;

#define GM_MAX_REGIONS 6	/* RAM below and above the hole, regions outside RAM */
/*
 * KVM slots are registered in chunks. On this host KVM's per-slot bookkeeping
 * costs up to ~4 ms per GiB at registration (shadow-paging rmaps), so plain VMs
 * and the sw fallback (platform_ops.lazy_memslots) register only the chunks
 * the launch plan touches and the rest when the guest first touches them (an
 * MMIO exit on RAM; see gm_lazy_fault()).
 */
#define GM_CHUNK_SIZE	(256ULL << 20)
#define GM_MAX_CHUNKS	4200		/* 1 TiB of RAM and then some */

struct mem_region {
	uint64_t gpa, size;
	uint8_t *kvm_map;	/* registered with KVM as userspace_addr */
	uint8_t *view;		/* what device models may see */
	int gmem_fd;		/* guest_memfd, or -1 for anonymous memory */
	uint64_t gmem_offset;
	int shared_fd;		/* file behind kvm_map and view, or -1 (anonymous);
				 * == gmem_fd when guest_memfd backs both sides */
	bool outside_ram;	/* a region the launch plan fills outside RAM (firmware) */
	/*
	 * The device view is revoked in blocks, not pages (a guest may
	 * fragment its memory at will; one mapping per page would hit
	 * vm.max_map_count): a block is readable in the view only while every
	 * page of it is shared (view_open[i]). Shared pages in a block that
	 * also holds private ones are reached through kvm_map, by the door
	 * only, after the attribute check (gm_view_begin()).
	 */
	uint64_t vblock;	/* bytes, a power of two >= 2 MiB; 0: no separate view */
	uint8_t *view_open;	/* one byte per block: 1 readable, 0 revoked */
};

/* At most this many view blocks per region: mappings stay far below vm.max_map_count. */
#define GM_VIEW_MAX_BLOCKS	4096

/*
 * How RAM is backed:
 *  GM_ANON        anonymous memory (plain VMs; no private memory possible)
 *  GM_GMEM_SHARED guest_memfd with MMAP|INIT_SHARED behind kvm_map: KVM
 *                 serves every guest fault from it (default VM; the sw
 *                 fallback, where cvmm itself keeps private pages from the
 *                 device view)
 *  GM_GMEM_SPLIT  guest_memfd (no mmap) for the private side, a memfd for
 *                 the shared side: VMs where KVM has private memory
 *                 (KVM_X86_SW_PROTECTED_VM, SNP, TDX)
 *  GM_MEMFD       no KVM: a memfd stands in for a GM_GMEM_SHARED guest_memfd
 *                 (unit tests, benchmarks); never registered with KVM
 */
enum gm_backing { GM_ANON, GM_GMEM_SHARED, GM_GMEM_SPLIT, GM_MEMFD };

struct mem_chunk {
	uint64_t gpa, size;
	uint8_t region;
	bool registered;
};

struct guest_mem {
	struct mem_region regions[GM_MAX_REGIONS];
	int n_regions;
	bool live;			/* locks initialised; gm_destroy() undoes it once */
	struct mem_chunk *chunks;
	int n_chunks;
	int vm_fd;
	int lazy_left;			/* chunks not yet given to KVM */
	int lazy_faults;		/* chunks registered on first touch */
	pthread_mutex_t slot_lock;	/* serialises lazy registration */
	uint64_t size;			/* total RAM bytes */
	bool use_gmem;
	/* accesses hold it shared; conversions hold it exclusively */
	pthread_rwlock_t lock;
	struct attr_map *attrs;		/* private pages (NULL: all shared) */
	enum gm_backing backing;
	int attr_vm_fd;			/* KVM_SET_MEMORY_ATTRIBUTES goes here, or -1 */
	uint64_t conversions, converted_pages;	/* successful ones, for -v */
	bool refusal_logged;		/* the first refused conversion is logged, with its cause */
	struct kvm_backend *kb;		/* where its KVM ioctls go (vmm/kvm/kvm_backend.h) */
};

enum gm_error {
	GM_OK = 0,
	GM_E_RANGE = -1,	/* not entirely RAM, or wraps */
	GM_E_PRIVATE = -2,	/* touches a private page */
};

struct gm_view {
	struct guest_mem *gm;
	uint8_t *hva;
	uint64_t gpa, len;
};

/*
 * Lays out `size` bytes of RAM backed as b (no pages touched: lazy), with
 * the VM's backend: every KVM ioctl and guest_memfd goes through kb. -1
 * with a message on failure. (Tests and benchmarks without a VM use
 * tests/support/gm_test.h.)
 */
int gm_init_kb(struct guest_mem *gm, uint64_t size, int vm_fd, enum gm_backing b,
	       struct kvm_backend *kb);
/*
 * Adds a region outside RAM that the launch plan fills (the firmware below
 * 4 GiB), backed like RAM; before gm_register(). -1 with a message.
 */
int gm_add_region(struct guest_mem *gm, uint64_t gpa, uint64_t size, int vm_fd);
/*
 * Starts tracking private pages (all shared at first; see vmm/convert.h).
 * Gives every region a device view separate from kvm_map, so that private
 * pages can be revoked there without touching what KVM faults through.
 * attr_vm_fd: the VM when KVM keeps memory attributes itself, else -1.
 * Needs file-backed RAM (not GM_ANON). -1 with a message on failure.
 */
int gm_private_enable(struct guest_mem *gm, int attr_vm_fd);
/*
 * Registers RAM with KVM as memslots (USER_MEMORY_REGION2 when gmem), one
 * per chunk. lazy: only chunks for which need(gpa, size, arg) is true now;
 * the others on first touch. need NULL: all.
 */
int gm_register(struct guest_mem *gm, int vm_fd,
		bool (*need)(uint64_t gpa, uint64_t size, void *arg), void *arg);
/*
 * A vCPU touched gpa outside every memslot (an MMIO exit nobody claimed):
 * if it is RAM of a lazy chunk, registers the chunk and performs the access
 * on guest memory: 1. Not lazy RAM: 0. Registration failed: -1 (after a
 * message). Thread-safe.
 */
int gm_lazy_fault(struct guest_mem *gm, uint64_t gpa, uint8_t *data, uint32_t len, bool is_write);
/* Registers every remaining chunk; returns how many (or -1 on failure). */
int gm_register_rest(struct guest_mem *gm);
void gm_destroy(struct guest_mem *gm);

/* Overflow-safe: is [gpa, gpa+len) inside one RAM region? Returns it or NULL. */
const struct mem_region *gm_region_of(const struct guest_mem *gm, uint64_t gpa, uint64_t len);

/*
 * For the conversion routine (lock held exclusively): makes the view of
 * the blocks touching [gpa, end) match the attribute map, as if the pages
 * in [gpa, end) were private (priv 1) or shared (0), or as they are (-1);
 * the map itself is not changed. 0, or -1 with errno (mprotect) and the
 * view as it was.
 */
int gm_view_sync(struct guest_mem *gm, struct mem_region *r, uint64_t gpa, uint64_t end,
		 int priv);

/* The door. len 0 is refused. */
int gm_view_begin(struct guest_mem *gm, uint64_t gpa, uint64_t len, struct gm_view *v);
void gm_view_end(struct gm_view *v);
int gm_read(struct guest_mem *gm, uint64_t gpa, void *dst, uint64_t len);
int gm_write(struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len);
const char *gm_strerror(int err);

/*
 * For the platforms' launch step only (before any vCPU runs): the KVM-side
 * mapping of [gpa, gpa+len), or NULL when it is not RAM.
 */
uint8_t *gm_launch_ptr(struct guest_mem *gm, uint64_t gpa, uint64_t len);

#endif

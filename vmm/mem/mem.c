#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "loader/layout.h"
#include "vmm/kvm/kvm_backend.h"
#include "vmm/mem/attr_map.h"
#include "vmm/kvm/kvm_abi.h"
#include "vmm/log.h"
#include "vmm/mem/mem.h"

static int gmem_create(struct guest_mem *gm, struct mem_region *r, int vm_fd, uint64_t flags)
{
	struct kvm_create_guest_memfd g = { .size = r->size, .flags = flags };

	r->gmem_fd = gm->kb->ioctl(gm->kb, vm_fd, KVM_CREATE_GUEST_MEMFD, &g);
	if (r->gmem_fd < 0) {
		cvmm_err("KVM_CREATE_GUEST_MEMFD (%llu MiB, flags 0x%llx): %s",
			 (unsigned long long)(r->size >> 20), (unsigned long long)flags,
			 strerror(errno));
		return -1;
	}
	/* The kernel does not set close-on-exec on it. */
	fcntl(r->gmem_fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

static int memfd_sized(struct mem_region *r)
{
	r->shared_fd = memfd_create("cvmm-ram", MFD_CLOEXEC);
	if (r->shared_fd < 0 || ftruncate(r->shared_fd, (off_t)r->size)) {
		cvmm_err("cannot create %llu MiB of shared guest memory: %s",
			 (unsigned long long)(r->size >> 20), strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Guest RAM never goes into a core dump (a debugger's gcore honours it
 * too): private pages are the guest's, and shared ones may hold its data.
 */
static int dontdump(void *p, uint64_t len)
{
	if (madvise(p, len, MADV_DONTDUMP) == 0)
		return 0;
	cvmm_err("madvise(MADV_DONTDUMP) on guest memory: %s", strerror(errno));
	return -1;
}

static int region_map(struct guest_mem *gm, struct mem_region *r, int vm_fd, enum gm_backing b)
{
	r->gmem_fd = -1;
	r->shared_fd = -1;
	switch (b) {
	case GM_GMEM_SHARED:
		if (gmem_create(gm, r, vm_fd, GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED))
			return -1;
		r->shared_fd = r->gmem_fd;
		break;
	case GM_GMEM_SPLIT:
		if (gmem_create(gm, r, vm_fd, 0) || memfd_sized(r))
			return -1;
		break;
	case GM_MEMFD:
		if (memfd_sized(r))
			return -1;
		r->gmem_fd = r->shared_fd;
		break;
	case GM_ANON:
		break;
	}
	if (r->shared_fd >= 0)
		r->kvm_map = mmap(NULL, r->size, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_NORESERVE, r->shared_fd, 0);
	else
		r->kvm_map = mmap(NULL, r->size, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r->kvm_map == MAP_FAILED) {
		r->kvm_map = NULL;
		cvmm_err("cannot map %llu MiB of guest memory: %s",
			 (unsigned long long)(r->size >> 20), strerror(errno));
		return -1;
	}
	r->view = r->kvm_map;
	return dontdump(r->kvm_map, r->size);	/* gm_destroy() unmaps it */
}

int gm_init_kb(struct guest_mem *gm, uint64_t size, int vm_fd, enum gm_backing b,
	       struct kvm_backend *kb)
{
	uint64_t low = layout_low_ram(size);
	pthread_rwlockattr_t la;

	memset(gm, 0, sizeof(*gm));
	/* A steady stream of device accesses must not starve a conversion. */
	pthread_rwlockattr_init(&la);
	pthread_rwlockattr_setkind_np(&la, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&gm->lock, &la);
	pthread_rwlockattr_destroy(&la);
	pthread_mutex_init(&gm->slot_lock, NULL);
	gm->live = true;
	gm->vm_fd = -1;
	gm->size = size;
	gm->backing = b;
	gm->use_gmem = b == GM_GMEM_SHARED || b == GM_GMEM_SPLIT;
	gm->attr_vm_fd = -1;
	gm->kb = kb;
	if ((gm->use_gmem && vm_fd < 0) || !PAGE_ALIGNED(size) || size == 0) {
		cvmm_err("guest memory: bad backing request (%llu bytes)",
			 (unsigned long long)size);
		gm_destroy(gm);
		return -1;
	}
	gm->regions[0] = (struct mem_region){ .gpa = 0, .size = low, .gmem_fd = -1, .shared_fd = -1 };
	gm->n_regions = 1;
	if (size > low) {
		gm->regions[1] = (struct mem_region){
			.gpa = LAYOUT_HIGH_RAM, .size = size - low, .gmem_fd = -1,
			.shared_fd = -1,
		};
		gm->n_regions = 2;
	}
	for (int i = 0; i < gm->n_regions; i++) {
		if (region_map(gm, &gm->regions[i], vm_fd, b)) {
			gm_destroy(gm);
			return -1;
		}
	}
	return 0;
}

int gm_add_region(struct guest_mem *gm, uint64_t gpa, uint64_t size, int vm_fd)
{
	struct mem_region *r = &gm->regions[gm->n_regions];

	if (gm->n_regions == GM_MAX_REGIONS || !PAGE_ALIGNED(gpa) || !PAGE_ALIGNED(size) ||
	    !size || gm->chunks) {
		cvmm_err("guest memory: cannot add a region at 0x%llx (+0x%llx)",
			 (unsigned long long)gpa, (unsigned long long)size);
		return -1;
	}
	*r = (struct mem_region){ .gpa = gpa, .size = size, .gmem_fd = -1, .shared_fd = -1,
				  .outside_ram = true };
	gm->n_regions++;
	return region_map(gm, r, vm_fd, gm->backing);	/* gm_destroy() undoes a half-made one */
}

static int chunk_register(struct guest_mem *gm, int slot)
{
	struct mem_chunk *c = &gm->chunks[slot];
	struct mem_region *r = &gm->regions[c->region];
	struct kvm_userspace_memory_region2 m = {
		.slot = (uint32_t)slot,
		.guest_phys_addr = c->gpa,
		.memory_size = c->size,
		.userspace_addr = (uint64_t)(uintptr_t)(r->kvm_map + (c->gpa - r->gpa)),
	};
	int ret;

	if (r->gmem_fd >= 0) {
		m.flags = KVM_MEM_GUEST_MEMFD;
		m.guest_memfd = (uint32_t)r->gmem_fd;
		m.guest_memfd_offset = r->gmem_offset + (c->gpa - r->gpa);
		ret = gm->kb->ioctl(gm->kb, gm->vm_fd, KVM_SET_USER_MEMORY_REGION2, &m);
	} else {
		/* The old ioctl takes the first 32 bytes: same layout. */
		ret = gm->kb->ioctl(gm->kb, gm->vm_fd, KVM_SET_USER_MEMORY_REGION, &m);
	}
	if (ret < 0) {
		cvmm_err("registering guest memory [0x%llx, 0x%llx) with KVM: %s",
			 (unsigned long long)c->gpa, (unsigned long long)(c->gpa + c->size),
			 strerror(errno));
		return -1;
	}
	c->registered = true;
	__atomic_sub_fetch(&gm->lazy_left, 1, __ATOMIC_RELEASE);
	return 0;
}

int gm_register(struct guest_mem *gm, int vm_fd,
		bool (*need)(uint64_t gpa, uint64_t size, void *arg), void *arg)
{
	int n = 0;

	for (int i = 0; i < gm->n_regions; i++)
		n += (int)((gm->regions[i].size + GM_CHUNK_SIZE - 1) / GM_CHUNK_SIZE);
	if (n > GM_MAX_CHUNKS) {
		cvmm_err("guest memory: %d chunks of 256 MiB, at most %d", n, GM_MAX_CHUNKS);
		return -1;
	}
	gm->chunks = calloc((size_t)n, sizeof(*gm->chunks));
	if (!gm->chunks) {
		cvmm_err("guest memory: out of memory");
		return -1;
	}
	gm->vm_fd = vm_fd;
	for (int i = 0; i < gm->n_regions; i++) {
		const struct mem_region *r = &gm->regions[i];

		for (uint64_t off = 0; off < r->size; off += GM_CHUNK_SIZE) {
			gm->chunks[gm->n_chunks++] = (struct mem_chunk){
				.gpa = r->gpa + off,
				.size = r->size - off < GM_CHUNK_SIZE ? r->size - off : GM_CHUNK_SIZE,
				.region = (uint8_t)i,
			};
		}
	}
	gm->lazy_left = gm->n_chunks;
	for (int i = 0; i < gm->n_chunks; i++) {
		const struct mem_chunk *c = &gm->chunks[i];

		if ((!need || need(c->gpa, c->size, arg)) && chunk_register(gm, i))
			return -1;
	}
	return 0;
}

int gm_lazy_fault(struct guest_mem *gm, uint64_t gpa, uint8_t *data, uint32_t len, bool is_write)
{
	const struct mem_region *r;
	int i;

	if (!__atomic_load_n(&gm->lazy_left, __ATOMIC_ACQUIRE))
		return 0;
	r = gm_region_of(gm, gpa, len);
	if (!r)
		return 0;
	pthread_mutex_lock(&gm->slot_lock);
	for (i = 0; i < gm->n_chunks; i++) {
		const struct mem_chunk *c = &gm->chunks[i];

		if (gpa >= c->gpa && gpa - c->gpa < c->size)
			break;
	}
	if (i == gm->n_chunks) {	/* cannot happen: every RAM byte is in a chunk */
		pthread_mutex_unlock(&gm->slot_lock);
		return 0;
	}
	/*
	 * Already registered: another vCPU's exit on the same chunk won the
	 * lock. This access was decoded as MMIO all the same and is completed
	 * below; a locked read-modify-write stays atomic because KVM writes it
	 * back with a compare-exchange on RAM and retries on a mismatch
	 * (tests/guests/lazyrace.c races four vCPUs on one counter).
	 */
	if (!gm->chunks[i].registered) {
		if (chunk_register(gm, i)) {
			pthread_mutex_unlock(&gm->slot_lock);
			return -1;
		}
		gm->lazy_faults++;
	}
	pthread_mutex_unlock(&gm->slot_lock);
	/*
	 * The instruction was decoded as MMIO: complete it on RAM, as KVM
	 * would have. This is the guest's own access, so a private page is
	 * fine, and it goes through kvm_map (the device view may have the
	 * page PROT_NONE). Holding the conversion lock shared keeps it whole
	 * against a conversion discarding the page, as a real access is.
	 */
	uint8_t *hva = r->kvm_map + (gpa - r->gpa);

	pthread_rwlock_rdlock(&gm->lock);
	if (is_write)
		memcpy(hva, data, len);
	else
		memcpy(data, hva, len);
	pthread_rwlock_unlock(&gm->lock);
	return 1;
}

int gm_register_rest(struct guest_mem *gm)
{
	int n = 0;

	if (!__atomic_load_n(&gm->lazy_left, __ATOMIC_ACQUIRE))
		return 0;
	pthread_mutex_lock(&gm->slot_lock);
	for (int i = 0; i < gm->n_chunks; i++) {
		if (gm->chunks[i].registered)
			continue;
		if (chunk_register(gm, i)) {
			n = -1;
			break;
		}
		n++;
	}
	pthread_mutex_unlock(&gm->slot_lock);
	return n;
}

void gm_destroy(struct guest_mem *gm)
{
	/* safe on a guest_mem never initialised (zeroed) or already destroyed */
	if (!gm->live)
		return;
	for (int i = 0; i < gm->n_regions; i++) {
		struct mem_region *r = &gm->regions[i];

		if (r->view && r->view != r->kvm_map)
			munmap(r->view, r->size);
		free(r->view_open);
		r->view_open = NULL;
		r->vblock = 0;
		if (r->kvm_map)
			munmap(r->kvm_map, r->size);
		if (r->shared_fd >= 0 && r->shared_fd != r->gmem_fd)
			close(r->shared_fd);
		if (r->gmem_fd >= 0 && r->gmem_fd == r->shared_fd && gm->backing == GM_MEMFD)
			close(r->gmem_fd);	/* a memfd standing in: no KVM object */
		else if (r->gmem_fd >= 0)
			gm->kb->close(gm->kb, r->gmem_fd);
		r->view = r->kvm_map = NULL;
		r->gmem_fd = r->shared_fd = -1;
	}
	gm->n_regions = 0;
	attr_map_free(gm->attrs);
	gm->attrs = NULL;
	free(gm->chunks);
	gm->chunks = NULL;
	gm->n_chunks = 0;
	pthread_rwlock_destroy(&gm->lock);
	pthread_mutex_destroy(&gm->slot_lock);
	gm->live = false;
}

const struct mem_region *gm_region_of(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	uint64_t end;

	if (len == 0 || __builtin_add_overflow(gpa, len, &end))
		return NULL;
	for (int i = 0; i < gm->n_regions; i++) {
		const struct mem_region *r = &gm->regions[i];

		if (gpa >= r->gpa && end <= r->gpa + r->size)
			return r;
	}
	return NULL;
}

int gm_private_enable(struct guest_mem *gm, int attr_vm_fd)
{
	if (gm->backing == GM_ANON) {
		cvmm_err("private memory needs guest_memfd-backed RAM");
		return -1;
	}
	gm->attrs = attr_map_new();
	if (!gm->attrs)
		return -1;
	for (int i = 0; i < gm->n_regions; i++) {
		struct mem_region *r = &gm->regions[i];
		void *v = mmap(NULL, r->size, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_NORESERVE, r->shared_fd, 0);

		if (v == MAP_FAILED) {
			cvmm_err("cannot map the device view of guest memory: %s",
				 strerror(errno));
			return -1;	/* gm_destroy() unmaps what exists */
		}
		r->view = v;
		if (dontdump(v, r->size))
			return -1;
		r->vblock = 2ULL << 20;
		while (r->size / r->vblock >= GM_VIEW_MAX_BLOCKS)
			r->vblock <<= 1;
		/* every page starts shared: every block open */
		r->view_open = malloc(r->size / r->vblock + 1);
		if (!r->view_open) {
			cvmm_err("guest memory: out of memory");
			return -1;
		}
		memset(r->view_open, 1, r->size / r->vblock + 1);
	}
	gm->attr_vm_fd = attr_vm_fd;
	return 0;
}

/* Caller holds the lock; gpa + len is known not to wrap. */
static bool range_has_private(struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	return gm->attrs &&
	       attr_map_any(gm->attrs, gpa / PAGE_SIZE, PAGES(gpa + len));
}

/* Block index range of [off, off + len) in r; len > 0. */
static void blocks_of(const struct mem_region *r, uint64_t off, uint64_t len,
		      uint64_t *first, uint64_t *last)
{
	*first = off / r->vblock;
	*last = (off + len - 1) / r->vblock;
}

int gm_view_sync(struct guest_mem *gm, struct mem_region *r, uint64_t gpa, uint64_t end,
		 int priv)
{
	uint8_t before[GM_VIEW_MAX_BLOCKS + 1];
	uint64_t first, last, s = gpa / PAGE_SIZE, e = end / PAGE_SIZE;

	if (!r->vblock || r->view == r->kvm_map)	/* never revoke what KVM faults through */
		return 0;
	blocks_of(r, gpa - r->gpa, end - gpa, &first, &last);
	memcpy(before, r->view_open + first, last - first + 1);
	for (uint64_t b = first; b <= last; b++) {
		uint64_t bs = b * r->vblock;	/* offsets in the region */
		uint64_t be = bs + r->vblock < r->size ? bs + r->vblock : r->size;
		uint64_t ps = (r->gpa + bs) / PAGE_SIZE, pe = (r->gpa + be) / PAGE_SIZE;
		uint64_t is = s > ps ? s : ps, ie = e < pe ? e : pe;
		/* private pages after the conversion: outside [s, e) as now, inside as asked */
		bool closed = attr_map_any(gm->attrs, ps, is) || attr_map_any(gm->attrs, ie, pe) ||
			      priv > 0 || (priv < 0 && attr_map_any(gm->attrs, is, ie));

		if (r->view_open[b] == !closed)
			continue;
		if (mprotect(r->view + bs, be - bs, closed ? PROT_NONE : PROT_READ | PROT_WRITE)) {
			int err = errno;

			/* put back what this call changed: a change back needs no new mapping */
			for (uint64_t u = first; u < b; u++) {
				uint64_t us = u * r->vblock;
				uint64_t ue = us + r->vblock < r->size ? us + r->vblock : r->size;

				if (r->view_open[u] != before[u - first] &&
				    mprotect(r->view + us, ue - us,
					     before[u - first] ? PROT_READ | PROT_WRITE : PROT_NONE) == 0)
					r->view_open[u] = before[u - first];
			}
			errno = err;
			return -1;
		}
		r->view_open[b] = !closed;
	}
	return 0;
}

int gm_view_begin(struct guest_mem *gm, uint64_t gpa, uint64_t len, struct gm_view *v)
{
	const struct mem_region *r = gm_region_of(gm, gpa, len);
	uint64_t first, last;
	uint8_t *base;

	*v = (struct gm_view){ 0 };	/* a refused view is empty, never a stale pointer */
	if (!r)
		return GM_E_RANGE;
	pthread_rwlock_rdlock(&gm->lock);
	if (range_has_private(gm, gpa, len)) {
		pthread_rwlock_unlock(&gm->lock);
		return GM_E_PRIVATE;
	}
	/*
	 * The view where every block is open; else kvm_map: the range was
	 * just found shared, under the lock that holds conversions off.
	 */
	base = r->view;
	if (r->vblock) {
		blocks_of(r, gpa - r->gpa, len, &first, &last);
		for (uint64_t b = first; b <= last; b++)
			if (!r->view_open[b])
				base = r->kvm_map;
	}
	*v = (struct gm_view){ .gm = gm, .hva = base + (gpa - r->gpa), .gpa = gpa, .len = len };
	return GM_OK;
}

void gm_view_end(struct gm_view *v)
{
	if (v->gm)
		pthread_rwlock_unlock(&v->gm->lock);
	v->gm = NULL;
	v->hva = NULL;
}

int gm_read(struct guest_mem *gm, uint64_t gpa, void *dst, uint64_t len)
{
	struct gm_view v;
	int r = gm_view_begin(gm, gpa, len, &v);

	if (r)
		return r;
	memcpy(dst, v.hva, len);
	gm_view_end(&v);
	return GM_OK;
}

int gm_write(struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len)
{
	struct gm_view v;
	int r = gm_view_begin(gm, gpa, len, &v);

	if (r)
		return r;
	memcpy(v.hva, src, len);
	gm_view_end(&v);
	return GM_OK;
}

const char *gm_strerror(int err)
{
	switch (err) {
	case GM_OK:		return "ok";
	case GM_E_RANGE:	return "not guest RAM";
	case GM_E_PRIVATE:	return "private memory";
	}
	return "unknown error";
}

uint8_t *gm_launch_ptr(struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	const struct mem_region *r = gm_region_of(gm, gpa, len);

	return r ? r->kvm_map + (gpa - r->gpa) : NULL;
}

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "devices/bus.h"
#include "devices/convport.h"
#include "devices/devices.h"
#include "loader/layout.h"
#include "vmm/mem/convert.h"
#include "vmm/log.h"
#include "vmm/sandbox.h"
#include "vmm/mem/mem.h"
#include "vmm/core/vm.h"

struct convport {
	struct guest_mem *gm;
	convport_fatal_fn fatal;
	void *arg;
	pthread_mutex_t lock;	/* vCPUs share the registers */
	uint32_t gpa_lo, gpa_hi, count, status;
};

static uint32_t probe(struct convport *cp, uint64_t gpa, bool bypass)
{
	const struct mem_region *r = gm_region_of(cp->gm, gpa, 1);
	uint8_t b;

	if (!PAGE_ALIGNED(gpa))
		return CONV_BAD_RANGE;
	if (!r)
		return CONV_NOT_RAM;
	if (!bypass) {
		if (gm_read(cp->gm, gpa, &b, 1) != GM_OK)
			return CONV_REFUSED;
	} else {
		/* Ask the kernel, so a revoked page answers instead of faulting. */
		struct iovec local = { &b, 1 }, remote = { r->view + (gpa - r->gpa), 1 };

		if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != 1)
			return CONV_REFUSED;
	}
	cp->count = b;
	return CONV_OK;
}

static void run_op(struct convport *cp, uint32_t op)
{
	uint64_t gpa = (uint64_t)cp->gpa_hi << 32 | cp->gpa_lo;
	int st;

	switch (op) {
	case CONV_TO_PRIVATE:
	case CONV_TO_SHARED:
		st = gm_convert(cp->gm, gpa, cp->count, (int)op, 0);
		if (st < 0) {
			cp->status = CONV_REFUSED;
			cp->fatal(cp->arg);
			return;
		}
		cp->status = (uint32_t)st;
		return;
#ifdef CVMM_TEST_HOOKS
	case CONVPORT_TEST_FORBIDDEN:	/* a device model gone bad, as tests need one */
		sandbox_test_forbidden();
		cp->status = CONV_OK;
		return;
#endif
	case CONVPORT_PROBE:
	case CONVPORT_PROBE_VIEW:
		cp->status = probe(cp, gpa, op == CONVPORT_PROBE_VIEW);
		return;
	}
	cp->status = CONV_BAD_RANGE;
}

static void convport_io(void *opaque, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	struct convport *cp = opaque;
	uint32_t *reg, v;

	if (len != 4 || (off & 3)) {	/* the contract is 32-bit accesses */
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&cp->lock);
	reg = off == 0 ? &cp->gpa_lo : off == 4 ? &cp->gpa_hi : off == 8 ? &cp->count : &cp->status;
	if (is_write) {
		memcpy(&v, data, 4);
		if (off == 12)
			run_op(cp, v);
		else
			*reg = v;
	} else {
		memcpy(data, reg, 4);
	}
	pthread_mutex_unlock(&cp->lock);
}

struct convport *convport_new(struct bus *pio, struct guest_mem *gm,
			      convport_fatal_fn fatal, void *arg)
{
	struct convport *cp = calloc(1, sizeof(*cp));

	if (!cp) {
		cvmm_err("conversion port: out of memory");
		return NULL;
	}
	*cp = (struct convport){ .gm = gm, .fatal = fatal, .arg = arg };
	pthread_mutex_init(&cp->lock, NULL);
	if (bus_register(pio, CONVPORT_BASE, CONVPORT_LEN, convport_io, cp, "convport")) {
		convport_free(cp);
		return NULL;
	}
	return cp;
}

void convport_free(struct convport *cp)
{
	if (!cp)
		return;
	pthread_mutex_destroy(&cp->lock);
	free(cp);
}

/* ---- in the VM's device table ----------------------------------------- */

static void stop_vm(void *arg)
{
	vm_request_stop(arg, CVMM_EXIT_FAIL, "stopped: a failed conversion could not be undone");
}

/*
 * Every platform has the port: where nothing can be private (plain) the
 * guest gets status 3 for conversions, which is the truth.
 */
static void *convport_create(struct vm *vm)
{
	return convport_new(&vm->pio, &vm->mem, stop_vm, vm);
}

static void convport_destroy(void *state)
{
	convport_free(state);
}

const struct device_ops dev_convport = {
	.name = "convport",
	.create = convport_create,
	.destroy = convport_destroy,
};

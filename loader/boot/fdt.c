#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/boot/fdt.h"
#include "vmm/log.h"

/* reg = <addr-hi addr-lo size-hi size-lo> with #address-cells = #size-cells = 2 */
static int prop_reg(void *f, uint64_t addr, uint64_t size)
{
	fdt64_t reg[2] = { cpu_to_fdt64(addr), cpu_to_fdt64(size) };

	return fdt_property(f, "reg", reg, sizeof(reg));
}

static int cells_2_2(void *f)
{
	int r = fdt_property_u32(f, "#address-cells", 2);

	return r ? r : fdt_property_u32(f, "#size-cells", 2);
}

static int build(void *f, size_t cap, const struct fdt_in *in)
{
	char name[64];
	int r;

#define TRY(x) do { if ((r = (x)) < 0) return r; } while (0)
	TRY(fdt_create(f, (int)cap));
	TRY(fdt_finish_reservemap(f));
	TRY(fdt_begin_node(f, ""));
	TRY(cells_2_2(f));
	TRY(fdt_property_string(f, "compatible", "cvmm,virt"));
	TRY(fdt_property_string(f, "model", "cvmm"));

	TRY(fdt_begin_node(f, "chosen"));
	if (in->bootargs)
		TRY(fdt_property_string(f, "bootargs", in->bootargs));
	TRY(fdt_end_node(f));

	if (in->pool_size) {
		TRY(fdt_begin_node(f, "reserved-memory"));
		TRY(cells_2_2(f));
		TRY(fdt_property(f, "ranges", NULL, 0));
		snprintf(name, sizeof(name), "restricted-dma@%llx", (unsigned long long)in->pool_gpa);
		TRY(fdt_begin_node(f, name));
		TRY(fdt_property_string(f, "compatible", "restricted-dma-pool"));
		TRY(prop_reg(f, in->pool_gpa, in->pool_size));
		TRY(fdt_property_u32(f, "phandle", FDT_POOL_PHANDLE));
		TRY(fdt_end_node(f));
		TRY(fdt_end_node(f));
	}

	for (int i = 0; i < in->n_slots; i++) {
		const struct virtio_slot *s = &in->slots[i];
		/* <line, IRQ_TYPE_EDGE_RISING>: virtio-mmio interrupts are edges here */
		fdt32_t irq[2] = { cpu_to_fdt32(s->irq), cpu_to_fdt32(1) };

		snprintf(name, sizeof(name), "virtio_mmio@%llx", (unsigned long long)s->base);
		TRY(fdt_begin_node(f, name));
		TRY(fdt_property_string(f, "compatible", "virtio,mmio"));
		TRY(prop_reg(f, s->base, s->size));
		TRY(fdt_property(f, "interrupts", irq, sizeof(irq)));
		TRY(fdt_property(f, "dma-coherent", NULL, 0));
		if (in->pool_size)
			TRY(fdt_property_u32(f, "memory-region", FDT_POOL_PHANDLE));
		TRY(fdt_end_node(f));
	}
	TRY(fdt_end_node(f));
	TRY(fdt_finish(f));
#undef TRY
	return 0;
}

int fdt_build(const struct fdt_in *in, void **blob, size_t *len)
{
	size_t cap = 4096 + (in->bootargs ? strlen(in->bootargs) : 0);

	/* Twice at most: the estimate is generous, FDT_ERR_NOSPACE doubles it. */
	for (int tries = 0; tries < 4; tries++, cap *= 2) {
		void *f = calloc(1, cap);
		int r;

		if (!f) {
			cvmm_err("device tree: out of memory");
			return -1;
		}
		r = build(f, cap, in);
		if (r == 0) {
			*blob = f;
			*len = fdt_totalsize(f);
			return 0;
		}
		free(f);
		if (r != -FDT_ERR_NOSPACE) {
			cvmm_err("device tree: %s", fdt_strerror(r));
			return -1;
		}
	}
	cvmm_err("device tree: too large");
	return -1;
}

/*
 * Interrupt delivery with --virtio-irq: the guest enables its local APIC,
 * installs a handler for the vectors of lines 5-8 (VIRTIO_IRQ_VECTOR: 0x20
 * + line), asks virtio-rng for bytes and waits in HLT for the used-buffer
 * interrupt, then reads InterruptStatus, acknowledges it and sends EOI.
 */
#include "virtio_guest.h"

#define LAPIC		0xfee00000ULL
#define LAPIC_EOI	0xb0
#define LAPIC_SVR	0xf0
#define VEC_BASE	0x20

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));

static struct idt_entry idt[48] __attribute__((aligned(16)));
static volatile uint32_t irqs, last_vector;

struct frame;

#define HANDLER(n)								\
	__attribute__((interrupt)) static void vec##n(struct frame *f)		\
	{									\
		(void)f;							\
		irqs++;								\
		last_vector = n;						\
		*(volatile uint32_t *)(LAPIC + LAPIC_EOI) = 0;			\
	}
HANDLER(37) HANDLER(38) HANDLER(39) HANDLER(40)

static void set_gate(unsigned v, void (*h)(struct frame *))
{
	uint64_t a = (uint64_t)h;
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	idt[v] = (struct idt_entry){ .off_lo = (uint16_t)a, .sel = cs, .type = 0x8e,
				     .off_mid = (uint16_t)(a >> 16), .off_hi = (uint32_t)(a >> 32) };
}

GUEST_MAIN(uint64_t cpu, const uint8_t *bp)
{
	uint64_t area = vg_buffer_area(bp);
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {
		sizeof(idt) - 1, (uint64_t)idt };
	struct vg_dev d;
	uint32_t isr;

	set_gate(37, vec37); set_gate(38, vec38); set_gate(39, vec39); set_gate(40, vec40);
	__asm__ volatile("lidt %0" : : "m"(idtr));
	*(volatile uint32_t *)(LAPIC + LAPIC_SVR) = 0x1ff;	/* APIC on, spurious vector 0xff */

	if (vg_find(&d, 4)) {
		guest_puts("no virtio-rng\n");
		guest_exit(10);
	}
	vg_negotiate(&d, 0);
	vg_queue(&d, 0, area);
	vg_driver_ok(&d);
	vg_set_desc(&d, 0, 0, area + 0x3000, 16, VG_F_WRITE, 0);
	/* Interrupts on only around the wait: sti's shadow covers the hlt. */
	vg_kick(&d, 0, 0);
	for (int i = 0; i < 1000 && !irqs; i++)
		__asm__ volatile("sti; hlt; cli");
	isr = vg_r(&d, 0x060);
	vg_w(&d, 0x064, isr);
	guest_puts("virtio interrupts: ");
	guest_put_dec(irqs);
	guest_puts(", vector ");
	guest_put_dec(last_vector);
	guest_puts(", InterruptStatus ");
	guest_put_dec(isr);
	guest_puts(", after ack ");
	guest_put_dec(vg_r(&d, 0x060));
	guest_puts("\n");
	guest_exit(irqs == 1 && (isr & 1) && vg_r(&d, 0x060) == 0 ? 0 : 1);
}

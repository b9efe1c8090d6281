/*
 * cvmm's I/O APIC under KVM's split irqchip (run as a bzImage: only full-OS
 * guests get one). Register layout and MSI semantics are the 82093AA's,
 * written out here, not taken from cvmm:
 *   1. the version register reads 24 pins, version 0x11;
 *   2. COM1 on pin 4 (edge): enabling THR-empty with OUT2 interrupts; the
 *      handler reads IIR = THR empty, which clears it;
 *   3. virtio-rng on pin 5 (level): the handler's first EOI without an ACK
 *      leaves the line asserted, so the EOI delivers it again; the second
 *      time it ACKs first, after which the line stays low (at most one
 *      more: on this PVM host an EOI exit can arrive before the handler
 *      runs, which redelivers once; the count must still stop).
 * Prints "ioapic: version V uart U iir I virtio N" and exits 0 when all hold.
 */
#include "virtio_guest.h"

#define LAPIC		0xfee00000ULL
#define LAPIC_EOI	0xb0
#define LAPIC_SVR	0xf0
#define IOAPIC		0xfec00000ULL
#define VEC_UART	0x34
#define VEC_VIRTIO	0x35
#define SPIN		300000

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));

static struct idt_entry idt[64] __attribute__((aligned(16)));
static volatile uint32_t uart_irqs, uart_iir, virtio_irqs;
static struct vg_dev d;

struct frame;

static void eoi(void)
{
	*(volatile uint32_t *)(LAPIC + LAPIC_EOI) = 0;
}

__attribute__((interrupt)) static void on_uart(struct frame *f)
{
	(void)f;
	uart_iir = inb(0x3fa);
	uart_irqs++;
	outb(0x3f9, 0);		/* IER off: one is enough */
	eoi();
}

__attribute__((interrupt)) static void on_virtio(struct frame *f)
{
	(void)f;
	if (++virtio_irqs >= 2) {
		vg_w(&d, 0x064, vg_r(&d, 0x060));	/* ACK: the line drops */
	}
	eoi();
}

static void set_gate(unsigned v, void (*h)(struct frame *))
{
	uint64_t a = (uint64_t)h;
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	idt[v] = (struct idt_entry){ .off_lo = (uint16_t)a, .sel = cs, .type = 0x8e,
				     .off_mid = (uint16_t)(a >> 16), .off_hi = (uint32_t)(a >> 32) };
}

static uint32_t io_read(uint32_t reg)
{
	*(volatile uint32_t *)IOAPIC = reg;
	return *(volatile uint32_t *)(IOAPIC + 0x10);
}

static void io_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)IOAPIC = reg;
	*(volatile uint32_t *)(IOAPIC + 0x10) = v;
}

static void wait_irqs(void)
{
	__asm__ volatile("sti");
	for (volatile int i = 0; i < SPIN; i++)
		__asm__ volatile("pause");
	__asm__ volatile("cli");
}

GUEST_MAIN(uint64_t cpu, const uint8_t *bp)
{
	uint64_t area = vg_buffer_area(bp);
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {
		sizeof(idt) - 1, (uint64_t)idt };
	uint32_t version;

	(void)cpu;
	set_gate(VEC_UART, on_uart);
	set_gate(VEC_VIRTIO, on_virtio);
	__asm__ volatile("lidt %0" : : "m"(idtr));
	*(volatile uint32_t *)(LAPIC + LAPIC_SVR) = 0x1ff;	/* APIC on, spurious 0xff */

	version = io_read(0x01);
	/* pin 4: vector, fixed, physical, edge, unmasked, APIC ID 0 */
	io_write(0x10 + 2 * 4 + 1, 0);
	io_write(0x10 + 2 * 4, VEC_UART);
	outb(0x3fc, 0x08);		/* MCR OUT2 */
	outb(0x3f9, 0x02);		/* IER: THR empty */
	wait_irqs();

	/* pin 5: level, active high */
	io_write(0x10 + 2 * 5 + 1, 0);
	io_write(0x10 + 2 * 5, VEC_VIRTIO | 1u << 15);
	if (vg_find(&d, 4)) {
		guest_puts("ioapic: no virtio-rng\n");
		guest_exit(10);
	}
	vg_negotiate(&d, 0);
	vg_queue(&d, 0, area);
	vg_driver_ok(&d);
	vg_set_desc(&d, 0, 0, area + 0x3000, 16, VG_F_WRITE, 0);
	vg_kick(&d, 0, 0);
	wait_irqs();

	guest_puts("ioapic: version 0x");
	guest_put_hex(version);
	guest_puts(" uart ");
	guest_put_dec(uart_irqs);
	guest_puts(" iir 0x");
	guest_put_hex(uart_iir);
	guest_puts(" virtio ");
	guest_put_dec(virtio_irqs);
	guest_puts("\n");
	guest_exit(version == 0x00170011 && uart_irqs == 1 && (uart_iir & 0x0f) == 0x02 &&
		   virtio_irqs >= 2 && virtio_irqs <= 3 ? 0 : 1);
}

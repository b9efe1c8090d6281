/*
 * Checks the boot_params (zero page) cvmm hands over in rsi, the way a Linux
 * kernel would read it, and reports what it found over the UART so the KVM
 * test can compare it with what it asked for (--mem, --cmdline, --initrd):
 *
 *   bootparams: header HdrS 000000000000020f loader 00000000000000ff code32 ...
 *   bootparams: e820 0000000000000003 ram 0000000004000000
 *   bootparams: cmdline [....]
 *   bootparams: initrd 0000000003ffe000 0000000000001388 sum 0000000000094f3a
 *   bootparams: ok
 *
 * In-guest it checks what needs no outside knowledge: the e820 map is sorted
 * and non-overlapping and covers the zero page, the command line, the
 * initrd and this code; the initrd is page-aligned and below the kernel's
 * initrd_addr_max; the command line fits cmdline_size. Any failure prints
 * "bootparams: FAIL ..." and exits 1. Offsets are from the kernel's
 * zero-page.rst, written out here independently of cvmm's loader headers.
 */
#include "guest_io.h"

#define ZP_EXT_RAMDISK_IMAGE	0x0c0
#define ZP_EXT_RAMDISK_SIZE	0x0c4
#define ZP_EXT_CMD_LINE_PTR	0x0c8
#define ZP_E820_ENTRIES		0x1e8
#define ZP_BOOT_FLAG		0x1fe
#define ZP_HEADER		0x202
#define ZP_VERSION		0x206
#define ZP_TYPE_OF_LOADER	0x210
#define ZP_CODE32_START		0x214
#define ZP_RAMDISK_IMAGE	0x218
#define ZP_RAMDISK_SIZE		0x21c
#define ZP_CMD_LINE_PTR		0x228
#define ZP_INITRD_ADDR_MAX	0x22c
#define ZP_CMDLINE_SIZE		0x238
#define ZP_E820_TABLE		0x2d0
#define HDRS			0x53726448	/* "HdrS" */

static const volatile uint8_t *bp;
static int n_e820;

static uint64_t rd(unsigned off, unsigned len)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < len; i++)
		v |= (uint64_t)bp[off + i] << (8 * i);
	return v;
}

static __attribute__((noreturn)) void fail(const char *what, uint64_t v)
{
	guest_puts("bootparams: FAIL ");
	guest_puts(what);
	guest_putc(' ');
	guest_put_hex(v);
	guest_putc('\n');
	guest_exit(1);
}

static uint64_t e820_addr(int i) { return rd(ZP_E820_TABLE + 20 * i, 8); }
static uint64_t e820_size(int i) { return rd(ZP_E820_TABLE + 20 * i + 8, 8); }
static uint32_t e820_type(int i) { return (uint32_t)rd(ZP_E820_TABLE + 20 * i + 16, 4); }

/* [addr, addr+len) lies inside one e820 RAM entry. */
static int in_ram(uint64_t addr, uint64_t len)
{
	for (int i = 0; i < n_e820; i++)
		if (e820_type(i) == 1 && addr >= e820_addr(i) &&
		    addr + len <= e820_addr(i) + e820_size(i))
			return 1;
	return 0;
}

GUEST_MAIN(uint64_t cpu, const uint8_t *zero_page)
{
	uint64_t ram = 0, cmd, cmd_len = 0, rd_addr, rd_size, sum = 0;
	int has_hdr;
	const volatile char *cl;
	const volatile uint8_t *initrd;

	guest_milestone(GUEST_MILESTONE_ENTERED);
	if (cpu != 0)
		fail("entered on vCPU", cpu);
	bp = zero_page;
	if (!bp)
		fail("rsi is", 0);
	has_hdr = rd(ZP_BOOT_FLAG, 2) == 0xaa55 && rd(ZP_HEADER, 4) == HDRS;

	guest_puts("bootparams: header ");
	if (has_hdr) {
		guest_puts("HdrS ");
		guest_put_hex(rd(ZP_VERSION, 2));
		if (rd(ZP_VERSION, 2) < 0x20c)
			fail("protocol", rd(ZP_VERSION, 2));
	} else {
		guest_puts("none");
	}
	guest_puts(" loader ");
	guest_put_hex(rd(ZP_TYPE_OF_LOADER, 1));
	guest_puts(" code32 ");
	guest_put_hex(rd(ZP_CODE32_START, 4));
	guest_putc('\n');

	n_e820 = (int)rd(ZP_E820_ENTRIES, 1);
	if (n_e820 == 0 || n_e820 > 128)
		fail("e820 entries", (uint64_t)n_e820);
	for (int i = 0; i < n_e820; i++) {
		if (e820_size(i) == 0)
			fail("e820 empty entry", (uint64_t)i);
		if (i && e820_addr(i) < e820_addr(i - 1) + e820_size(i - 1))
			fail("e820 unsorted or overlapping at", (uint64_t)i);
		if (e820_type(i) == 1)
			ram += e820_size(i);
	}
	guest_puts("bootparams: e820 ");
	guest_put_hex((uint64_t)n_e820);
	guest_puts(" ram ");
	guest_put_hex(ram);
	guest_putc('\n');
	if (!in_ram((uint64_t)bp, 4096))
		fail("zero page outside RAM", (uint64_t)bp);
	if (!in_ram((uint64_t)&_start, 1))
		fail("own code outside RAM", (uint64_t)&_start);

	cmd = rd(ZP_CMD_LINE_PTR, 4) | rd(ZP_EXT_CMD_LINE_PTR, 4) << 32;
	if (!cmd || !in_ram(cmd, 1))
		fail("cmd_line_ptr", cmd);
	cl = (const volatile char *)cmd;
	guest_puts("bootparams: cmdline [");
	while (cl[cmd_len] && cmd_len < 4096)
		guest_putc(cl[cmd_len++]);
	guest_puts("]\n");
	if (!in_ram(cmd, cmd_len + 1))
		fail("command line outside RAM", cmd);
	if (has_hdr && cmd_len > rd(ZP_CMDLINE_SIZE, 4))
		fail("command line longer than cmdline_size", cmd_len);

	rd_addr = rd(ZP_RAMDISK_IMAGE, 4) | rd(ZP_EXT_RAMDISK_IMAGE, 4) << 32;
	rd_size = rd(ZP_RAMDISK_SIZE, 4) | rd(ZP_EXT_RAMDISK_SIZE, 4) << 32;
	if (rd_size) {
		if (rd_addr & 0xfff)
			fail("initrd not page-aligned", rd_addr);
		if (!in_ram(rd_addr, rd_size))
			fail("initrd outside RAM", rd_addr);
		if (has_hdr && rd_addr < 0x100000000ULL &&
		    rd_addr + rd_size - 1 > rd(ZP_INITRD_ADDR_MAX, 4))
			fail("initrd above initrd_addr_max", rd_addr + rd_size - 1);
		initrd = (const volatile uint8_t *)rd_addr;
		for (uint64_t i = 0; i < rd_size; i++)
			sum += initrd[i];
	}
	guest_puts("bootparams: initrd ");
	guest_put_hex(rd_addr);
	guest_putc(' ');
	guest_put_hex(rd_size);
	guest_puts(" sum ");
	guest_put_hex(sum);
	guest_putc('\n');

	guest_puts("bootparams: ok\n");
	guest_milestone(GUEST_MILESTONE_READY);
	guest_exit(0);
}

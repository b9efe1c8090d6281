/*
 * mkbzimage: wraps one of cvmm's tiny 64-bit test guests (an ELF64 linked at
 * 1 MiB) into a minimal bzImage, so the KVM tests can boot a bzImage where a
 * real Linux kernel would take hours at this host's emulation speed.
 *
 *   mkbzimage [--pad BYTES] GUEST.elf OUT.bzImage
 *
 * Like a real kernel, the protected-mode part is loaded at pref_address and
 * moves itself into place: its 64-bit entry (load address + 0x200) copies
 * each PT_LOAD segment to its link address, zeroes the bss, sets its own
 * stack (the 64-bit boot protocol promises none) and jumps to e_entry with
 * rsi (boot_params) and rdi (cvmm's vCPU index) intact. One vCPU only, as
 * with a real kernel, which starts its APs itself: vCPUs entering together
 * would share the copy and the stack. --pad adds zero bytes to the
 * protected-mode part (for "kernel larger than guest memory" tests).
 *
 * A host tool with its own ELF reading, on purpose independent of cvmm's
 * loaders: it is what the loader tests check cvmm against.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETUP_SECTS	1			/* boot sector + 1 setup sector */
#define SETUP_LEN	((SETUP_SECTS + 1) * 512)
#define ENTRY64		0x200
#define ALIGN		0x200000ULL		/* kernel_alignment; pref_address too */
#define STACK_LEN	0x4000ULL		/* own stack at the top of init_size */
#define MAX_SEGS	8

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "mkbzimage: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static void put16(uint8_t *b, size_t o, uint16_t v) { memcpy(b + o, &v, 2); }
static void put32(uint8_t *b, size_t o, uint32_t v) { memcpy(b + o, &v, 4); }
static void put64(uint8_t *b, size_t o, uint64_t v) { memcpy(b + o, &v, 8); }

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET))
		die("cannot read %s", path);
	b = malloc((size_t)n);
	if (!b || fread(b, 1, (size_t)n, f) != (size_t)n)
		die("cannot read %s", path);
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* movabs $imm, %reg (reg: rax 0, rcx 1, rsp 4, rsi 6, rdi 7) */
static size_t movabs(uint8_t *c, int reg, uint64_t imm)
{
	c[0] = 0x48;
	c[1] = (uint8_t)(0xb8 + reg);
	put64(c, 2, imm);
	return 10;
}

int main(int argc, char **argv)
{
	const Elf64_Phdr *seg[MAX_SEGS];
	uint64_t load, end = 0, pad = 0, data_off, pm_len, init_size;
	size_t elf_len, n_segs = 0, c = ENTRY64;
	const Elf64_Ehdr *eh;
	uint8_t *elf, *out, *pm;
	FILE *f;

	if (argc == 5 && !strcmp(argv[1], "--pad")) {
		pad = strtoull(argv[2], NULL, 0);
		argv += 2;
		argc -= 2;
	}
	if (argc != 3)
		die("usage: mkbzimage [--pad BYTES] GUEST.elf OUT.bzImage%s", "");
	elf = read_file(argv[1], &elf_len);
	eh = (const Elf64_Ehdr *)elf;
	if (elf_len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64 ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > elf_len ||
	    eh->e_phnum > (elf_len - eh->e_phoff) / sizeof(Elf64_Phdr))
		die("%s: not an x86-64 ELF64 executable", argv[1]);
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(elf + eh->e_phoff) + i;

		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		if (n_segs == MAX_SEGS || ph->p_filesz > ph->p_memsz ||
		    ph->p_offset > elf_len || ph->p_filesz > elf_len - ph->p_offset ||
		    ph->p_paddr < 0x100000 || ph->p_paddr + ph->p_memsz > 0x40000000)
			die("%s: unsupported PT_LOAD segment", argv[1]);
		seg[n_segs++] = ph;
		if (ph->p_paddr + ph->p_memsz > end)
			end = ph->p_paddr + ph->p_memsz;
	}
	if (!n_segs)
		die("%s: no PT_LOAD segment", argv[1]);

	/* Above everything the guest occupies once it has moved itself. */
	load = (end + ALIGN - 1) & ~(ALIGN - 1);
	data_off = 0x400;	/* the copy code below needs < 0x200 bytes */
	pm_len = data_off;
	for (size_t i = 0; i < n_segs; i++)
		pm_len += (seg[i]->p_filesz + 15) & ~15ULL;
	pm_len = (pm_len + pad + 15) & ~15ULL;
	init_size = ((pm_len + 0xfff) & ~0xfffULL) + STACK_LEN;

	out = calloc(1, SETUP_LEN + pm_len);
	if (!out)
		die("out of memory%s", "");
	pm = out + SETUP_LEN;

	/* The setup header (boot.rst), protocol 2.15. */
	out[0x1f1] = SETUP_SECTS;
	put32(out, 0x1f4, (uint32_t)(pm_len / 16));		/* syssize */
	put16(out, 0x1fe, 0xaa55);				/* boot_flag */
	out[0x200] = 0xeb;					/* jmp to 0x26c: */
	out[0x201] = 0x26c - 0x202;				/* header length */
	memcpy(out + 0x202, "HdrS", 4);
	put16(out, 0x206, 0x020f);				/* version 2.15 */
	put16(out, 0x20e, 0x300 - 0x200);			/* kernel_version */
	out[0x211] = 0x01;					/* LOADED_HIGH */
	put32(out, 0x214, (uint32_t)load);			/* code32_start */
	put32(out, 0x22c, 0x7fffffff);				/* initrd_addr_max */
	put32(out, 0x230, (uint32_t)ALIGN);			/* kernel_alignment */
	out[0x234] = 0;						/* not relocatable */
	out[0x235] = 21;					/* min_alignment */
	put16(out, 0x236, 0x3);			/* XLF_KERNEL_64 | CAN_BE_LOADED_ABOVE_4G */
	put32(out, 0x238, 2047);				/* cmdline_size */
	put64(out, 0x258, load);				/* pref_address */
	put32(out, 0x260, (uint32_t)init_size);			/* init_size */
	snprintf((char *)out + 0x300, 0x100, "cvmm-mkbzimage %s", argv[1]);

	/* 32-bit entry: unsupported, so halt (cli; hlt; jmp .-1). */
	memcpy(pm, "\xfa\xf4\xeb\xfd", 4);

	/* 64-bit entry: mov %rsi,%rbx; mov %rdi,%r12; cld; per segment: copy, zero. */
	memcpy(pm + c, "\x48\x89\xf3\x49\x89\xfc\xfc", 7);
	c += 7;
	for (size_t i = 0, off = data_off; i < n_segs; i++) {
		const Elf64_Phdr *ph = seg[i];

		memcpy(pm + off, elf + ph->p_offset, ph->p_filesz);
		c += movabs(pm + c, 6, load + off);			/* rsi: source */
		c += movabs(pm + c, 7, ph->p_paddr);			/* rdi: destination */
		c += movabs(pm + c, 1, ph->p_filesz);			/* rcx */
		memcpy(pm + c, "\xf3\xa4", 2);				/* rep movsb */
		c += 2;
		c += movabs(pm + c, 1, ph->p_memsz - ph->p_filesz);	/* rcx: bss */
		memcpy(pm + c, "\x31\xc0\xf3\xaa", 4);		/* xor eax; rep stosb */
		c += 4;
		off += (ph->p_filesz + 15) & ~15ULL;
	}
	memcpy(pm + c, "\x48\x89\xde\x4c\x89\xe7", 6);		/* rsi, rdi back */
	c += 6;
	c += movabs(pm + c, 4, load + init_size);			/* rsp */
	c += movabs(pm + c, 0, eh->e_entry);
	memcpy(pm + c, "\xff\xe0", 2);					/* jmp *%rax */
	c += 2;
	if (c > data_off)
		die("%s: too many segments for the copy code", argv[1]);

	f = fopen(argv[2], "wb");
	if (!f || fwrite(out, 1, SETUP_LEN + pm_len, f) != SETUP_LEN + pm_len || fclose(f))
		die("cannot write %s", argv[2]);
	free(out);
	free(elf);
	return 0;
}

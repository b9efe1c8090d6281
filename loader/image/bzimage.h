/*
 * Linux bzImage per the x86 boot protocol (Documentation/arch/x86/boot.rst),
 * entered at its 64-bit entry point: parse and validate the setup header,
 * place the protected-mode kernel, the initrd and the command line, and
 * build boot_params. Only the 64-bit entry is supported, so only protocol
 * 2.12+ images with XLF_KERNEL_64.
 */
#ifndef CVMM_BZIMAGE_H
#define CVMM_BZIMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct launch_plan;

#define BZ_MIN_VERSION		0x020c	/* 2.12: xloadflags, XLF_KERNEL_64 */
#define BZ_ENTRY64_OFFSET	0x200	/* startup_64, from the load address */
#define BZ_SECTOR		512

/* The setup header, validated and decoded (defaults applied). */
struct bzimage_info {
	uint16_t version;		/* 0x020f = 2.15 */
	uint8_t loadflags;
	uint16_t xloadflags;
	bool relocatable;
	uint32_t kernel_alignment;
	uint8_t min_alignment;		/* log2 */
	uint32_t initrd_addr_max;	/* last byte the initrd may occupy */
	uint32_t cmdline_size;		/* longest command line, without the NUL */
	uint64_t pref_address;
	uint32_t init_size;		/* bytes the kernel needs from its load address */
	uint32_t syssize;		/* 16-byte paragraphs of protected-mode code */
	unsigned setup_sects;		/* 0 in the file reads as 4 */
	size_t hdr_len;			/* setup header bytes from 0x1f1 */
	size_t setup_len;		/* file offset of the protected-mode kernel */
	size_t kernel_len;		/* bytes of protected-mode kernel (syssize * 16) */
	uint64_t load_addr;		/* where cvmm puts the protected-mode kernel */
	char kernel_version[80];	/* from the kernel_version pointer; "" if none */
};

/* Cheap test for the two magics, for telling a bzImage from an ELF. */
bool bzimage_probe(const uint8_t *img, size_t len);

/*
 * Validates the setup header of img (len bytes; name for messages) and fills
 * *info. Returns 0, or -1 after one line naming the file and the reason.
 */
int bzimage_parse(const uint8_t *img, size_t len, const char *name, struct bzimage_info *info);

struct bzimage_in {
	const uint8_t *img;		/* the whole bzImage file */
	size_t len;
	const char *name;		/* file name, for messages */
	const uint8_t *initrd;		/* NULL: none */
	size_t initrd_len;
	const char *initrd_name;
	const char *cmdline;		/* NULL: empty */
	/* RAM the loader keeps clear of and e820 marks reserved (the shared window) */
	uint64_t reserved_gpa, reserved_len;
};

/*
 * Adds the protected-mode kernel, the initrd, boot_params and the command
 * line to the plan and sets *entry to the 64-bit entry point (rsi must
 * point to LAYOUT_BOOT_PARAMS there). The plan refers to img and initrd
 * without copying them: they must live as long as the plan (plan_own()).
 * *info (may be NULL) gets the decoded header. Returns 0, or -1 after one
 * line naming the file or option and the reason.
 */
int bzimage_load(struct launch_plan *p, const struct bzimage_in *in, uint64_t *entry,
		 struct bzimage_info *info);

#endif

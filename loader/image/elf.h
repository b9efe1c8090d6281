/* ELF64 x86-64 executables: PT_LOAD segments become plan pieces. */
#ifndef CVMM_ELF_H
#define CVMM_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct launch_plan;

bool elf_is_elf(const uint8_t *img, size_t len);
/*
 * Adds every PT_LOAD segment (at p_paddr, file bytes then zeroes up to
 * p_memsz) and returns the entry point. name is for messages. -1 with one
 * line naming the file and the reason on any malformed or misplaced image.
 */
int elf_load(struct launch_plan *p, const uint8_t *img, size_t len, const char *name,
	     uint64_t *entry);

#endif

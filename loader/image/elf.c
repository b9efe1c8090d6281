#include <elf.h>
#include <string.h>

#include "loader/image/elf.h"
#include "loader/layout.h"
#include "loader/plan.h"
#include "vmm/log.h"

#define ELF_MAX_PHDRS 64

bool elf_is_elf(const uint8_t *img, size_t len)
{
	return len >= SELFMAG && memcmp(img, ELFMAG, SELFMAG) == 0;
}

int elf_load(struct launch_plan *p, const uint8_t *img, size_t len, const char *name,
	     uint64_t *entry)
{
	Elf64_Ehdr eh;
	bool entry_ok = false;
	int loads = 0;

	if (len < sizeof(eh)) {
		cvmm_err("%s: truncated ELF header (%zu bytes)", name, len);
		return -1;
	}
	memcpy(&eh, img, sizeof(eh));
	if (!elf_is_elf(img, len) || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64) {
		cvmm_err("%s: not a 64-bit little-endian x86-64 ELF", name);
		return -1;
	}
	if (eh.e_type != ET_EXEC) {
		cvmm_err("%s: ELF type %u is not an executable (ET_EXEC)", name, eh.e_type);
		return -1;
	}
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > ELF_MAX_PHDRS ||
	    eh.e_phoff > len || (len - eh.e_phoff) / sizeof(Elf64_Phdr) < eh.e_phnum) {
		cvmm_err("%s: program header table is missing or outside the file", name);
		return -1;
	}
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		struct plan_piece piece;

		memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > len || len - ph.p_offset < ph.p_filesz) {
			cvmm_err("%s: segment %u extends past the end of the file", name, i);
			return -1;
		}
		if (!plan_range_in_ram(p, ph.p_paddr, ph.p_memsz)) {
			cvmm_err("%s: segment %u [0x%llx, +0x%llx) does not fit in guest RAM (%llu MiB)",
				 name, i, (unsigned long long)ph.p_paddr,
				 (unsigned long long)ph.p_memsz,
				 (unsigned long long)(p->mem_size >> 20));
			return -1;
		}
		if (ph.p_paddr < LAYOUT_KERNEL) {
			cvmm_err("%s: segment %u at 0x%llx is below 1 MiB, where cvmm keeps boot data",
				 name, i, (unsigned long long)ph.p_paddr);
			return -1;
		}
		piece = (struct plan_piece){
			.gpa = ph.p_paddr, .len = ph.p_memsz,
			.data = ph.p_filesz ? img + ph.p_offset : NULL, .data_len = ph.p_filesz,
			.type = PIECE_NORMAL, .measured = true, .what = "ELF segment",
		};
		if (plan_add(p, &piece))
			return -1;
		if ((ph.p_flags & PF_X) && eh.e_entry >= ph.p_paddr &&
		    eh.e_entry - ph.p_paddr < ph.p_memsz)
			entry_ok = true;
		loads++;
	}
	if (!loads) {
		cvmm_err("%s: no loadable segment", name);
		return -1;
	}
	if (!entry_ok) {
		cvmm_err("%s: entry point 0x%llx is not inside an executable segment", name,
			 (unsigned long long)eh.e_entry);
		return -1;
	}
	*entry = eh.e_entry;
	return 0;
}

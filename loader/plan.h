/*
 * The launch plan: the single description of what a launch puts into guest
 * memory and how the vCPUs start. Loaders produce it and never call KVM; the
 * platforms execute it, the measurement predictors hash it, the dry run
 * prints it (design.md: "one launch plan, three consumers").
 */
#ifndef CVMM_PLAN_H
#define CVMM_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader/accept_cost.h"
#include "loader/launch_opts.h"

/* Page types. The values 1-6 are the SNP PAGE_TYPE encodings on purpose. */
enum piece_type {
	PIECE_NORMAL = 1,	/* data pages (measured on SNP) */
	PIECE_VMSA = 2,
	PIECE_ZERO = 3,		/* zero pages the firmware validates */
	PIECE_UNMEASURED = 4,
	PIECE_SECRETS = 5,
	PIECE_CPUID = 6,
	PIECE_TD_HOB = 7,	/* TDX: the TD HOB list (TD_HOB section) */
	PIECE_TEMP_MEM = 8,	/* TDX: TempMem/PermMem sections (added, not extended) */
	PIECE_SHARED = 9,	/* host-provided, stays shared: e.g. the memory-map page */
};

const char *piece_type_name(enum piece_type t);

struct plan_piece {
	uint64_t gpa;
	uint64_t len;		/* bytes covered by the piece */
	const uint8_t *data;	/* NULL: all zero */
	uint64_t data_len;	/* bytes of data (<= len); the rest is zero */
	enum piece_type type;
	bool measured;		/* TDX MR.EXTEND; SNP: NORMAL/VMSA contents hashed */
	const char *what;	/* human name: "kernel", "boot_params", ... */
};

enum cpu_mode {
	CPU_MODE_LONG64,	/* direct 64-bit entry: paging on, identity map */
	CPU_MODE_RESET,		/* architectural reset state (firmware at 0xfffffff0) */
	CPU_MODE_FLAT32,	/* 32-bit flat protected mode, paging off: rip, rsi (SNP boot shim) */
};

struct vcpu_boot {
	enum cpu_mode mode;
	uint64_t rip, rsp, rsi;
	uint64_t cr3;		/* LONG64: root of the identity map */
	uint64_t gdt_base;
	uint16_t gdt_limit;
};

struct launch_plan {
	struct plan_piece *pieces;
	size_t n_pieces, cap_pieces;
	struct vcpu_boot boot;		/* BSP; APs wait (plain: halted) */
	/*
	 * ap_park: the APs do not wait for INIT/SIPI but start runnable at
	 * ap (rsi = their vCPU index), the boot shim's ACPI MP wakeup mailbox
	 * loop. A plain VM thus starts its APs the way a TD must.
	 */
	bool ap_park;
	struct vcpu_boot ap;
	/* What the boot shim's acceptance of RAM will cost (ACCEPT_NONE: nothing to accept). */
	struct accept_cost accept;
	uint64_t mem_size;		/* bytes of guest RAM */
	const char *image_kind;		/* "demo", "elf", "bzImage", "firmware" */
	bool wants_irqchip;		/* a full OS: LAPICs + I/O APIC where the host can (devices/ioapic.h) */

	/* ---- confidential launches (loader/plan_snp.c, loader/plan_tdx.c) ---- */
	struct coco_plan {
		/*
		 * PLATFORM_SNP or PLATFORM_TDX; PLATFORM_PLAIN for the plans
		 * whose memory cvmm writes itself (plain, sw).
		 */
		enum platform_id platform;
		int n_vcpus;
		/*
		 * SNP: one 4 KiB VMSA per vCPU, in vCPU order; the PSP measures
		 * them after every piece (KVM_SEV_SNP_LAUNCH_FINISH).
		 */
		uint8_t **vmsa;
		uint64_t sev_features;	/* SNP: SEV_FEATURES in every VMSA */
		uint64_t policy;	/* SNP: guest policy (not in the digest) */
		uint32_t vcpu_sig;	/* SNP: CPUID(1).EAX of the vCPU model */
		uint32_t ap_eip;	/* SNP: where APs start (SEV-ES reset block) */
		uint64_t fw_gpa, fw_size;	/* firmware region, 0 size: none */
		uint64_t td_hob_gpa;	/* TDX: the BSP's RCX (0: no TD HOB) */
		bool mrtd_two_pass;	/* TDX: all PAGE.ADDs of a piece before its extends */
		int n_aug;		/* TDX: PAGE.AUG sections left to the guest */
	} coco;

	void **owned;			/* buffers freed with the plan */
	size_t n_owned, cap_owned;
	struct plan_map { void *addr; size_t len; } maps[4];	/* files mapped, unmapped with it */
	size_t n_maps;
};

void plan_init(struct launch_plan *p, uint64_t mem_size);
void plan_free(struct launch_plan *p);
/* Takes ownership of buf (freed by plan_free); returns it, or NULL on ENOMEM. */
void *plan_own(struct launch_plan *p, void *buf);
/*
 * Maps a whole input file read-only for as long as the plan lives (large
 * firmware is hashed straight from the page cache). -1 with one line.
 */
int plan_map_file(struct launch_plan *p, const char *path, const char *what, uint64_t max,
		  const uint8_t **buf, size_t *len);
/* Appends a piece; -1 (with a message) when it wraps or overlaps another. */
int plan_add(struct launch_plan *p, const struct plan_piece *piece);
/* Allocates a zeroed, owned buffer of len bytes and adds it as a piece. */
uint8_t *plan_add_buffer(struct launch_plan *p, uint64_t gpa, uint64_t len,
			 enum piece_type type, bool measured, const char *what);
/* True when [gpa, gpa+len) lies inside guest RAM (overflow-safe). */
bool plan_range_in_ram(const struct launch_plan *p, uint64_t gpa, uint64_t len);

/*
 * The page-aligned regions outside RAM the plan's pieces fill (firmware and
 * the TDX shim below 4 GiB), touching pieces merged: the guest memory a VM
 * needs beyond its RAM. Up to max into out; their number, or -1 with one
 * line (a piece straddles RAM, or too many regions).
 */
struct plan_range { uint64_t gpa, size; };
int plan_outside_ram(const struct launch_plan *p, struct plan_range *out, int max);

#endif

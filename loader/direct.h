/*
 * Direct boot (no firmware): turns --kernel/--initrd/--cmdline, or the
 * embedded demo guest, into a launch plan that enters the image in 64-bit
 * mode with paging on (identity map of the low 4 GiB), flat segments and
 * rsi = boot_params (design.md's guest contract).
 */
#ifndef CVMM_DIRECT_H
#define CVMM_DIRECT_H

#include <stdbool.h>
#include <stdint.h>

struct launch_plan;
struct launch_opts;

/* Stacks of the vCPUs that enter the image: vCPU i gets the i-th one. */
#define DIRECT_STACK_SIZE	0x800ULL
#define DIRECT_STACKS_BASE	0x30000ULL
#define DIRECT_MAX_ENTRY_VCPUS	((0x8f000ULL - DIRECT_STACKS_BASE) / DIRECT_STACK_SIZE)

int direct_boot_plan(struct launch_plan *p, const struct launch_opts *o);
/* Initial rsp of vCPU i (BSP: 0). */
uint64_t direct_stack_top(int i);
/*
 * A bzImage's PC platform: ACPI tables into the plan, their RSDP into the
 * zero page bp, and plan->wants_irqchip. The plain boot shim boots the same
 * kernel and needs the same (loader/plan_shim.c), plus the MP wakeup
 * mailbox at mp_wakeup_mailbox (0: none; APs then wait for INIT/SIPI), the
 * tables at acpi_gpa (0: ACPI_TABLES_GPA). TDX and SNP shim boots build the
 * same tables (I/O APIC, COM1, virtio, S5) with with_reset_vector false: a TD or
 * SNP vCPU cannot run real-mode code, and Linux on SNP validates
 * [0xc0000, 1 MiB) itself, so a launch page there would kill it.
 */
int direct_add_acpi(struct launch_plan *p, const struct launch_opts *o, uint8_t *bp,
		    uint64_t mp_wakeup_mailbox, uint64_t acpi_gpa, bool with_reset_vector);

#endif

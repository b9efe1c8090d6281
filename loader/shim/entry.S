/*
 * The boot shim's entry code. Three doors into the same 64-bit code:
 *   offset 0x00: none (ud2)
 *   offset 0x08: 64-bit AP entry (plain APs: cvmm sets cr3 = SHIM_AP_PT and
 *                rsi = the vCPU index, and makes them runnable)
 *   offset 0x10: 32-bit flat entry, paging off (SNP: the measured VMSA starts
 *                here with esi = SHIM_SNP_MAGIC; TDX: the reset vector jumps here,
 *                esi = VCPU_INDEX from the TDX module; plain: cvmm starts the BSP
 *                here with esi 0, as a TD's)
 * The 32-bit door builds an identity map of the low 4 GiB (with the SNP
 * C-bit from the CPUID page) and enters long mode itself, because a TD's
 * registers cannot be set by the VMM. An AP is told apart from the BSP by
 * its reset registers before it writes any memory: it then enters long mode
 * on the measured AP page tables (never the BSP's, which the kernel reuses),
 * takes its part of accepting RAM once the BSP posts it (on its own stack
 * slot, given up before it says it is done) and waits on the ACPI MP wakeup
 * mailbox with no stack at all.
 */
#include "shim_abi.h"

#define MSR_EFER	0xc0000080
#define CPUID_PAGE_HDR	16
#define CPUID_ENTRY	48

	.section .text.entry, "ax"
	.code64
	.globl shim_entry64
shim_entry64:
	ud2					/* no door here any more */

	.org	SHIM_AP64_OFF
	jmp	ap64

	.org	SHIM_ENTRY32_OFF
	.code32
	.globl shim_entry32
shim_entry32:
	cli
	cld
	xorl	%edx, %edx			/* high dword of every PTE */
	cmpl	$SHIM_SNP_MAGIC, %esi
	je	snp32
	cmpl	$SHIM_SNP_AP_MAGIC, %esi	/* SNP APs wait for the kernel's own VMSAs */
	je	park32
	/* TDX answers CPUID leaf 0x21 with "IntelTDX    " (no #VE for it). */
	movl	$0x21, %eax
	xorl	%ecx, %ecx
	cpuid
	movl	$SHIM_PLAT_TDX, %ebp
	cmpl	$0x65746e49, %ebx		/* "Inte" */
	jne	plain32
	cmpl	$0x5844546c, %edx		/* "lTDX" */
	jne	plain32
	cmpl	$0x20202020, %ecx		/* "    " */
	jne	plain32
	/* The TDX module starts every vCPU here, esi = VCPU_INDEX: 0 boots. */
	testl	%esi, %esi
	jnz	ap32
	xorl	%edx, %edx
	jmp	build_pt
plain32:
	/* A plain VM's BSP (esi 0), started here the way a TD's is; its APs use the AP door. */
	movl	$SHIM_PLAT_PLAIN, %ebp
	testl	%esi, %esi
	jnz	fail32
	xorl	%edx, %edx
	jmp	build_pt

	/* SNP: CPUID would raise #VC; the C-bit comes from the CPUID page. */
snp32:
	movl	$SHIM_PLAT_SNP, %ebp
	movl	SHIM_SNP_CPUID, %ecx		/* entry count */
	cmpl	$64, %ecx
	ja	fail32
	movl	$SHIM_SNP_CPUID + CPUID_PAGE_HDR, %esi
1:	testl	%ecx, %ecx
	jz	fail32
	cmpl	$0x8000001f, (%esi)
	je	2f
	addl	$CPUID_ENTRY, %esi
	decl	%ecx
	jmp	1b
2:	movl	28(%esi), %ecx			/* EBX: C-bit position in [5:0] */
	andl	$0x3f, %ecx
	cmpl	$32, %ecx
	jb	fail32
	cmpl	$51, %ecx
	ja	fail32
	subl	$32, %ecx
	movl	$1, %edx
	shll	%cl, %edx

	/*
	 * PML4 -> PDPT -> 4 PDs of 2 MiB pages for the low 4 GiB, and 1 GiB
	 * pages above (below): SNP's PVALIDATE takes linear addresses, so all
	 * RAM it validates must be mapped. %edx = PTE bits 63:32, %ebp the platform.
	 */
build_pt:
	movl	%edx, %esi
	movl	$SHIM_PT, %edi
	movl	$SHIM_PT_PAGES * 1024, %ecx
	xorl	%eax, %eax
	rep stosl
	movl	$SHIM_PT, %edi
	movl	$SHIM_PT + 0x1000 + 3, (%edi)
	movl	%esi, 4(%edi)
	addl	$0x1000, %edi			/* PDPT */
	movl	$SHIM_PT + 0x2000 + 3, %eax
	movl	$4, %ecx
3:	movl	%eax, (%edi)
	movl	%esi, 4(%edi)
	addl	$0x1000, %eax
	addl	$8, %edi
	loop	3b
	movl	$SHIM_PT + 0x2000, %edi		/* PDs */
	movl	$0x83, %eax			/* present, writable, 2 MiB */
	movl	$2048, %ecx
4:	movl	%eax, (%edi)
	movl	%esi, 4(%edi)
	addl	$0x200000, %eax
	addl	$8, %edi
	loop	4b
	/*
	 * [4 GiB, 512 GiB) in 1 GiB pages where the CPU has them: always on
	 * SNP (its CPUID would raise #VC; every SNP CPU has them), after
	 * CPUID 0x80000001 EDX[26] on plain; never on TDX (ACCEPT takes GPAs).
	 */
	cmpl	$SHIM_PLAT_TDX, %ebp
	je	10f
	cmpl	$SHIM_PLAT_SNP, %ebp
	je	11f
	movl	$0x80000001, %eax
	cpuid
	btl	$26, %edx
	jnc	10f
11:	movl	$SHIM_PT + 0x1000 + 4 * 8, %edi	/* PDPT[4..511] */
	movl	$4, %ecx
9:	movl	%ecx, %eax
	shll	$30, %eax
	orl	$0x83, %eax			/* present, writable, 1 GiB */
	movl	%eax, (%edi)
	movl	%ecx, %eax
	shrl	$2, %eax			/* address bits 38:32 */
	orl	%esi, %eax
	movl	%eax, 4(%edi)
	addl	$8, %edi
	incl	%ecx
	cmpl	$512, %ecx
	jb	9b
10:

	movl	$SHIM_PT, %ebx
	/* Long mode on the tables at %ebx; then the BSP (edi 0) or an AP (edi 1). */
	xorl	%edi, %edi
long32:
	lgdt	gdt_desc
	movl	%cr4, %eax
	orl	$0x20, %eax			/* PAE; keep what the TDX module set */
	movl	%eax, %cr4
	movl	%ebx, %cr3
	movl	$MSR_EFER, %ecx
	rdmsr
	btl	$8, %eax			/* LME already on (TDX)? */
	jc	5f
	orl	$0x100, %eax
	wrmsr
5:	movl	%cr0, %eax
	orl	$0x80000001, %eax		/* PG | PE */
	movl	%eax, %cr0
	ljmp	$0x10, $long64
	/*
	 * A TD AP: no memory written so far. The AP page tables are a measured
	 * piece, so entering long mode on them writes nothing either.
	 */
ap32:
	movl	$SHIM_AP_PT, %ebx
	movl	$1, %edi
	jmp	long32
fail32:
	ud2
	jmp	fail32
park32:
	pause
	jmp	park32

	.code64
long64:
	testl	%edi, %edi
	jnz	ap64
common64:
	movl	$0x18, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	$SHIM_STACK_TOP, %esp
	movl	%ebp, %edi
	call	shim_main
6:	ud2
	jmp	6b

	/*
	 * Every AP, esi = its vCPU index (TDX: VCPU_INDEX from the TDX module;
	 * plain: cvmm's), which is its APIC ID in the MADT. First the
	 * acceptance job (shim_abi.h): vCPUs below the measured count and
	 * SHIM_WORKERS_MAX wait, storing nothing, until the BSP posted it (it
	 * checked the memory map first), then run shim_ap_accept(index) on their
	 * own stack slot with the BSP's IDT, put back an empty IDT, and only
	 * then, off the stack for good, count themselves done: the BSP goes on
	 * to the kernel, which reuses those pages, after the last one did.
	 */
ap64:
	cli
	cld
	movl	%esi, %esi
	cmpl	$SHIM_WORKERS_MAX, %esi
	jae	7f
	cmpl	SHIM_JOB + SHIM_JOB_VCPUS, %esi
	jae	7f
12:	pause
	cmpl	$SHIM_JOB_MAGIC, SHIM_JOB + SHIM_JOB_POSTED
	jne	12b
	cmpl	SHIM_JOB + SHIM_JOB_WORKERS, %esi
	jae	7f
	lidt	SHIM_JOB + SHIM_JOB_IDTR
	movl	%esi, %r12d			/* callee-saved: the index, for the mailbox */
	movl	%esi, %eax
	.if	SHIM_AP_STACK_SLOT != 1 << 10
	.error	"the shift below is SHIM_AP_STACK_SLOT"
	.endif
	shll	$10, %eax
	addl	$SHIM_STACK, %eax		/* AP i's stack top: SHIM_STACK + i * slot */
	movq	%rax, %rsp
	movl	%esi, %edi
	call	shim_ap_accept
	lidt	idt_none(%rip)
	movl	%r12d, %esi
	lock incl SHIM_JOB + SHIM_JOB_DONE

	/*
	 * Then every AP waits for Linux's wakeup command for its APIC ID (the
	 * kernel writes the APIC ID and vector first, then the command), reads
	 * the vector, then acknowledges by clearing the command (Linux waits
	 * for that) and jumps there in 64-bit mode on the identity map,
	 * interrupts off, as ACPI 6.4 5.2.12.19 says. The only store here is
	 * that acknowledgement; no stack.
	 */
7:	pause
	cmpw	$MP_WAKE_COMMAND_WAKEUP, SHIM_MAILBOX + MP_WAKE_CMD
	jne	7b
	cmpl	%esi, SHIM_MAILBOX + MP_WAKE_APIC_ID
	jne	7b
	movq	SHIM_MAILBOX + MP_WAKE_VECTOR, %rax
	movw	$0, SHIM_MAILBOX + MP_WAKE_CMD
	jmp	*%rax

	/*
	 * The BSP's exception stubs (shim.c's IDT): 8 bytes each, each pushes
	 * its vector (over the CPU's error code, if any: nothing returns) and
	 * calls shim_exception(vector), which says why and stops.
	 */
	.globl shim_exc_stubs
	.balign	8
shim_exc_stubs:
	vec = 0
	.rept	SHIM_IDT_VECTORS
	.balign	8, 0xcc
	pushq	$vec
	jmp	exc_common
	vec = vec + 1
	.endr
exc_common:
	popq	%rdi
	andq	$-16, %rsp
	call	shim_exception
8:	hlt
	jmp	8b

	/* shim_jump(entry, boot_params): the Linux 64-bit boot protocol. */
	.globl shim_jump
shim_jump:
	movq	%rsi, %rax
	movq	%rdi, %rcx
	movq	%rax, %rsi
	xorl	%edi, %edi
	xorl	%ebp, %ebp
	xorl	%ebx, %ebx
	jmp	*%rcx

	.section .rodata
	.balign 8
gdt:						/* the Linux 64-bit boot protocol's */
	.quad	0
	.quad	0
	.quad	0x00af9b000000ffff		/* 0x10: __BOOT_CS, 64-bit code */
	.quad	0x00cf93000000ffff		/* 0x18: __BOOT_DS, flat data */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	gdt
	/* An AP's IDT once its part is done: none (the BSP's goes with its stack). */
idt_none:
	.word	0
	.quad	0

	/* TDX: vCPUs start at 0xfffffff0 in 32-bit mode. */
	.section .resetvec, "ax"
	.code32
	jmp	shim_entry32
	.balign	16, 0xf4
	.section .note.GNU-stack, "", @progbits

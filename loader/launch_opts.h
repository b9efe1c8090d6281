/*
 * The launch inputs: what to load, for which platform, with which devices
 * and measurement options. `cvmm run`, `cvmm measure`, `cvmm run --dry-run`
 * and `cvmm attest verify --expect-from` fill one from the command line
 * (vmm/cli/), so that a measurement is predicted from exactly the inputs a
 * launch uses; the loaders, devices, platforms and attest/measure read it
 * and never see the command line.
 */
#ifndef CVMM_LAUNCH_OPTS_H
#define CVMM_LAUNCH_OPTS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Which platform runs. Everything below the CLI tells platforms apart by
 * this id (the platform table, vmm/platform/, maps each to its operations),
 * never by comparing names.
 */
enum platform_id { PLATFORM_PLAIN, PLATFORM_SW, PLATFORM_SNP, PLATFORM_TDX };

/* "plain", "sw", "snp", "tdx": the option's name, for messages. */
const char *platform_name(enum platform_id id);
/* The inverse; -1 for a name that is not a platform. */
int platform_from_name(const char *name, enum platform_id *id);

struct launch_opts {
	enum platform_id platform;	/* PLATFORM_PLAIN unless given */
	bool platform_set;		/* --plain/--sw/--snp/--tdx was given */

	/* ---- TDX/SNP platform options (vmm/cli/opts_platform.c) ---- */
	const char *id_block, *id_auth;	/* SNP LAUNCH_FINISH: 96 B / 4 KiB files */
	bool author_key;		/* SNP: the ID auth carries an author key */
	uint8_t host_data[32];		/* SNP: HOST_DATA in every report */
	uint8_t mrconfigid[48], mrowner[48], mrownerconfig[48];	/* TDX */
	uint64_t td_attributes, xfam;	/* TDX; valid when *_set */
	bool td_attributes_set, xfam_set;
	const char *quote_socket;	/* TDX GetQuote: QGS unix socket */
	unsigned quote_timeout_ms;	/* 0: OPTS_QUOTE_TIMEOUT_MS */
	/* ---- end of TDX/SNP platform options ---- */
	const char *kernel, *initrd, *cmdline, *firmware;
	uint64_t mem;			/* bytes */
	int cpus;
	bool dry_run;
	bool no_gmem;			/* plain: anonymous memory even if guest_memfd works */
	/* --shared-window SIZE[@GPA]: resolved by loader/shared_window.c */
	bool window_set, window_gpa_set;
	uint64_t window_size, window_gpa;
	const char *boot_trace;		/* NULL, "table" or "json" */
	const char *dump_acpi;		/* --dump-acpi DIR: write the ACPI tables there */
	bool json;			/* info/measure output */

	/* ---- devices: parsed by vmm/cli/opts_devices.c ---- */
	const char *disk;		/* --disk FILE[,ro][,direct] */
	bool disk_ro, disk_direct;
	int disk_fd;			/* opened (and locked) once, by the options: -1 if not */
	bool console_virtio;		/* --console virtio (default: uart) */
	bool rng;			/* --rng */
	bool virtio_irq;		/* --virtio-irq: split irqchip + MSI (vmm/core/irq.c) */
	/* ---- end devices ---- */
	/* ---- confidential launch options (vmm/cli/opts_coco.c) ---- */
	const char *vcpu_type;		/* SNP CPU model; NULL: EPYC-v4 */
	uint64_t guest_features;	/* SNP SEV_FEATURES, when guest_features_set */
	bool guest_features_set;	/* else 0x1 (SNPActive) */
	uint64_t snp_policy;		/* SNP guest policy, when has_policy (0 included) */
	bool has_policy;		/* else OPTS_SNP_POLICY_DEFAULT: launch_snp_policy() */
	int vmm_type;			/* enum vmsa_vmm: 0 qemu, 1 ec2, 2 gce */
	bool legacy_vmsa;		/* SNP: host without KVM_SEV_INIT2 */
	bool mrtd_two_pass;		/* TDX: --mrtd-order two-pass */
	bool boot_shim;			/* plain: direct boot through cvmm's boot shim */
	/* ---- end of confidential launch options ---- */
};

#define OPTS_SNP_POLICY_DEFAULT	0x30000ULL	/* SMT allowed; bit 17 must be 1 */
#define OPTS_DEFAULT_MEM	(256ULL << 20)
#define OPTS_QUOTE_TIMEOUT_MS	30000	/* QEMU's GetQuote transaction time-out */
#define OPTS_TD_ATTRS_DEFAULT	(1ULL << 28)	/* SEPT_VE_DISABLE, as QEMU */

/* Every field unset, then the defaults (memory, one vCPU). */
void launch_opts_init(struct launch_opts *o);
/* The SNP guest policy a launch uses: --policy as given, else the default. */
uint64_t launch_snp_policy(const struct launch_opts *o);

#endif

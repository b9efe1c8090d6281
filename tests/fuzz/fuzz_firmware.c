/*
 * Firmware images from an attacker: the OVMF footer table, SEV metadata and
 * TDVF descriptor parsers, then the SNP and TDX plans and digests built
 * from them (through an anonymous file, as `cvmm measure` reads them).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "attest/measure/measure.h"
#include "loader/image/ovmf.h"
#include "loader/image/tdvf.h"
#include "loader/boot/vmsa.h"
#include "vmm/log.h"
#include "vmm/cli/opts.h"

static char path[64];

/*
 * With kernel set, SNP also builds the kernel-hashes page from the SEV hash
 * table entry (the image itself stands in as the kernel file); vmm picks
 * the ec2/gce section and VMSA variants.
 */
static void measure_file(const char *platform, bool kernel, int vmm)
{
	struct launch_opts o;
	struct measurement m;

	launch_opts_init(&o);
	if (platform_from_name(platform, &o.platform))
		abort();
	o.firmware = path;
	o.cpus = 2;
	o.vmm_type = vmm;
	if (kernel) {
		o.kernel = path;
		o.cmdline = "console=ttyS0";
	}
	measure_from_opts(&o, &m, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovmf_info fw;
	struct tdvf_info td;
	static int fd = -1;
	uint8_t *img;

	/* Pad to whole pages at the front so the footer lands at the end. */
	size_t len = (size + 0xfff) & ~(size_t)0xfff;

	if (size == 0 || size > (1 << 20))
		return 0;
	cvmm_verbosity = LOG_QUIET;
	img = calloc(1, len);
	if (!img)
		return 0;
	memcpy(img + len - size, data, size);
	if (ovmf_parse(img, len, "fuzz", &fw) == 0 && fw.has_tdx_meta)
		tdvf_parse(img, len, &fw, "fuzz", &td);

	/* An anonymous file: no leftovers in /tmp whatever the fuzzer does. */
	if (!path[0]) {
		fd = memfd_create("fuzz_firmware", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) == 0 && pwrite(fd, img, len, 0) == (ssize_t)len) {
		measure_file("snp", false, data[0] % 3);
		measure_file("snp", true, VMSA_VMM_QEMU);
		measure_file("tdx", false, VMSA_VMM_QEMU);
	}
	free(img);
	return 0;
}

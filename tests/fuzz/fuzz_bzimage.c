/*
 * The bzImage loader on arbitrary bytes: no crash, no read outside the
 * buffers, and whatever it accepts is placed inside guest RAM.
 * Input: byte 0 picks the guest RAM size, bytes 1-2 the initrd length
 * (taken from the end), byte 3 the command-line length; the rest is the
 * image. Seeds: tests/fuzz/seeds/fuzz_bzimage/ (mkbzimage output).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loader/image/bzimage.h"
#include "loader/layout.h"
#include "loader/plan.h"
#include "vmm/log.h"

static const uint64_t mems[] = {
	2ULL << 20, 16ULL << 20, 64ULL << 20, 256ULL << 20, 3ULL << 30, 8ULL << 30,
	1ULL << 40, 4096,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct launch_plan p;
	struct bzimage_info bi;
	struct bzimage_in in = { .name = "fuzz", .initrd_name = "fuzz-initrd" };
	uint64_t entry = 0;
	size_t rd_len, cmd_len;
	uint8_t *img, *rd = NULL;
	char *cmd;

	if (size < 4)
		return 0;
	cvmm_verbosity = LOG_QUIET;
	plan_init(&p, mems[data[0] % (sizeof(mems) / sizeof(mems[0]))]);
	rd_len = (size_t)(data[1] | data[2] << 8);
	cmd_len = data[3] * 16u;
	data += 4;
	size -= 4;
	if (rd_len > size)
		rd_len = size;
	/* exact-size copies so ASan sees any overread */
	img = malloc(size - rd_len ? size - rd_len : 1);
	memcpy(img, data, size - rd_len);
	if (rd_len) {
		rd = malloc(rd_len);
		memcpy(rd, data + size - rd_len, rd_len);
	}
	cmd = malloc(cmd_len + 1);
	memset(cmd, 'c', cmd_len);
	cmd[cmd_len] = '\0';
	in.img = img;
	in.len = size - rd_len;
	in.initrd = rd;
	in.initrd_len = rd_len;
	in.cmdline = cmd;

	if (bzimage_load(&p, &in, &entry, &bi) == 0) {
		if (entry != bi.load_addr + BZ_ENTRY64_OFFSET || cmd_len > bi.cmdline_size)
			abort();
		for (size_t i = 0; i < p.n_pieces; i++) {
			const struct plan_piece *q = &p.pieces[i];
			volatile uint8_t sink = 0;

			if (!plan_range_in_ram(&p, q->gpa, q->len))
				abort();
			for (uint64_t j = 0; j < q->data_len; j += 4096)
				sink ^= q->data[j];
			if (q->data_len)
				sink ^= q->data[q->data_len - 1];
			(void)sink;
		}
		/* the kernel's init_size room is RAM too */
		if (!plan_range_in_ram(&p, bi.load_addr, bi.init_size))
			abort();
	}
	plan_free(&p);
	free(cmd);
	free(rd);
	free(img);
	return 0;
}

/* The ELF loader on arbitrary bytes: no crash, no read past the buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loader/image/elf.h"
#include "loader/plan.h"
#include "vmm/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct launch_plan p;
	uint64_t entry;
	/* an exact-size copy so ASan sees any overread */
	uint8_t *img = malloc(size ? size : 1);

	cvmm_verbosity = LOG_QUIET;
	memcpy(img, data, size);
	plan_init(&p, 64ULL << 20);
	if (elf_load(&p, img, size, "fuzz", &entry) == 0) {
		for (size_t i = 0; i < p.n_pieces; i++) {
			const struct plan_piece *q = &p.pieces[i];
			volatile uint8_t sink = 0;

			/* every piece's data must lie inside the image */
			for (uint64_t j = 0; j < q->data_len; j += 4096)
				sink ^= q->data[j];
			if (q->data_len)
				sink ^= q->data[q->data_len - 1];
			(void)sink;
		}
	}
	plan_free(&p);
	free(img);
	return 0;
}

/*
 * The SEV kernel hashes table: SHA-256 of the kernel, initrd and command
 * line that OVMF's blob verifier checks before it boots them, placed in the
 * firmware's SNP_KERNEL_HASHES page so that the launch digest covers them
 * (shared/docs/measurement.md, "SEV hash table").
 */
#ifndef CVMM_SNP_HASHES_H
#define CVMM_SNP_HASHES_H

#include <stdint.h>

#define SEV_HASH_TABLE_LEN	168	/* the length field: header + 3 entries */
#define SEV_HASH_TABLE_PADDED	176	/* what is placed: padded to 16 bytes */

struct sev_hashes {
	uint8_t kernel[32], initrd[32], cmdline[32];
};

/*
 * Hashes the inputs: the kernel file, the initrd file (NULL: empty) and the
 * command line with its terminating NUL (NULL: just the NUL). -1 with one
 * line when a file cannot be read.
 */
int sev_hashes_compute(struct sev_hashes *h, const char *kernel, const char *initrd,
		       const char *cmdline);
void sev_hashes_table(uint8_t out[SEV_HASH_TABLE_PADDED], const struct sev_hashes *h);

/* SHA-256 of a regular file (as file_open() checks it), streamed. */
int sha256_file(const char *path, const char *what, uint8_t out[32], uint64_t *size);
/* The same for any OpenSSL digest name ("SHA384"); out holds its size. */
int digest_file(const char *path, const char *what, const char *md_name, uint8_t *out,
		uint64_t *size);

#endif

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "loader/image/file.h"
#include "loader/image/ovmf.h"
#include "loader/boot/snp_hashes.h"
#include "vmm/log.h"

static const struct efi_guid guid_table = EFI_GUID(0x9438d606, 0x4f22, 0x4cc9,
	0xb4, 0x79, 0xa7, 0x93, 0xd4, 0x11, 0xfd, 0x21);
static const struct efi_guid guid_cmdline = EFI_GUID(0x97d02dd8, 0xbd20, 0x4c94,
	0xaa, 0x78, 0xe7, 0x71, 0x4d, 0x36, 0xab, 0x2a);
static const struct efi_guid guid_initrd = EFI_GUID(0x44baf731, 0x3a2f, 0x4bd7,
	0x9a, 0xf1, 0x41, 0xe2, 0x91, 0x69, 0x78, 0x1d);
static const struct efi_guid guid_kernel = EFI_GUID(0x4de79437, 0xabd2, 0x427f,
	0xb8, 0x35, 0xd5, 0xb1, 0x72, 0xd2, 0x04, 0x5b);

int sha256_file(const char *path, const char *what, uint8_t out[32], uint64_t *size)
{
	return digest_file(path, what, "SHA256", out, size);
}

int digest_file(const char *path, const char *what, const char *md_name, uint8_t *out,
		uint64_t *size)
{
	uint8_t buf[16384];
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const EVP_MD *md = EVP_get_digestbyname(md_name);
	uint64_t total = 0;
	size_t file_size;
	int fd = -1, ret = -1;

	if (!ctx || !md || !EVP_DigestInit_ex(ctx, md, NULL)) {
		cvmm_err("%s %s: OpenSSL %s unavailable", what, path, md_name);
		goto out;
	}
	/* The same refusals as loading it: a device or FIFO would never end. */
	fd = file_open(path, what, FILE_MAX_SIZE, &file_size);
	if (fd < 0)
		goto out;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cvmm_err("%s %s: %s", what, path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (EVP_DigestUpdate(ctx, buf, n) != 1) {
			cvmm_err("%s %s: OpenSSL %s failed", what, path, md_name);
			goto out;
		}
		total += n;
	}
	if (EVP_DigestFinal_ex(ctx, out, NULL) != 1) {
		cvmm_err("%s %s: OpenSSL %s failed", what, path, md_name);
		goto out;
	}
	if (size)
		*size = total;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(ctx);
	return ret;
}

int sev_hashes_compute(struct sev_hashes *h, const char *kernel, const char *initrd,
		       const char *cmdline)
{
	const char *cl = cmdline ? cmdline : "";

	if (sha256_file(kernel, "--kernel", h->kernel, NULL))
		return -1;
	if (initrd) {
		if (sha256_file(initrd, "--initrd", h->initrd, NULL))
			return -1;
	} else {
		EVP_Digest("", 0, h->initrd, NULL, EVP_sha256(), NULL);
	}
	/* The firmware hashes the command line as it fetches it: with its NUL. */
	EVP_Digest(cl, strlen(cl) + 1, h->cmdline, NULL, EVP_sha256(), NULL);
	return 0;
}

static uint8_t *put_entry(uint8_t *p, const struct efi_guid *g, const uint8_t hash[32])
{
	uint16_t len = 16 + 2 + 32;

	memcpy(p, g, 16);
	memcpy(p + 16, &len, 2);
	memcpy(p + 18, hash, 32);
	return p + len;
}

void sev_hashes_table(uint8_t out[SEV_HASH_TABLE_PADDED], const struct sev_hashes *h)
{
	uint16_t len = SEV_HASH_TABLE_LEN;
	uint8_t *p = out;

	memset(out, 0, SEV_HASH_TABLE_PADDED);
	memcpy(p, &guid_table, 16);
	memcpy(p + 16, &len, 2);
	p = put_entry(p + 18, &guid_cmdline, h->cmdline);
	p = put_entry(p, &guid_initrd, h->initrd);
	put_entry(p, &guid_kernel, h->kernel);
}

/* Built-in trust anchors: the PEM text attest/roots_pem.S links in, parsed on use. */
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "attest/roots.h"

extern const char root_intel_sgx_pem[], root_intel_sgx_pem_end[];
extern const char root_amd_ark_milan_pem[], root_amd_ark_milan_pem_end[];
extern const char root_amd_ark_genoa_pem[], root_amd_ark_genoa_pem_end[];
extern const char root_amd_ark_turin_pem[], root_amd_ark_turin_pem_end[];

static X509 *parse(const char *pem, const char *end)
{
	BIO *b = BIO_new_mem_buf(pem, (int)(end - pem));
	X509 *c = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	ERR_clear_error();
	return c;
}

X509 *root_intel_sgx(void)
{
	return parse(root_intel_sgx_pem, root_intel_sgx_pem_end);
}

X509 *root_amd_ark(const char *product)
{
	static const struct { const char *product, *pem, *end; } arks[] = {
		{ "Milan", root_amd_ark_milan_pem, root_amd_ark_milan_pem_end },
		{ "Genoa", root_amd_ark_genoa_pem, root_amd_ark_genoa_pem_end },
		{ "Turin", root_amd_ark_turin_pem, root_amd_ark_turin_pem_end },
	};

	for (size_t i = 0; i < sizeof(arks) / sizeof(arks[0]); i++)
		if (!strcmp(product, arks[i].product))
			return parse(arks[i].pem, arks[i].end);
	return NULL;
}

/*
 * SNP: ARK (self-signed, RSA-PSS) -> ASK/ASVK (RSA-PSS) -> VCEK/VLEK
 * (ECDSA P-384) -> report. The VCEK also certifies the TCB and chip it was
 * issued for (AMD KDS specification, VCEK certificate extensions), so the
 * report's reported TCB and chip id must match it.
 */
#include <string.h>

#include <openssl/err.h>

#include "attest/bytes.h"
#include "attest/roots.h"
#include "attest/snp_crl.h"
#include "attest/snp_policy.h"
#include "attest/verify.h"
#include "attest/x509.h"
#include "vmm/log.h"

#define AMD_OID_PRODUCT	"1.3.6.1.4.1.3704.1.2"
#define AMD_OID_SPL	"1.3.6.1.4.1.3704.1.3."	/* + component */
#define AMD_OID_HWID	"1.3.6.1.4.1.3704.1.4"
enum { SPL_BOOT_LOADER = 1, SPL_TEE = 2, SPL_SNP = 3, SPL_MICROCODE = 8, SPL_FMC = 9 };

static const ASN1_OCTET_STRING *ext_data(X509 *c, const char *oid)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	int i = obj ? X509_get_ext_by_OBJ(c, obj, -1) : -1;

	ASN1_OBJECT_free(obj);
	if (i < 0)
		return NULL;
	return X509_EXTENSION_get_data(X509_get_ext(c, i));
}

/* An SPL extension (DER INTEGER): -1 when absent or malformed. */
static int ext_spl(X509 *c, int component)
{
	char oid[40];
	const ASN1_OCTET_STRING *d;
	const unsigned char *p;
	ASN1_INTEGER *ai;
	int64_t v = -1;

	snprintf(oid, sizeof(oid), AMD_OID_SPL "%d", component);
	d = ext_data(c, oid);
	if (!d)
		return -1;
	p = ASN1_STRING_get0_data(d);
	ai = d2i_ASN1_INTEGER(NULL, &p, ASN1_STRING_length(d));
	if (!ai || !ASN1_INTEGER_get_int64(&v, ai) || v < 0 || v > 255)
		v = -1;
	ASN1_INTEGER_free(ai);
	ERR_clear_error();
	return (int)v;
}

/* productName ("Milan-B0", "Genoa", "Turin"): the part before '-'. */
static void ext_product(X509 *c, char *buf, size_t n)
{
	const ASN1_OCTET_STRING *d = ext_data(c, AMD_OID_PRODUCT);
	const unsigned char *p;
	ASN1_IA5STRING *s;

	buf[0] = '\0';
	if (!d)
		return;
	p = ASN1_STRING_get0_data(d);
	s = d2i_ASN1_IA5STRING(NULL, &p, ASN1_STRING_length(d));
	if (s) {
		snprintf(buf, n, "%.*s", ASN1_STRING_length(s), (const char *)ASN1_STRING_get0_data(s));
		ASN1_IA5STRING_free(s);
	}
	ERR_clear_error();
	buf[strcspn(buf, "-")] = '\0';
}

/* The product an AMD CA certificate names: "ARK-Milan", "SEV-Milan", "SEV-VLEK-Milan". */
static const char *ca_product(const char *cn)
{
	if (!strncmp(cn, "ARK-", 4))
		return cn + 4;
	if (!strncmp(cn, "SEV-VLEK-", 9))
		return cn + 9;
	if (!strncmp(cn, "SEV-", 4))
		return cn + 4;
	return "";
}

struct snp_certs {
	X509 *ark, *ask, *ek;	/* ask is the ASVK and ek the VLEK for VLEK reports */
	const char *ek_name, *ask_name;
};

static bool hwid_matches(X509 *c, const uint8_t *chip_id)
{
	const ASN1_OCTET_STRING *d = ext_data(c, AMD_OID_HWID);
	int n = d ? ASN1_STRING_length(d) : 0;

	if (n <= 0 || n > SNP_CHIP_ID_SIZE)
		return false;
	if (memcmp(ASN1_STRING_get0_data(d), chip_id, (size_t)n))
		return false;
	for (int i = n; i < SNP_CHIP_ID_SIZE; i++)	/* Turin: 8-byte id, rest zero */
		if (chip_id[i])
			return false;
	return true;
}

/*
 * Sort what --certs gave by subject CN. With several endorsement keys, the
 * one whose hwID is this chip wins; the CA is the one that issued it.
 */
static void pick_certs(STACK_OF(X509) *sk, const struct snp_report *r, struct snp_certs *sc)
{
	bool vlek = r->signer == SNP_SIGNER_VLEK;
	const char *ek_cn = vlek ? "SEV-VLEK" : "SEV-VCEK";
	char cn[128];

	sc->ek_name = vlek ? "VLEK" : "VCEK";
	sc->ask_name = vlek ? "ASVK" : "ASK";
	for (int i = 0; i < sk_X509_num(sk); i++) {
		X509 *c = sk_X509_value(sk, i);

		x509_cn(c, cn, sizeof(cn));
		if (strcmp(cn, ek_cn))
			continue;
		if (!sc->ek || (!hwid_matches(sc->ek, r->p + SNP_OFF_CHIP_ID) &&
				hwid_matches(c, r->p + SNP_OFF_CHIP_ID)))
			sc->ek = c;
	}
	for (int i = 0; i < sk_X509_num(sk); i++) {
		X509 *c = sk_X509_value(sk, i);
		bool is_asvk;

		x509_cn(c, cn, sizeof(cn));
		is_asvk = !strncmp(cn, "SEV-VLEK-", 9);
		if (strncmp(cn, "SEV-", 4) || !strcmp(cn, "SEV-VCEK") || !strcmp(cn, "SEV-VLEK") ||
		    is_asvk != vlek)
			continue;
		if (!sc->ask || (sc->ek && !X509_NAME_cmp(X509_get_subject_name(c),
							   X509_get_issuer_name(sc->ek))))
			sc->ask = c;
	}
	for (int i = 0; i < sk_X509_num(sk); i++) {
		X509 *c = sk_X509_value(sk, i);

		x509_cn(c, cn, sizeof(cn));
		if (strncmp(cn, "ARK-", 4))
			continue;
		if (!sc->ark || (sc->ask && !X509_NAME_cmp(X509_get_subject_name(c),
							    X509_get_issuer_name(sc->ask))))
			sc->ark = c;
	}
}

static void check_signed(struct checks *cl, const char *name, X509 *c, X509 *issuer,
			 const char *cname, const char *iname)
{
	EVP_PKEY *k;
	char lc[140], li[140];
	int ok;

	if (!c || !issuer) {
		check_add(cl, name, CHECK_SKIPPED, "needs the %s and %s certificates", cname, iname);
		return;
	}
	cert_label(c, lc, sizeof(lc));
	cert_label(issuer, li, sizeof(li));
	k = X509_get0_pubkey(issuer);
	ok = k ? X509_verify(c, k) : -1;
	ERR_clear_error();
	if (ok == 1)
		check_add(cl, name, CHECK_PASSED, "%s (%s) is signed by %s (%s)", cname, lc, iname, li);
	else
		check_add(cl, name, CHECK_FAILED, "%s (%s) signature does not verify with the key "
			  "of %s (%s)", cname, lc, iname, li);
}

/* Byte-identical, or the same key (AMD may reissue an ARK around the same key). */
static bool same_root(X509 *a, X509 *b)
{
	EVP_PKEY *ka = X509_get0_pubkey(a), *kb = X509_get0_pubkey(b);
	bool same = !X509_cmp(a, b) || (ka && kb && EVP_PKEY_eq(ka, kb) == 1);

	ERR_clear_error();
	return same;
}

/*
 * The ARK the chain ends at must be --root's, else the built-in one for
 * product (the VCEK's productName, else the ARK's CN);
 * --trust-evidence-root takes the one --certs gave.
 */
static int root_pin(struct checks *cl, const struct verify_opts *vo, const struct snp_report *r,
		    X509 *ark, const char *product, X509 **pinned)
{
	STACK_OF(X509) *sk = NULL;
	X509 *pin = NULL, *builtin = NULL;
	char lbl[140], what[160];

	if (vo->trust_evidence_root) {
		check_add(cl, "root_pinned", CHECK_SKIPPED, "NOT ANCHORED (--trust-evidence-root): "
			  "the chain ends at the ARK --certs gave, which anyone can make");
		if (ark && X509_up_ref(ark))
			*pinned = ark;
		return 0;
	}
	if (vo->root) {
		sk = sk_X509_new_null();
		if (!sk || x509_load_file(vo->root, sk)) {
			x509_free_stack(sk);
			return -1;
		}
		pin = x509_pick_root(sk);
		snprintf(what, sizeof(what), "the certificate --root pins");
	} else {
		pin = builtin = root_amd_ark(product);
		snprintf(what, sizeof(what), "AMD's ARK-%s " ROOTS_WHERE, product);
		if (!pin) {
			check_add(cl, "root_pinned", CHECK_FAILED, "cvmm has no built-in ARK for "
				  "product '%s' (Milan, Genoa, Turin): give it with --root", product);
			return 0;
		}
	}
	cert_label(pin, lbl, sizeof(lbl));
	if (!ark)
		check_add(cl, "root_pinned", CHECK_FAILED, "no ARK to compare with %s (%s)", what, lbl);
	else if (same_root(ark, pin))
		check_add(cl, "root_pinned", CHECK_PASSED, "the ARK is %s (%s)", what, lbl);
	else
		check_add(cl, "root_pinned", CHECK_FAILED, "the ARK %s gave is not %s (%s)",
			  r->certs.p ? "--certs or the certificate table" : "--certs", what, lbl);
	/* The CRL check needs the pin itself (a --certs ARK that is not the pin signs nothing). */
	if (X509_up_ref(pin))
		*pinned = pin;
	x509_free_stack(sk);
	X509_free(builtin);
	return 0;
}

static void check_product(struct checks *cl, const struct snp_report *r, const struct snp_certs *sc,
			  char *ek_prod, size_t n)
{
	char ark_cn[128] = "", ask_cn[128] = "", msg[300];
	const char *ark_p, *ask_p, *cpu_p = NULL;

	ext_product(sc->ek, ek_prod, n);
	if (sc->ark)
		x509_cn(sc->ark, ark_cn, sizeof(ark_cn));
	if (sc->ask)
		x509_cn(sc->ask, ask_cn, sizeof(ask_cn));
	ark_p = ca_product(ark_cn);
	ask_p = ca_product(ask_cn);
	if (r->has_cpuid)
		cpu_p = snp_product_from_cpuid(r->p[SNP_OFF_CPUID_FAM], r->p[SNP_OFF_CPUID_MOD]);
	snprintf(msg, sizeof(msg), "%s says %s, %s says %s, ARK says %s, report CPUID says %s",
		 sc->ek_name, *ek_prod ? ek_prod : "(no productName)", sc->ask_name,
		 *ask_p ? ask_p : "(none)", *ark_p ? ark_p : "(none)", cpu_p ? cpu_p :
		 r->has_cpuid ? "(unknown family/model)" : "(v2 report: no CPUID)");
	if (!*ek_prod || (sc->ask && strcmp(ek_prod, ask_p)) || (sc->ark && strcmp(ek_prod, ark_p)) ||
	    (cpu_p && strcmp(ek_prod, cpu_p)))
		check_add(cl, "product", CHECK_FAILED, "products disagree: %s", msg);
	else
		check_add(cl, "product", CHECK_PASSED, "%s", msg);
}

/* A v2 report has no CPUID: the VCEK's product tells a Turin TCB layout. */
static enum snp_tcb_layout tcb_layout(const struct snp_report *r, const char *ek_prod)
{
	return r->layout_assumed && !strcmp(ek_prod, "Turin") ? SNP_TCB_TURIN : r->layout;
}

static void check_tcb(struct checks *cl, const struct snp_report *r, X509 *ek, const char *ek_name,
		      const char *ek_prod)
{
	enum snp_tcb_layout lay = tcb_layout(r, ek_prod);
	struct snp_tcb t = snp_tcb_decode(ld64(r->p + SNP_OFF_REPORTED_TCB), lay);
	struct { const char *name; int comp; int got; } parts[] = {
		{ "fmc", SPL_FMC, t.fmc }, { "boot_loader", SPL_BOOT_LOADER, t.boot_loader },
		{ "tee", SPL_TEE, t.tee }, { "snp", SPL_SNP, t.snp },
		{ "microcode", SPL_MICROCODE, t.microcode },
	};
	char msg[300];
	size_t used = 0;
	bool bad = false;

	for (size_t i = lay == SNP_TCB_TURIN ? 0 : 1; i < sizeof(parts) / sizeof(parts[0]); i++) {
		int want = ext_spl(ek, parts[i].comp);

		bad |= want != parts[i].got;
		used += (size_t)snprintf(msg + used, used < sizeof(msg) ? sizeof(msg) - used : 0,
					 "%s%s %d/%d", used ? ", " : "", parts[i].name,
					 parts[i].got, want);
		if (used >= sizeof(msg))
			break;
	}
	if (bad)
		check_add(cl, "reported_tcb", CHECK_FAILED, "reported TCB differs from the %s's "
			  "(report/certificate; -1 = missing extension): %s", ek_name, msg);
	else
		check_add(cl, "reported_tcb", CHECK_PASSED, "reported TCB is the %s's: %s", ek_name, msg);
}

/* Name of a policy bit, from the same table dump uses. */
static const char *policy_bit_name(int bit)
{
	static const char *const names[] = {
		[16] = "smt", [17] = "reserved_must_be_one", [18] = "migrate_ma", [19] = "debug",
		[20] = "single_socket", [21] = "cxl_allow", [22] = "mem_aes_256_xts",
		[23] = "rapl_dis", [24] = "ciphertext_hiding_dram", [25] = "page_swap_disable",
	};

	return bit < (int)(sizeof(names) / sizeof(names[0])) && names[bit] ? names[bit] : "unknown";
}

/*
 * --policy-max: the most the guest policy may grant the host. A grant the
 * maximum lacks, or a restriction it has that the report lacks, fails.
 * Bits no document names fail unless the maximum sets them too.
 */
static void check_policy(struct checks *cl, const struct verify_opts *vo, uint64_t policy)
{
	uint64_t max = vo->policy_max, flags = policy & ~0xffffULL;
	uint64_t extra = flags & ~max & ~SNP_POLICY_RESTRICTS & ~SNP_POLICY_RESERVED1;
	uint64_t missing = max & SNP_POLICY_RESTRICTS & ~flags;
	char msg[300];
	size_t used = 0;

	if (!vo->policy_max_set) {
		check_add(cl, "policy", CHECK_SKIPPED, "no --policy-max given");
		return;
	}
	for (int b = 16; b < 64; b++) {
		if (!((extra | missing) >> b & 1))
			continue;
		used += (size_t)snprintf(msg + used, used < sizeof(msg) ? sizeof(msg) - used : 0,
					 "%s%s bit %d (%s)", used ? ", " : "",
					 extra >> b & 1 ? "grants" : "lacks", b, policy_bit_name(b));
		if (used >= sizeof(msg))
			break;
	}
	if (used)
		check_add(cl, "policy", CHECK_FAILED, "policy 0x%llx is beyond --policy-max 0x%llx: %s",
			  (unsigned long long)policy, (unsigned long long)max, msg);
	else
		check_add(cl, "policy", CHECK_PASSED, "policy 0x%llx is within --policy-max 0x%llx",
			  (unsigned long long)policy, (unsigned long long)max);
}

int snp_verify(const struct snp_report *r, const struct verify_opts *vo, struct checks *cl)
{
	STACK_OF(X509) *sk = NULL;
	X509 *pinned = NULL;
	X509_CRL *crl = NULL;
	struct snp_certs sc = { 0 };
	uint32_t algo = ld32(r->p + SNP_OFF_SIG_ALGO);
	char ek_prod[64] = "", lbl[140];
	enum snp_tcb_layout lay = r->layout;
	int rc = -1, n_table;

	if (algo != SNP_SIG_ALGO_ECDSA_P384_SHA384)
		check_add(cl, "signature_algo", CHECK_FAILED, "algorithm %u is not ECDSA P-384 "
			  "with SHA-384 (1)", algo);
	else
		check_pass(cl, "signature_algo", "ECDSA P-384 with SHA-384");
	if (r->signer != SNP_SIGNER_VCEK && r->signer != SNP_SIGNER_VLEK) {
		check_add(cl, "signing_key", CHECK_FAILED, "flags say signing key %d: neither VCEK "
			  "(0) nor VLEK (1), nothing to verify with", r->signer);
		goto expect;
	}
	if (!vo->n_certs && !r->certs.p) {
		check_add(cl, "certificates", CHECK_FAILED, "no --certs and no certificate table after "
			  "the report: give the %s and its CA chain",
			  r->signer == SNP_SIGNER_VLEK ? "VLEK" : "VCEK");
		goto expect;
	}
	if (vo->crl && !(crl = snp_crl_load(vo->crl)))
		goto out;
	sk = sk_X509_new_null();
	if (!sk)
		goto out;
	for (size_t i = 0; i < vo->n_certs; i++)
		if (x509_load_path(vo->certs[i], sk))
			goto out;
	/* The extended report's own certificates; the ARK must still be the pinned one. */
	n_table = r->certs.p ? snp_cert_table_certs(&r->certs, sk) : 0;
	pick_certs(sk, r, &sc);
	if (!sc.ek || !sc.ask || !sc.ark) {
		check_add(cl, "certificates", CHECK_FAILED, "%s%s holds no%s%s%s",
			  vo->n_certs ? vo->certs[0] : "the report's certificate table",
			  vo->n_certs > 1 || (vo->n_certs && r->certs.p) ? " (and the other sources)" : "",
			  sc.ek ? "" : r->signer == SNP_SIGNER_VLEK ? " VLEK (CN=SEV-VLEK)" : " VCEK (CN=SEV-VCEK)",
			  sc.ask ? "" : r->signer == SNP_SIGNER_VLEK ? " ASVK (CN=SEV-VLEK-<product>)" :
			  " ASK (CN=SEV-<product>)", sc.ark ? "" : " ARK (CN=ARK-<product>)");
		if (!sc.ek)
			goto expect;
	} else {
		check_add(cl, "certificates", CHECK_PASSED, "%s, %s and ARK found%s", sc.ek_name,
			  sc.ask_name, !n_table ? "" : vo->n_certs ? " (in --certs and the report's "
			  "certificate table)" : " in the report's certificate table");
	}
	check_product(cl, r, &sc, ek_prod, sizeof(ek_prod));
	check_signed(cl, "ark_self_signed", sc.ark, sc.ark, "ARK", "itself");
	{
		char ark_cn[128] = "";

		if (sc.ark)
			x509_cn(sc.ark, ark_cn, sizeof(ark_cn));
		if (root_pin(cl, vo, r, sc.ark, *ek_prod ? ek_prod : ca_product(ark_cn), &pinned))
			goto out;
	}
	check_signed(cl, r->signer == SNP_SIGNER_VLEK ? "asvk_signed_by_ark" : "ask_signed_by_ark",
		     sc.ask, sc.ark, sc.ask_name, "ARK");
	check_signed(cl, r->signer == SNP_SIGNER_VLEK ? "vlek_signed_by_asvk" : "vcek_signed_by_ask",
		     sc.ek, sc.ask, sc.ek_name, sc.ask_name);
	{
		X509 *certs[] = { sc.ek, sc.ask, sc.ark };
		const char *names[] = { sc.ek_name, sc.ask_name, "ARK" };

		check_validity(cl, vo, certs, names, 3);
	}
	cert_label(sc.ek, lbl, sizeof(lbl));
	switch (ecdsa_verify_raw(X509_get0_pubkey(sc.ek), EVP_sha384(), r->p, SNP_SIGNED_SIZE,
				 r->p + SNP_OFF_SIG_R, r->p + SNP_OFF_SIG_S, SNP_SIG_COMPONENT_SIZE,
				 true)) {
	case 1:
		check_add(cl, "report_signature", CHECK_PASSED, "report is signed by the %s (%s)",
			  sc.ek_name, lbl);
		break;
	case 0:
		check_add(cl, "report_signature", CHECK_FAILED, "report signature does not verify "
			  "with the %s's key", sc.ek_name);
		break;
	default:
		check_add(cl, "report_signature", CHECK_FAILED, "the %s's key cannot check an ECDSA "
			  "signature", sc.ek_name);
	}
	if (crl)
		snp_crl_check(cl, vo, crl, pinned, sc.ask, sc.ask_name, sc.ek, sc.ek_name);
	else
		check_add(cl, "crl_signature", CHECK_SKIPPED, "no --crl given: revocation not checked");
	check_tcb(cl, r, sc.ek, sc.ek_name, ek_prod);
	lay = tcb_layout(r, ek_prod);
	if (r->signer == SNP_SIGNER_VLEK)
		check_add(cl, "chip_id", CHECK_SKIPPED, "a VLEK is not bound to one chip (no hwID)");
	else if (hwid_matches(sc.ek, r->p + SNP_OFF_CHIP_ID))
		check_pass(cl, "chip_id", "report chip id is the VCEK's hwID");
	else
		check_add(cl, "chip_id", CHECK_FAILED, "report chip id is not the VCEK's hwID%s",
			  ld32(r->p + SNP_OFF_FLAGS) & 2 ? " (mask_chip_key is set)" : "");
expect:
	snp_fields_check(cl, vo, r, lay);
	check_policy(cl, vo, ld64(r->p + SNP_OFF_POLICY));
	{
		/* A --policy-max that grants DEBUG accepts a debug guest too. */
		struct verify_opts dvo = *vo;

		dvo.allow_debug |= vo->policy_max_set && (vo->policy_max & SNP_POLICY_DEBUG);
		check_debug(cl, &dvo, ld64(r->p + SNP_OFF_POLICY) & SNP_POLICY_DEBUG,
			    "policy bit 19");
	}
	check_bytes(cl, "measurement", "measurement",
		    vo->expect_from ? "--expect-from" : "--expect-measurement",
		    r->p + SNP_OFF_MEASUREMENT, SNP_MEASUREMENT_SIZE, vo->expect_measurement,
		    vo->expect_measurement_len, false);
	check_bytes(cl, "report_data", "report data", "--report-data", r->p + SNP_OFF_REPORT_DATA,
		    SNP_REPORT_DATA_SIZE, vo->report_data, vo->report_data_len, true);
	rc = 0;
out:
	X509_CRL_free(crl);
	X509_free(pinned);
	x509_free_stack(sk);
	return rc;
}

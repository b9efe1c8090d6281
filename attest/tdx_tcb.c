/*
 * TDX quote against Intel's collateral (--collateral): TCB Info and QE
 * Identity signed by the TCB Signing key that chains to the pinned root,
 * all of it valid at the verification time, FMSPC and PCE ID of the PCK
 * leaf, the TCB level the platform, TDX module and QE match (Intel QVL's
 * TcbLevelCheck / TdxModuleCheck / QE identity rules), and the CRLs.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/x509_vfy.h>

#include "attest/pck_ext.h"
#include "attest/tdx_collateral.h"
#include "attest/tdx_tcb.h"
#include "attest/verify.h"
#include "attest/x509.h"

static json_object *jget(json_object *o, const char *k)
{
	json_object *v;

	return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static const char *jstr(json_object *o, const char *k)
{
	json_object *v = jget(o, k);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* An integer member; -1 when absent or not a number. */
static long jint(json_object *o, const char *k)
{
	json_object *v = jget(o, k);

	return v && json_object_is_type(v, json_type_int) ? (long)json_object_get_int64(v) : -1;
}

static int iso_time(const char *s, time_t *t)
{
	struct tm tm = { 0 };
	const char *e = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;

	if (!e)
		return -1;
	if (*e == '.')	/* fractional seconds */
		while (isdigit((unsigned char)*++e))
			;
	if (*e != 'Z' || e[1])
		return -1;
	*t = timegm(&tm);
	return 0;
}

/* The certificate of the collateral's issuer chain whose key made sig over text. */
static X509 *find_signer(const struct tdx_collateral *c, const struct signed_json *sj)
{
	for (int i = 0; i < sk_X509_num(c->certs); i++) {
		X509 *x = sk_X509_value(c->certs, i);

		if (!X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)))
			continue;
		if (ecdsa_verify_raw(X509_get0_pubkey(x), EVP_sha256(), (const uint8_t *)sj->text,
				     sj->len, sj->sig, sj->sig + 32, 32, false) == 1)
			return x;
	}
	ERR_clear_error();
	return NULL;
}

/* 1 when leaf chains to anchor through the collateral's certificates (time: its own check). */
static int chains_to(X509 *leaf, STACK_OF(X509) *pool, X509 *anchor, const char **why)
{
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok = -1;

	*why = "could not set up the chain check";
	if (st && ctx && X509_STORE_add_cert(st, anchor)) {
		X509_STORE_set_flags(st, X509_V_FLAG_NO_CHECK_TIME);
		if (X509_STORE_CTX_init(ctx, st, leaf, pool)) {
			ok = X509_verify_cert(ctx);
			*why = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
		}
	}
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	return ok == 1;
}

static X509 *check_signed(struct checks *cl, const char *name, const char *what,
			  const struct tdx_collateral *c, const struct signed_json *sj, bool have,
			  X509 *anchor)
{
	char lbl[140], la[140];
	const char *why;
	X509 *s;

	if (!have) {
		check_add(cl, name, CHECK_SKIPPED, "no %s in --collateral", what);
		return NULL;
	}
	s = find_signer(c, sj);
	if (!s) {
		check_add(cl, name, CHECK_FAILED, "the %s signature (%s) verifies with no certificate "
			  "of the collateral's issuer chain", what, sj->file);
		return NULL;
	}
	cert_label(s, lbl, sizeof(lbl));
	cert_label(anchor, la, sizeof(la));
	if (!chains_to(s, c->certs, anchor, &why)) {
		check_add(cl, name, CHECK_FAILED, "%s is signed by %s, which does not chain to %s: %s",
			  what, lbl, la, why);
		return NULL;
	}
	check_add(cl, name, CHECK_PASSED, "%s (%s) is signed by %s, which chains to %s", what,
		  sj->file, lbl, la);
	return s;
}

/* issueDate..nextUpdate of each document, thisUpdate..nextUpdate of each CRL, the signer. */
static void check_times(struct checks *cl, const struct verify_opts *vo,
			const struct tdx_collateral *c, X509 *const signers[2])
{
	const struct signed_json *docs[2] = { &c->tcb_info, &c->qe_identity };
	const char *names[2] = { "TCB Info", "QE Identity" };
	const bool have[2] = { c->have_tcb_info, c->have_qe_identity };
	char when[40], lbl[140];
	int n = 0;

	if (!vo->time_check) {
		check_add(cl, "collateral_validity", CHECK_SKIPPED, "--no-time-check");
		return;
	}
	for (int i = 0; i < 2; i++) {
		json_object *o = have[i] ? docs[i]->obj : NULL;
		const char *is = jstr(o, "issueDate"), *nu = jstr(o, "nextUpdate");
		time_t a, b;

		if (!have[i])
			continue;
		if (iso_time(is, &a) || iso_time(nu, &b)) {
			check_add(cl, "collateral_validity", CHECK_FAILED, "%s: issueDate/nextUpdate "
				  "missing or not ISO 8601 UTC", names[i]);
			return;
		}
		if (vo->at < a || vo->at > b) {
			check_add(cl, "collateral_validity", CHECK_FAILED, "%s is valid from %s to %s, "
				  "not at the verification time", names[i], is, nu);
			return;
		}
		n++;
	}
	for (int i = 0; i < sk_X509_CRL_num(c->crls); i++) {
		X509_CRL *crl = sk_X509_CRL_value(c->crls, i);
		const ASN1_TIME *lu = X509_CRL_get0_lastUpdate(crl), *nu = X509_CRL_get0_nextUpdate(crl);
		char a[32], b[32];
		time_t t = vo->at;

		x509_time_str(lu, a, sizeof(a));
		x509_time_str(nu, b, sizeof(b));
		X509_NAME_get_text_by_NID(X509_CRL_get_issuer(crl), NID_commonName, lbl, sizeof(lbl));
		if (!lu || !nu || X509_cmp_time(lu, &t) > 0 || X509_cmp_time(nu, &t) < 0) {
			check_add(cl, "collateral_validity", CHECK_FAILED, "the CRL of CN=%s is valid "
				  "from %s to %s, not at the verification time", lbl, a, b);
			return;
		}
		n++;
	}
	for (int i = 0; i < 2; i++) {
		if (!signers[i] || (i == 1 && signers[1] == signers[0]))
			continue;
		cert_label(signers[i], lbl, sizeof(lbl));
		if (x509_validity(signers[i], vo->at, when, sizeof(when))) {
			check_add(cl, "collateral_validity", CHECK_FAILED, "signer %s is not valid at the "
				  "verification time (%s)", lbl, when);
			return;
		}
		n++;
	}
	check_add(cl, "collateral_validity", CHECK_PASSED, "all %d collateral items are valid at "
		  "the verification time", n);
}

static void check_fmspc(struct checks *cl, const struct tdx_collateral *c, const struct pck_ext *e,
			bool have_ext)
{
	uint8_t f[6], p[2];
	json_object *ti = c->tcb_info.obj;

	if (!c->have_tcb_info) {
		check_add(cl, "fmspc", CHECK_SKIPPED, "no TCB Info in --collateral");
		return;
	}
	if (!have_ext) {
		check_add(cl, "fmspc", CHECK_FAILED, "the PCK leaf has no valid SGX extension "
			  "(FMSPC, PCE ID, TCB)");
		return;
	}
	if (collateral_unhex(jstr(ti, "fmspc"), f, 6) || collateral_unhex(jstr(ti, "pceId"), p, 2))
		check_add(cl, "fmspc", CHECK_FAILED, "TCB Info lacks a valid fmspc / pceId");
	else if (memcmp(f, e->fmspc, 6))
		check_add(cl, "fmspc", CHECK_FAILED, "TCB Info is for FMSPC %s, the PCK leaf says "
			  "%02x%02x%02x%02x%02x%02x", jstr(ti, "fmspc"), e->fmspc[0], e->fmspc[1],
			  e->fmspc[2], e->fmspc[3], e->fmspc[4], e->fmspc[5]);
	else if (memcmp(p, e->pceid, 2))
		check_add(cl, "fmspc", CHECK_FAILED, "TCB Info is for PCE ID %s, the PCK leaf says "
			  "%02x%02x", jstr(ti, "pceId"), e->pceid[0], e->pceid[1]);
	else if (!jstr(ti, "id") || strcmp(jstr(ti, "id"), "TDX"))
		check_add(cl, "fmspc", CHECK_FAILED, "TCB Info id is %s, not TDX",
			  jstr(ti, "id") ? jstr(ti, "id") : "(none)");
	else
		check_add(cl, "fmspc", CHECK_PASSED, "TCB Info is for the PCK leaf's FMSPC %s and "
			  "PCE ID %s", jstr(ti, "fmspc"), jstr(ti, "pceId"));
}

/* The CRL whose issuer is `issuer`, verified with its key; the serial of `subject` looked up. */
static void check_crl(struct checks *cl, const char *name, const struct tdx_collateral *c,
		      X509 *issuer, X509 *subject, const char *what)
{
	char li[140], ls[140];
	X509_REVOKED *rev;

	if (!issuer || !subject) {
		check_add(cl, name, CHECK_SKIPPED, "the chain has no %s to check", what);
		return;
	}
	cert_label(issuer, li, sizeof(li));
	cert_label(subject, ls, sizeof(ls));
	for (int i = 0; i < sk_X509_CRL_num(c->crls); i++) {
		X509_CRL *crl = sk_X509_CRL_value(c->crls, i);

		if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)))
			continue;
		if (X509_CRL_verify(crl, X509_get0_pubkey(issuer)) != 1) {
			ERR_clear_error();
			check_add(cl, name, CHECK_FAILED, "the CRL naming %s as issuer is not signed by it", li);
			return;
		}
		if (X509_CRL_get0_by_cert(crl, &rev, subject) == 1)
			check_add(cl, name, CHECK_FAILED, "%s (%s) is REVOKED by the CRL of %s", what, ls, li);
		else
			check_add(cl, name, CHECK_PASSED, "%s (%s) is not in the CRL of %s (%d entries)",
				  what, ls, li, X509_CRL_get_REVOKED(crl) ?
				  sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)) : 0);
		return;
	}
	check_add(cl, name, CHECK_SKIPPED, "no CRL issued by %s in --collateral", li);
}

/* Intel's rule: a worse QE or TDX module status makes the platform's worse, never better. */
static enum tcb_rank converge(enum tcb_rank platform, enum tcb_rank other)
{
	if (other == TCB_REVOKED || platform == TCB_REVOKED)
		return TCB_REVOKED;
	if (other == TCB_UNKNOWN || platform == TCB_UNKNOWN)
		return TCB_UNKNOWN;
	if (other != TCB_OUT_OF_DATE && other != TCB_OUT_OF_DATE_CONFIGURATION_NEEDED)
		return platform;
	if (platform == TCB_CONFIGURATION_NEEDED || platform == TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED ||
	    platform == TCB_OUT_OF_DATE_CONFIGURATION_NEEDED)
		return TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
	return TCB_OUT_OF_DATE;
}

static void add_advisories(struct tcb_result *t, json_object *level)
{
	json_object *a = jget(level, "advisoryIDs");
	size_t n = a && json_object_is_type(a, json_type_array) ? json_object_array_length(a) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(a, i));
		bool dup = false;

		for (size_t j = 0; s && j < t->n_adv; j++)
			dup |= !strcmp(t->advisories[j], s);
		if (s && !dup && t->n_adv < TCB_MAX_ADVISORIES)
			snprintf(t->advisories[t->n_adv++], sizeof(t->advisories[0]), "%s", s);
	}
}

/* svn array member k of level's tcb ([{"svn": N}, ...] x16) is <= have[0..16). */
static bool comps_le(json_object *tcb, const char *k, const uint8_t *have, int from)
{
	json_object *a = jget(tcb, k);

	if (!a || !json_object_is_type(a, json_type_array) || json_object_array_length(a) != 16)
		return false;
	for (int i = from; i < 16; i++) {
		long s = jint(json_object_array_get_idx(a, (size_t)i), "svn");

		if (s < 0 || s > have[i])
			return false;
	}
	return true;
}

/* The first level (Intel lists them best first) whose every number the platform reaches. */
static json_object *match_platform(json_object *ti, const struct pck_ext *e, const uint8_t *tee_svn,
				   int tdx_from)
{
	json_object *lv = jget(ti, "tcbLevels");
	size_t n = lv && json_object_is_type(lv, json_type_array) ? json_object_array_length(lv) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *l = json_object_array_get_idx(lv, i), *tcb = jget(l, "tcb");
		long pce = jint(tcb, "pcesvn");

		if (comps_le(tcb, "sgxtcbcomponents", e->comp, 0) && pce >= 0 &&
		    (unsigned long)pce <= e->pcesvn && comps_le(tcb, "tdxtcbcomponents", tee_svn, tdx_from))
			return l;
	}
	return NULL;
}

/* The first level with isvsvn <= svn. */
static json_object *match_isvsvn(json_object *levels, unsigned svn)
{
	size_t n = levels && json_object_is_type(levels, json_type_array) ?
		   json_object_array_length(levels) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *l = json_object_array_get_idx(levels, i);
		long s = jint(jget(l, "tcb"), "isvsvn");

		if (s >= 0 && (unsigned long)s <= svn)
			return l;
	}
	return NULL;
}

/* value & mask == want, byte strings of n bytes given as hex; -1 when the JSON lacks them. */
static int masked_eq(const uint8_t *v, const char *want_hex, const char *mask_hex, size_t n)
{
	uint8_t w[64], m[64];

	if (n > sizeof(w) || collateral_unhex(want_hex, w, n) ||
	    (mask_hex && collateral_unhex(mask_hex, m, n)))
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((v[i] & (mask_hex ? m[i] : 0xff)) != w[i])
			return 0;
	return 1;
}

/* The TDX module identity (TCB Info v3): MRSIGNER, attributes and its TCB level. 0 ok. */
static int module_level(struct checks *cl, json_object *ti, const uint8_t *body,
			struct tcb_result *t, enum tcb_rank *rank, const char **why)
{
	const uint8_t *svn = body + TDB_TEE_TCB_SVN;
	json_object *ids = jget(ti, "tdxModuleIdentities"), *id = NULL, *lvl;
	size_t n = ids && json_object_is_type(ids, json_type_array) ? json_object_array_length(ids) : 0;

	(void)cl;
	snprintf(t->module_id, sizeof(t->module_id), "TDX_%02X", svn[1]);
	for (size_t i = 0; i < n && !id; i++) {
		const char *s = jstr(json_object_array_get_idx(ids, i), "id");

		if (s && !strcasecmp(s, t->module_id))
			id = json_object_array_get_idx(ids, i);
	}
	if (!id) {
		*why = "TCB Info lists no identity for the quote's TDX module";
		return -1;
	}
	if (masked_eq(body + TDB_MRSIGNERSEAM, jstr(id, "mrsigner"), NULL, 48) != 1 ||
	    masked_eq(body + TDB_SEAM_ATTR, jstr(id, "attributes"), jstr(id, "attributesMask"), 8) != 1) {
		*why = "the quote's MRSIGNERSEAM / SEAMATTRIBUTES are not the TDX module identity's";
		return -1;
	}
	lvl = match_isvsvn(jget(id, "tcbLevels"), svn[0]);
	if (!lvl) {
		*why = "no TCB level of the TDX module identity matches its SVN";
		return -1;
	}
	snprintf(t->module, sizeof(t->module), "%s", jstr(lvl, "tcbStatus") ? jstr(lvl, "tcbStatus") : "");
	*rank = tcb_rank_of(jstr(lvl, "tcbStatus"));
	add_advisories(t, lvl);
	return 0;
}

/* QE Identity: the QE report is Intel's TD QE, and the TCB level of its ISVSVN. */
static void check_qe(struct checks *cl, const struct tdx_collateral *c, const struct tdx_quote *q,
		     struct tcb_result *t, enum tcb_rank *rank)
{
	json_object *qi = c->qe_identity.obj, *lvl;
	const uint8_t *r = q->qe_report;
	unsigned prod = r[QER_ISVPRODID] | r[QER_ISVPRODID + 1] << 8;
	unsigned svn = r[QER_ISVSVN] | r[QER_ISVSVN + 1] << 8;

	*rank = TCB_UP_TO_DATE;
	if (!c->have_qe_identity) {
		check_add(cl, "qe_identity", CHECK_SKIPPED, "no QE Identity in --collateral");
		return;
	}
	if (!jstr(qi, "id") || strcmp(jstr(qi, "id"), "TD_QE")) {
		check_add(cl, "qe_identity", CHECK_FAILED, "QE Identity id is %s, not TD_QE",
			  jstr(qi, "id") ? jstr(qi, "id") : "(none)");
		*rank = TCB_UNKNOWN;
		return;
	}
	if (masked_eq(r + QER_MRSIGNER, jstr(qi, "mrsigner"), NULL, 32) != 1) {
		check_add(cl, "qe_identity", CHECK_FAILED, "the QE's MRSIGNER is not Intel's (%s)",
			  jstr(qi, "mrsigner") ? jstr(qi, "mrsigner") : "none given");
		*rank = TCB_UNKNOWN;
		return;
	}
	if (jint(qi, "isvprodid") != (long)prod) {
		check_add(cl, "qe_identity", CHECK_FAILED, "the QE's ISVPRODID is %u, QE Identity "
			  "says %ld", prod, jint(qi, "isvprodid"));
		*rank = TCB_UNKNOWN;
		return;
	}
	{
		uint8_t ms[4] = { r[QER_MISCSELECT + 3], r[QER_MISCSELECT + 2], r[QER_MISCSELECT + 1],
				  r[QER_MISCSELECT] };	/* Intel writes MISCSELECT as a big-endian number */

		if (masked_eq(ms, jstr(qi, "miscselect"), jstr(qi, "miscselectMask"), 4) != 1 ||
		    masked_eq(r + QER_ATTRIBUTES, jstr(qi, "attributes"), jstr(qi, "attributesMask"),
			      16) != 1) {
			check_add(cl, "qe_identity", CHECK_FAILED, "the QE's masked MISCSELECT or "
				  "ATTRIBUTES differ from QE Identity's");
			*rank = TCB_UNKNOWN;
			return;
		}
	}
	lvl = match_isvsvn(jget(qi, "tcbLevels"), svn);
	if (!lvl) {
		check_add(cl, "qe_identity", CHECK_FAILED, "no QE Identity TCB level for ISVSVN %u", svn);
		*rank = TCB_UNKNOWN;
		snprintf(t->qe, sizeof(t->qe), "NoMatchingTcbLevel");
		return;
	}
	snprintf(t->qe, sizeof(t->qe), "%s", jstr(lvl, "tcbStatus") ? jstr(lvl, "tcbStatus") : "");
	*rank = tcb_rank_of(jstr(lvl, "tcbStatus"));
	add_advisories(t, lvl);
	check_add(cl, "qe_identity", CHECK_PASSED, "the QE is Intel's TD QE (MRSIGNER, ISVPRODID "
		  "%u, MISCSELECT, ATTRIBUTES); ISVSVN %u is %s", prod, svn, t->qe);
}

static void advisory_text(const struct tcb_result *t, char *buf, size_t n)
{
	size_t o = (size_t)snprintf(buf, n, "%s", t->n_adv ? "" : "none");

	for (size_t i = 0; i < t->n_adv && o < n; i++)
		o += (size_t)snprintf(buf + o, n - o, "%s%s", i ? ", " : "", t->advisories[i]);
}

static void check_status(struct checks *cl, const struct verify_opts *vo,
			 const struct tdx_collateral *c, const struct tdx_quote *q,
			 const struct pck_ext *e, bool have_ext, enum tcb_rank qe_rank)
{
	struct tcb_result *t = &cl->tcb;
	json_object *ti = c->tcb_info.obj, *lvl;
	const uint8_t *svn = q->body + TDB_TEE_TCB_SVN;
	bool has_ids = jget(ti, "tdxModuleIdentities") != NULL;
	enum tcb_rank rank, mrank = TCB_UP_TO_DATE;
	const char *why = NULL;
	char adv[TCB_MAX_ADVISORIES * 26];

	if (!c->have_tcb_info || !have_ext) {
		check_add(cl, "tcb_status", CHECK_SKIPPED, "%s", !have_ext ? "the PCK leaf carries no "
			  "TCB to match" : "no TCB Info in --collateral: the TCB level is not evaluated");
		return;
	}
	t->set = true;
	/* A TDX module with a major version > 0 has its own identity; TEE_TCB_SVN[0..1] are its SVN. */
	lvl = match_platform(ti, e, svn, has_ids && svn[1] > 0 ? 2 : 0);
	if (has_ids && svn[1] > 0 && module_level(cl, ti, q->body, t, &mrank, &why))
		mrank = TCB_UNKNOWN;
	if (lvl) {
		snprintf(t->platform, sizeof(t->platform), "%s", jstr(lvl, "tcbStatus") ?
			 jstr(lvl, "tcbStatus") : "");
		snprintf(t->platform_date, sizeof(t->platform_date), "%s", jstr(lvl, "tcbDate") ?
			 jstr(lvl, "tcbDate") : "");
		add_advisories(t, lvl);
	} else {
		snprintf(t->platform, sizeof(t->platform), "NoMatchingTcbLevel");
	}
	if (!lvl || why) {
		snprintf(t->status, sizeof(t->status), "NoMatchingTcbLevel");
		advisory_text(t, adv, sizeof(adv));
		check_add(cl, "tcb_status", CHECK_FAILED, "no matching TCB level: %s (TDX module %s: "
			  "%s; QE %s; advisories: %s)", lvl ? why : "the platform (PCK SGX components, "
			  "PCE SVN, TEE_TCB_SVN) reaches no level of TCB Info",
			  t->module_id[0] ? t->module_id : "-", t->module[0] ? t->module : "-",
			  t->qe[0] ? t->qe : "-", adv);
		return;
	}
	rank = converge(converge(tcb_rank_of(t->platform), mrank), qe_rank);
	snprintf(t->status, sizeof(t->status), "%s", rank == TCB_UNKNOWN ?
		 (qe_rank == TCB_UNKNOWN ? "NoMatchingTcbLevel" : t->platform) : tcb_rank_names[rank]);
	t->accepted = rank != TCB_UNKNOWN && rank != TCB_REVOKED && (vo->accept_tcb >> rank & 1);
	advisory_text(t, adv, sizeof(adv));
	check_add(cl, "tcb_status", t->accepted ? CHECK_PASSED : CHECK_FAILED,
		  "%s (platform %s of %s%s%s%s%s%s%s); advisories: %s%s", t->status, t->platform,
		  t->platform_date, t->module_id[0] ? ", TDX module " : "", t->module_id,
		  t->module_id[0] ? " " : "", t->module, t->qe[0] ? ", QE " : "", t->qe, adv,
		  t->accepted ? "" : rank == TCB_REVOKED ? " (Revoked never passes)" :
		  " (not accepted: --accept-tcb widens the policy)");
}

int tdx_collateral_verify(struct checks *cl, const struct verify_opts *vo, const struct tdx_quote *q,
			  STACK_OF(X509) *chain, X509 *anchor)
{
	struct tdx_collateral c;
	struct pck_ext e;
	X509 *signers[2], *leaf = sk_X509_value(chain, 0), *ca = NULL;
	enum tcb_rank qe_rank = TCB_UP_TO_DATE;
	bool have_ext;

	if (!vo->collateral) {
		check_add(cl, "tcb_status", CHECK_SKIPPED, "no --collateral: the TCB level against "
			  "Intel's TCB Info and QE Identity is not evaluated");
		return 0;
	}
	if (tdx_collateral_load(vo->collateral, &c)) {
		tdx_collateral_free(&c);
		return -1;
	}
	have_ext = pck_ext_parse(leaf, &e) == 0;
	signers[0] = check_signed(cl, "tcb_info_signature", "TCB Info", &c, &c.tcb_info,
				  c.have_tcb_info, anchor);
	signers[1] = check_signed(cl, "qe_identity_signature", "QE Identity", &c, &c.qe_identity,
				  c.have_qe_identity, anchor);
	check_times(cl, vo, &c, signers);
	check_fmspc(cl, &c, &e, have_ext);
	for (int i = 1; i < sk_X509_num(chain) && !ca; i++)
		if (!X509_NAME_cmp(X509_get_subject_name(sk_X509_value(chain, i)), X509_get_issuer_name(leaf)))
			ca = sk_X509_value(chain, i);
	check_crl(cl, "pck_crl", &c, ca, leaf, "the PCK leaf");
	check_crl(cl, "root_crl", &c, anchor, ca, "the PCK CA");
	check_qe(cl, &c, q, &cl->tcb, &qe_rank);
	check_status(cl, vo, &c, q, &e, have_ext, qe_rank);
	tdx_collateral_free(&c);
	return 0;
}

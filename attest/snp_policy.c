#include <stdio.h>

#include "attest/bytes.h"
#include "attest/snp_policy.h"

/* One TCB_VERSION as its components, in the order the layout names them. */
static int tcb_text(char *buf, size_t n, uint64_t raw, enum snp_tcb_layout lay)
{
	struct snp_tcb t = snp_tcb_decode(raw, lay);

	if (lay == SNP_TCB_TURIN)
		return snprintf(buf, n, "fmc %u bl %u tee %u snp %u ucode %u", t.fmc, t.boot_loader,
				t.tee, t.snp, t.microcode);
	return snprintf(buf, n, "bl %u tee %u snp %u ucode %u", t.boot_loader, t.tee, t.snp,
			t.microcode);
}

/* Every component of a is <= b's (SPLs only grow with firmware updates). */
static bool tcb_le(uint64_t a, uint64_t b, enum snp_tcb_layout lay)
{
	struct snp_tcb x = snp_tcb_decode(a, lay), y = snp_tcb_decode(b, lay);

	return (lay != SNP_TCB_TURIN || x.fmc <= y.fmc) && x.boot_loader <= y.boot_loader &&
	       x.tee <= y.tee && x.snp <= y.snp && x.microcode <= y.microcode;
}

static void ver_text(char *buf, size_t n, const uint8_t *p)
{
	snprintf(buf, n, "%u.%u.%u", p[2], p[1], p[0]);	/* major.minor.build */
}

/*
 * Provisional firmware: the host updated the SNP firmware or microcode but
 * did not commit it, so it can still roll back to the committed version,
 * whose TCB (and VCEK) is the older one.
 */
static void check_committed(struct checks *cl, const struct verify_opts *vo,
			    const struct snp_report *r, enum snp_tcb_layout lay)
{
	uint64_t cur = ld64(r->p + SNP_OFF_CURRENT_TCB), com = ld64(r->p + SNP_OFF_COMMITTED_TCB);
	const uint8_t *cv = r->p + SNP_OFF_CURRENT_VER, *mv = r->p + SNP_OFF_COMMITTED_VER;
	char a[80], b[80], va[16], vb[16];
	bool same = cur == com && cv[0] == mv[0] && cv[1] == mv[1] && cv[2] == mv[2];

	tcb_text(a, sizeof(a), cur, lay);
	tcb_text(b, sizeof(b), com, lay);
	ver_text(va, sizeof(va), cv);
	ver_text(vb, sizeof(vb), mv);
	if (same)
		check_add(cl, "committed_tcb", CHECK_PASSED, "committed TCB and firmware %s are the "
			  "current ones (%s)", vb, b);
	else
		check_add(cl, "committed_tcb", vo->allow_provisional ? CHECK_PASSED : CHECK_FAILED,
			  "provisional firmware: committed TCB %s (0x%016llx, firmware %s) is not "
			  "the current TCB %s (0x%016llx, firmware %s)%s", b, (unsigned long long)com,
			  vb, a, (unsigned long long)cur, va, vo->allow_provisional ?
			  " (allowed: --allow-provisional-firmware)" :
			  " (--allow-provisional-firmware accepts it)");
}

static void check_reported(struct checks *cl, const struct snp_report *r, enum snp_tcb_layout lay)
{
	uint64_t rep = ld64(r->p + SNP_OFF_REPORTED_TCB), com = ld64(r->p + SNP_OFF_COMMITTED_TCB);
	char a[80], b[80];

	tcb_text(a, sizeof(a), rep, lay);
	tcb_text(b, sizeof(b), com, lay);
	check_add(cl, "reported_tcb_committed", tcb_le(rep, com, lay) ? CHECK_PASSED : CHECK_FAILED,
		  "reported TCB %s %s the committed TCB %s", a,
		  tcb_le(rep, com, lay) ? "is at or below" : "is newer than", b);
}

static void check_min_tcb(struct checks *cl, const struct verify_opts *vo,
			  const struct snp_report *r, enum snp_tcb_layout lay)
{
	static const struct { const char *name; int off; } tcbs[] = {
		{ "current", SNP_OFF_CURRENT_TCB }, { "committed", SNP_OFF_COMMITTED_TCB },
		{ "reported", SNP_OFF_REPORTED_TCB },
	};
	char want[80], got[80], msg[360];
	size_t used = 0;

	if (!vo->min_tcb_set) {
		check_add(cl, "min_tcb", CHECK_SKIPPED, "no --min-tcb given");
		return;
	}
	tcb_text(want, sizeof(want), vo->min_tcb, lay);
	for (size_t i = 0; i < sizeof(tcbs) / sizeof(tcbs[0]); i++) {
		uint64_t v = ld64(r->p + tcbs[i].off);

		if (tcb_le(vo->min_tcb, v, lay))
			continue;
		tcb_text(got, sizeof(got), v, lay);
		used += (size_t)snprintf(msg + used, used < sizeof(msg) ? sizeof(msg) - used : 0,
					 "%s%s TCB %s", used ? ", " : "", tcbs[i].name, got);
		if (used >= sizeof(msg))
			break;
	}
	if (used)
		check_add(cl, "min_tcb", CHECK_FAILED, "below --min-tcb %s: %s", want, msg);
	else
		check_add(cl, "min_tcb", CHECK_PASSED, "current, committed and reported TCB reach "
			  "--min-tcb %s", want);
}

void snp_fields_check(struct checks *cl, const struct verify_opts *vo, const struct snp_report *r,
		      enum snp_tcb_layout lay)
{
	uint32_t vmpl = ld32(r->p + SNP_OFF_VMPL), svn = ld32(r->p + SNP_OFF_GUEST_SVN);

	check_committed(cl, vo, r, lay);
	check_reported(cl, r, lay);
	check_min_tcb(cl, vo, r, lay);
	/* VMPL 0 is the guest's most privileged level: a lower one (an SVSM's guest OS) must be asked for. */
	if (vmpl == vo->vmpl)
		check_add(cl, "vmpl", CHECK_PASSED, "report requested at VMPL %u", vmpl);
	else
		check_add(cl, "vmpl", CHECK_FAILED, "report requested at VMPL %u, not %u%s", vmpl,
			  vo->vmpl, vo->vmpl_set ? " (--vmpl)" : " (the default; --vmpl N accepts another)");
	if (!vo->min_guest_svn_set)
		check_add(cl, "guest_svn", CHECK_SKIPPED, "no --min-guest-svn given");
	else
		check_add(cl, "guest_svn", svn >= vo->min_guest_svn ? CHECK_PASSED : CHECK_FAILED,
			  "guest SVN %u %s --min-guest-svn %u", svn,
			  svn >= vo->min_guest_svn ? "reaches" : "is below", vo->min_guest_svn);
	check_bytes(cl, "host_data", "host data", "--host-data", r->p + SNP_OFF_HOST_DATA, 32,
		    vo->host_data, vo->host_data_len, false);
	check_bytes(cl, "id_key_digest", "ID key digest", "--id-key-digest",
		    r->p + SNP_OFF_ID_KEY_DIGEST, 48, vo->id_key_digest, vo->id_key_digest_len, false);
	check_bytes(cl, "author_key_digest", "author key digest", "--author-key-digest",
		    r->p + SNP_OFF_AUTHOR_KEY_DIGEST, 48, vo->author_key_digest,
		    vo->author_key_digest_len, false);
}

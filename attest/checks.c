#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "attest/checks.h"

void check_add(struct checks *cl, const char *name, enum check_result res, const char *fmt, ...)
{
	struct check *c;
	va_list ap;

	if (cl->n >= CHECKS_MAX)
		return;
	c = &cl->c[cl->n++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->result = res;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
}

size_t checks_failed(const struct checks *cl)
{
	size_t n = 0;

	for (size_t i = 0; i < cl->n; i++)
		n += cl->c[i].result == CHECK_FAILED;
	return n;
}

const struct check *check_find(const struct checks *cl, const char *name)
{
	for (size_t i = 0; i < cl->n; i++)
		if (!strcmp(cl->c[i].name, name))
			return &cl->c[i];
	return NULL;
}

static const char *result_name(enum check_result r)
{
	return r == CHECK_PASSED ? "passed" : r == CHECK_FAILED ? "failed" : "skipped";
}

static void tcb_dump(struct out *o, const struct tcb_result *t)
{
	if (!t->set) {
		out_str(o, "tcb", NULL);
		return;
	}
	out_begin(o, "tcb");
	out_str(o, "status", t->status);
	out_bool(o, "accepted", t->accepted);
	out_str(o, "platform_status", t->platform);
	out_str(o, "platform_tcb_date", t->platform_date[0] ? t->platform_date : NULL);
	out_str(o, "tdx_module_id", t->module_id[0] ? t->module_id : NULL);
	out_str(o, "tdx_module_status", t->module[0] ? t->module : NULL);
	out_str(o, "qe_status", t->qe[0] ? t->qe : NULL);
	out_begin_array(o, "advisory_ids");
	for (size_t i = 0; i < t->n_adv; i++)
		out_str(o, NULL, t->advisories[i]);
	out_end_array(o);
	out_end(o);
}

void checks_dump(struct out *o, const struct checks *cl)
{
	size_t failed = checks_failed(cl), passed = 0;
	const struct check *tcb = check_find(cl, "tcb_status");
	/* A TDX verdict reached without Intel's collateral says so: it is not Intel's verdict. */
	bool excl = tcb && tcb->result == CHECK_SKIPPED;

	for (size_t i = 0; i < cl->n; i++)
		passed += cl->c[i].result == CHECK_PASSED;
	if (o->json) {
		out_begin_array(o, "checks");
		for (size_t i = 0; i < cl->n; i++) {
			out_begin(o, NULL);
			out_str(o, "name", cl->c[i].name);
			out_str(o, "result", result_name(cl->c[i].result));
			out_str(o, "detail", cl->c[i].detail);
			out_end(o);
		}
		out_end_array(o);
		out_u64(o, "passed", passed);
		out_u64(o, "failed", failed);
		out_u64(o, "skipped", cl->n - passed - failed);
		out_str(o, "result", failed ? "failed" : "passed");
		if (tcb) {
			out_bool(o, "verdict_excludes_tcb_status", excl);
			tcb_dump(o, &cl->tcb);
		}
		return;
	}
	for (size_t i = 0; i < cl->n; i++) {
		/* The detail can quote a certificate's CN: out_str() defuses it. */
		fprintf(o->f, "%-8s %-22s ", result_name(cl->c[i].result), cl->c[i].name);
		out_text_str(o->f, cl->c[i].detail);
		fputc('\n', o->f);
	}
	fprintf(o->f, "result: %s (%zu passed, %zu failed, %zu skipped)%s\n",
		failed ? "FAILED" : "passed", passed, failed, cl->n - passed - failed,
		excl ? "; the verdict excludes TCB status (no --collateral evaluated)" : "");
}

static void hex_str(char *buf, size_t cap, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && 2 * i + 3 <= cap; i++)
		snprintf(buf + 2 * i, 3, "%02x", p[i]);
	buf[2 * i] = '\0';
}

void check_bytes(struct checks *cl, const char *name, const char *what, const char *source,
		 const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len,
		 bool pad_zero)
{
	char g[160], w[160];
	bool ok;

	if (!want) {
		check_add(cl, name, CHECK_SKIPPED, "no %s given", source);
		return;
	}
	ok = pad_zero ? want_len <= got_len : want_len == got_len;
	for (size_t i = 0; ok && i < got_len; i++)
		ok = got[i] == (i < want_len ? want[i] : 0);
	hex_str(g, sizeof(g), got, got_len);
	hex_str(w, sizeof(w), want, want_len);
	if (ok)
		check_add(cl, name, CHECK_PASSED, "%s is the one %s gives: %s", what, source, g);
	else if (!pad_zero && want_len != got_len)
		check_add(cl, name, CHECK_FAILED, "%s gives %zu bytes, the %s has %zu", source,
			  want_len, what, got_len);
	else
		check_add(cl, name, CHECK_FAILED, "%s is %s, %s gives %s", what, g, source, w);
}

void check_debug(struct checks *cl, const struct verify_opts *vo, bool debug, const char *where)
{
	if (!debug)
		check_add(cl, "debug", CHECK_PASSED, "%s: debugging is off", where);
	else if (vo->allow_debug)
		check_add(cl, "debug", CHECK_PASSED, "%s: debugging is ON (allowed: --allow-debug or --policy-max)", where);
	else
		check_add(cl, "debug", CHECK_FAILED, "%s: debugging is ON: the host can read and "
			  "change guest memory (--allow-debug accepts it)", where);
}

const char *const tcb_rank_names[TCB_RANKS] = {
	"UpToDate", "SWHardeningNeeded", "ConfigurationNeeded",
	"ConfigurationAndSWHardeningNeeded", "OutOfDate", "OutOfDateConfigurationNeeded",
	"(unknown)", "Revoked",
};

enum tcb_rank tcb_rank_of(const char *name)
{
	for (int r = 0; r < TCB_RANKS; r++)
		if (r != TCB_UNKNOWN && name && !strcmp(name, tcb_rank_names[r]))
			return (enum tcb_rank)r;
	return TCB_UNKNOWN;
}

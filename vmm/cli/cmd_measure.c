/*
 * `cvmm measure --snp|--tdx [launch options]`: the launch measurement the
 * hardware will report for exactly this launch, predicted from the launch
 * plan `cvmm run` executes. Prints the digest as lowercase hex; --json adds
 * every input's hash, page counts by type, the plan and what the digest
 * depends on.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "attest/measure/measure.h"
#include "attest/out.h"
#include "loader/layout.h"
#include "loader/plan_coco.h"
#include "loader/boot/snp_cpu.h"
#include "loader/boot/snp_hashes.h"
#include "loader/boot/vmsa.h"
#include "vmm/cli/commands.h"
#include "vmm/log.h"
#include "vmm/cli/opts.h"
#include "vmm/platform/platform_coco.h"

enum { OPT_JSON = 0x300 };

extern const uint8_t shim_blob[], shim_blob_end[];

static const struct argp_option measure_options[] = {
	{ "json", OPT_JSON, NULL, 0,
	  "Print JSON: the digest, every input's hash, page counts by type, the plan, "
	  "and whether the digest depends on the vCPU count or the RAM size", 10 },
	{ 0 }
};

static error_t measure_parse(int key, char *arg, struct argp_state *state)
{
	struct launch_opts *o = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = o;
		state->child_inputs[1] = o;
		break;
	case OPT_JSON:
		o->json = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child measure_children[] = {
	{ &launch_argp, 0, NULL, 0 },
	{ &coco_argp, 0, NULL, 0 },
	{ 0 }
};

static const struct argp measure_argp = {
	measure_options, measure_parse, NULL,
	"Predict the launch measurement of an SNP or TDX launch (no KVM needed).\v"
	"Prints the SNP launch digest or the TDX MRTD as lowercase hex. Examples:\n"
	"  cvmm measure --snp --firmware /usr/share/OVMF/OVMF_CODE.fd --cpus 4 --vcpu-type EPYC-Milan\n"
	"  cvmm measure --tdx --firmware /usr/share/ovmf/OVMF.fd --json",
	measure_children, NULL, NULL,
};

static void json_hex(FILE *f, const uint8_t *b, size_t n)
{
	char hex[2 * 64 + 1];

	measure_hex(b, n, hex);
	fprintf(f, "\"%s\"", hex);
}

/* EVP_Digest that says so when OpenSSL fails, rather than print a wrong digest. */
static int digest(const void *data, size_t n, uint8_t *out, const EVP_MD *md)
{
	if (EVP_Digest(data, n, out, NULL, md, NULL) != 1) {
		cvmm_err("measure: OpenSSL %s failed", EVP_MD_get0_name(md));
		return -1;
	}
	return 0;
}

static int json_file(FILE *f, const char *key, const char *path, const char *what)
{
	uint8_t h256[32], h384[48];
	uint64_t size;

	if (digest_file(path, what, "SHA256", h256, &size) ||
	    digest_file(path, what, "SHA384", h384, NULL))
		return -1;
	fprintf(f, "    \"%s\": { \"path\": ", key);
	out_json_str(f, path);
	fprintf(f, ", \"size\": %llu, \"sha256\": ", (unsigned long long)size);
	json_hex(f, h256, 32);
	fprintf(f, ", \"sha384\": ");
	json_hex(f, h384, 48);
	fprintf(f, " },\n");
	return 0;
}

/* Direct boot: the shim cvmm links in is an input like any file. */
static int json_shim(FILE *f)
{
	size_t len = (size_t)(shim_blob_end - shim_blob);
	uint8_t h256[32], h384[48];

	if (digest(shim_blob, len, h256, EVP_sha256()) || digest(shim_blob, len, h384, EVP_sha384()))
		return -1;
	fprintf(f, "    \"boot_shim\": { \"size\": %zu, \"sha256\": ", len);
	json_hex(f, h256, 32);
	fprintf(f, ", \"sha384\": ");
	json_hex(f, h384, 48);
	fprintf(f, " },\n");
	return 0;
}

/*
 * Whether the digest changes when only one input changes: measured, not
 * assumed, by building the plan again with that input changed. The first
 * build succeeded, so a failure here is about the changed input: say so in
 * one line that carries the inner reason.
 */
/* Measured content equal: same place, size, type and bytes (NULL data: zeros). */
static bool same_piece(const struct plan_piece *a, const struct plan_piece *b)
{
	if (a->gpa != b->gpa || a->len != b->len || a->type != b->type || a->measured != b->measured)
		return false;
	if (!a->data || !b->data)
		return !a->data && !b->data;
	return a->data_len == b->data_len && !memcmp(a->data, b->data, a->data_len);
}

/*
 * Why a digest moved: the measured pieces (by name) whose content differs
 * between the plan and one built with another --cpus or --mem, and the
 * VMSAs (SNP: one per vCPU). Comma-separated JSON strings into out.
 */
static void through(const struct launch_plan *a, const struct launch_plan *b, char *out, size_t n)
{
	size_t o = 0;

	out[0] = '\0';
	for (int pass = 0; pass < 2; pass++) {
		const struct launch_plan *x = pass ? b : a, *y = pass ? a : b;

		for (size_t i = 0; i < x->n_pieces; i++) {
			const struct plan_piece *q = &x->pieces[i];
			bool found = false;
			char item[80];

			if (!q->measured)
				continue;
			for (size_t j = 0; j < y->n_pieces && !found; j++)
				found = same_piece(q, &y->pieces[j]);
			snprintf(item, sizeof(item), "\"%s\"", q->what);
			if (found || strstr(out, item))
				continue;
			o += (size_t)snprintf(out + o, o < n ? n - o : 0, "%s%s", o ? ", " : "", item);
		}
	}
	if (a->coco.n_vcpus != b->coco.n_vcpus && (a->coco.vmsa || b->coco.vmsa))
		o += (size_t)snprintf(out + o, o < n ? n - o : 0, "%s\"VMSA\"", o ? ", " : "");
	if (o >= n && n)
		out[n - 1] = '\0';
}

static int depends(const struct launch_opts *o, const struct measurement *m, const struct launch_plan *p,
		   bool *cpus, bool *mem, char *cpus_via, char *mem_via, size_t n)
{
	struct launch_opts alt = *o;
	struct measurement am;
	struct launch_plan ap;
	int saved = cvmm_verbosity;
	char why[512], what[64];
	int ret = -1;

	cvmm_verbosity = LOG_QUIET;	/* warnings were printed by the first build */
	cvmm_err_capture(why, sizeof(why));
	alt.cpus = o->cpus + 1;
	snprintf(what, sizeof(what), "--cpus %d", alt.cpus);
	if (measure_from_opts(&alt, &am, &ap))
		goto out;
	*cpus = memcmp(am.digest, m->digest, sizeof(am.digest)) != 0;
	through(p, &ap, cpus_via, n);
	plan_free(&ap);
	alt = *o;
	alt.mem = o->mem * 2 <= LAYOUT_MAX_MEM ? o->mem * 2 : o->mem / 2;
	snprintf(what, sizeof(what), "--mem %llu", (unsigned long long)alt.mem);
	if (measure_from_opts(&alt, &am, &ap))
		goto out;
	*mem = memcmp(am.digest, m->digest, sizeof(am.digest)) != 0;
	through(p, &ap, mem_via, n);
	plan_free(&ap);
	ret = 0;
out:
	cvmm_err_capture(NULL, 0);
	cvmm_verbosity = saved;
	if (ret)
		cvmm_err("measure --json: the extra build with %s (does the digest depend on it?) "
			 "failed: %s", what, *why ? why : "no reason given");
	return ret;
}

static void json_options(FILE *f, const struct launch_opts *o, const struct launch_plan *p)
{
	fprintf(f, "  \"image\": ");
	out_json_str(f, p->image_kind ? p->image_kind : "?");
	fprintf(f, ",\n  \"options\": { \"cpus\": %d, \"mem\": %llu", o->cpus,
		(unsigned long long)o->mem);
	if (p->coco.platform == PLATFORM_SNP) {
		fprintf(f, ", \"vcpu_type\": ");
		out_json_str(f, o->vcpu_type ? o->vcpu_type : SNP_CPU_DEFAULT);
		fprintf(f, ", \"vcpu_signature\": \"0x%08x\", \"guest_features\": \"0x%llx\", "
			"\"vmm_type\": \"%s\", \"legacy_vmsa\": %s, \"policy\": \"0x%llx\", "
			"\"ap_eip\": \"0x%08x\"",
			p->coco.vcpu_sig, (unsigned long long)p->coco.sev_features,
			vmsa_vmm_name(o->vmm_type), o->legacy_vmsa ? "true" : "false",
			(unsigned long long)p->coco.policy, p->coco.ap_eip);
	} else {
		fprintf(f, ", \"mrtd_order\": \"%s\", \"td_hob_gpa\": \"0x%llx\", "
			"\"page_aug_sections\": %d",
			p->coco.mrtd_two_pass ? "two-pass" : "single",
			(unsigned long long)p->coco.td_hob_gpa, p->coco.n_aug);
	}
	fprintf(f, " },\n");
}

static int json_plan(FILE *f, const struct launch_plan *p, const struct measurement *m)
{
	bool first = true;

	fprintf(f, "  \"pages\": {");
	for (int t = PIECE_NORMAL; t < MEASURE_PIECE_TYPES; t++) {
		if (!m->st.pages[t])
			continue;
		fprintf(f, "%s \"%s\": %llu", first ? "" : ",", piece_type_name(t),
			(unsigned long long)m->st.pages[t]);
		first = false;
	}
	fprintf(f, " },\n");
	if (p->coco.platform == PLATFORM_TDX)
		fprintf(f, "  \"records\": { \"mem_page_add\": %llu, \"mr_extend\": %llu },\n",
			(unsigned long long)m->st.page_adds, (unsigned long long)m->st.extends);
	fprintf(f, "  \"plan\": [\n");
	for (size_t i = 0; i < p->n_pieces; i++) {
		const struct plan_piece *q = &p->pieces[i];

		fprintf(f, "    { \"gpa\": \"0x%llx\", \"pages\": %llu, \"type\": \"%s\", "
			"\"measured\": %s, \"what\": ",
			(unsigned long long)q->gpa,
			(unsigned long long)PAGES(q->len),
			piece_type_name(q->type), q->measured ? "true" : "false");
		out_json_str(f, q->what);
		fprintf(f, " }%s\n", i + 1 < p->n_pieces || p->coco.vmsa ? "," : "");
	}
	for (int i = 0; p->coco.vmsa && i < p->coco.n_vcpus; i++) {
		uint8_t h[48];

		if (digest(p->coco.vmsa[i], VMSA_SIZE, h, EVP_sha384()))
			return -1;
		fprintf(f, "    { \"vcpu\": %d, \"type\": \"vmsa\", \"measured\": true, "
			"\"what\": \"VMSA\", \"sha384\": ", i);
		json_hex(f, h, 48);
		fprintf(f, " }%s\n", i + 1 < p->coco.n_vcpus ? "," : "");
	}
	fprintf(f, "  ],\n");
	return 0;
}

/* TDX: what of the RTMRs follows from the inputs alone (see README). */
static int json_rtmr(FILE *f, const struct launch_plan *p)
{
	for (size_t i = 0; i < p->n_pieces; i++) {
		uint8_t h[48];

		if (strcmp(p->pieces[i].what, "CFV") || !p->pieces[i].data)
			continue;
		if (digest(p->pieces[i].data, p->pieces[i].data_len, h, EVP_sha384()))
			return -1;
		fprintf(f, "  \"rtmr0_cfv_event\": ");
		json_hex(f, h, 48);
		fprintf(f, ",\n");
	}
	fprintf(f, "  \"rtmr_note\": \"RTMR0-2 are extended by the firmware at boot; "
		   "cvmm predicts the CFV event digest only; the TD HOB event depends on --mem\",\n");
	return 0;
}

static int print_json(FILE *f, const struct launch_opts *o, const struct launch_plan *p,
		      const struct measurement *m)
{
	bool dep_cpus, dep_mem;
	uint8_t h[32];
	const char *cl = o->cmdline ? o->cmdline : "";
	char cpus_via[512], mem_via[512];

	if (depends(o, m, p, &dep_cpus, &dep_mem, cpus_via, mem_via, sizeof(cpus_via)))
		return -1;
	fprintf(f, "{\n  \"platform\": \"%s\",\n  \"measurement\": \"%s\",\n  \"digest\": ",
		m->platform, p->coco.platform == PLATFORM_SNP ? "launch_digest" : "mrtd");
	json_hex(f, m->digest, 48);
	fprintf(f, ",\n  \"inputs\": {\n");
	if ((o->firmware ? json_file(f, "firmware", o->firmware, "--firmware") : json_shim(f)) ||
	    (o->kernel && json_file(f, "kernel", o->kernel, "--kernel")) ||
	    (o->initrd && json_file(f, "initrd", o->initrd, "--initrd")))
		return -1;
	if (digest(cl, strlen(cl) + 1, h, EVP_sha256()))
		return -1;
	fprintf(f, "    \"cmdline\": { \"value\": ");
	out_json_str(f, cl);
	fprintf(f, ", \"sha256_with_nul\": ");
	json_hex(f, h, 32);
	fprintf(f, " }\n  },\n");
	json_options(f, o, p);
	if (json_plan(f, p, m) || (p->coco.platform == PLATFORM_TDX && json_rtmr(f, p)))
		return -1;
	fprintf(f, "  \"bytes_hashed\": %llu,\n", (unsigned long long)m->st.bytes_hashed);
	/* _through: the measured pieces a change of --cpus / --mem changes (the MADT, VMSAs) */
	fprintf(f, "  \"depends_on\": { \"vcpus\": %s, \"mem\": %s, \"vcpus_through\": [%s], "
		"\"mem_through\": [%s] }\n}\n", dep_cpus ? "true" : "false", dep_mem ? "true" : "false",
		cpus_via, mem_via);
	return 0;
}

int cmd_measure(int argc, char **argv)
{
	struct launch_opts o;
	struct launch_plan p;
	struct measurement m;
	char hex[2 * MEASURE_DIGEST_LEN + 1];
	int ret;

	launch_opts_init(&o);
	if (argp_parse(&measure_argp, argc, argv, 0, NULL, &o))
		return CVMM_EXIT_USAGE;
	if (o.platform != PLATFORM_SNP && o.platform != PLATFORM_TDX) {
		cvmm_err("measure: give --snp or --tdx (only confidential launches are measured)");
		return CVMM_EXIT_USAGE;
	}
	if (opts_check_scope(&o, OPT_CMD_MEASURE))
		return CVMM_EXIT_USAGE;
	/* not in the digest, but a policy no launch would accept predicts nothing */
	if (o.platform == PLATFORM_SNP && snp_policy_check(launch_snp_policy(&o), 0, false))
		return CVMM_EXIT_USAGE;
	if (measure_from_opts(&o, &m, &p))
		return CVMM_EXIT_USAGE;
	if (o.json) {
		ret = print_json(stdout, &o, &p, &m);
	} else {
		measure_hex(m.digest, sizeof(m.digest), hex);
		ret = printf("%s\n", hex) < 0 ? -1 : 0;
	}
	plan_free(&p);
	if (fflush(stdout) || ret) {
		if (!ret)
			cvmm_err("measure: cannot write the output");
		return CVMM_EXIT_FAIL;
	}
	return CVMM_EXIT_OK;
}

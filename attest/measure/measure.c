#include <string.h>

#include "attest/measure/measure.h"
#include "loader/plan_coco.h"
#include "vmm/log.h"
#include "loader/launch_opts.h"

void measure_hex(const uint8_t *b, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 0xf];
	}
	out[2 * n] = '\0';
}

int measure_plan(const struct launch_plan *p, struct measurement *m)
{
	memset(m, 0, sizeof(*m));
	m->platform = platform_name(p->coco.platform);
	if (p->coco.platform == PLATFORM_SNP) {
		m->name = "launch digest";
		return measure_snp_plan(p, m->digest, &m->st);
	}
	if (p->coco.platform == PLATFORM_TDX) {
		m->name = "MRTD";
		return measure_tdx_plan(p, m->digest, &m->st);
	}
	cvmm_err("measure: the launch plan is not for SNP or TDX");
	return -1;
}

int measure_from_opts(const struct launch_opts *o, struct measurement *m,
		      struct launch_plan *plan_out)
{
	struct launch_plan p;
	int ret;

	if (plan_build_coco(&p, o))
		return -1;
	ret = measure_plan(&p, m);
	if (plan_out && !ret)
		*plan_out = p;
	else
		plan_free(&p);
	return ret;
}

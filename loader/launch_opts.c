#include <string.h>

#include "loader/launch_opts.h"

static const char *const names[] = {
	[PLATFORM_PLAIN] = "plain", [PLATFORM_SW] = "sw",
	[PLATFORM_SNP] = "snp", [PLATFORM_TDX] = "tdx",
};

const char *platform_name(enum platform_id id)
{
	return (unsigned)id < sizeof(names) / sizeof(names[0]) ? names[id] : "?";
}

int platform_from_name(const char *name, enum platform_id *id)
{
	for (unsigned i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i], name)) {
			*id = (enum platform_id)i;
			return 0;
		}
	return -1;
}

uint64_t launch_snp_policy(const struct launch_opts *o)
{
	return o->has_policy ? o->snp_policy : OPTS_SNP_POLICY_DEFAULT;
}

void launch_opts_init(struct launch_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mem = OPTS_DEFAULT_MEM;
	o->cpus = 1;
	o->disk_fd = -1;
}

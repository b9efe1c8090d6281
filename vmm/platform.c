#include <string.h>

#include "vmm/platform.h"

static const struct platform_ops *const platforms[] = {
	&platform_plain,
	&platform_sw,
	&platform_snp,
	&platform_tdx,
};

const struct platform_ops *platform_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++)
		if (!strcmp(platforms[i]->name, name))
			return platforms[i];
	return NULL;
}

#include <string.h>

#include "loader/launch_opts.h"

void launch_opts_init(struct launch_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mem = OPTS_DEFAULT_MEM;
	o->cpus = 1;
}

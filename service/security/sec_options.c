/*
 * sec_options.c - defaults of the security settings (see LIMITS.md).
 */
#include "sec_options.h"

#include <string.h>

void attune_sec_options_defaults(attune_sec_options *o)
{
	memset(o, 0, sizeof(*o));
	attune_net_limits_defaults(&o->limits);
}

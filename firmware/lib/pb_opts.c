/* --help and --version, each the same as its short option. */
#include <stddef.h>

#include "pb_opts.h"

const struct option pb_opts_long[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* The long options every program of the box and the hub takes besides its
 * own short ones: --help (as -h) and --version (as -V), for getopt_long. */
#ifndef PB_OPTS_H
#define PB_OPTS_H

#include <getopt.h>

extern const struct option pb_opts_long[];

#endif

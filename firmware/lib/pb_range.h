/* pb_range: the HTTP Range request header (RFC 9110 §14), bytes only. */
#ifndef PB_RANGE_H
#define PB_RANGE_H

#include <stdint.h>

#define PB_RANGE_MAX 16          /* ranges accepted in one header */
#define PB_RANGE_HEADER_MAX 512  /* longer headers are ignored */

enum pb_range_kind {
	PB_RANGE_NONE = 0,       /* no header, or one to ignore: send 200 */
	PB_RANGE_SINGLE,         /* one satisfiable range: 206 */
	PB_RANGE_MULTI,          /* several satisfiable ranges */
	PB_RANGE_UNSATISFIABLE,  /* none satisfiable: 416 */
};

struct pb_range {
	uint64_t first, last;    /* inclusive, clipped to the file */
};

struct pb_range_set {
	enum pb_range_kind kind;
	int count;
	struct pb_range r[PB_RANGE_MAX];
};

/* Parse a Range header against a representation of `size` bytes.
 * Syntax errors and other units give PB_RANGE_NONE, as the RFC asks. */
void pb_range_parse(const char *header, uint64_t size, struct pb_range_set *out);

#endif

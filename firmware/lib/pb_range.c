#include "pb_range.h"

#include <string.h>

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Parse digits; -1 on none or overflow. */
static int parse_u64(const char **pp, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return -1;
	while (*p >= '0' && *p <= '9') {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
		p++;
	}
	*pp = p;
	*out = v;
	return 0;
}

void pb_range_parse(const char *header, uint64_t size, struct pb_range_set *out)
{
	const char *p;
	int seen = 0;

	memset(out, 0, sizeof(*out));
	if (header == NULL || strlen(header) > PB_RANGE_HEADER_MAX)
		return;
	p = skip_ws(header);
	if (strncmp(p, "bytes=", 6) != 0)
		return;
	p += 6;
	for (;;) {
		uint64_t a = 0, b = 0;
		int has_a, has_b;

		p = skip_ws(p);
		if (*p == ',') {         /* empty list elements are allowed */
			p++;
			continue;
		}
		if (*p == '\0')
			break;
		has_a = parse_u64(&p, &a) == 0;
		if (*p != '-')
			goto ignore;
		p++;
		has_b = parse_u64(&p, &b) == 0;
		if (!has_a && !has_b)
			goto ignore;
		if (has_a && has_b && b < a)
			goto ignore;
		if (++seen > PB_RANGE_MAX)
			goto ignore;
		if (!has_a) {                   /* suffix: last b bytes */
			if (b > 0 && size > 0) {
				struct pb_range *r = &out->r[out->count++];
				r->first = b >= size ? 0 : size - b;
				r->last = size - 1;
			}
		} else if (a < size) {
			struct pb_range *r = &out->r[out->count++];
			r->first = a;
			r->last = (!has_b || b >= size) ? size - 1 : b;
		}
		p = skip_ws(p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p != '\0')
			goto ignore;
		break;
	}
	if (seen == 0)
		goto ignore;
	if (out->count == 0)
		out->kind = PB_RANGE_UNSATISFIABLE;
	else if (out->count == 1)
		out->kind = PB_RANGE_SINGLE;
	else
		out->kind = PB_RANGE_MULTI;
	return;
ignore:
	memset(out, 0, sizeof(*out));
}

/* Fuzz what pb-hub reads of a request before it asks the database
 * (hub/request.c). The first byte picks: even, the rest is the body of
 * POST /v1/enrol; odd, the rest is an office path (after /v1/office/).
 * An enrolment it takes must carry well-formed ids and a signature that
 * verifies; an id its route rows take from a path must be the exact
 * middle of that path, one segment, and one the hub keeps short enough
 * and text PostgreSQL takes. */
#include "fuzz.h"

#include "../../hub/request.h"
#include "pb_http.h"
#include "pb_manifest.h"

#include <stdio.h>
#include <string.h>

static enum MHD_Result any(struct pb_req *r)
{
	(void)r;
	return MHD_YES;
}

/* The office paths with an id in them (hub/office.c), as its route rows,
 * and the most bytes the hub takes for the id. */
static const struct pb_http_route rows[] = {
	{ "POST", "/v1/office/boxes/*/revoke", any, 0 },
	{ "POST", "/v1/office/claims/*/paid", any, 0 },
	{ "GET", "/v1/office/claims/*/receipt", any, 0 },
	{ NULL, NULL, NULL, 0 },
};
static const size_t id_max[] = { PB_PROTO_ID_LEN + 1, HUB_CLAIM_ID_MAX, HUB_CLAIM_ID_MAX };
static pb_http_routes tables = { rows, NULL };

static void enrol(const char *body, size_t len)
{
	struct hub_enrol_req q;
	char msg[512];
	enum pb_proto_err e = hub_enrol_read(body, len, &q);

	FUZZ_CHECK(e == PB_PROTO_OK || e == PB_PROTO_MALFORMED || e == PB_PROTO_BAD_SIGNATURE);
	if (e != PB_PROTO_OK)
		return;
	FUZZ_CHECK(pb_hex_valid(q.box_id, PB_PROTO_ID_LEN));
	FUZZ_CHECK(pb_hex_valid(q.public_key, PB_PROTO_PK_HEX_LEN));
	FUZZ_CHECK(strlen(q.token) > 0 && strlen(q.token) <= PB_PROTO_TOKEN_MAX);
	FUZZ_CHECK(pb_proto_enrol_message(q.box_id, q.public_key, q.token, msg, sizeof(msg)) == 0);
}

static void office(const char *rest)
{
	char url[PB_HTTP_SEGMENT_MAX * 4];
	pb_http_params p;
	const struct pb_http_route *rt;
	const char *star, *tail;
	size_t pn, i;
	int named;

	/* what the hub takes as text is UTF-8 by the box's own reading too */
	if (hub_text_ok(rest))
		FUZZ_CHECK(pb_utf8_len(rest) >= 0);
	if ((size_t)snprintf(url, sizeof(url), "/v1/office/%s", rest) >= sizeof(url))
		return;
	for (i = 0; rows[i].method != NULL; i++) {
		rt = pb_http_route_find(tables, rows[i].method, url, p, &named);
		if (rt != &rows[i])
			continue;
		/* the id is the exact middle of the path, one segment */
		star = strchr(rt->pattern, '*');
		pn = (size_t)(star - rt->pattern);
		tail = star + 1;
		FUZZ_CHECK(p[0][0] != '\0' && strchr(p[0], '/') == NULL);
		FUZZ_CHECK(strlen(p[0]) < PB_HTTP_SEGMENT_MAX);
		FUZZ_CHECK(strncmp(url, rt->pattern, pn) == 0);
		FUZZ_CHECK(strncmp(url + pn, p[0], strlen(p[0])) == 0);
		FUZZ_CHECK(strcmp(url + pn + strlen(p[0]), tail) == 0);
		/* one the hub takes is short enough and text */
		if (hub_path_id_ok(p[0], id_max[i]))
			FUZZ_CHECK(strlen(p[0]) <= id_max[i] && hub_text_ok(p[0]));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1)
		return 0;
	s = fuzz_string(data + 1, size - 1);
	if (data[0] & 1)
		office(s);
	else
		enrol(s, size - 1);
	free(s);
	return 0;
}

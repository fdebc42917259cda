/* Fuzz what pb-hub reads of a request before it asks the database
 * (hub/request.c). The first byte picks: even, the rest is the body of
 * POST /v1/enrol; odd, the rest is an office path (after /v1/office/).
 * An enrolment it takes must carry well-formed ids and a signature that
 * verifies; an id it takes from a path must be the exact middle of that
 * path, short enough, without '/', and text PostgreSQL takes. */
#include "fuzz.h"

#include "../../hub/request.h"
#include "pb_manifest.h"

#include <string.h>

/* The office paths with an id in them (hub/office.c), and the room for it. */
static const struct {
	const char *prefix, *suffix;
	size_t room;
} targets[] = {
	{ "boxes/", "/revoke", PB_PROTO_ID_LEN + 2 },
	{ "claims/", "/paid", HUB_CLAIM_ID_MAX + 1 },
	{ "claims/", "/receipt", HUB_CLAIM_ID_MAX + 1 },
};

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
	char id[256];

	/* what the hub takes as text is UTF-8 by the box's own reading too */
	if (hub_text_ok(rest))
		FUZZ_CHECK(pb_utf8_len(rest) >= 0);
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		size_t pn = strlen(targets[i].prefix);

		if (hub_path_target(rest, targets[i].prefix, targets[i].suffix, id,
				    targets[i].room) != 0)
			continue;
		FUZZ_CHECK(id[0] != '\0' && strlen(id) < targets[i].room);
		FUZZ_CHECK(strchr(id, '/') == NULL && hub_text_ok(id));
		FUZZ_CHECK(strncmp(rest, targets[i].prefix, pn) == 0);
		FUZZ_CHECK(strncmp(rest + pn, id, strlen(id)) == 0);
		FUZZ_CHECK(strcmp(rest + pn + strlen(id), targets[i].suffix) == 0);
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

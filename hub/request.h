/* pb-hub's requests read without the database or the HTTP server: the
 * enrolment body, the ids in the office's paths, text PostgreSQL takes.
 * Used by the handlers and by the fuzzing harness tests/fuzz/fuzz_hub.c,
 * so it includes neither libpq nor libmicrohttpd. */
#ifndef PB_HUB_REQUEST_H
#define PB_HUB_REQUEST_H

#include <stddef.h>

#include "pb_proto.h"

#define HUB_CLAIM_ID_MAX     128    /* a claim id in an office path */

/* POST /v1/enrol (docs/sync-protocol.md §2), checked and with its
 * signature verified. */
struct hub_enrol_req {
	char box_id[PB_PROTO_ID_LEN + 1];
	char public_key[PB_PROTO_PK_HEX_LEN + 1];
	char token[PB_PROTO_TOKEN_MAX + 1];
};

/* PB_PROTO_OK, PB_PROTO_MALFORMED (shape, sizes, hex, a NUL inside a
 * string) or PB_PROTO_BAD_SIGNATURE; q is filled only on PB_PROTO_OK. */
enum pb_proto_err hub_enrol_read(const char *body, size_t len, struct hub_enrol_req *q);

/* 1 when id, a '*' segment of a route's path (pb_http_route_find: not
 * empty, no '/'), is at most max bytes and text (hub_text_ok), else 0. */
int hub_path_id_ok(const char *id, size_t max);

/* 1 when s is UTF-8 as strictly as PostgreSQL and jansson take it (no
 * overlong forms, no surrogates), else 0. */
int hub_text_ok(const char *s);

#endif

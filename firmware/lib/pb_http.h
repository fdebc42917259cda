/* The HTTP layer pb-web and pb-hub share, on libmicrohttpd: route tables
 * and their matcher, a request body taken piece by piece up to its
 * route's limit, the client's address, the decoding of a request's path,
 * JSON and error answers, and the security headers of the box's pages.
 *
 * Each program keeps its own request (struct pb_req: firmware/web/web.h,
 * hub/hub.h), its own policy (which routes need what, the memory budget
 * for bodies, its error codes) and its own handlers; what both did alike
 * lives here once. The layer never looks inside struct pb_req. */
#ifndef PB_HTTP_H
#define PB_HTTP_H

#include <jansson.h>
#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

#define PB_HTTP_ADDR_MAX    64       /* a client address as text */
#define PB_HTTP_PARAMS_MAX  4        /* '*' segments captured from a route */
#define PB_HTTP_SEGMENT_MAX 256      /* bytes of one captured segment */
#define PB_HTTP_ALLOW_MAX   64       /* bytes of an Allow header */

/* The program's own request: the layer hands it to the handler. */
struct pb_req;
typedef enum MHD_Result (*pb_http_handler)(struct pb_req *r);

/* Route flags: the layer's own; every other bit is the program's (access
 * class, body class, where the handler runs...). */
#define PB_HTTP_PREFIX (1u << 30)     /* the pattern matches any path below it */

/* One row of a route table. A table ends with a row whose method is NULL;
 * a program may search several tables in turn (struct pb_http_routes). */
struct pb_http_route {
	const char *method;              /* "GET" also answers HEAD */
	const char *pattern;             /* '*' matches one path segment */
	pb_http_handler fn;
	unsigned flags;
};

/* The tables a program answers, searched in order (NULL-terminated). */
typedef const struct pb_http_route *const pb_http_routes[];

/* The '*' segments a match captured, in order. */
typedef char pb_http_params[PB_HTTP_PARAMS_MAX][PB_HTTP_SEGMENT_MAX];

/* The route for method and url, its '*' segments in params (may be NULL);
 * NULL when none. *path_matched is 1 when a route names this path for another
 * method (405 rather than 404). A prefix route does not answer a path a
 * route of another pattern already named: the catch-all below a table
 * never hides its 405s. */
const struct pb_http_route *pb_http_route_find(pb_http_routes tables, const char *method,
					       const char *url, pb_http_params params,
					       int *path_matched);
/* The first route that names url, whatever its method, its '*' segments
 * in params (may be NULL); NULL when none. When pb_http_route_find found
 * none for the request's method, the route a program may ask how to
 * refuse it. */
const struct pb_http_route *pb_http_route_named(pb_http_routes tables, const char *url,
						pb_http_params params);
/* What follows a prefix route's pattern in url. */
const char *pb_http_rest(const struct pb_http_route *rt, const char *url);
/* The methods the routes of url answer, as an Allow header ("GET, HEAD"). */
void pb_http_route_allow(pb_http_routes tables, const char *url, char *out, size_t len);

/* A request body taken as it comes, NUL-terminated. */
struct pb_http_body {
	char *data;                      /* NULL until the first byte */
	size_t len;
	size_t max;                      /* the route's limit (or what was granted) */
	size_t room;                     /* bytes allocated for data */
	int too_big;                     /* more than max came: dropped */
	int no_room;                     /* the memory (budget) was refused: dropped */
	int64_t start_ms;                /* when it began (monotonic, the caller's clock) */
};

/* Before the body holds total bytes: 0 if they may be held (now counted
 * by the program), -1 if not. */
typedef int (*pb_http_hold_fn)(void *ctx, size_t total);

/* Add len bytes. With hold, memory grows as bytes come, each step asked
 * of hold; without, the max bytes granted in advance are allocated at the
 * first byte (pages are touched only as bytes come). 0, or -1 when the
 * body was dropped (too_big or no_room set; the caller gives back what it
 * counted for it). */
int pb_http_body_add(struct pb_http_body *b, const char *data, size_t len,
		     pb_http_hold_fn hold, void *ctx);
/* Free the bytes; the flags stay. */
void pb_http_body_drop(struct pb_http_body *b);
/* 1 when a body still coming has averaged less than min_bps since
 * start_ms, once grace_s have passed: a body trickled a byte at a time
 * would otherwise hold its memory for as long as it likes. */
int pb_http_body_slow(const struct pb_http_body *b, int64_t now_ms, unsigned grace_s,
		      unsigned min_bps);

/* The peer's address as text ("?" when unknown). */
void pb_http_client_addr(struct MHD_Connection *c, char *out, size_t len);

/* MHD_OPTION_UNESCAPE_CALLBACK: decode %XX in the path and the query
 * values, but never into a NUL: a URL holding %00 is left as it came. */
size_t pb_http_unescape(void *cls, struct MHD_Connection *c, char *s);

/* A response carrying data with its Content-Type, and Cache-Control:
 * no-store when no_store; NULL when it cannot be made (data taken with
 * MHD_RESPMEM_MUST_FREE is then freed). */
struct MHD_Response *pb_http_response(void *data, size_t len, enum MHD_ResponseMemoryMode mode,
				      const char *mime, int no_store);
/* Retry-After: seconds. */
void pb_http_retry_after(struct MHD_Response *resp, unsigned seconds);
/* Queue resp (NULL: MHD_NO) and let go of it. */
enum MHD_Result pb_http_queue(struct MHD_Connection *c, unsigned status,
			      struct MHD_Response *resp);
/* o (taken) as compact JSON text (malloc'd), ASCII only when ascii; NULL. */
char *pb_http_json_text(json_t *o, int ascii);
/* The error answers' body: {"error": code, "message": message}; NULL. */
json_t *pb_http_error_object(const char *code, const char *message);

/* The security headers of the box's own pages, and those of content that
 * is not its own (module files, lessons: Content-Security-Policy: sandbox,
 * scripts run in an opaque origin, never with the staff's rights). */
void pb_http_security_headers(struct MHD_Response *resp);
void pb_http_sandbox_headers(struct MHD_Response *resp);

#endif

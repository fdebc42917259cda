/* The HTTP layer shared by pb-web and pb-hub (pb_http.h). */
#include "pb_http.h"

#include "pb_webhdr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define CSP PB_WEBHDR_CSP

/* Content from modules (and lessons) is not the box's own: a document
 * served with it gets an opaque origin (no allow-same-origin, ever), so
 * its scripts can neither read the box's storage nor send the staff's
 * cookies (SameSite=Strict: an opaque origin is another site) nor read
 * any API answer; they may run, inline too, for HTML5 lessons. */
#define CSP_SANDBOX "sandbox allow-scripts allow-forms allow-popups allow-modals " \
		    "allow-downloads; default-src 'self' 'unsafe-inline' data: blob:; " \
		    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"

/* Match url against a route, capturing '*' segments into params (may be
 * NULL). */
static int match(const struct pb_http_route *rt, const char *url, pb_http_params params)
{
	const char *p = rt->pattern, *u = url;
	int n = 0;

	if (rt->flags & PB_HTTP_PREFIX)
		return strncmp(url, p, strlen(p)) == 0;
	while (*p && *u) {
		if (*p == '*') {
			size_t len = strcspn(u, "/");
			if (len == 0 || len >= PB_HTTP_SEGMENT_MAX || n >= PB_HTTP_PARAMS_MAX)
				return 0;
			if (params != NULL) {
				memcpy(params[n], u, len);
				params[n][len] = '\0';
			}
			n++;
			u += len;
			p++;
			continue;
		}
		if (*p != *u)
			return 0;
		p++;
		u++;
	}
	return *p == '\0' && *u == '\0';
}

/* Does rt answer url, given the pattern of the first route that named it
 * (*named, NULL: none yet)? A prefix route never answers a path another
 * pattern named. */
static int answers(const struct pb_http_route *rt, const char *url, const char **named)
{
	if (!match(rt, url, NULL))
		return 0;
	if (*named == NULL) {
		*named = rt->pattern;
		return 1;
	}
	return !(rt->flags & PB_HTTP_PREFIX) || strcmp(*named, rt->pattern) == 0;
}

const struct pb_http_route *pb_http_route_find(pb_http_routes tables, const char *method,
					       const char *url, pb_http_params params,
					       int *path_matched)
{
	const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
	const char *named = NULL;

	*path_matched = 0;
	for (size_t t = 0; tables[t] != NULL; t++)
		for (const struct pb_http_route *rt = tables[t]; rt->method != NULL; rt++) {
			if (!answers(rt, url, &named))
				continue;
			*path_matched = 1;
			if (strcmp(rt->method, want) != 0)
				continue;
			match(rt, url, params);
			return rt;
		}
	return NULL;
}

const struct pb_http_route *pb_http_route_named(pb_http_routes tables, const char *url,
						pb_http_params params)
{
	const char *named = NULL;

	for (size_t t = 0; tables[t] != NULL; t++)
		for (const struct pb_http_route *rt = tables[t]; rt->method != NULL; rt++)
			if (answers(rt, url, &named)) {
				match(rt, url, params);
				return rt;
			}
	return NULL;
}

const char *pb_http_rest(const struct pb_http_route *rt, const char *url)
{
	return url + strlen(rt->pattern);
}

void pb_http_route_allow(pb_http_routes tables, const char *url, char *out, size_t len)
{
	const char *named = NULL;

	snprintf(out, len, "%s", "");
	for (size_t t = 0; tables[t] != NULL; t++)
		for (const struct pb_http_route *rt = tables[t]; rt->method != NULL; rt++) {
			if (!answers(rt, url, &named) || strstr(out, rt->method) != NULL)
				continue;
			snprintf(out + strlen(out), len - strlen(out), "%s%s%s", out[0] ? ", " : "",
				 rt->method, strcmp(rt->method, "GET") == 0 ? ", HEAD" : "");
		}
}

void pb_http_body_drop(struct pb_http_body *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->room = 0;
}

static int body_refused(struct pb_http_body *b, int *flag)
{
	*flag = 1;
	pb_http_body_drop(b);
	return -1;
}

int pb_http_body_add(struct pb_http_body *b, const char *data, size_t len,
		     pb_http_hold_fn hold, void *ctx)
{
	size_t need;
	char *nb;

	if (b->too_big || b->no_room)
		return -1;
	if (len > b->max - b->len)
		return body_refused(b, &b->too_big);
	need = b->len + len + 1;
	if (need > b->room) {
		size_t room = hold != NULL ? need : b->max + 1;
		if (hold != NULL && hold(ctx, need) != 0)
			return body_refused(b, &b->no_room);
		nb = realloc(b->data, room);
		if (nb == NULL)
			return body_refused(b, &b->no_room);
		b->data = nb;
		b->room = room;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int pb_http_body_slow(const struct pb_http_body *b, int64_t now_ms, unsigned grace_s,
		      unsigned min_bps)
{
	int64_t took = now_ms - b->start_ms;

	if (took <= (int64_t)grace_s * 1000)
		return 0;
	return (int64_t)b->len * 1000 < (int64_t)min_bps * took;
}

void pb_http_client_addr(struct MHD_Connection *c, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;

	snprintf(out, len, "?");
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
			  out, (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  out, (socklen_t)len);
}

/* Decoding %00 would make a C string that ends early and names another
 * thing ("/app.css%00.txt" would be "/app.css"): such a URL is left as it
 * came (with its '%'), so no route and no file name matches it. */
size_t pb_http_unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	for (const char *p = s; (p = strchr(p, '%')) != NULL; p++)
		if (p[1] == '0' && p[2] == '0')
			return strlen(s);
	return MHD_http_unescape(s);
}

struct MHD_Response *pb_http_response(void *data, size_t len, enum MHD_ResponseMemoryMode mode,
				      const char *mime, int no_store)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, data, mode);

	if (resp == NULL) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(data);
		return NULL;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, mime);
	if (no_store)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return resp;
}

void pb_http_retry_after(struct MHD_Response *resp, unsigned seconds)
{
	char ra[16];

	snprintf(ra, sizeof(ra), "%u", seconds);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
}

enum MHD_Result pb_http_queue(struct MHD_Connection *c, unsigned status,
			      struct MHD_Response *resp)
{
	enum MHD_Result ret;

	if (resp == NULL)
		return MHD_NO;
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

char *pb_http_json_text(json_t *o, int ascii)
{
	char *text = o != NULL ? json_dumps(o, JSON_COMPACT | (ascii ? JSON_ENSURE_ASCII : 0))
			       : NULL;

	json_decref(o);
	return text;
}

json_t *pb_http_error_object(const char *code, const char *message)
{
	return json_pack("{s:s, s:s}", "error", code, "message", message);
}

static void add_common_security(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", PB_WEBHDR_NOSNIFF);
	MHD_add_response_header(resp, "X-Frame-Options", PB_WEBHDR_FRAMES);
	MHD_add_response_header(resp, "Referrer-Policy", PB_WEBHDR_REFERRER);
}

void pb_http_sandbox_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Content-Security-Policy", CSP_SANDBOX);
	add_common_security(resp);
}

void pb_http_security_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	add_common_security(resp);
}

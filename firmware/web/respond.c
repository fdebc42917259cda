#include "web.h"

#include "pb_log.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

const char *pb_header(struct pb_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *pb_query(struct pb_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

int pb_parse_id(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (s == NULL || s[0] < '1' || s[0] > '9' || strlen(s) > 15)
		return -1;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

int pb_accepts_gzip(struct pb_req *r)
{
	const char *ae = pb_header(r, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	const char *g;

	if (ae == NULL || (g = strstr(ae, "gzip")) == NULL)
		return 0;
	/* "gzip;q=0" refuses it */
	g += 4;
	while (*g == ' ')
		g++;
	return strncmp(g, ";q=0", 4) != 0 || strncmp(g, ";q=0.", 5) == 0;
}

/* Does an If-None-Match list name this entity tag (or "*")? */
int pb_etag_matches(const char *inm, const char *etag)
{
	size_t elen = strlen(etag);
	const char *p = inm;

	if (inm == NULL)
		return 0;
	while (*p) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '*')
			return 1;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;          /* weak comparison, as If-None-Match asks */
		if (strncmp(p, etag, elen) == 0 &&
		    (p[elen] == '\0' || p[elen] == ',' || p[elen] == ' '))
			return 1;
		p = strchr(p, ',');
		if (p == NULL)
			break;
	}
	return 0;
}

enum MHD_Result pb_queue(struct pb_req *r, unsigned status, struct MHD_Response *resp)
{
	enum MHD_Result ret;

	if (resp == NULL) {
		pb_err("%s %s: cannot create a response", r->method, r->url);
		return MHD_NO;
	}
	if (r->route != NULL && (r->route->flags & ROUTE_SANDBOX))
		pb_http_sandbox_headers(resp);
	else
		pb_http_security_headers(resp);
	if (r->in_pool) {               /* the event loop queues it (server.c) */
		if (r->answer != NULL)
			MHD_destroy_response(r->answer);
		r->answer = resp;
		r->answer_status = status;
		ret = MHD_YES;
	} else {
		ret = MHD_queue_response(r->conn, status, resp);
		MHD_destroy_response(resp);
	}
	if (status >= 500)
		pb_warn("%s %s from %s: %u", r->method, r->url, r->client, status);
	else
		pb_debug("%s %s from %s: %u", r->method, r->url, r->client, status);
	return ret;
}

/* gzip a buffer; returns a malloc'd result or NULL. */
void *pb_gzip(const void *in, size_t len, size_t *out_len)
{
	z_stream zs;
	size_t cap = compressBound((uLong)len) + 32;
	unsigned char *out = malloc(cap);

	if (out == NULL)
		return NULL;
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(out);
		return NULL;
	}
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&zs);
		free(out);
		return NULL;
	}
	*out_len = zs.total_out;
	deflateEnd(&zs);
	return out;
}

struct MHD_Response *pb_buffer_response(struct pb_req *r, const char *mime,
					void *data, size_t len, int free_it)
{
	struct MHD_Response *resp;
	void *gz = NULL;
	size_t gzlen = 0;
	int compressible = strncmp(mime, "text/", 5) == 0 ||
			   strncmp(mime, "application/json", 16) == 0 ||
			   strncmp(mime, "image/svg", 9) == 0;

	if (compressible && len >= PB_WEB_GZIP_MIN && pb_accepts_gzip(r))
		gz = pb_gzip(data, len, &gzlen);
	if (gz != NULL) {
		if (free_it)
			free(data);
		data = NULL;
		resp = MHD_create_response_from_buffer(gzlen, gz, MHD_RESPMEM_MUST_FREE);
		if (resp != NULL)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	} else {
		resp = MHD_create_response_from_buffer(len, data, free_it ?
			MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_MUST_COPY);
	}
	if (resp == NULL)
		return NULL;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, mime);
	if (compressible)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	return resp;
}

enum MHD_Result pb_respond_buffer(struct pb_req *r, unsigned status, const char *mime,
				  void *data, size_t len, int free_it)
{
	return pb_queue(r, status, pb_buffer_response(r, mime, data, len, free_it));
}

enum MHD_Result pb_respond_download(struct pb_req *r, const char *mime, void *data, size_t len,
				    const char *filename)
{
	struct MHD_Response *resp = pb_buffer_response(r, mime, data, len, 1);
	char disp[256];

	if (resp == NULL)
		return MHD_NO;
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s\"", filename);
	MHD_add_response_header(resp, "Content-Disposition", disp);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return pb_queue(r, MHD_HTTP_OK, resp);
}

enum MHD_Result pb_respond_json(struct pb_req *r, unsigned status, json_t *body)
{
	char *text;

	if (body == NULL)
		return pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
					"Terjadi kesalahan di kotak");
	text = pb_http_json_text(body, 1);
	if (text == NULL)
		return MHD_NO;
	if (status < 300 || status == 304)
		return pb_respond_buffer(r, status, "application/json", text, strlen(text), 1);
	return pb_queue(r, status, pb_http_response(text, strlen(text), MHD_RESPMEM_MUST_FREE,
						    "application/json", 1));
}

enum MHD_Result pb_respond_error_as(struct pb_req *r, unsigned status, const char *code,
				    const char *key, const char *message)
{
	json_t *o = pb_http_error_object(code, pb_msg(r, key, message));

	if (o == NULL || json_object_set_new(o, "lang", json_string(pb_msg_lang(r, key))) != 0) {
		json_decref(o);
		return MHD_NO;
	}
	return pb_respond_json(r, status, o);
}

enum MHD_Result pb_respond_error(struct pb_req *r, unsigned status, const char *code,
				 const char *message)
{
	return pb_respond_error_as(r, status, code, code, message);
}

/* Escape text for HTML. Returns a malloc'd string. */
static char *html_escape(const char *s)
{
	size_t n = 0;
	char *out, *o;

	for (const char *c = s; *c; c++)
		n += (*c == '<' || *c == '>') ? 4 : (*c == '&') ? 5 :
		     (*c == '"' || *c == '\'') ? 6 : 1;
	out = malloc(n + 1);
	if (out == NULL)
		return NULL;
	o = out;
	for (const char *c = s; *c; c++) {
		const char *rep = NULL;
		switch (*c) {
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '&': rep = "&amp;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		}
		if (rep != NULL) {
			memcpy(o, rep, strlen(rep));
			o += strlen(rep);
		} else {
			*o++ = *c;
		}
	}
	*o = '\0';
	return out;
}

enum MHD_Result pb_respond_page_error(struct pb_req *r, unsigned status,
				      const char *title, const char *text)
{
	char *t = html_escape(title), *x = html_escape(text);
	char *page = NULL;
	int n = -1;

	if (t != NULL && x != NULL)
		n = asprintf(&page,
			"<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\">"
			"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
			"<title>%s</title><link rel=\"stylesheet\" href=\"/app.css\"></head>"
			"<body><main class=\"page-error\"><h1>%s</h1><p>%s</p>"
			"<p><a href=\"/\">Kembali ke beranda</a></p></main></body></html>",
			t, t, x);
	free(t);
	free(x);
	if (n < 0)
		return MHD_NO;
	return pb_respond_buffer(r, status, "text/html; charset=utf-8", page, (size_t)n, 1);
}

/* 503 with a constant JSON body; the client is told to come back, and the
 * connection is closed. */
static enum MHD_Result unavailable(struct pb_req *r, const char *msg, size_t len)
{
	struct MHD_Response *resp = pb_http_response((void *)(uintptr_t)msg, len,
						     MHD_RESPMEM_PERSISTENT, "application/json", 0);

	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	pb_http_retry_after(resp, PB_WEB_BUDGET_RETRY_S);
	return pb_queue(r, MHD_HTTP_SERVICE_UNAVAILABLE, resp);
}

enum MHD_Result pb_respond_busy(struct pb_req *r)
{
	static const char msg[] =
		"{\"error\":\"busy\",\"message\":\"Kotak sedang sibuk, coba lagi sebentar\"}";

	return unavailable(r, msg, sizeof(msg) - 1);
}

enum MHD_Result pb_respond_retry(struct pb_req *r, unsigned status, const char *code,
				 const char *message, unsigned retry_s)
{
	char retry[16];

	snprintf(retry, sizeof(retry), "%u", retry_s);
	return pb_respond_json_with(r, status,
		json_pack("{s:s, s:s, s:s, s:i}", "error", code, "message", pb_msg(r, code, message),
			  "lang", pb_msg_lang(r, code), "retry_after_s", (int)retry_s),
		(const char *const[]){ "Retry-After", retry, NULL });
}

/* The bytes held for request bodies reached [web] body_budget_bytes. */
enum MHD_Result pb_respond_body_budget(struct pb_req *r)
{
	static const char msg[] =
		"{\"error\":\"busy\",\"message\":\"Kotak sedang menerima banyak data, coba "
		"lagi sebentar\"}";

	return unavailable(r, msg, sizeof(msg) - 1);
}

enum MHD_Result pb_respond_starting(struct pb_req *r)
{
	static const char msg[] =
		"{\"error\":\"starting\",\"message\":\"Kotak sedang dinyalakan, coba lagi "
		"sebentar\"}";

	return unavailable(r, msg, sizeof(msg) - 1);
}

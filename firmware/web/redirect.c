/* The web app's old page names: pages once named in English answer
 * 301 Moved Permanently to their Indonesian names, with the query string
 * kept, because QR codes, printed posters, bookmarks, the captive portal
 * of boxes not yet updated and older operators' guides name them. The
 * table only grows: a renamed page adds a row and none is taken away. A
 * new name is never an old one, so no answer leads to another redirect
 * (tests/system/test_page_redirects.py). Asked by pb_handle_static before
 * it opens a file (docs/development.md, "Page names"). */
#include "web.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest Location a redirect sends (bytes): past it, 414. */
#define PB_WEB_REDIRECT_MAX 4096

static const struct {
	const char *old;                 /* path below the web app, as asked */
	const char *now;
} renamed[] = {
	{ "staff.html", "petugas.html" },
	{ "klaim-staff.html", "klaim-petugas.html" },
	{ "admin-sync.html", "admin-sinkron.html" },
	{ "admin-wifi.html", "admin-pemancar.html" },
	{ "checkin.html", "presensi.html" },
	{ "portal-ok.html", "portal-lanjut.html" },
	{ "setup.html", "penyiapan.html" },
};

struct location {
	char text[PB_WEB_REDIRECT_MAX];
	size_t len;
	int over;
};

static void append(struct location *l, const char *s)
{
	size_t n = strlen(s);

	if (l->over || l->len + n >= sizeof(l->text)) {
		l->over = 1;
		return;
	}
	memcpy(l->text + l->len, s, n + 1);
	l->len += n;
}

/* One parameter of the query (decoded by libmicrohttpd), encoded again. */
static enum MHD_Result add_param(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	struct location *l = cls;
	char *k = curl_easy_escape(NULL, key, 0);
	char *v = value != NULL ? curl_easy_escape(NULL, value, 0) : NULL;

	(void)kind;
	if (k == NULL || (value != NULL && v == NULL)) {
		l->over = 1;
	} else {
		append(l, strchr(l->text, '?') != NULL ? "&" : "?");
		append(l, k);
		if (v != NULL) {
			append(l, "=");
			append(l, v);
		}
	}
	curl_free(k);
	curl_free(v);
	return l->over ? MHD_NO : MHD_YES;
}

const char *pb_redirect_find(const char *rel)
{
	for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++)
		if (strcmp(rel, renamed[i].old) == 0)
			return renamed[i].now;
	return NULL;
}

enum MHD_Result pb_redirect_answer(struct pb_req *r, const char *now)
{
	struct location *l = calloc(1, sizeof(*l));
	struct MHD_Response *resp;

	if (l == NULL)
		return MHD_NO;
	append(l, "/");
	append(l, now);
	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_param, l);
	if (l->over) {
		free(l);
		return pb_respond_error(r, MHD_HTTP_URI_TOO_LONG, "uri_too_long",
					"Alamat terlalu panjang");
	}
	resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		free(l);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, l->text);
	free(l);
	return pb_queue(r, MHD_HTTP_MOVED_PERMANENTLY, resp);
}

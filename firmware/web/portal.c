/* The captive portal.
 *
 * On the hotspot every name resolves to the box, so a phone's connectivity
 * probe (and any page it asks for) arrives here with a Host that is not the
 * box's own. Until that phone taps "Lanjut" such requests are redirected to
 * the portal page; afterwards the probes get exactly the answer the open
 * internet would give, so the phone stays on the Wi-Fi, and anything else is
 * sent to the box's home page. Acceptance is kept per client address (and
 * the MAC from the DHCP lease when there is one) in portal_clients. The
 * RFC 8908 API says the same thing in JSON. */
#include "web.h"

#include "pb_clock.h"
#include "pb_db.h"
#include "pb_net.h"
#include "pb_log.h"

#include <arpa/inet.h>
#include <strings.h>
#include <string.h>
#include <sys/socket.h>

#define HOST_MAX 256                     /* bytes of a Host header we look at */

/* What an online network answers to each operating system's probe. */
struct probe {
	const char *path;
	const char *os;
	unsigned status;                 /* online answer */
	const char *mime;
	const char *body;                /* NULL: none; for 302, Location is home */
};

#define APPLE_SUCCESS "<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>"
#define FIREFOX_CANONICAL "<meta http-equiv=\"refresh\" " \
	"content=\"0;url=https://support.mozilla.org/kb/captive-portal\"/>"

static const struct probe probes[] = {
	{ "/generate_204", "android", 204, NULL, NULL },
	{ "/gen_204", "android", 204, NULL, NULL },
	{ "/hotspot-detect.html", "apple", 200, "text/html", APPLE_SUCCESS },
	{ "/library/test/success.html", "apple", 200, "text/html", APPLE_SUCCESS },
	{ "/connecttest.txt", "windows", 200, "text/plain", "Microsoft Connect Test" },
	{ "/ncsi.txt", "windows", 200, "text/plain", "Microsoft NCSI" },
	{ "/redirect", "windows", 302, NULL, NULL },
	{ "/canonical.html", "firefox", 200, "text/html", FIREFOX_CANONICAL },
	{ "/success.txt", "firefox", 200, "text/plain", "success\n" },
};

/* The client address as the acceptance key: IPv4-mapped IPv6 as IPv4. */
static const char *client_key(const struct pb_req *r)
{
	if (strncasecmp(r->client, "::ffff:", 7) == 0 && strchr(r->client + 7, ':') == NULL)
		return r->client + 7;
	return r->client;
}

/* Copy the host part of a Host header (no port, no brackets, no final dot). */
static int host_part(const char *h, char *out, size_t len)
{
	size_t n;

	if (h[0] == '[') {
		h++;
		n = strcspn(h, "]");
	} else {
		n = strcspn(h, ":");
	}
	if (n == 0 || n >= len)
		return -1;
	memcpy(out, h, n);
	out[n] = '\0';
	if (out[n - 1] == '.')
		out[n - 1] = '\0';
	return 0;
}

/* The address this connection reached us on, as text. */
static void local_address(struct pb_req *r, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	out[0] = '\0';
	if (ci == NULL || getsockname(ci->connect_fd, (struct sockaddr *)&ss, &sl) != 0)
		return;
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, out, (socklen_t)len);
	else if (ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, out,
			  (socklen_t)len);
	if (strncasecmp(out, "::ffff:", 7) == 0 && strchr(out + 7, ':') == NULL)
		memmove(out, out + 7, strlen(out + 7) + 1);
}

void pb_portal_setup(struct pb_web *w)
{
	char err[PATH_MAX + 256];

	snprintf(w->portal_page, sizeof(w->portal_page), "%s", PB_PORTAL_PATH);
	switch (pb_net_provision(&w->cfg, w->portal_page, sizeof(w->portal_page), err,
				 sizeof(err))) {
	case PB_PROVISION_ERROR:
		pb_warn("%s (the Wi-Fi settings of box.conf are used)", err);
		break;
	case PB_PROVISION_SETUP:
		pb_notice("setup mode: phones on Wi-Fi %s are sent to %s", w->cfg.wifi_ssid,
			  w->portal_page);
		break;
	default:
		break;
	}
}

/* The page phones are sent to until they tap Lanjut. */
static const char *portal_page(const struct pb_req *r)
{
	return r->web->portal_page[0] ? r->web->portal_page : PB_PORTAL_PATH;
}

int pb_portal_foreign_host(struct pb_req *r)
{
	const struct pb_config *c = &r->web->cfg;
	const char *h = pb_header(r, MHD_HTTP_HEADER_HOST);
	char host[HOST_MAX], local[INET6_ADDRSTRLEN];
	const char *own[] = { c->short_name, c->net_address, c->listen_host, "localhost" };

	if (h == NULL || host_part(h, host, sizeof(host)) != 0)
		return 0;              /* no usable Host: an old client, not a probe */
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (own[i][0] != '\0' && strcasecmp(host, own[i]) == 0)
			return 0;
	local_address(r, local, sizeof(local));
	if (local[0] != '\0' && strcasecmp(host, local) == 0)
		return 0;
	return 1;
}

/* Is this client past the portal? With a lease for its address, the
 * lease's MAC must be the one that accepted (addresses get reused). */
static int accepted(struct pb_req *r, int64_t *expires_ms)
{
	sqlite3 *db = pb_web_db(r->web);
	sqlite3_stmt *st = NULL;
	char mac[18];
	int ok = 0;

	*expires_ms = 0;
	if (db == NULL || (st = pb_db_stmt(db,
			"SELECT mac, expires_ms FROM portal_clients WHERE ip = ?1 AND expires_ms > ?2")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, client_key(r), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, pb_clock_wall_ms());
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	ok = 1;
	if (sqlite3_column_bytes(st, 0) > 0 &&
	    pb_station_mac(client_key(r), mac) == 0 &&
	    strcasecmp(mac, (const char *)sqlite3_column_text(st, 0)) != 0)
		ok = 0;
	if (ok)
		*expires_ms = sqlite3_column_int64(st, 1);
out:
	pb_db_stmt_done(st);
	return ok;
}

static enum MHD_Result redirect(struct pb_req *r, const char *path)
{
	char base[PB_NET_URL_MAX], url[PB_NET_URL_MAX + PB_WEB_PORTAL_PAGE_MAX], *page = NULL;
	struct MHD_Response *resp;
	int n;

	if (pb_net_box_url(&r->web->cfg, base, sizeof(base)) != 0)
		return MHD_NO;
	n = snprintf(url, sizeof(url), "%s%s", base, path);
	if (n < 0 || (size_t)n >= sizeof(url))
		return MHD_NO;
	n = asprintf(&page, "<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\">"
		     "<title>Pusat Belajar</title></head><body><p><a href=\"%s\">"
		     "Buka Pusat Belajar / Open Pusat Belajar</a></p></body></html>", url);
	if (n < 0)
		return MHD_NO;
	resp = MHD_create_response_from_buffer((size_t)n, page, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, url);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return pb_queue(r, MHD_HTTP_FOUND, resp);
}

static enum MHD_Result online_answer(struct pb_req *r, const struct probe *p)
{
	struct MHD_Response *resp;

	if (p->status == MHD_HTTP_FOUND)
		return redirect(r, "/");
	resp = MHD_create_response_from_buffer(p->body ? strlen(p->body) : 0,
					       (void *)(uintptr_t)(p->body ? p->body : ""),
					       MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	if (p->mime != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, p->mime);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	return pb_queue(r, p->status, resp);
}

enum MHD_Result pb_portal_answer(struct pb_req *r)
{
	int64_t exp;
	int ok = accepted(r, &exp);

	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		if (strcmp(r->url, probes[i].path) != 0)
			continue;
		pb_debug("portal: %s probe %s from %s: %s", probes[i].os, r->url, r->client,
			 ok ? "online" : "to the portal");
		return ok ? online_answer(r, &probes[i]) : redirect(r, portal_page(r));
	}
	return redirect(r, ok ? "/" : portal_page(r));
}

/* GET /api/captive: RFC 8908 (application/captive+json). */
enum MHD_Result pb_handle_captive_api(struct pb_req *r)
{
	char base[PB_NET_URL_MAX], portal[PB_NET_URL_MAX + PB_WEB_PORTAL_PAGE_MAX];
	char venue[PB_NET_URL_MAX + 2];
	struct MHD_Response *resp;
	int64_t exp;
	int ok = accepted(r, &exp);
	json_t *o;
	char *text;

	if (pb_net_box_url(&r->web->cfg, base, sizeof(base)) != 0)
		return MHD_NO;
	snprintf(portal, sizeof(portal), "%s%s", base, portal_page(r));
	snprintf(venue, sizeof(venue), "%s/", base);
	o = json_pack("{s:b, s:s, s:s}", "captive", !ok, "user-portal-url", portal,
		      "venue-info-url", venue);
	if (o != NULL && ok) {
		int64_t left = (exp - pb_clock_wall_ms()) / 1000;
		json_object_set_new(o, "seconds-remaining", json_integer(left > 0 ? left : 0));
		json_object_set_new(o, "can-extend-session", json_true());
	}
	text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (text == NULL)
		return pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
					"Terjadi kesalahan di kotak");
	resp = pb_buffer_response(r, "application/captive+json", text, strlen(text), 1);
	if (resp != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "private, no-store");
	return pb_queue(r, MHD_HTTP_OK, resp);
}

/* GET /api/v1/portal: what the portal page shows. */
enum MHD_Result pb_handle_portal_info(struct pb_req *r)
{
	const struct pb_config *c = &r->web->cfg;
	char base[PB_NET_URL_MAX], named[PB_NET_URL_MAX];
	int64_t exp;
	int ok = accepted(r, &exp);

	if (pb_net_box_url(c, base, sizeof(base)) != 0)
		return MHD_NO;
	snprintf(named, sizeof(named), "http://%s", c->short_name);
	return pb_respond_json(r, MHD_HTTP_OK, json_pack("{s:b, s:I, s:s, s:s, s:s, s:s, s:s}",
		"accepted", ok, "expires_ms", (json_int_t)exp, "centre_name", c->centre_name,
		"short_name", c->short_name, "address", c->net_address,
		"url", named, "ip_url", base));
}

/* POST /api/v1/portal/accept: the client tapped "Lanjut". A form post
 * (from the page without JavaScript) is sent back to the page. */
/* Keep acceptance for ip until exp, and forget phones whose time is over
 * (the table stays as small as the class). */
static int store_acceptance(sqlite3 *db, const char *ip, const char *mac, int64_t now,
			    int64_t exp)
{
	sqlite3_stmt *del = NULL, *ins = NULL;
	int rc = -1;

	if ((del = pb_db_stmt(db, "DELETE FROM portal_clients WHERE expires_ms <= ?1")) == NULL ||
	    (ins = pb_db_stmt(db,
			    "INSERT INTO portal_clients(ip, mac, accepted_ms, expires_ms) "
			    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(ip) DO UPDATE SET "
			    "mac = excluded.mac, accepted_ms = excluded.accepted_ms, "
			    "expires_ms = excluded.expires_ms")) == NULL)
		goto out;
	sqlite3_bind_int64(del, 1, now);
	sqlite3_bind_text(ins, 1, ip, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 2, mac, -1, SQLITE_STATIC);
	sqlite3_bind_int64(ins, 3, now);
	sqlite3_bind_int64(ins, 4, exp);
	if (pb_db_begin(db) != 0)
		goto out;
	if (sqlite3_step(del) == SQLITE_DONE && sqlite3_step(ins) == SQLITE_DONE &&
	    pb_db_commit(db) == 0)
		rc = 0;
	else
		pb_db_rollback(db);
out:
	pb_db_stmt_done(del);
	pb_db_stmt_done(ins);
	return rc;
}

enum MHD_Result pb_handle_portal_accept(struct pb_req *r)
{
	sqlite3 *db = pb_web_db(r->web);
	const char *accept = pb_header(r, MHD_HTTP_HEADER_ACCEPT);
	char mac[18] = "";
	int64_t now = pb_clock_wall_ms(), have;
	int64_t span = (int64_t)r->web->cfg.net_portal_hours * 3600 * 1000;
	int64_t exp = now + span;

	if (db == NULL)
		return pb_respond_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "db_unavailable",
					"Basis data kotak tidak dapat dibuka");
	pb_station_mac(client_key(r), mac);
	/* Tapping again early changes nothing: no write to the SD card for it. */
	if (accepted(r, &have) && have - now > span / 2)
		exp = have;
	else if (store_acceptance(db, client_key(r), mac, now, exp) != 0) {
		pb_err("portal: cannot store acceptance: %s", sqlite3_errmsg(db));
		return pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal",
					"Terjadi kesalahan di kotak");
	}
	pb_info("portal: %s (%s) tapped Lanjut", client_key(r), mac[0] ? mac : "no lease");
	if (accept != NULL && strstr(accept, "text/html") != NULL) {
		struct MHD_Response *resp =
			MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (resp == NULL)
			return MHD_NO;
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, PB_PORTAL_PATH "?lanjut=1");
		return pb_queue(r, MHD_HTTP_SEE_OTHER, resp);
	}
	return pb_respond_json(r, MHD_HTTP_OK, json_pack("{s:b, s:I, s:s}", "accepted", 1,
		"expires_ms", (json_int_t)exp, "mac", mac));
}

/* GET /portal: the portal page of the web app; after Lanjut
 * (?lanjut=1, where the form's 303 lands) the page that says it worked,
 * which needs no JavaScript. */
enum MHD_Result pb_handle_portal_page(struct pb_req *r)
{
	r->url = pb_query(r, "lanjut") != NULL ? "/portal-lanjut.html" : "/portal.html";
	return pb_handle_static(r);
}

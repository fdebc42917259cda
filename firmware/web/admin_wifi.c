/* Admin view of the hotspot: the phones on it, the radio's capacity, and
 * the printable Wi-Fi poster.
 *
 * Phones come from dnsmasq's lease file and, when hostapd runs, from its
 * control socket (a unix datagram socket: "STA-FIRST", then "STA-NEXT MAC"
 * until the answer is empty), which knows who is associated right now.
 *
 * Access: these answers carry the Wi-Fi password and the phones' addresses:
 * an admin login only (docs/hotspot.md). */
#include "web.h"
#include "pb_db.h"

#include "pb_clock.h"
#include "pb_net.h"
#include "pb_log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define HOSTAPD_REPLY_MAX   4096     /* one STA answer */
#define HOSTAPD_TIMEOUT_MS  1000     /* per request to hostapd */
#define STATIONS_MAX        PB_LEASES_MAX

struct station {
	char mac[18];
	long connected_s;
	int signal;                   /* dBm, 0 unknown */
};

/* Send one command to hostapd and read the reply (NUL-terminated). */
static int hostapd_cmd(int fd, const char *cmd, char *reply, size_t len)
{
	ssize_t n;

	if (send(fd, cmd, strlen(cmd), 0) < 0)
		return -1;
	for (;;) {
		n = recv(fd, reply, len - 1, 0);
		if (n < 0)
			return -1;
		reply[n] = '\0';
		if (reply[0] != '<')          /* skip unsolicited "<3>EVENT" lines */
			return 0;
	}
}

static long field_long(const char *reply, const char *key, long def)
{
	const char *p = strstr(reply, key);

	return p != NULL ? strtol(p + strlen(key), NULL, 10) : def;
}

/* Associated stations; -1 when hostapd's socket is not there. */
static int hostapd_stations(const struct pb_config *cfg, struct station *out, int max)
{
	struct sockaddr_un sa;
	struct timeval tv = { HOSTAPD_TIMEOUT_MS / 1000, (HOSTAPD_TIMEOUT_MS % 1000) * 1000 };
	char reply[HOSTAPD_REPLY_MAX], cmd[40];
	sa_family_t fam = AF_UNIX;
	int fd, n = 0, rc = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", cfg->net_hostapd_ctrl,
		     pb_net_ap_interface(cfg)) >= (int)sizeof(sa.sun_path))
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* autobind: the kernel gives us an abstract address hostapd replies to */
	if (bind(fd, (struct sockaddr *)&fam, sizeof(fam)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto out;
	if (hostapd_cmd(fd, "STA-FIRST", reply, sizeof(reply)) != 0)
		goto out;
	while (n < max && reply[0] != '\0' && strncmp(reply, "FAIL", 4) != 0) {
		struct station *s = &out[n];
		size_t mlen = strcspn(reply, "\n");

		if (mlen != 17)
			break;
		memcpy(s->mac, reply, 17);
		s->mac[17] = '\0';
		s->connected_s = field_long(reply, "\nconnected_time=", -1);
		s->signal = (int)field_long(reply, "\nsignal=", 0);
		n++;
		snprintf(cmd, sizeof(cmd), "STA-NEXT %s", s->mac);
		if (hostapd_cmd(fd, cmd, reply, sizeof(reply)) != 0)
			break;
	}
	rc = n;
out:
	if (rc < 0)
		pb_debug("hostapd control socket %s: %s", sa.sun_path, strerror(errno));
	close(fd);
	return rc;
}

static int portal_accepted(sqlite3 *db, const char *ip, int64_t now)
{
	sqlite3_stmt *st = NULL;
	int ok = 0;

	if (db != NULL && (st = pb_db_stmt(db, "SELECT 1 FROM portal_clients "
					       "WHERE ip = ?1 AND expires_ms > ?2")) != NULL) {
		sqlite3_bind_text(st, 1, ip, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now);
		ok = sqlite3_step(st) == SQLITE_ROW;
	}
	pb_db_stmt_done(st);
	return ok;
}

static json_t *phone(const char *mac, const struct pb_lease *l, const struct station *s,
		     sqlite3 *db, int64_t now)
{
	json_t *o = json_pack("{s:s}", "mac", mac);

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "ip", l ? json_string(l->ip) : json_null());
	json_object_set_new(o, "hostname", l && l->hostname[0] ? json_string(l->hostname) :
			    json_null());
	json_object_set_new(o, "lease_expires", l ? json_integer(l->expires) : json_null());
	json_object_set_new(o, "associated", s ? json_true() : json_false());
	json_object_set_new(o, "connected_s", s && s->connected_s >= 0 ?
			    json_integer(s->connected_s) : json_null());
	json_object_set_new(o, "signal_dbm", s && s->signal ? json_integer(s->signal) :
			    json_null());
	json_object_set_new(o, "portal_accepted",
			    json_boolean(l && portal_accepted(db, l->ip, now)));
	return o;
}

/* GET /api/v1/admin/wifi */
enum MHD_Result pb_handle_admin_wifi(struct pb_req *r)
{
	const struct pb_config *c = &r->web->cfg;
	struct pb_lease *leases = NULL;
	struct station *sta = NULL;
	sqlite3 *db = pb_web_db(r->web);
	int64_t now = pb_clock_wall_ms();
	int nl, ns = -1, count = 0;
	unsigned cap = pb_net_capacity(c);
	json_t *list = NULL, *o = NULL;
	struct pb_login who;
	enum MHD_Result ret;

	if (!pb_require_staff(r, PB_NEED_ADMIN, 0, &who, &ret))
		return ret;
	leases = calloc(PB_LEASES_MAX, sizeof(*leases));
	sta = calloc(STATIONS_MAX, sizeof(*sta));
	list = json_array();
	if (leases == NULL || sta == NULL || list == NULL)
		goto out;
	nl = pb_leases_read(c->net_lease_file, leases, PB_LEASES_MAX);
	if (pb_net_radio(c) != PB_RADIO_EXTERNAL)
		ns = hostapd_stations(c, sta, STATIONS_MAX);
	/* Associated stations first (with their lease), then leases only. */
	for (int i = 0; i < ns; i++) {
		const struct pb_lease *l = NULL;
		for (int j = 0; j < nl; j++)
			if (strcasecmp(leases[j].mac, sta[i].mac) == 0)
				l = &leases[j];
		json_array_append_new(list, phone(sta[i].mac, l, &sta[i], db, now));
	}
	for (int j = 0; j < nl; j++) {
		int seen = 0;
		for (int i = 0; i < ns; i++)
			seen |= strcasecmp(leases[j].mac, sta[i].mac) == 0;
		if (!seen && (leases[j].expires == 0 || leases[j].expires * 1000 > now))
			json_array_append_new(list, phone(leases[j].mac, &leases[j], NULL, db, now));
	}
	count = ns >= 0 ? ns : (int)json_array_size(list);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:b, s:b, s:i, s:b, s:o}",
		"ssid", c->wifi_ssid, "security", c->wifi_security, "band", c->wifi_band,
		"radio", c->wifi_radio, "interface", pb_net_ap_interface(c),
		"channel", (int)c->wifi_channel, "capacity", (int)cap,
		"hostapd", ns >= 0, "sharing", pb_net_sharing(c),
		"count", count, "near_capacity",
		(unsigned)count * 100 >= cap * PB_RADIO_WARN_PERCENT, "phones", list);
	list = NULL;
	if (o != NULL)
		json_object_set_new(o, "warn_percent", json_integer(PB_RADIO_WARN_PERCENT));
out:
	json_decref(list);
	free(leases);
	free(sta);
	return pb_respond_json(r, MHD_HTTP_OK, o);
}

/* GET /admin/wifi/poster: the A4 poster (HTML with the QR code); without a
 * passphrase in box.conf it says to ask the staff for it. */
enum MHD_Result pb_handle_admin_wifi_poster(struct pb_req *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	struct pb_login who;
	enum MHD_Result ret;

	if (!pb_require_staff(r, PB_NEED_ADMIN, 0, &who, &ret))
		return ret;
	f = open_memstream(&buf, &len);
	if (f == NULL)
		return MHD_NO;
	rc = pb_net_write_poster(&r->web->cfg, f, 0);
	if (fclose(f) != 0 || rc != 0) {
		free(buf);
		return pb_respond_page_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
			"Poster gagal dibuat", "Terjadi kesalahan di kotak.");
	}
	return pb_respond_buffer(r, MHD_HTTP_OK, "text/html; charset=utf-8", buf, len, 1);
}

/* The box's state as the lights show it, gathered by one thread so that a
 * slow answer (pb-web hanging, a locked database) never stalls the LEDs or
 * the button:
 *   ready  GET /healthz of pb-web (libcurl, short timeout)
 *   Wi-Fi  hostapd's control socket (STATUS: state, num_sta; [net]
 *          hostapd_ctrl) or the AP interface's operstate file with phones
 *          from dnsmasq's lease file ([net] lease_file); nothing answering
 *          counts as down
 *   sync   the database, opened read-only: box_meta 'sync.state' and the
 *          outbox's acknowledged / waiting rows
 *   power  the Pi firmware's throttled flags; a change is written to
 *          box_meta 'power.throttled' (the one write pb-gpio makes) so the
 *          admin page can show it */
#include "gpio.h"

#include "pb_clock.h"
#include "pb_db.h"
#include "pb_log.h"
#include "pb_net.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PB_HOSTAPD_REPLY_MAX    4096
#define PB_HOSTAPD_TIMEOUT_MS   500
#define PB_HEALTH_BODY_MAX      4096    /* bytes of /healthz kept (then dropped) */

struct pb_monitor {
	const struct pb_config *cfg;
	int notify_fd;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop;
	struct pb_status shared;       /* under lock */

	/* thread's own */
	CURL *curl;
	char health_url[PB_CONFIG_STR_LEN];
	char db_path[PATH_MAX];
	enum pb_wifi_check wifi_check;
	char hostapd_ctrl[PATH_MAX];     /* [net] hostapd_ctrl / AP interface */
	char operstate[PATH_MAX];
	sqlite3 *db;                   /* read-only */
	long throttled_written;        /* last value stored in box_meta, -1 none */
	struct pb_status st;
};

/* ---- pure helpers ---- */

enum pb_sync_meta pb_sync_meta_parse(const char *s)
{
	static const struct { const char *name; enum pb_sync_meta v; } map[] = {
		{ "idle", PB_SYNCM_IDLE }, { "uploading", PB_SYNCM_UPLOADING },
		{ "offline", PB_SYNCM_OFFLINE }, { "error", PB_SYNCM_ERROR },
		{ "refused", PB_SYNCM_REFUSED },
	};
	for (size_t i = 0; s != NULL && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(s, map[i].name) == 0)
			return map[i].v;
	return PB_SYNCM_UNKNOWN;
}

/* ---- readers ---- */

static int read_small_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	return 0;
}

static size_t discard_body(char *ptr, size_t size, size_t nmemb, void *user)
{
	size_t *seen = user;
	(void)ptr;
	*seen += size * nmemb;
	return *seen > PB_HEALTH_BODY_MAX ? 0 : size * nmemb;
}

static void probe_health(struct pb_monitor *m)
{
	size_t seen = 0;
	long code = 0;
	CURLcode rc;

	if (m->curl == NULL) {
		m->st.health = PB_HEALTH_DOWN;
		return;
	}
	curl_easy_setopt(m->curl, CURLOPT_WRITEDATA, &seen);
	rc = curl_easy_perform(m->curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(m->curl, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK && code == 200) {
		m->st.health = PB_HEALTH_OK;
		m->st.ever_up = 1;
	} else if (rc == CURLE_OK) {
		m->st.health = PB_HEALTH_UNAVAILABLE;
	} else {
		m->st.health = PB_HEALTH_DOWN;
	}
}

/* One STATUS request on hostapd's control socket. Returns 0/-1. */
static int hostapd_status(const char *ctrl, int *up, unsigned *phones)
{
	struct sockaddr_un to;
	sa_family_t autobind = AF_UNIX;
	char reply[PB_HOSTAPD_REPLY_MAX];
	struct pollfd pfd;
	const char *p;
	ssize_t n;
	int fd, rc = -1;

	if (strlen(ctrl) >= sizeof(to.sun_path))
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&to, 0, sizeof(to));
	to.sun_family = AF_UNIX;
	memcpy(to.sun_path, ctrl, strlen(ctrl));
	/* An autobound (abstract) name, so hostapd can answer and nothing is
	 * left in the file system. */
	if (bind(fd, (struct sockaddr *)&autobind, sizeof(autobind)) != 0 ||
	    connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0 ||
	    send(fd, "STATUS", 6, 0) != 6)
		goto out;
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, PB_HOSTAPD_TIMEOUT_MS) != 1)
		goto out;
	n = recv(fd, reply, sizeof(reply) - 1, 0);
	if (n <= 0)
		goto out;
	reply[n] = '\0';
	*up = strstr(reply, "\nstate=ENABLED\n") != NULL ||
		strncmp(reply, "state=ENABLED\n", 14) == 0;
	p = strstr(reply, "num_sta[0]=");
	*phones = p != NULL ? (unsigned)strtoul(p + 11, NULL, 10) : 0;
	rc = 0;
out:
	close(fd);
	return rc;
}

/* Phones with an unexpired lease (dnsmasq, [net] lease_file). */
static unsigned lease_phones(const char *path)
{
	struct pb_lease *leases = calloc(PB_LEASES_MAX, sizeof(*leases));
	int64_t now = (int64_t)time(NULL);
	unsigned n = 0;
	int count;

	if (leases == NULL)
		return 0;
	count = pb_leases_read(path, leases, PB_LEASES_MAX);
	for (int i = 0; i < count; i++)
		if (leases[i].expires == 0 || leases[i].expires > now)
			n++;
	free(leases);
	return n;
}

enum pb_wifi_check pb_wifi_check_parse(const struct pb_config *cfg)
{
	const char *c = cfg->gpio_wifi_check;

	if (strcmp(c, "auto") == 0)
		return pb_net_radio(cfg) == PB_RADIO_EXTERNAL ? PB_WIFI_CHECK_OPERSTATE :
			PB_WIFI_CHECK_HOSTAPD;
	if (strcmp(c, "hostapd") == 0)
		return PB_WIFI_CHECK_HOSTAPD;
	if (strcmp(c, "operstate") == 0)
		return PB_WIFI_CHECK_OPERSTATE;
	if (strcmp(c, "none") == 0)
		return PB_WIFI_CHECK_NONE;
	return PB_WIFI_CHECK_INVALID;
}

static void probe_wifi(struct pb_monitor *m)
{
	char state[32];
	int up = 0;
	unsigned phones = 0;

	switch (m->wifi_check) {
	case PB_WIFI_CHECK_HOSTAPD:
		if (hostapd_status(m->hostapd_ctrl, &up, &phones) != 0)
			up = 0;
		break;
	case PB_WIFI_CHECK_OPERSTATE:
		up = read_small_file(m->operstate, state, sizeof(state)) == 0 &&
			strncmp(state, "up", 2) == 0 && (state[2] == '\n' || state[2] == '\0');
		if (up)
			phones = lease_phones(m->cfg->net_lease_file);
		break;
	case PB_WIFI_CHECK_NONE:
	case PB_WIFI_CHECK_INVALID:
		up = -1;                                 /* not shown */
		break;
	}
	m->st.wifi_up = up;
	m->st.phones = up == 1 ? phones : 0;
}

static int query_outbox(struct pb_monitor *m)
{
	sqlite3_stmt *q = NULL;
	int rc = -1;
	int64_t cutoff = pb_clock_wall_ms() - (int64_t)m->cfg->gpio_sync_grace_s * 1000;

	if ((q = pb_db_stmt(m->db, "SELECT count(*) FILTER (WHERE acked = 0 AND wall_ms < ?1),"
				   " count(*) FILTER (WHERE acked = 0 AND wall_ms >= ?1),"
				   " count(*) FILTER (WHERE acked <> 0) FROM outbox")) == NULL)
		goto out;
	sqlite3_bind_int64(q, 1, cutoff);
	if (sqlite3_step(q) != SQLITE_ROW)
		goto out;
	m->st.unacked_old = sqlite3_column_int64(q, 0);
	m->st.unacked_new = sqlite3_column_int64(q, 1);
	m->st.acked = sqlite3_column_int64(q, 2);
	rc = 0;
out:
	pb_db_stmt_done(q);
	return rc;
}

static void probe_sync(struct pb_monitor *m)
{
	char err[PB_DB_ERR_LEN], state[32];

	m->st.db_ok = 0;
	if (m->db == NULL &&
	    pb_db_open(m->db_path, PB_DB_READONLY | PB_DB_NOCHECK, &m->db, err,
		       sizeof(err)) != 0) {
		pb_debug("database not readable yet: %s", err);
		m->st.sync_state = PB_SYNCM_UNKNOWN;
		return;
	}
	m->st.sync_state = pb_db_meta_get(m->db, "sync.state", state, sizeof(state)) == 0 ?
		pb_sync_meta_parse(state) : PB_SYNCM_UNKNOWN;
	if (query_outbox(m) != 0) {
		pb_debug("reading the outbox: %s", sqlite3_errmsg(m->db));
		pb_db_close(m->db);               /* reopened next round */
		m->db = NULL;
		return;
	}
	m->st.db_ok = 1;
}

/* Store the flags for the admin page when they change. */
static void store_throttled(struct pb_monitor *m, unsigned long v)
{
	char err[PB_DB_ERR_LEN], text[32];
	sqlite3 *db = NULL;

	if (m->throttled_written == (long)v)
		return;
	if (pb_db_open(m->db_path, PB_DB_NOCHECK, &db, err, sizeof(err)) != 0) {
		pb_debug("cannot store power.throttled yet: %s", err);
		return;
	}
	snprintf(text, sizeof(text), "0x%lx", v);
	if (pb_db_meta_set(db, "power.throttled", text) == 0)
		m->throttled_written = (long)v;
	else
		pb_warn("cannot store power.throttled: %s", sqlite3_errmsg(db));
	pb_db_close(db);
}

static void probe_power(struct pb_monitor *m)
{
	char text[64];
	unsigned long v;
	long before = m->st.throttled;

	if (read_small_file(m->cfg->gpio_throttled_path, text, sizeof(text)) != 0 ||
	    pb_throttled_parse(text, &v) != 0) {
		m->st.throttled = -1;
		return;
	}
	m->st.throttled = (long)v;
	if (before != (long)v && (v & PB_THROTTLED_UNDERVOLT_NOW))
		pb_warn("under-voltage: the power supply is too weak (throttled=0x%lx)", v);
	else if ((before < 0 || !((unsigned long)before & PB_THROTTLED_UNDERVOLT_SEEN)) &&
		 (v & PB_THROTTLED_UNDERVOLT_SEEN))
		pb_notice("under-voltage has happened since boot (throttled=0x%lx)", v);
	store_throttled(m, v);
}

/* ---- the thread ---- */

static void *monitor_main(void *arg)
{
	struct pb_monitor *m = arg;
	int64_t next_health = 0, next_status = 0, now, next;
	struct timespec until;
	const char one = 1;

	for (;;) {
		now = pb_clock_mono_ms();
		if (now >= next_health) {
			probe_health(m);
			next_health = now + m->cfg->gpio_health_poll_ms;
		}
		if (now >= next_status) {
			probe_wifi(m);
			probe_sync(m);
			probe_power(m);
			next_status = now + m->cfg->gpio_status_poll_ms;
		}
		pthread_mutex_lock(&m->lock);
		m->shared = m->st;
		pthread_mutex_unlock(&m->lock);
		if (write(m->notify_fd, &one, 1) < 0 && errno != EAGAIN)
			pb_warn("cannot wake the main loop: %s", strerror(errno));

		next = next_health < next_status ? next_health : next_status;
		now = pb_clock_mono_ms();
		pb_clock_after(CLOCK_MONOTONIC, next > now ? next - now : 0, &until);
		pthread_mutex_lock(&m->lock);
		while (!m->stop && pthread_cond_timedwait(&m->wake, &m->lock, &until) == 0)
			;
		if (m->stop) {
			pthread_mutex_unlock(&m->lock);
			break;
		}
		pthread_mutex_unlock(&m->lock);
	}
	return NULL;
}

static int health_url(const struct pb_config *cfg, char *out, size_t len)
{
	int n;

	if (cfg->gpio_health_url[0] == '\0')
		return pb_config_health_url(cfg, out, len);
	n = snprintf(out, len, "%s", cfg->gpio_health_url);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

static int wifi_paths(struct pb_monitor *m)
{
	const char *ifname = pb_net_ap_interface(m->cfg);
	int n = snprintf(m->hostapd_ctrl, sizeof(m->hostapd_ctrl), "%s/%s",
			 m->cfg->net_hostapd_ctrl, ifname);

	if (n < 0 || (size_t)n >= sizeof(m->hostapd_ctrl))
		return -1;
	if (m->cfg->gpio_wifi_operstate[0] != '\0')
		n = snprintf(m->operstate, sizeof(m->operstate), "%s",
			     m->cfg->gpio_wifi_operstate);
	else
		n = snprintf(m->operstate, sizeof(m->operstate),
			     "/sys/class/net/%s/operstate", ifname);
	return (n < 0 || (size_t)n >= sizeof(m->operstate)) ? -1 : 0;
}

static void monitor_free(struct pb_monitor *m)
{
	if (m->curl != NULL)
		curl_easy_cleanup(m->curl);
	pb_db_close(m->db);
	pthread_cond_destroy(&m->wake);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

struct pb_monitor *pb_monitor_start(const struct pb_config *cfg, int notify_fd)
{
	struct pb_monitor *m = calloc(1, sizeof(*m));
	pthread_condattr_t ca;
	int err;

	if (m == NULL)
		return NULL;
	m->cfg = cfg;
	m->notify_fd = notify_fd;
	m->throttled_written = -1;
	m->st.wifi_up = -1;
	m->st.throttled = -1;
	m->shared = m->st;
	pthread_mutex_init(&m->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&m->wake, &ca);
	pthread_condattr_destroy(&ca);
	m->wifi_check = pb_wifi_check_parse(cfg);
	if (health_url(cfg, m->health_url, sizeof(m->health_url)) != 0 ||
	    pb_config_db_path(cfg, m->db_path, sizeof(m->db_path)) != 0 ||
	    wifi_paths(m) != 0) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	m->curl = curl_easy_init();
	if (m->curl != NULL) {
		curl_easy_setopt(m->curl, CURLOPT_URL, m->health_url);
		curl_easy_setopt(m->curl, CURLOPT_TIMEOUT_MS, (long)cfg->gpio_health_timeout_ms);
		curl_easy_setopt(m->curl, CURLOPT_CONNECTTIMEOUT_MS,
				 (long)cfg->gpio_health_timeout_ms);
		curl_easy_setopt(m->curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(m->curl, CURLOPT_NOPROXY, "*");
		curl_easy_setopt(m->curl, CURLOPT_WRITEFUNCTION, discard_body);
		curl_easy_setopt(m->curl, CURLOPT_USERAGENT, "pb-gpio/" PB_VERSION);
	}
	err = pthread_create(&m->thread, NULL, monitor_main, m);
	if (err != 0) {
		errno = err;
		goto fail;
	}
	pb_info("watching %s, data %s, Wi-Fi by %s", m->health_url, m->db_path,
		m->wifi_check == PB_WIFI_CHECK_HOSTAPD ? m->hostapd_ctrl :
		m->wifi_check == PB_WIFI_CHECK_OPERSTATE ? m->operstate : "nothing");
	return m;
fail:
	monitor_free(m);
	return NULL;
}

void pb_monitor_get(struct pb_monitor *m, struct pb_status *out)
{
	pthread_mutex_lock(&m->lock);
	*out = m->shared;
	pthread_mutex_unlock(&m->lock);
}

void pb_monitor_stop(struct pb_monitor *m)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->lock);
	m->stop = 1;
	pthread_cond_signal(&m->wake);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->thread, NULL);
	monitor_free(m);
}

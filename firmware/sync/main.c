/* pb-sync: pushes the box's outbox to the hub and pulls rosters, rates,
 * payment status, the catalogue and module files (docs/sync-protocol.md).
 *
 *   pb-sync [-c FILE] [-n] [-1]
 *
 * The loop: wait for a backhaul (a default route and a hub that answers),
 * upload first, then download; back off with jitter while the hub is
 * unreachable; wake at once on a datagram to <data_dir>/run/sync-wake.sock.
 * Woken, it first does the USB stick jobs the admin page queued (usb.c).
 * It runs as its own unprivileged user; it never spins while offline. */
#include "sync.h"

#include "pb_clock.h"
#include "pb_db.h"
#include "pb_log.h"
#include "pb_notify.h"
#include "pb_opts.h"
#include "pb_outbox.h"
#include "pb_usb.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define PB_SYNC_DEFAULT_CONFIG "/etc/pusat-belajar/box.conf"
static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int host_is_loopback(const char *url)
{
	const char *h = strstr(url, "://");

	if (h == NULL)
		return 0;
	h += 3;
	return strncmp(h, "127.", 4) == 0 || strncmp(h, "localhost", 9) == 0 ||
	       strncmp(h, "[::1]", 5) == 0;
}

static int open_wake_socket(struct pb_sync *s)
{
	struct sockaddr_un sa;
	char dir[PATH_MAX];
	int n;

	n = snprintf(dir, sizeof(dir), "%s/run", s->cfg.data_dir);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return -1;
	if (mkdir(dir, 0770) != 0 && errno != EEXIST)
		return -1;
	n = snprintf(s->wake_path, sizeof(s->wake_path), "%s/sync-wake.sock", dir);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		return -1;
	s->wake_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->wake_fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, s->wake_path, strlen(s->wake_path) + 1);
	unlink(s->wake_path);
	if (bind(s->wake_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return -1;
	chmod(s->wake_path, 0660);
	return 0;
}

static void drain_wake(struct pb_sync *s)
{
	char b[64];

	while (recv(s->wake_fd, b, sizeof(b), 0) > 0)
		;
}

enum wait_end { WAIT_TIMEOUT, WAIT_WOKEN, WAIT_ROUTE, WAIT_STOP };

/* Sleep up to seconds; end early on a wake datagram, on a change of the
 * routing table or of a link (when watch_routes) or on a signal. Route
 * and link changes come as rtnetlink events; without them the table is
 * read again every PB_SYNC_ROUTE_POLL_S. */
static enum wait_end wait_for(struct pb_sync *s, unsigned seconds, int watch_routes)
{
	char before[PB_SYNC_ROUTE_SIG_LEN + 1], now[PB_SYNC_ROUTE_SIG_LEN + 1];
	int64_t end = pb_clock_mono_ms() + (int64_t)seconds * 1000;
	struct pollfd p[2] = { { s->wake_fd, POLLIN, 0 }, { s->route_fd, POLLIN, 0 } };
	nfds_t n = s->route_fd >= 0 ? 2 : 1;

	sync_read_routes(before);
	while (!stop_flag) {
		int64_t left = end - pb_clock_mono_ms();
		int slice, ready, event = 0;

		if (left <= 0)
			return WAIT_TIMEOUT;
		sync_tick(s);
		slice = (int)(left < INT32_MAX ? left : INT32_MAX);
		if (n == 1 && watch_routes && slice > PB_SYNC_ROUTE_POLL_S * 1000)
			slice = PB_SYNC_ROUTE_POLL_S * 1000;
		if (s->watchdog_ms > 0 && slice > s->watchdog_ms)
			slice = (int)s->watchdog_ms;
		ready = poll(p, n, slice);
		if (ready > 0 && (p[0].revents & POLLIN)) {
			drain_wake(s);
			sync_usb_jobs(s);      /* a stick job first: the page waits for it */
			return WAIT_WOKEN;
		}
		if (ready > 0 && n == 2 && (p[1].revents & POLLIN))
			event = sync_routes_event(s);      /* read even when not watching */
		if (!watch_routes || (n == 2 && !event))
			continue;
		/* a link back up ends a backoff: the hub may be there again */
		if (event)
			return WAIT_ROUTE;
		sync_read_routes(now);
		if (strcmp(now, before) != 0)
			return WAIT_ROUTE;
	}
	return WAIT_STOP;
}

/* The hub asked to wait: sleep the whole time even when woken (asking
 * again sooner only earns another refusal); a wake-up that came meanwhile
 * is kept, so the next round starts as soon as the time is up. */
static void wait_asked(struct pb_sync *s, unsigned seconds)
{
	int64_t end = pb_clock_mono_ms() + (int64_t)seconds * 1000;
	int woken = 0;

	while (!stop_flag) {
		int64_t left = end - pb_clock_mono_ms();

		if (left <= 0)
			break;
		if (wait_for(s, (unsigned)((left + 999) / 1000), 0) == WAIT_WOKEN && !woken) {
			woken = 1;
			pb_info("woken, but the hub asked to wait: syncing once the wait is over");
		}
	}
}

/* Exponential backoff with ±25 % jitter. */
static unsigned next_backoff(unsigned cur, unsigned max)
{
	unsigned next = cur == 0 ? PB_SYNC_BACKOFF_MIN_S : cur * 2;

	return next > max ? max : next;
}

static unsigned jitter(unsigned s)
{
	unsigned span = s / 2 + 1;

	return s - s / 4 + randombytes_uniform(span);
}

/* One round: enrol if needed, upload, then download. */
static enum sync_result round_once(struct pb_sync *s)
{
	enum sync_result r;

	for (int again = 0;; again++) {
		r = sync_enrol(s);
		if (r != SYNC_OK)
			return r;
		if (again == 0)
			sync_health(s, 1);
		r = sync_upload(s);
		if (r == SYNC_OK)
			r = sync_photos(s);
		/* An upload the hub cannot check yet gets "unknown box", also
		 * from a revoked box; enrolling again, signed, tells which. */
		if (r != SYNC_REFUSED || again > 0 || sync_meta_int(s, "sync.enrolled", 1) != 0)
			break;
	}
	if (r != SYNC_OK)
		return r;
	sync_purge(s);           /* what the hub now holds may leave the box */
	r = sync_feeds(s);
	sync_apply_inbox(s);
	if (r != SYNC_OK)
		return r;
	sync_mark_success(s);
	r = sync_files(s);
	if (r == SYNC_OK)
		r = sync_release(s);
	return r;
}

static int run(struct pb_sync *s, int once)
{
	char sig[PB_SYNC_ROUTE_SIG_LEN + 1];
	unsigned backoff = 0;
	int routeless = 0;
	enum sync_result r;

	while (!stop_flag) {
		sync_usb_jobs(s);           /* asked for during the last round */
		sync_health(s, 0);          /* hourly, also while offline */
		if (!s->loopback_hub && !sync_read_routes(sig)) {
			/* the reason first: whoever sees the state finds it */
			sync_set_error(s, "no backhaul: no default route");
			sync_set_state(s, "offline");
			routeless = 1;
			if (once)
				return 1;
			wait_for(s, s->route_fd >= 0 ? PB_SYNC_ROUTE_IDLE_S : PB_SYNC_ROUTE_POLL_S, 1);
			continue;
		}
		if (routeless) {
			/* when the backhaul was noticed, for whoever measures it */
			sync_meta_set_int(s, "sync.route_seen_ms", pb_clock_wall_ms());
			pb_info("backhaul: a default route appeared");
			routeless = 0;
		}
		if (pb_hubc_probe(&s->hc) != 0) {
			char words[PB_HUBC_ERR_LEN + 32];
			pb_info("probe: connected after %ld ms, %ld ms in all: %s",
				s->hc.t_connect_ms, s->hc.t_total_ms, s->hc.err);
			snprintf(words, sizeof(words), "offline: %s", s->hc.err);
			sync_set_error(s, words);
			sync_set_state(s, "offline");
			if (once)
				return 1;
			backoff = next_backoff(backoff, s->cfg.sync_backoff_max_s);
			wait_for(s, jitter(backoff), 1);
			continue;
		}
		r = round_once(s);
		sync_save_bytes(s);
		switch (r) {
		case SYNC_OK:
			backoff = 0;
			sync_set_state(s, "idle");
			if (once)
				return 0;
			wait_for(s, s->cfg.sync_interval_s, 0);
			break;
		case SYNC_REFUSED:
			sync_set_state(s, "refused");
			if (once)
				return 1;
			/* Only a human can mend this: wait long, or for pbctl sync now. */
			wait_for(s, s->cfg.sync_backoff_max_s, 0);
			break;
		case SYNC_WAIT:
			sync_set_state(s, "error");
			if (once)
				return 1;
			wait_asked(s, s->hc.retry_after_s);
			break;
		case SYNC_ERROR:
			sync_set_state(s, "error");
			if (once)
				return 1;
			backoff = next_backoff(backoff, s->cfg.sync_backoff_max_s);
			wait_for(s, jitter(backoff), 1);
			break;
		case SYNC_STOPPED:
			break;
		}
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: pb-sync [-c FILE] [-n] [-1]\n"
		"  -c FILE  box configuration (default %s)\n"
		"  -n       check the configuration, print \"configuration OK\"\n"
		"  -1       one round, then exit (0 when everything went up and down)\n"
		"  -V, --version  print the version\n"
		"  -h, --help     print this help\n",
		PB_SYNC_DEFAULT_CONFIG);
}

int main(int argc, char **argv)
{
	static struct pb_sync s;
	const char *conf = getenv("PB_CONFIG") ? getenv("PB_CONFIG") : PB_SYNC_DEFAULT_CONFIG;
	char dbp[PATH_MAX], store[PATH_MAX], key[PATH_MAX], err[PB_DB_ERR_LEN];
	struct sigaction act;
	int opt, check = 0, once = 0, rc = 1;

	pb_log_init("pb-sync");
	while ((opt = getopt_long(argc, argv, "c:n1hV", pb_opts_long, NULL)) != -1) {
		switch (opt) {
		case 'c': conf = optarg; break;
		case 'n': check = 1; break;
		case '1': once = 1; break;
		case 'V': printf("pb-sync %s\n", PB_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (pb_config_load(&s.cfg, conf) != 0) {
		pb_config_print_errors(&s.cfg, stderr);
		return 1;
	}
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "pb-sync: libsodium or libcurl cannot start\n");
		return 1;
	}
	s.wake_fd = -1;
	s.route_fd = -1;
	s.stop = &stop_flag;
	if (check) {
		/* Check the uplink settings without touching the key. */
		if (s.cfg.sync_hub_url[0] == '\0') {
			fprintf(stderr, "pb-sync: [sync] hub_url is empty: nothing to do\n");
			goto out;
		}
		if (strncmp(s.cfg.sync_hub_url, "https://", 8) != 0 && !s.cfg.sync_test_mode) {
			fprintf(stderr, "pb-sync: hub_url must start with https:// "
				"(http:// only with test_mode = 1)\n");
			goto out;
		}
		if (s.cfg.sync_ca_file[0] != '\0' && access(s.cfg.sync_ca_file, R_OK) != 0) {
			fprintf(stderr, "pb-sync: cannot read ca_file %s\n", s.cfg.sync_ca_file);
			goto out;
		}
		if (s.cfg.update_release_key[0] != '\0' &&
		    !pb_hex_valid(s.cfg.update_release_key, PB_PROTO_PK_HEX_LEN)) {
			fprintf(stderr, "pb-sync: [update] release_key must be the 64 hex digits "
				"pb-hub release key prints\n");
			goto out;
		}
		printf("configuration OK\n");
		rc = 0;
		goto out;
	}
	if (pb_config_db_path(&s.cfg, dbp, sizeof(dbp)) != 0 ||
	    pb_config_store_path(&s.cfg, store, sizeof(store)) != 0 ||
	    pb_hubc_key_path(&s.cfg, key, sizeof(key)) != 0) {
		pb_err("data_dir path too long");
		goto out;
	}
	if (pb_db_open(dbp, 0, &s.db, err, sizeof(err)) != 0) {
		pb_err("%s: %s (run pbctl init first)", dbp, err);
		goto out;
	}
	if (pb_store_open(&s.store, store) != 0) {
		pb_err("cannot open the content store %s", store);
		goto out;
	}
	s.store.tick = sync_tick;       /* a big module file from a USB stick */
	s.store.tick_arg = &s;
	if (pb_box_id(s.db, s.box_id, sizeof(s.box_id)) != 0) {
		pb_err("the database has no box id");
		goto out;
	}
	if (pb_hubc_init(&s.hc, &s.cfg, s.box_id, key) != 0) {
		pb_err("%s", s.hc.err);
		sync_set_state(&s, "error");
		sync_set_error(&s, s.hc.err);
		goto out;
	}
	s.hc.stop = &stop_flag;
	sync_health_boot(&s);
	if (pb_usb_interrupted(s.db, pb_clock_wall_ms()) != 0)
		pb_warn("cannot close the usb jobs left running: %s", sqlite3_errmsg(s.db));
	s.loopback_hub = host_is_loopback(s.hc.base);
	s.base_up = (uint64_t)sync_meta_int(&s, "sync.bytes_up", 0);
	s.base_down = (uint64_t)sync_meta_int(&s, "sync.bytes_down", 0);
	if (open_wake_socket(&s) != 0) {
		pb_err("cannot open the wake socket in %s/run: %s", s.cfg.data_dir, strerror(errno));
		goto out;
	}
	if (!s.loopback_hub && sync_routes_open(&s) != 0)
		pb_warn("no route events (%s): reading the routing table every %d s",
			strerror(errno), PB_SYNC_ROUTE_POLL_S);
	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal;     /* no SA_RESTART: poll returns at once */
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	signal(SIGPIPE, SIG_IGN);
	s.hc.tick = sync_tick;
	s.hc.tick_arg = &s;
	s.watchdog_ms = (int64_t)(pb_notify_watchdog_usec() / 2000);
	s.last_ping_ms = pb_clock_mono_ms();
	pb_notice("box %s, hub %s", s.box_id, s.hc.base);
	if (pb_notify("READY=1\nSTATUS=started") == PB_NOTIFY_ERROR)
		pb_warn("%s: %s", pb_notify_strerror(PB_NOTIFY_ERROR), strerror(errno));
	rc = run(&s, once);
	pb_notify("STOPPING=1");
	pb_notice("stopped");
out:
	sync_routes_close(&s);
	if (s.wake_fd >= 0) {
		close(s.wake_fd);
		unlink(s.wake_path);
	}
	pb_hubc_free(&s.hc);
	pb_db_close(s.db);
	curl_global_cleanup();
	return rc;
}

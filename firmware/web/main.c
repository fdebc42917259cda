/* pb-web: the box's HTTP server on the hotspot (captive portal, modules,
 * check-in, claims, staff pages, JSON API). */
#include "web.h"

#include "pb_clock.h"
#include "pb_db.h"
#include "pb_log.h"
#include "pb_notify.h"
#include "pb_opts.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pb-web -c FILE [-n] [-l ADDR:PORT] [-d]\n"
		"  -c FILE       box configuration (INI)\n"
		"  -n            check the configuration, print \"configuration OK\", exit\n"
		"  -l ADDR:PORT  listen here instead of [web] listen\n"
		"  -d            debug logging (one line per request)\n"
		"  -V, --version print the version\n"
		"  -h, --help    print this help\n");
}

static int check_webapp(const struct pb_config *cfg)
{
	char path[PATH_MAX];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/index.html", cfg->webapp_dir);
	if (stat(path, &sb) != 0) {
		fprintf(stderr, "%s: [web] webapp_dir: no index.html in %s\n",
			cfg->path, cfg->webapp_dir);
		return -1;
	}
	return 0;
}

static int prepare_data(struct pb_web *w)
{
	char err[PB_DB_ERR_LEN], store[PATH_MAX];
	sqlite3 *db = NULL;

	if (mkdir(w->cfg.data_dir, 0750) != 0 && errno != EEXIST) {
		pb_err("cannot create data_dir %s: %s", w->cfg.data_dir, strerror(errno));
		return -1;
	}
	if (pb_config_db_path(&w->cfg, w->db_path, sizeof(w->db_path)) != 0 ||
	    pb_config_store_path(&w->cfg, store, sizeof(store)) != 0) {
		pb_err("data_dir path is too long");
		return -1;
	}
	if (pb_db_open(w->db_path, PB_DB_CREATE, &db, err, sizeof(err)) != 0) {
		pb_err("%s: %s", w->db_path, err);
		return -1;
	}
	pb_clock_restore(w, db);
	pb_db_close(db);
	if (pb_store_open(&w->store, store) != 0) {
		pb_err("cannot open the content store %s: %s", store, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct pb_web *w;
	const char *conf = NULL, *listen = NULL;
	int check_only = 0, opt, sig, rc = 1;
	uint64_t watchdog_us;
	struct timespec ping;
	sigset_t set;

	pb_log_init("pb-web");
	while ((opt = getopt_long(argc, argv, "c:nl:dVh", pb_opts_long, NULL)) != -1) {
		switch (opt) {
		case 'c': conf = optarg; break;
		case 'n': check_only = 1; break;
		case 'l': listen = optarg; break;
		case 'd': pb_log_set_level(LOG_DEBUG); break;
		case 'V': printf("pb-web %s\n", PB_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (conf == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (sodium_init() < 0) {
		pb_err("libsodium cannot start");
		return 1;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return 1;
	if (pb_att_queue_init(&w->checkin_queue) != 0) {
		pb_err("cannot make the check-in queue");
		goto out;
	}
	if (pb_config_load(&w->cfg, conf) != 0) {
		pb_config_print_errors(&w->cfg, stderr);
		goto out;
	}
	if (listen != NULL && pb_config_set_listen(&w->cfg, listen) != 0) {
		fprintf(stderr, "-l %s: expected ADDR:PORT\n", listen);
		goto out;
	}
	if (check_webapp(&w->cfg) != 0)
		goto out;
	if (check_only) {
		printf("configuration OK\n");
		rc = 0;
		goto out;
	}

	/* Signals are taken by sigwait below; server threads inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (prepare_data(w) != 0)
		goto out;
	pb_portal_setup(w);
	w->started_ms = pb_clock_mono_ms();
	w->health = pb_health_start(w->db_path);
	if (w->health == NULL) {
		pb_err("cannot start the database probe: %s", strerror(errno));
		goto out;
	}
	if (pb_server_start(w) != 0)
		goto out;
	if (w->cfg.seccomp && pb_sandbox_enter() != 0) {
		pb_err("cannot confine pb-web ([web] seccomp = yes); not serving");
		pb_server_stop(w);
		goto out;
	}
	__atomic_store_n(&w->serving, 1, __ATOMIC_RELEASE);
	pb_notice("pb-web %s serving %s at http://%s:%u/ (data %s)", PB_VERSION,
		  w->cfg.centre_name, w->cfg.listen_host, w->cfg.listen_port,
		  w->cfg.data_dir);
	if (pb_notify("READY=1\nSTATUS=serving") == PB_NOTIFY_ERROR)
		pb_warn("%s: %s", pb_notify_strerror(PB_NOTIFY_ERROR), strerror(errno));
	/* With a systemd watchdog, ping at half its interval between signals. */
	watchdog_us = pb_notify_watchdog_usec() / 2;
	ping.tv_sec = (time_t)(watchdog_us / 1000000u);
	ping.tv_nsec = (long)(watchdog_us % 1000000u) * 1000;
	for (;;) {
		sig = watchdog_us ? sigtimedwait(&set, NULL, &ping) : sigwaitinfo(&set, NULL);
		if (sig < 0) {
			if (watchdog_us)
				pb_notify("WATCHDOG=1");
			continue;
		}
		if (sig == SIGHUP)
			continue;           /* nothing to reload yet */
		break;
	}
	pb_notify("STOPPING=1");
	pb_notice("stopping on signal %d", sig);
	pb_server_stop(w);
	rc = 0;
out:
	pb_health_stop(w->health);
	pb_att_queue_destroy(&w->checkin_queue);
	free(w);
	return rc;
}

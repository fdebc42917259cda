/* pbctl update status | check | apply | commit | rollback: installing a
 * signed release into the other root and booting it once (docs/updates.md).
 *
 * apply: the release pb-sync verified (checked again here: signature and
 * every .deb's SHA-256), not while a session day is open (unlocked) unless
 * --force; the other root is made a copy of the running root's read-only
 * mount (rootcopy.c: only what differs is written), the .debs installed
 * there with dpkg --root,
 * then pb-slot.txt names the other root for the next tryboot only and the
 * box reboots with the one-shot flag (systemctl reboot '0 tryboot').
 * commit (pb-update-commit.service, after each boot): on a root that is on
 * trial, make it the committed root once pb-web answers /healthz and
 * pb-sync reached the hub since this boot (or, with no backhaul, the local
 * self-test: /healthz and the database's quick_check) within
 * [update] commit_wait_s; otherwise clear the trial and reboot: the
 * firmware then boots the committed root again, update.error names the
 * release and update.failed keeps it: apply refuses it without --retry
 * until a newer one comes. Run on the committed root while a trial is
 * still pending (the new root hung or panicked and a watchdog, the boot
 * deadline or the power brought the box back), it ends the trial the
 * same way. A commit removes the downloaded release from
 * DATA/update. The data partition is never written by any of this but
 * for that folder and box_meta's update.* keys, and for the migrations
 * marked newer only that the release holds back while on trial (pb_db.h):
 * commit tries them first on a copy of the database, then names them in
 * update.no_return (rollback refuses to go back to a root that cannot read
 * them), commits the root, and only then applies them. */
#include "ctl.h"

#include "pb_attendance.h"
#include "pb_clock.h"
#include "pb_db.h"
#include "pb_slot.h"
#include "pb_slot_kernel.h"
#include "pb_update.h"
#include "pb_wake.h"
#include "rootcopy.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define UPDATE_POLL_S      2         /* between health checks while committing */
#define UPDATE_HTTP_TIMEOUT_S 5
#define UPDATE_ARGS_MAX    (PB_RELEASE_DEBS_MAX + 16)
#define UPDATE_WORDS_MAX   256       /* a sentence for update.error */
#define UPDATE_HELD_MAX    128       /* "205, 206": the held migrations named */
#define UPDATE_REHEARSAL   "migration-rehearsal.db"   /* in DATA: pb-sync empties DATA/update */

extern char **environ;

struct update_ctx {
	struct pb_ctl *c;
	char dir[PATH_MAX];
	struct pb_release r;
	enum pb_slot booted, committed, trial;
	int no_reboot, force, retry;
};

static void meta_set(struct pb_ctl *c, const char *key, const char *value)
{
	if (pb_db_meta_set(c->db, key, value) != 0)
		fprintf(stderr, "pbctl: cannot write %s\n", key);
}

static void meta_get(struct pb_ctl *c, const char *key, char *out, size_t len)
{
	if (pb_db_meta_get(c->db, key, out, len) != 0)
		out[0] = '\0';
}

/* Run argv (PATH searched) and wait: its exit status, or -1. */
static int run(char *const argv[])
{
	pid_t pid;
	int st;

	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The running root from the kernel's command line. /proc/cmdline says
 * its size is 0: read what is there, up to the limit, whatever stat says. */
static enum pb_slot booted_slot(struct pb_ctl *c)
{
	char text[PB_SLOT_CMDLINE_MAX + 1];
	FILE *f = fopen(c->cfg.update_cmdline, "r");
	size_t n = 0;

	if (f == NULL)
		return PB_SLOT_NONE;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return pb_slot_of_cmdline(text);
}

static const char *root_of(struct pb_ctl *c, enum pb_slot s)
{
	return s == PB_SLOT_B ? c->cfg.update_root_b : c->cfg.update_root_a;
}

static int load(struct update_ctx *u)
{
	u->booted = booted_slot(u->c);
	if (pb_slot_read(u->c->cfg.update_boot_dir, &u->committed, &u->trial) != 0) {
		u->committed = u->booted;
		u->trial = PB_SLOT_NONE;
	}
	return pb_update_dir(&u->c->cfg, u->dir, sizeof(u->dir));
}

/* The kept release, its signature and every .deb's SHA-256 checked now:
 * 0 ready, 1 not (said on stderr). */
static int verified(struct update_ctx *u)
{
	char err[PB_RELEASE_ERR_LEN];
	int rc = pb_update_load(u->dir, u->c->cfg.update_release_key, &u->r, err, sizeof(err));

	if (rc == 1) {
		fprintf(stderr, "pbctl: no release downloaded (%s)\n",
			u->c->cfg.update_release_key[0] ? "pb-sync fetches it from the hub"
							  : "[update] release_key is not set");
		return 1;
	}
	if (rc != 0 || pb_update_complete(u->dir, &u->r, 1, err, sizeof(err)) != 1) {
		fprintf(stderr, "pbctl: release %s: %s\n", u->r.version[0] ? u->r.version : "?",
			err);
		return 1;
	}
	return 0;
}

/* Sessions whose span holds today and whose day is not locked: their
 * count (listed on out, and their titles into words), or -1. */
static int open_days(struct pb_ctl *c, FILE *out, char *words, size_t len)
{
	char today[PB_DAY_LEN + 1];
	json_t *days, *d;
	size_t i, used = 0;
	int n;

	pb_att_today(today);
	if ((days = pb_att_open_days(c->db, today)) == NULL)
		return -1;
	words[0] = '\0';
	json_array_foreach(days, i, d) {
		const char *title = json_string_value(json_object_get(d, "title"));

		fprintf(out, "  %s  %s\n", json_string_value(json_object_get(d, "uid")), title);
		if (used < len) {
			int w = snprintf(words + used, len - used, "%s%s", i ? ", " : "", title);

			used += w > 0 ? (size_t)w : 0;
		}
	}
	n = (int)json_array_size(days);
	json_decref(days);
	return n;
}

static int status(struct update_ctx *u)
{
	char avail[64], state[32], err[512], pending[96], done[256], newer[128];
	struct pb_ctl *c = u->c;

	meta_get(c, "update.available", avail, sizeof(avail));
	meta_get(c, "update.state", state, sizeof(state));
	meta_get(c, "update.error", err, sizeof(err));
	meta_get(c, "update.pending", pending, sizeof(pending));
	meta_get(c, "update.committed", done, sizeof(done));
	printf("installed:  %s\n", PB_VERSION);
	printf("booted:     root %c\n", pb_slot_name(u->booted));
	printf("committed:  root %c%s\n", pb_slot_name(u->committed),
	       u->trial != PB_SLOT_NONE ? " (the next tryboot tries the other)" : "");
	printf("release:    %s%s%s\n", avail[0] ? avail : "none", state[0] ? " " : "", state);
	printf("pending:    %s\n", pending[0] ? pending : "none");
	if (done[0])
		printf("last:       %s\n", done);
	if (err[0])
		printf("error:      %s\n", err);
	if (pb_db_newer_migrations(c->db, newer, sizeof(newer)) > 0)
		printf("database:   migration %s of a newer version (safe for this one)\n", newer);
	if (pb_db_held_migrations(c->db, 0, newer, sizeof(newer)) > 0)
		printf("database:   migration %s held back until this release is committed\n",
		       newer);
	meta_get(c, "update.no_return", done, sizeof(done));
	if (pb_db_any_applied(c->db, done) == 1)
		printf("no return:  migration %s (newer only) is applied: root %c cannot read the "
		       "database\n", done, pb_slot_name(pb_slot_other(u->booted)));
	return 0;
}

static int check(struct update_ctx *u)
{
	char trial[96];

	meta_get(u->c, PB_UPDATE_TRIAL_KEY, trial, sizeof(trial));
	if (trial[0] != '\0')
		printf("%s is on trial: pb-sync asks the hub for a newer release once the trial "
		       "ends\n", trial);
	else if (pb_sync_wake(u->c->cfg.data_dir) == PB_WAKE_OK)
		printf("pb-sync woken: it asks the hub for a newer release now\n");
	if (verified(u) != 0)
		return 1;
	if (pb_release_version_cmp(u->r.version, PB_VERSION) <= 0) {
		printf("release %s is installed already\n", u->r.version);
		return 0;
	}
	printf("release %s: signature and SHA-256 verified (%d .deb); pbctl update apply "
	       "installs it\nnotes: %s\n", u->r.version, u->r.ndebs, u->r.notes);
	return 0;
}

/* 1 when dir is the top of a file system of its own (another device
 * than its parent folder). */
static int mount_point(const char *dir)
{
	char parent[PATH_MAX];
	struct stat a, b;

	if (snprintf(parent, sizeof(parent), "%s/..", dir) >= (int)sizeof(parent))
		return 0;
	return stat(dir, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

/* Remount a root mount point rw or ro; a folder that is no mount point
 * (a development layout, [update] roots_mounted = no) is left as it is. */
static int remount(const char *dir, int rw)
{
	if (mount(NULL, dir, NULL, MS_REMOUNT | MS_NOATIME | (rw ? 0 : MS_RDONLY), NULL) == 0)
		return 0;
	return errno == EINVAL ? 0 : -1;
}

static int reboot_now(int tryboot)
{
	char *argv_try[] = { "systemctl", "reboot", "0 tryboot", NULL };
	char *argv_plain[] = { "systemctl", "reboot", NULL };

	printf("rebooting%s\n", tryboot ? " with the one-shot tryboot flag" : "");
	fflush(stdout);
	return run(tryboot ? argv_try : argv_plain) == 0 ? 0 : 1;
}

/* The kernel of the root just written into its slot's folder on the boot
 * partition (while the root is still marked unfinished). 0/-1. */
static int install_kernel(struct update_ctx *u, enum pb_slot target, const char *dst)
{
	const char *boot = u->c->cfg.update_boot_dir;
	char version[PB_SLOT_VERSION_MAX];
	int k = pb_slot_kernel_write(boot, target, dst, version, sizeof(version));

	if (k < 0) {
		fprintf(stderr, "pbctl: cannot write the kernel of %s into %s/%s: %s\n", dst, boot,
			pb_slot_prefix(target), strerror(errno));
		return -1;
	}
	if (k == 0 && pb_slot_has_kernel(boot, u->booted)) {
		fprintf(stderr, "pbctl: %s holds no kernel (boot/vmlinuz-*): root %c could not "
			"start with a kernel of its own\n", dst, pb_slot_name(target));
		return -1;
	}
	if (k > 0)
		printf("kernel %s of root %c written into %s/%s\n", version, pb_slot_name(target),
		       boot, pb_slot_prefix(target));
	else
		printf("root %c holds no kernel: it starts with the kernel at the top of %s\n",
		       pb_slot_name(target), boot);
	fflush(stdout);
	return 0;
}

/* Make dst a copy of the running root (only what differs is written),
 * install the release's .debs there and its kernel into the target slot's
 * folder; dst stays marked unfinished until all of it is on disk. */
static int install(struct update_ctx *u, enum pb_slot target, const char *src, const char *dst)
{
	struct rootcopy_stats st;
	char root_opt[PATH_MAX + 16];
	char debs[PB_RELEASE_DEBS_MAX][PATH_MAX];
	char *argv[UPDATE_ARGS_MAX];
	int n = 0, cut;

	if ((cut = rootcopy_begin(dst, stderr)) < 0)
		return -1;
	/* dst is marked unfinished (rollback refuses it) and no longer holds
	 * the system that could not go back, nor a release never committed:
	 * the guards have done their part */
	meta_set(u->c, "update.no_return", "");
	meta_set(u->c, "update.untried", "");
	if (cut) {
		printf("the last install into %s was cut: every file is written again\n", dst);
		fflush(stdout); /* said before the copy, which takes minutes */
	}
	if (rootcopy_mirror(src, dst, cut, &st, stderr) != 0) {
		fprintf(stderr, "pbctl: cannot copy root %s into %s\n", src, dst);
		return -1;
	}
	printf("root copied: %lu entries written (%llu bytes), %lu unchanged, %lu with metadata "
	       "set, %lu removed\n", st.written, st.bytes, st.kept, st.fixed, st.removed);
	fflush(stdout);
	snprintf(root_opt, sizeof(root_opt), "--root=%s", dst);
	argv[n++] = "dpkg";
	argv[n++] = root_opt;
	argv[n++] = "--force-confdef";
	argv[n++] = "--force-confold";
	argv[n++] = "-i";
	for (int i = 0; i < u->r.ndebs; i++) {
		snprintf(debs[i], sizeof(debs[i]), "%s/%s", u->dir, u->r.debs[i].name);
		argv[n++] = debs[i];
	}
	argv[n] = NULL;
	setenv("DEBIAN_FRONTEND", "noninteractive", 1);
	if (run(argv) != 0) {
		fprintf(stderr, "pbctl: dpkg could not install release %s into %s\n",
			u->r.version, dst);
		return -1;
	}
	if (install_kernel(u, target, dst) != 0)
		return -1;
	return rootcopy_end(dst, stderr);
}

static int apply(struct update_ctx *u)
{
	struct pb_ctl *c = u->c;
	const char *boot = c->cfg.update_boot_dir;
	enum pb_slot target;
	char words[UPDATE_WORDS_MAX], titles[UPDATE_WORDS_MAX];
	int open, rc;

	if (!u->force && (open = open_days(c, stderr, titles, sizeof(titles))) != 0) {
		fprintf(stderr, "pbctl: a session day is open (not locked): the update waits "
			"until it is locked, or give --force\n");
		/* said where the admin's page shows it (an install it asked for) */
		snprintf(words, sizeof(words), "the update waits: a session day is open "
			 "(not locked): %s", open < 0 ? "the database could not say" : titles);
		meta_set(c, "update.error", words);
		return open < 0 ? 1 : 3;
	}
	if (verified(u) != 0) {
		meta_set(c, "update.error", "the release no longer verifies (pbctl update check)");
		return 1;
	}
	if (pb_release_version_cmp(u->r.version, PB_VERSION) <= 0) {
		printf("release %s is installed already\n", u->r.version);
		return 0;
	}
	meta_get(c, "update.failed", words, sizeof(words));
	if (!u->retry && strcmp(words, u->r.version) == 0) {
		fprintf(stderr, "pbctl: release %s failed its trial (pbctl update status): it is "
			"not installed again until a newer release comes, or give --retry\n",
			u->r.version);
		return 1;
	}
	if (u->booted == PB_SLOT_NONE) {
		fprintf(stderr, "pbctl: %s names neither root=LABEL=PBROOTA nor PBROOTB: "
			"cannot tell which root runs\n", c->cfg.update_cmdline);
		meta_set(c, "update.error", "cannot tell which root runs");
		return 1;
	}
	if (u->committed != u->booted) {
		fprintf(stderr, "pbctl: root %c runs on trial: commit or roll back first\n",
			pb_slot_name(u->booted));
		meta_set(c, "update.error", "a root runs on trial: commit or roll back first");
		return 1;
	}
	target = pb_slot_other(u->booted);
	if (c->cfg.update_roots_mounted && !mount_point(root_of(c, target))) {
		fprintf(stderr, "pbctl: %s is not a mounted root partition\n", root_of(c, target));
		meta_set(c, "update.error", "the other root is not a mounted root partition");
		return 1;
	}
	if (pb_slot_prepare(boot) != 0) {
		fprintf(stderr, "pbctl: cannot write the command lines into %s: %s\n", boot,
			strerror(errno));
		meta_set(c, "update.error", "cannot write the boot partition");
		return 1;
	}
	/* no trial may point at a root being rewritten */
	if (u->trial != PB_SLOT_NONE && pb_slot_write(boot, u->booted, PB_SLOT_NONE) != 0)
		return 1;
	meta_set(c, "update.available", u->r.version);
	meta_set(c, "update.state", "installing");
	printf("installing release %s into root %c…\n", u->r.version, pb_slot_name(target));
	fflush(stdout);
	if (remount(root_of(c, target), 1) != 0) {
		fprintf(stderr, "pbctl: cannot mount %s writable: %s\n", root_of(c, target),
			strerror(errno));
		meta_set(c, "update.state", "ready");
		meta_set(c, "update.error", "cannot mount the other root writable");
		return 1;
	}
	rc = install(u, target, root_of(c, u->booted), root_of(c, target));
	sync();
	if (remount(root_of(c, target), 0) != 0)
		fprintf(stderr, "pbctl: cannot mount %s read-only again\n", root_of(c, target));
	if (rc != 0) {
		meta_set(c, "update.state", "ready");
		meta_set(c, "update.error", "installing into the other root failed");
		return 1;
	}
	if (pb_slot_write(boot, u->booted, target) != 0) {
		fprintf(stderr, "pbctl: cannot write %s/%s: %s\n", boot, PB_SLOT_FILE,
			strerror(errno));
		return 1;
	}
	snprintf(words, sizeof(words), "%s on root %c", u->r.version, pb_slot_name(target));
	meta_set(c, PB_UPDATE_TRIAL_KEY, words);      /* on trial: newer-only migrations wait */
	meta_set(c, "update.state", "installed");
	meta_set(c, "update.error", "");
	printf("release %s installed into root %c: the next tryboot starts it once\n",
	       u->r.version, pb_slot_name(target));
	return u->no_reboot ? 0 : reboot_now(1);
}

static size_t discard(void *p, size_t size, size_t n, void *user)
{
	(void)p;
	(void)user;
	return size * n;
}

static int web_healthy(struct pb_ctl *c)
{
	char url[PB_CONFIG_STR_LEN];
	CURL *h;
	long code = 0;

	if (pb_config_health_url(&c->cfg, url, sizeof(url)) != 0 || (h = curl_easy_init()) == NULL)
		return 0;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)UPDATE_HTTP_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(h);
	return code == 200;
}

/* The hub reached since this boot, or no backhaul and the database whole. */
static int uplink_or_selftest(struct pb_ctl *c, const char **how)
{
	char v[32];
	struct timespec ts;
	int64_t boot_ms;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	boot_ms = pb_clock_wall_ms() - ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	meta_get(c, "sync.last_success_ms", v, sizeof(v));
	if (c->cfg.sync_hub_url[0] != '\0' && v[0] != '\0' && strtoll(v, NULL, 10) >= boot_ms) {
		*how = "pb-sync reached the hub";
		return 1;
	}
	meta_get(c, "sync.state", v, sizeof(v));
	if (c->cfg.sync_hub_url[0] == '\0' || strcmp(v, "offline") == 0) {
		sqlite3_stmt *st = NULL;
		int ok = (st = pb_db_stmt(c->db, "PRAGMA quick_check")) != NULL &&
			 sqlite3_step(st) == SQLITE_ROW &&
			 strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
		pb_db_stmt_done(st);
		*how = "no backhaul: local self-test (the database's quick_check)";
		return ok;
	}
	return 0;
}

/* The release on trial: the version update.pending names ("1.2.0 on
 * root B"), else this software's. */
static void trial_version(struct pb_ctl *c, char *out, size_t len)
{
	meta_get(c, "update.pending", out, len);
	out[strcspn(out, " ")] = '\0';
	if (out[0] == '\0')
		snprintf(out, len, "%s", PB_VERSION);
}

/* On the committed root: an apply that a power cut or reset stopped
 * leaves update.state "installing"; say so, and that apply starts again. */
static void install_cut(struct update_ctx *u)
{
	char state[32], version[64], words[256];

	meta_get(u->c, "update.state", state, sizeof(state));
	if (strcmp(state, "installing") != 0)
		return;
	meta_get(u->c, "update.available", version, sizeof(version));
	snprintf(words, sizeof(words), "installing %s into root %c did not finish (power cut "
		 "or reset): pbctl update apply starts it afresh", version,
		 pb_slot_name(pb_slot_other(u->booted)));
	meta_set(u->c, "update.state", "ready");
	meta_set(u->c, "update.error", words);
	printf("%s\n", words);
}

/* The trial root was committed (pb-slot.txt names it): record it, apply
 * the migrations held back while it was on trial, and remove the
 * downloaded release. */
static int committed(struct update_ctx *u, const char *version, const char *how)
{
	struct pb_ctl *c = u->c;
	char words[256], held[UPDATE_HELD_MAX], dbp[PATH_MAX], err[PB_DB_ERR_LEN];
	sqlite3 *db = NULL;
	int rc = 0, left;

	snprintf(words, sizeof(words), "%s committed (%s)", version, how);
	meta_set(c, "update.committed", words);
	meta_set(c, "update.state", "committed");
	meta_set(c, "update.error", "");
	meta_set(c, "update.failed", "");
	printf("root %c committed: %s\n", pb_slot_name(u->booted), how);
	if (pb_db_meta_set(c->db, PB_UPDATE_TRIAL_KEY, "") != 0) {     /* the hold ends */
		fprintf(stderr, "pbctl: cannot record the end of the trial: the held migrations "
			"stay held until the next commit step\n");
		return 1;
	}
	if (pb_db_held_migrations(c->db, 0, held, sizeof(held)) > 0) {
		/* pb_db_open applies what it no longer holds back */
		err[0] = '\0';
		if (pb_config_db_path(&c->cfg, dbp, sizeof(dbp)) != 0)
			snprintf(err, sizeof(err), "data_dir path too long");
		else if (pb_db_open(dbp, PB_DB_NOCHECK, &db, err, sizeof(err)) == 0 &&
			 (left = pb_db_held_migrations(db, 0, err, sizeof(err))) != 0)
			snprintf(err, sizeof(err), left < 0 ? "cannot count them" :
				 "%d still not applied", left);
		if (err[0] != '\0') {
			fprintf(stderr, "pbctl: migration %s: %s\n", held, err);
			rc = 1;
		} else {
			printf("migration %s applied (held back during the trial)\n", held);
		}
		pb_db_close(db);
	}
	/* installed for good: the downloaded .debs are not needed again */
	if (pb_update_clear(u->dir) != 0)
		fprintf(stderr, "pbctl: cannot empty %s: %s\n", u->dir, strerror(errno));
	return rc;
}

/* 1 when the running root was committed from its trial but the power went
 * before the commit was recorded: update.pending still names this root. */
static int commit_cut(struct update_ctx *u, const char *pending)
{
	char mine[16];
	size_t n = strlen(pending), m;

	snprintf(mine, sizeof(mine), " on root %c", pb_slot_name(u->booted));
	m = strlen(mine);
	return u->booted != PB_SLOT_NONE && u->trial == PB_SLOT_NONE && n > m &&
	       strcmp(pending + n - m, mine) == 0;
}

/* Remove the copy the held migrations are tried on (DATA/UPDATE_REHEARSAL
 * and its -journal, which VACUUM INTO leaves when it fails part way, say
 * for lack of space, -wal and -shm), also one a power cut left: 0, or -1
 * when its path does not fit. */
static int rehearsal_remove(struct pb_ctl *c, char *copy, size_t len)
{
	static const char *const suffix[] = { "", "-journal", "-wal", "-shm" };
	char file[PATH_MAX + 40];

	if (snprintf(copy, len, "%s/" UPDATE_REHEARSAL, c->cfg.data_dir) >= (int)len)
		return -1;
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(file, sizeof(file), "%s%s", copy, suffix[i]);
		if (unlink(file) != 0 && errno != ENOENT)
			fprintf(stderr, "pbctl: cannot remove %s: %s\n", file, strerror(errno));
	}
	return 0;
}

/* 1 when the last error of db was a full disk. */
static int disk_full(sqlite3 *db)
{
	int e = sqlite3_system_errno(db);

	return (sqlite3_errcode(db) & 0xff) == SQLITE_FULL || e == ENOSPC || e == EDQUOT;
}

/* The migrations held back during the trial, applied first to a copy of
 * the database (DATA/UPDATE_REHEARSAL, removed after): 0 when there are
 * none or they apply, REHEARSAL_FAILED with words saying why not (the
 * trial then fails, while going back is still possible), REHEARSAL_NO_SPACE
 * when the data partition cannot hold the copy (the release is not to
 * blame). */
enum rehearsal { REHEARSAL_OK = 0, REHEARSAL_FAILED = -1, REHEARSAL_NO_SPACE = -2 };

static enum rehearsal rehearse_held(struct update_ctx *u, char *words, size_t len)
{
	struct pb_ctl *c = u->c;
	char held[UPDATE_HELD_MAX], copy[PATH_MAX + 32], err[PB_DB_ERR_LEN];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	enum rehearsal rc = REHEARSAL_FAILED;
	int left;

	if (pb_db_held_migrations(c->db, 0, held, sizeof(held)) <= 0)
		return REHEARSAL_OK;
	err[0] = '\0';
	if (rehearsal_remove(c, copy, sizeof(copy)) != 0) {
		snprintf(err, sizeof(err), "data_dir path too long");
		goto out;
	}
	if (sqlite3_prepare_v2(c->db, "VACUUM INTO ?1", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, copy, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE) {
		if (disk_full(c->db))
			rc = REHEARSAL_NO_SPACE;
		snprintf(err, sizeof(err), "copying the database: %s", sqlite3_errmsg(c->db));
		goto out;
	}
	/* the copy is no longer on trial: its next open applies what was held */
	if (pb_db_open(copy, PB_DB_NOCHECK, &db, err, sizeof(err)) != 0 ||
	    pb_db_meta_set(db, PB_UPDATE_TRIAL_KEY, "") != 0)
		goto out;
	pb_db_close(db);
	db = NULL;
	if (pb_db_open(copy, PB_DB_NOCHECK, &db, err, sizeof(err)) != 0 ||
	    pb_db_quick_check(db, err, sizeof(err)) != 0)
		goto out;
	if ((left = pb_db_held_migrations(db, 0, err, sizeof(err))) != 0) {
		snprintf(err, sizeof(err), "%d not applied", left);
		goto out;
	}
	printf("migration %s held back during the trial: it applies to a copy of the "
	       "database\n", held);
	rc = REHEARSAL_OK;
out:
	if (rc == REHEARSAL_NO_SPACE)
		snprintf(words, len, "no space on the data partition for a copy of the database "
			 "to try migration %s on (%s): the trial goes on; free space and run "
			 "pbctl update commit again", held, err);
	else if (rc != REHEARSAL_OK)
		snprintf(words, len, "migration %s held back during the trial does not apply to "
			 "this box's database (%s): back to root %c", held, err,
			 pb_slot_name(u->committed));
	sqlite3_finalize(st);
	pb_db_close(db);
	rehearsal_remove(c, copy, sizeof(copy));
	return rc;
}

static int back(struct update_ctx *u, const char *words);

/* On the committed root, update.pending still naming a release: its
 * trial ended, and only now, with the trial root stopped, does the hold
 * end. Failed (the check said why) or rolled back by hand, the record
 * stays; else the firmware came back before the trial's own check
 * decided: the new root hung or panicked and was reset (watchdog, boot
 * deadline, power), or the power went before it started. The one-shot
 * flag is spent; the trial ends here. */
static int trial_closed(struct update_ctx *u, const char *pending)
{
	struct pb_ctl *c = u->c;
	char state[32], version[96], words[256];

	if (u->trial != PB_SLOT_NONE &&
	    pb_slot_write(c->cfg.update_boot_dir, u->booted, PB_SLOT_NONE) != 0) {
		fprintf(stderr, "pbctl: cannot end the trial in %s: %s\n",
			c->cfg.update_boot_dir, strerror(errno));
		return 1;
	}
	meta_get(c, "update.state", state, sizeof(state));
	if (strcmp(state, "no space") == 0) {
		/* not the release's fault: it may be applied again */
		printf("root %c is committed: the trial of %s ended (no space for the copy of "
		       "the database)\n", pb_slot_name(u->booted), pending);
		meta_set(c, "update.state", "ready");
		/* the words the trial root left ("the trial goes on ... commit
		 * again") no longer hold; kept as "no space on the data partition"
		 * first, the way the admin page knows them */
		snprintf(words, sizeof(words), "no space on the data partition for a copy of the "
			 "database: the trial of %s ended; free space, then pbctl update apply "
			 "installs it again", pending);
		meta_set(c, "update.error", words);
		/* the other root still holds it, never committed: no rollback into it */
		trial_version(c, version, sizeof(version));
		meta_set(c, "update.untried", version);
	} else if (strcmp(state, "failed") != 0 && strcmp(state, "rolled back") != 0) {
		snprintf(words, sizeof(words), "%s did not reach its checks (it hung, was "
			 "reset or lost power first): back on root %c", pending,
			 pb_slot_name(u->booted));
		trial_version(c, version, sizeof(version));
		meta_set(c, "update.error", words);
		meta_set(c, "update.failed", version);
		meta_set(c, "update.state", "failed");
		printf("%s\n", words);
	} else {
		printf("root %c is committed: the trial of %s ended (%s)\n",
		       pb_slot_name(u->booted), pending, state);
	}
	if (pb_db_meta_set(c->db, "update.pending", "") != 0) {
		fprintf(stderr, "pbctl: cannot record the end of the trial\n");
		return 1;
	}
	return 0;
}

static int commit(struct update_ctx *u)
{
	struct pb_ctl *c = u->c;
	char pending[96], version[96], words[256], held[UPDATE_HELD_MAX], copy[PATH_MAX + 32];
	const char *how = "";
	int64_t end;

	/* a copy a power cut left in the middle of a rehearsal */
	rehearsal_remove(c, copy, sizeof(copy));
	meta_get(c, "update.pending", pending, sizeof(pending));
	if (u->booted == PB_SLOT_NONE || u->booted == u->committed) {
		install_cut(u);
		if (commit_cut(u, pending)) {
			/* the root was committed, the record of it was cut off */
			trial_version(c, version, sizeof(version));
			return committed(u, version, "its checks passed before a power cut");
		}
		if (pending[0] != '\0' && u->booted != PB_SLOT_NONE)
			return trial_closed(u, pending);
		printf("root %c is committed: nothing on trial\n", pb_slot_name(u->booted));
		return 0;
	}
	trial_version(c, version, sizeof(version));
	printf("root %c runs on trial: checking pb-web and the uplink (up to %u s)\n",
	       pb_slot_name(u->booted), c->cfg.update_commit_wait_s);
	fflush(stdout);
	end = pb_clock_mono_ms() + (int64_t)c->cfg.update_commit_wait_s * 1000;
	for (;;) {
		if (web_healthy(c) && uplink_or_selftest(c, &how)) {
			enum rehearsal r = rehearse_held(u, words, sizeof(words));

			if (r == REHEARSAL_NO_SPACE) {
				fprintf(stderr, "pbctl: %s\n", words);
				meta_set(c, "update.error", words);
				meta_set(c, "update.state", "no space");
				return 1;
			}
			if (r != REHEARSAL_OK)
				return back(u, words);
			/* named before the commit: never applied without the name */
			if (pb_db_held_migrations(c->db, 1, held, sizeof(held)) < 0 ||
			    pb_db_meta_set(c->db, "update.no_return", held) != 0) {
				fprintf(stderr, "pbctl: cannot record the held migrations\n");
				return 1;
			}
			if (pb_slot_write(c->cfg.update_boot_dir, u->booted, PB_SLOT_NONE) != 0) {
				fprintf(stderr, "pbctl: cannot commit root %c: %s\n",
					pb_slot_name(u->booted), strerror(errno));
				return 1;
			}
			return committed(u, version, how);
		}
		if (pb_clock_mono_ms() >= end)
			break;
		sleep(UPDATE_POLL_S);
	}
	snprintf(words, sizeof(words), "%s on root %c failed its checks within %u s: back to "
		 "root %c", version, pb_slot_name(u->booted), c->cfg.update_commit_wait_s,
		 pb_slot_name(u->committed));
	return back(u, words);
}

/* The trial failed (words say why): the committed root boots next. */
static int back(struct update_ctx *u, const char *words)
{
	struct pb_ctl *c = u->c;
	char version[96];

	trial_version(c, version, sizeof(version));
	fprintf(stderr, "pbctl: %s\n", words);
	meta_set(c, "update.error", words);
	meta_set(c, "update.failed", version);
	/* update.pending stays: the trial release's programs that open the
	 * database before the reboot still hold its newer-only migrations
	 * back; the commit step of the old root empties it */
	meta_set(c, "update.state", "failed");
	/* the trial ends here: also a reboot that is not ours boots the old root */
	if (pb_slot_write(c->cfg.update_boot_dir, u->committed, PB_SLOT_NONE) != 0)
		return 1;
	return u->no_reboot ? 1 : (reboot_now(0), 1);
}

/* 1 when the other root holds a release that was never committed (armed
 * for a trial, on one whose end was not recorded yet, failed since the
 * last commit, or whose trial ended for want of space), with words naming
 * it. */
static int untried(struct update_ctx *u, char *words, size_t len)
{
	char pending[96], failed[64], state[32], stopped[64];
	char other = pb_slot_name(pb_slot_other(u->booted));

	meta_get(u->c, "update.pending", pending, sizeof(pending));
	meta_get(u->c, "update.failed", failed, sizeof(failed));
	meta_get(u->c, "update.state", state, sizeof(state));
	meta_get(u->c, "update.untried", stopped, sizeof(stopped));
	if (u->trial != PB_SLOT_NONE)
		snprintf(words, len, "root %c is armed for a trial, never committed", other);
	else if (pending[0] != '\0')
		snprintf(words, len, "the trial of %s has not ended yet (pbctl update commit "
			 "ends it)", pending);
	else if (failed[0] != '\0' || strcmp(state, "failed") == 0)
		snprintf(words, len, "root %c holds release %s, which failed its trial and was "
			 "never committed", other, failed[0] ? failed : "?");
	else if (stopped[0] != '\0')
		snprintf(words, len, "root %c holds release %s, whose trial ended for want of "
			 "space and which was never committed", other, stopped);
	else
		return 0;
	return 1;
}

static int rollback(struct update_ctx *u)
{
	struct pb_ctl *c = u->c;
	enum pb_slot to = pb_slot_other(u->booted);
	char probe[PATH_MAX], held[UPDATE_HELD_MAX], words[256], version[96];
	struct stat sb;

	if (u->booted == PB_SLOT_NONE) {
		fprintf(stderr, "pbctl: cannot tell which root runs (%s)\n", c->cfg.update_cmdline);
		return 1;
	}
	snprintf(probe, sizeof(probe), "%s/var/lib/dpkg/status", root_of(c, to));
	if (stat(probe, &sb) != 0 || rootcopy_unfinished(root_of(c, to))) {
		fprintf(stderr, "pbctl: root %c holds no system to go back to\n",
			pb_slot_name(to));
		return 1;
	}
	if (u->booted == u->committed && untried(u, words, sizeof(words))) {
		fprintf(stderr, "pbctl: %s: rollback goes only to a root that was committed\n",
			words);
		return 1;
	}
	meta_get(c, "update.no_return", held, sizeof(held));
	if (pb_db_any_applied(c->db, held) == 1) {
		fprintf(stderr, "pbctl: root %c cannot read the database: migration %s, marked newer "
			"only, was applied when root %c was committed; its software would refuse "
			"to serve. Install a newer release instead\n", pb_slot_name(to), held,
			pb_slot_name(u->booted));
		return 1;
	}
	if (pb_slot_prepare(c->cfg.update_boot_dir) != 0) {
		fprintf(stderr, "pbctl: cannot write the command lines into %s: %s\n",
			c->cfg.update_boot_dir, strerror(errno));
		return 1;
	}
	if (pb_slot_write(c->cfg.update_boot_dir, to, PB_SLOT_NONE) != 0) {
		fprintf(stderr, "pbctl: cannot write %s: %s\n", c->cfg.update_boot_dir,
			strerror(errno));
		return 1;
	}
	/* from a trial root update.pending stays (the hold with it) until
	 * the committed root's commit step, and the release is not tried
	 * again by itself; from a committed one update.pending is empty */
	if (u->booted != u->committed) {
		trial_version(c, version, sizeof(version));
		meta_set(c, "update.failed", version);
	}
	meta_set(c, "update.state", "rolled back");
	printf("root %c committed again: the next boot starts it\n", pb_slot_name(to));
	return u->no_reboot ? 0 : reboot_now(0);
}

int ctl_update_unmigrated(int argc, char **argv)
{
	return argc >= 2 && (strcmp(argv[1], "status") == 0 || strcmp(argv[1], "rollback") == 0);
}

int cmd_update(struct pb_ctl *c, int argc, char **argv)
{
	static struct update_ctx u;
	const char *verb = argc >= 2 ? argv[1] : "";

	memset(&u, 0, sizeof(u));
	u.c = c;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			u.force = 1;
		else if (strcmp(argv[i], "--retry") == 0)
			u.retry = 1;
		else if (strcmp(argv[i], "--no-reboot") == 0)
			u.no_reboot = 1;
		else
			goto usage;
	}
	if (load(&u) != 0)
		return 1;
	if (strcmp(verb, "status") == 0)
		return status(&u);
	if (strcmp(verb, "check") == 0)
		return check(&u);
	if (strcmp(verb, "apply") == 0)
		return apply(&u);
	if (strcmp(verb, "commit") == 0)
		return commit(&u);
	if (strcmp(verb, "rollback") == 0)
		return rollback(&u);
usage:
	fprintf(stderr, "usage: pbctl update status | check | apply [--force] [--retry] [--no-reboot] | "
		"commit [--no-reboot] | rollback [--no-reboot]\n");
	return 2;
}

/* crashsim: power cuts through the real library code.
 *
 * For each cut: run a workload (transactions through pb_db_open,
 * pb_outbox_append, pb_catalog_upsert …) on the crashvfs shim, which cuts
 * the power after a seeded random number of writes/syncs; remember every
 * transaction whose COMMIT returned OK; produce the files as the power cut
 * leaves them; reopen them with the plain unix VFS and check that
 *   - PRAGMA integrity_check says ok,
 *   - the outbox hash chain verifies (pb_outbox_verify),
 *   - every acknowledged record is there;
 * and for workloads that use the content store (crashfs.c models its files
 * at the same cut):
 *   - no file in the store fails its hash,
 *   - every file the recovered catalogue names is in the store, whole.
 *
 *   crashsim [-w WORKLOAD|all] [-n CUTS] [-s SEED] [-t STEPS] [-k DIR] [-l] [-u]
 *
 * -u runs the control experiment (synchronous = NORMAL, folder syncs of the
 * store ignored), which must fail.
 *
 * A failing cut prints its seed; `crashsim -w W -s SEED -n 1 -k DIR` redoes
 * exactly that cut and keeps the produced files in DIR. */
#include "crashfs.h"
#include "crashvfs.h"

#include "pb_attendance.h"
#include "pb_catalog.h"
#include "pb_db.h"
#include "pb_outbox.h"
#include "pb_store.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CRASHSIM_STEPS_DEFAULT 60
#define CRASHSIM_ACKS_MAX      4096
#define CRASHSIM_KEY_MAX       64
#define CRASHSIM_IMPORT_FILE_MAX (40 * 1024)
/* Checkpoint often so cuts also land inside checkpoints and WAL restarts. */
#define CRASHSIM_AUTOCHECKPOINT "PRAGMA wal_autocheckpoint = 20"
/* -u: the control experiment. With synchronous = NORMAL a WAL commit is
 * not synced, so acknowledged records must be lost at some cuts: if they
 * never are, the simulator is not cutting anything. */
#define CRASHSIM_UNSAFE "PRAGMA synchronous = NORMAL"
static int g_unsafe;

struct acks {
	int n;
	char key[CRASHSIM_ACKS_MAX][CRASHSIM_KEY_MAX];
};

/* Payload sizes etc. come from this generator, seeded per cut. */
static uint64_t g_wl_rng;
static uint64_t wl_rnd(void)
{
	return crash_splitmix(&g_wl_rng);
}

static void fill_text(char *buf, size_t n)
{
	static const char abc[] = "abcdefghijklmnopqrstuvwxyz0123456789 ";
	for (size_t i = 0; i < n; i++)
		buf[i] = abc[wl_rnd() % (sizeof(abc) - 1)];
	buf[n] = '\0';
}

/* ---- workloads: one transaction per step; on COMMIT OK the step writes
 * the key that must survive into key and returns 0 ---- */

static int step_outbox(sqlite3 *db, int i, char *key)
{
	char payload[4096], text[3001], id[PB_ID_HEX_LEN + 1];
	int64_t seq;

	fill_text(text, (size_t)(wl_rnd() % 3000));
	snprintf(payload, sizeof(payload), "{\"n\":%d,\"text\":\"%s\"}", i, text);
	if (pb_db_begin(db) != 0)
		return -1;
	if (pb_outbox_append(db, "test.record", payload, &seq, id) != 0 ||
	    pb_db_commit(db) != 0) {
		pb_db_rollback(db);
		return -1;
	}
	snprintf(key, CRASHSIM_KEY_MAX, "%s", id);
	return 0;
}

static int step_catalog(sqlite3 *db, int i, char *key)
{
	struct pb_module m;
	struct pb_module_file files[3];
	enum pb_catalog_change ch;

	memset(&m, 0, sizeof(m));
	memset(files, 0, sizeof(files));
	/* Half the steps update an earlier module, half add a new one. */
	snprintf(m.id, sizeof(m.id), "M%04d", (wl_rnd() & 1) && i > 0 ?
		 (int)(wl_rnd() % (uint64_t)i) : i);
	fill_text(m.title, 20 + (size_t)(wl_rnd() % 100));
	m.kk = (char)('A' + wl_rnd() % 10);
	snprintf(m.subject, sizeof(m.subject), "Subjek %d", (int)(wl_rnd() % 7));
	snprintf(m.level, sizeof(m.level), "SMP");
	fill_text(m.description, (size_t)(wl_rnd() % 900));
	m.nfiles = 1 + (int)(wl_rnd() % 3);
	m.files = files;
	for (int f = 0; f < m.nfiles; f++) {
		snprintf(files[f].name, sizeof(files[f].name), "berkas-%d-%d.pdf", i, f);
		pb_sha256_hex(files[f].name, strlen(files[f].name), files[f].sha256);
		snprintf(files[f].mime, sizeof(files[f].mime), "application/pdf");
		files[f].size = (int64_t)(wl_rnd() % 100000);
	}
	if (pb_catalog_upsert(db, &m, "usb", &ch) != 0)
		return -1;
	snprintf(key, CRASHSIM_KEY_MAX, "%s", m.id);
	return 0;
}

/* The content import, as pbctl does it: files into the store (written to
 * tmp/, synced, checked, renamed), then the module into the catalogue. */
static struct pb_store g_store;
static char g_srcdir[512];

static int step_import(sqlite3 *db, int i, char *key)
{
	struct pb_module m;
	struct pb_module_file files[2];
	enum pb_catalog_change ch;
	static unsigned char data[CRASHSIM_IMPORT_FILE_MAX];
	char src[600], err[256];

	memset(&m, 0, sizeof(m));
	memset(files, 0, sizeof(files));
	snprintf(m.id, sizeof(m.id), "U%04d", i);
	snprintf(m.title, sizeof(m.title), "Modul %d", i);
	m.kk = 'C';
	snprintf(m.subject, sizeof(m.subject), "IPA");
	snprintf(m.level, sizeof(m.level), "SMA");
	m.nfiles = 1 + (int)(wl_rnd() % 2);
	m.files = files;
	for (int f = 0; f < m.nfiles; f++) {
		size_t n = 1 + (size_t)(wl_rnd() % CRASHSIM_IMPORT_FILE_MAX);
		FILE *out;
		enum pb_store_result r;
		for (size_t b = 0; b < n; b++)
			data[b] = (unsigned char)wl_rnd();
		snprintf(src, sizeof(src), "%s/%d-%d.bin", g_srcdir, i, f);
		out = fopen(src, "wb");
		if (out == NULL || fwrite(data, 1, n, out) != n || fclose(out) != 0)
			return -1;
		pb_sha256_hex(data, n, files[f].sha256);
		snprintf(files[f].name, sizeof(files[f].name), "berkas-%d.bin", f);
		snprintf(files[f].mime, sizeof(files[f].mime), "application/octet-stream");
		r = pb_store_import(&g_store, src, files[f].sha256, &files[f].size, err,
				    sizeof(err));
		if (r != PB_STORE_ADDED && r != PB_STORE_PRESENT)
			return -1;
	}
	if (pb_catalog_upsert(db, &m, "usb", &ch) != 0)
		return -1;
	snprintf(key, CRASHSIM_KEY_MAX, "%s", m.id);
	return 0;
}

/* Attendance: a session, then check-ins and facilitators' marks (each
 * its own transaction with its outbox record, inside the library). */
static struct pb_kegiatan g_keg;
static char g_day[PB_DAY_LEN + 1];

static int att_key(json_t *rec, char *key)
{
	const char *uid = json_string_value(json_object_get(rec, "uid"));

	if (uid == NULL)
		return -1;
	snprintf(key, CRASHSIM_KEY_MAX, "%s", uid);
	return 0;
}

static int step_attendance(sqlite3 *db, int i, char *key)
{
	char nuptk[PB_NUPTK_LEN + 1];
	json_t *rec = NULL, *in;
	const char *bad = NULL;
	int64_t kid = 0;
	enum pb_att_result r;
	int rc;

	if (g_keg.id == 0) {
		pb_att_today(g_day);
		in = json_pack("{s:s, s:s, s:i, s:i}", "title", "Uji daya", "start_date", g_day,
			       "days", 1, "jp_per_day", 8);
		r = pb_kegiatan_create(db, in, "uji", "", &kid, &bad);
		json_decref(in);
		if (r != PB_ATT_OK || pb_kegiatan_get(db, kid, &g_keg) != 0) {
			memset(&g_keg, 0, sizeof(g_keg));
			return -1;
		}
		snprintf(key, CRASHSIM_KEY_MAX, "%s", g_keg.uid);
		return 0;
	}
	if (i % 3 == 2) {                   /* the teacher before was absent after all */
		snprintf(nuptk, sizeof(nuptk), "32%014d", i - 1);
		r = pb_att_mark(db, &g_keg, g_day, nuptk, "absent", "sakit", "Peserta", "SD",
				"uji", "", &rec);
	} else {
		struct pb_checkin c;
		snprintf(nuptk, sizeof(nuptk), "32%014d", i);
		memset(&c, 0, sizeof(c));
		c.kegiatan_id = g_keg.id;
		c.day = g_day;
		c.nuptk = nuptk;
		c.name = "Peserta";
		c.school = "SD";
		c.signature = "{\"h\":10,\"s\":[[1,1,1,1]],\"w\":10}";
		c.client = "10.0.0.9";
		c.device = "";
		c.per_client_max = CRASHSIM_ACKS_MAX;
		r = pb_att_checkin(db, &c, &rec);
	}
	rc = (r == PB_ATT_OK || r == PB_ATT_EXISTING) ? att_key(rec, key) : -1;
	json_decref(rec);
	return rc;
}

/* Which table a key belongs to, so a mixed workload checks each. */
static int step_mixed(sqlite3 *db, int i, char *key)
{
	char k[CRASHSIM_KEY_MAX];

	if (i % 3 == 2) {
		if (step_catalog(db, i, k) != 0)
			return -1;
		snprintf(key, CRASHSIM_KEY_MAX, "m:%s", k);
	} else {
		if (step_outbox(db, i, k) != 0)
			return -1;
		snprintf(key, CRASHSIM_KEY_MAX, "o:%s", k);
	}
	return 0;
}

struct workload {
	const char *name;
	int (*step)(sqlite3 *db, int i, char *key);
	int store;                   /* uses the content store (crashfs) */
	/* SELECT count(*) … WHERE … = ?1: must be ≥ 1 for an acknowledged key.
	 * For keys "x:KEY", the entry of `parts` whose prefix is x is used. */
	const char *check_sql;
};

static const struct workload workloads[] = {
	{ "outbox",  step_outbox,  0, "SELECT count(*) FROM outbox WHERE id = ?1" },
	{ "catalog", step_catalog, 0, "SELECT count(*) FROM modules m WHERE id = ?1 AND "
				      "(SELECT count(*) FROM module_files f WHERE f.module_id = m.id) > 0" },
	{ "mixed",   step_mixed,   0, NULL },
	{ "import",  step_import,  1, "SELECT count(*) FROM modules WHERE id = ?1" },
	{ "attendance", step_attendance, 0, "SELECT (SELECT count(*) FROM attendance WHERE uid = ?1)"
					    " + (SELECT count(*) FROM kegiatan WHERE uid = ?1)" },
	/* Claims and decisions: one row each here when they land (a step that
	 * calls their library function, and the SELECT that finds the record). */
	{ NULL, NULL, 0, NULL },
};

static const struct { char prefix; const char *sql; } mixed_parts[] = {
	{ 'o', "SELECT count(*) FROM outbox WHERE id = ?1" },
	{ 'm', "SELECT count(*) FROM modules WHERE id = ?1" },
	{ 0, NULL },
};

static int key_present(sqlite3 *db, const struct workload *w, const char *key)
{
	const char *sql = w->check_sql;
	sqlite3_stmt *st = NULL;
	int n = -1;

	if (sql == NULL) {
		for (int i = 0; mixed_parts[i].sql != NULL; i++)
			if (key[0] == mixed_parts[i].prefix && key[1] == ':')
				sql = mixed_parts[i].sql;
		key += 2;
	}
	if (sql == NULL || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int integrity_ok(sqlite3 *db, char *msg, size_t len)
{
	sqlite3_stmt *st = NULL;
	int ok = 0;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
		snprintf(msg, len, "integrity_check: %s", sqlite3_errmsg(db));
		return 0;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		ok = t != NULL && strcmp((const char *)t, "ok") == 0;
		if (!ok)
			snprintf(msg, len, "integrity_check: %s", t ? (const char *)t : "?");
	}
	sqlite3_finalize(st);
	return ok;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void rm_rf(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh folder in memory when there is one (/dev/shm): every cut writes
 * and deletes a whole box. TMPDIR wins. */
static int make_tmp(char *dir, size_t len)
{
	const char *base = getenv("TMPDIR");

	if (base == NULL || base[0] == '\0')
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(dir, len, "%s/crashsim-XXXXXX", base);
	return mkdtemp(dir) != NULL ? 0 : -1;
}

struct totals {
	long cuts, failures, acked, torn, dropped, kept, cuts_in_open;
};

/* Run the workload in dir until the cut; fill acks. */
static void run_workload(const struct workload *w, const char *dir, int steps,
			 struct acks *a)
{
	sqlite3 *db = NULL;
	char err[PB_DB_ERR_LEN], key[CRASHSIM_KEY_MAX], path[512];

	a->n = 0;
	memset(&g_keg, 0, sizeof(g_keg));
	if (w->store) {
		snprintf(path, sizeof(path), "%s/store", dir);
		snprintf(g_srcdir, sizeof(g_srcdir), "%s/src", dir);
		if (pb_store_open(&g_store, path) != 0 || mkdir(g_srcdir, 0700) != 0 ||
		    crashfs_track(path) != 0) {
			fprintf(stderr, "crashsim: cannot set up the store in %s\n", dir);
			return;
		}
	}
	snprintf(path, sizeof(path), "%s/pb.db", dir);
	if (pb_db_open(path, PB_DB_CREATE, &db, err, sizeof(err)) != 0)
		return;
	if (pb_db_exec(db, CRASHSIM_AUTOCHECKPOINT) != 0 ||
	    (g_unsafe && pb_db_exec(db, CRASHSIM_UNSAFE) != 0))
		goto out;
	for (int i = 0; i < steps && !crashvfs_cut(); i++) {
		if (w->step(db, i, key) != 0)
			continue;        /* not acknowledged: the caller saw an error */
		if (a->n < CRASHSIM_ACKS_MAX)
			snprintf(a->key[a->n++], CRASHSIM_KEY_MAX, "%s", key);
	}
out:
	pb_db_close(db);
}

/* After a cut: no file in the store fails its hash, and every file the
 * recovered catalogue names is there, whole. 0, or -1 with msg. */
static int store_check(sqlite3 *db, const char *store, char *msg, size_t len)
{
	char path[1024], hex[PB_SHA256_HEX_LEN + 1];
	sqlite3_stmt *st = NULL;
	struct dirent *e, *f;
	DIR *d = opendir(store), *sd;
	int64_t size;
	int rc = -1;

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strlen(e->d_name) != 2 || e->d_name[0] == '.')
			continue;          /* ".", "..", "tmp" */
		snprintf(path, sizeof(path), "%s/%s", store, e->d_name);
		sd = opendir(path);
		while (sd != NULL && (f = readdir(sd)) != NULL) {
			if (f->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s/%s", store, e->d_name, f->d_name);
			if (pb_sha256_file(path, hex, &size) != 0 || strcmp(hex, f->d_name) != 0) {
				snprintf(msg, len, "store file %s fails its hash", f->d_name);
				closedir(sd);
				goto out;
			}
		}
		if (sd != NULL)
			closedir(sd);
	}
	if (sqlite3_prepare_v2(db, "SELECT sha256, size FROM module_files", -1, &st,
			       NULL) != SQLITE_OK)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *sha = (const char *)sqlite3_column_text(st, 0);
		snprintf(path, sizeof(path), "%s/%.2s/%s", store, sha, sha);
		if (pb_sha256_file(path, hex, &size) != 0 || size != sqlite3_column_int64(st, 1)) {
			snprintf(msg, len, "catalogued file %s is missing from the store", sha);
			goto out;
		}
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	if (d != NULL)
		closedir(d);
	return rc;
}

/* One cut: 0 when every check holds, 1 when one fails (printed). */
static int one_cut(const struct workload *w, uint64_t seed, int steps, int64_t total_ops,
		   const char *keep_dir, struct totals *t)
{
	char dir[512], out[512], outdb[512], outstore[600], msg[512];
	static struct acks a;
	struct crashvfs_stats cs;
	sqlite3 *db = NULL;
	struct stat sb;
	int64_t cut, bad_seq = 0;
	int fail = 0;

	g_wl_rng = seed;
	cut = (int64_t)(wl_rnd() % (uint64_t)(total_ops + 1));
	if (make_tmp(dir, sizeof(dir)) != 0) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(out, sizeof(out), "%s", keep_dir != NULL ? keep_dir : dir);
	if (keep_dir == NULL)
		strncat(out, "/out", sizeof(out) - strlen(out) - 1);
	mkdir(out, 0700);
	snprintf(outdb, sizeof(outdb), "%s/pb.db", out);

	crashvfs_reset(cut);
	run_workload(w, dir, steps, &a);
	snprintf(outstore, sizeof(outstore), "%s/store", out);
	if (crashvfs_materialize(out, seed ^ 0x5EEDull) != 0 ||
	    (w->store && crashfs_materialize(outstore, seed ^ 0xF11Eull) != 0)) {
		fprintf(stderr, "crashsim: cannot write the files after the cut\n");
		fail = 1;
		goto done;
	}
	crashvfs_last_stats(&cs);
	t->torn += cs.torn;
	t->dropped += cs.dropped;
	t->kept += cs.kept;
	t->acked += a.n;

	crashvfs_unregister();
	msg[0] = '\0';
	if (stat(outdb, &sb) != 0) {
		/* Nothing was ever synced: fine only if nothing was acknowledged. */
		t->cuts_in_open++;
		if (a.n > 0) {
			snprintf(msg, sizeof(msg), "%d acknowledged, but no database file", a.n);
			fail = 1;
		}
	} else if (pb_db_open(outdb, 0, &db, msg, sizeof(msg)) != 0) {
		/* A file cut before the first migration committed may still be
		 * empty or half made; that is fine if nothing was acknowledged. */
		if (a.n > 0)
			fail = 1;
		else
			t->cuts_in_open++;
	} else if (!integrity_ok(db, msg, sizeof(msg))) {
		fail = 1;
	} else if (pb_outbox_verify(db, &bad_seq) != 0) {
		snprintf(msg, sizeof(msg), "outbox chain breaks at seq %" PRId64, bad_seq);
		fail = 1;
	} else if (w->store && store_check(db, outstore, msg, sizeof(msg)) != 0) {
		fail = 1;
	} else {
		for (int i = 0; i < a.n; i++) {
			if (key_present(db, w, a.key[i]) < 1) {
				snprintf(msg, sizeof(msg), "acknowledged record %s (%d of %d) is lost",
					 a.key[i], i + 1, a.n);
				fail = 1;
				break;
			}
		}
	}
	pb_db_close(db);
	if (crashvfs_register() != 0) {
		fprintf(stderr, "crashsim: cannot register the VFS again\n");
		fail = 1;
	}
done:
	crashfs_reset();
	t->cuts++;
	if (fail) {
		t->failures++;
		fprintf(stderr, "FAIL workload %s seed %" PRIu64 " cut after %" PRId64
			" of %" PRId64 " ops (%d acknowledged; %ld kept, %ld torn, %ld dropped): %s\n"
			"  redo: crashsim -w %s -s %" PRIu64 " -n 1 -t %d -k DIR\n",
			w->name, seed, cut, total_ops, a.n, cs.kept, cs.torn, cs.dropped, msg,
			w->name, seed, steps);
	}
	rm_rf(dir);
	return fail;
}

static int run(const struct workload *w, uint64_t seed, long cuts, int steps,
	       const char *keep_dir)
{
	char dir[512];
	static struct acks a;
	struct totals t;
	int64_t total;

	memset(&t, 0, sizeof(t));
	/* A run without a cut, to learn how many operations the workload makes. */
	if (make_tmp(dir, sizeof(dir)) != 0) {
		perror("mkdtemp");
		return 1;
	}
	g_wl_rng = seed;
	crashvfs_reset(-1);
	run_workload(w, dir, steps, &a);
	total = crashvfs_ops();
	crashfs_reset();
	rm_rf(dir);
	if (a.n != steps) {
		fprintf(stderr, "crashsim: workload %s fails without a cut (%d of %d)\n",
			w->name, a.n, steps);
		return 1;
	}
	for (long i = 0; i < cuts; i++)
		one_cut(w, seed + (uint64_t)i, steps, total, keep_dir, &t);
	printf("crashsim: workload %-8s %ld cuts over %" PRId64 " ops, %ld acknowledged "
	       "transactions checked, unsynced writes %ld kept / %ld torn / %ld dropped, "
	       "%ld cuts before the first commit, %ld failures\n",
	       w->name, t.cuts, total, t.acked, t.kept, t.torn, t.dropped, t.cuts_in_open,
	       t.failures);
	return t.failures > 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: crashsim [-w WORKLOAD|all] [-n CUTS] [-s SEED] [-t STEPS] "
		"[-k DIR] [-l] [-u]\n");
}

int main(int argc, char **argv)
{
	const char *wname = "all", *keep = NULL;
	uint64_t seed = 1;
	long cuts = 100;
	int steps = CRASHSIM_STEPS_DEFAULT, opt, rc = 0, found = 0;

	while ((opt = getopt(argc, argv, "w:n:s:t:k:luh")) != -1) {
		switch (opt) {
		case 'w': wname = optarg; break;
		case 'n': cuts = strtol(optarg, NULL, 10); break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 't': steps = atoi(optarg); break;
		case 'k': keep = optarg; break;
		case 'u':
			g_unsafe = 1;
			crashfs_set_ignore_dir_sync(1);
			break;
		case 'l':
			for (int i = 0; workloads[i].name != NULL; i++)
				printf("%s\n", workloads[i].name);
			return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (cuts < 1 || steps < 1 || steps > CRASHSIM_ACKS_MAX || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (sodium_init() < 0 || crashvfs_register() != 0) {
		fprintf(stderr, "crashsim: cannot start\n");
		return 1;
	}
	for (int i = 0; workloads[i].name != NULL; i++) {
		if (strcmp(wname, "all") != 0 && strcmp(wname, workloads[i].name) != 0)
			continue;
		found = 1;
		rc |= run(&workloads[i], seed, cuts, steps, keep);
	}
	crashvfs_reset(-1);
	if (!found) {
		fprintf(stderr, "crashsim: no workload %s (-l lists them)\n", wname);
		return 2;
	}
	return rc;
}

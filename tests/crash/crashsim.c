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
 *   - every file the recovered catalogue names is in the store, whole;
 * for the claims and decisions: the money rules (first event a submit,
 * amounts as priced, append-only triggers in place, each claim and
 * decision with its outbox record); for pb-sync's acknowledgement: the
 * acked records are exactly a prefix ending at the last acknowledgement
 * that returned or the one in flight; for the download path: every .part
 * left in store/tmp resumes to a verified file, or is refused and
 * downloaded again.
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
#include "pb_claims.h"
#include "pb_db.h"
#include "pb_outbox.h"
#include "pb_rates.h"
#include "pb_roster.h"
#include "pb_store.h"

#include <dirent.h>
#include <fcntl.h>
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
#define CRASHSIM_KEY_MAX       256
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

/* Teacher t checks in to g_keg today, as pb-web's check-in does. */
static enum pb_att_result att_checkin(sqlite3 *db, int t, json_t **rec)
{
	char nuptk[PB_NUPTK_LEN + 1];
	struct pb_checkin c;

	snprintf(nuptk, sizeof(nuptk), "32%014d", t);
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
	return pb_att_checkin(db, NULL, &c, rec);
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
		struct pb_mark m = {
			.day = g_day, .nuptk = nuptk, .status = "absent", .reason = "sakit",
			.name = "Peserta", .school = "SD", .actor = "uji", .client = "",
		};
		r = pb_att_mark(db, &g_keg, &m, &rec);
	} else {
		r = att_checkin(db, i, &rec);
	}
	rc = (r == PB_ATT_OK || r == PB_ATT_EXISTING) ? att_key(rec, key) : -1;
	json_decref(rec);
	return rc;
}

/* ---- claims and decisions, through pb_claims as pb-web calls it ----
 * Keys carry a prefix: "k:" the session set up (session, roster, rate
 * table, claim settings), "a:" a check-in, "c:UID:AMOUNT" a claim,
 * "d:KIND:CLAIM/EVENT,…" a decision (single or bulk). */
#define CRASHSIM_TEACHERS_MAX  CRASHSIM_ACKS_MAX
#define CRASHSIM_BULK_MAX      5
#define CRASHSIM_PROVINCE      "Jawa Timur"
#define CRASHSIM_DPR_SIG       "{\"h\":150,\"s\":[[20,100,10,-5,10,-5]],\"w\":300}"
static char g_proof[CRASHSIM_TEACHERS_MAX][PB_ID_HEX_LEN + 1];  /* check-in uid */
static int64_t g_claim_ids[CRASHSIM_ACKS_MAX];
static int g_nclaims;

/* A new box: no proofs, no claims. */
static void claims_reset(void)
{
	memset(g_proof, 0, sizeof(g_proof));
	g_nclaims = 0;
}

static int claims_setup(sqlite3 *db, char *key)
{
	char csv[2048], roster[8192];
	struct pb_claim_setting set;
	json_t *in, *rep = NULL;
	const char *bad = NULL;
	int64_t kid = 0;
	int version = 0, year;
	size_t len = 0;

	pb_att_today(g_day);
	year = pb_att_day_year(g_day);
	in = json_pack("{s:s, s:s, s:i, s:i}", "title", "Uji klaim", "start_date", g_day,
		       "days", 1, "jp_per_day", 8);
	if (pb_kegiatan_create(db, in, "uji", "", &kid, &bad) != PB_ATT_OK ||
	    pb_kegiatan_get(db, kid, &g_keg) != 0) {
		json_decref(in);
		memset(&g_keg, 0, sizeof(g_keg));
		return -1;
	}
	json_decref(in);
	len = (size_t)snprintf(roster, sizeof(roster), "NUPTK,Nama,NPSN,Sekolah,Mata Pelajaran\r\n");
	for (int t = 0; t < 40 && len < sizeof(roster) - 128; t++)
		len += (size_t)snprintf(roster + len, sizeof(roster) - len,
					"32%014d,Guru Nomor %d,2050%04d,SMPN %d Kota Uji,IPA\r\n",
					t, t, t, t);
	if (pb_db_begin(db) != 0)
		goto fail;
	if (pb_roster_import(db, kid, roster, len, &rep) != PB_ROSTER_OK || pb_db_commit(db) != 0) {
		pb_db_rollback(db);
		goto fail;
	}
	json_decref(rep);
	rep = NULL;
	snprintf(csv, sizeof(csv), "tahun,provinsi,item,asal,jumlah\r\n"
		 "%d,%s,uang_harian,,150000\r\n%d,%s,uang_makan,,50000\r\n"
		 "%d,%s,transport,Kota Malang,100000\r\n%d,%s,transport,Kabupaten Malang,150000\r\n",
		 year, CRASHSIM_PROVINCE, year, CRASHSIM_PROVINCE, year, CRASHSIM_PROVINCE,
		 year, CRASHSIM_PROVINCE);
	if (pb_rates_import(db, csv, strlen(csv), "uji", "uji", "", &version, &rep) != PB_RATES_OK)
		goto fail;
	json_decref(rep);
	rep = NULL;
	memset(&set, 0, sizeof(set));
	snprintf(set.province, sizeof(set.province), "%s", CRASHSIM_PROVINCE);
	snprintf(set.uang_harian, sizeof(set.uang_harian), "diklat");  /* the session's kind */
	if (pb_claim_setting_set(db, &g_keg, &set, "uji", "") != 0)
		goto fail;
	snprintf(key, CRASHSIM_KEY_MAX, "k:%s", g_keg.uid);
	return 0;
fail:
	json_decref(rep);
	memset(&g_keg, 0, sizeof(g_keg));  /* set up again at the next step */
	return -1;
}

static int claims_checkin(sqlite3 *db, int t, char *key)
{
	json_t *rec = NULL;
	enum pb_att_result r;
	int rc = -1;

	r = att_checkin(db, t, &rec);
	if ((r == PB_ATT_OK || r == PB_ATT_EXISTING) && att_key(rec, g_proof[t]) == 0) {
		snprintf(key, CRASHSIM_KEY_MAX, "a:%s", g_proof[t]);
		rc = 0;
	}
	json_decref(rec);
	return rc;
}

/* A teacher's claim as POST /api/v1/sessions/{id}/claims files it: the
 * flat daily allowance, or local transport at cost signed as a DPR. */
static int claims_submit(sqlite3 *db, int t, int transport, char *key)
{
	char nuptk[PB_NUPTK_LEN + 1];
	struct pb_claim_req c;
	enum pb_price_result pr;
	enum pb_claim_result r;
	json_t *out = NULL;
	int rc = -1;

	if (g_proof[t][0] == '\0')
		return -1;                  /* no check-in acknowledged: nothing to prove */
	snprintf(nuptk, sizeof(nuptk), "32%014d", t);
	memset(&c, 0, sizeof(c));
	c.kegiatan_id = g_keg.id;
	c.day = g_day;
	c.nuptk = nuptk;
	c.checkin_uid = g_proof[t];
	c.actor = "peserta";
	c.client = "10.0.0.9";
	c.default_province = "";
	if (transport) {
		c.item = PB_ITEM_TRANSPORT;
		c.mode = "ojek";
		c.origin = wl_rnd() & 1 ? "Kota Malang" : "kabupaten  malang";
		c.has_amount = 1;
		c.amount = 1000 + (int64_t)(wl_rnd() % 300000);   /* sometimes above the ceiling */
		c.evidence = "dpr";
		c.dpr_signature = CRASHSIM_DPR_SIG;
	} else {
		c.item = PB_ITEM_UANG_HARIAN;
		c.evidence = "";
	}
	r = pb_claim_submit(db, &c, &out, &pr);
	if (r == PB_CLAIM_OK) {
		const char *uid = json_string_value(json_object_get(out, "uid"));
		json_int_t amount = json_integer_value(json_object_get(out, "amount"));
		int64_t want = transport ? (c.amount < (strstr(c.origin, "Kota") ? 100000 : 150000) ?
				c.amount : (strstr(c.origin, "Kota") ? 100000 : 150000)) : 150000;
		if (uid != NULL && amount == want && g_nclaims < CRASHSIM_ACKS_MAX) {
			g_claim_ids[g_nclaims++] =
				(int64_t)json_integer_value(json_object_get(out, "id"));
			snprintf(key, CRASHSIM_KEY_MAX, "c:%s:%lld", uid, (long long)amount);
			rc = 0;
		}
	}
	json_decref(out);
	return rc;
}

/* The latest event of a claim (after a decision returned). */
static int latest_event(sqlite3 *db, int64_t claim, int64_t *ev, char *kind, size_t klen)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "SELECT id, kind FROM claim_event WHERE claim_id = ?1 "
			       "ORDER BY id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, claim);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*ev = sqlite3_column_int64(st, 0);
		snprintf(kind, klen, "%s", (const char *)sqlite3_column_text(st, 1));
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/* A facilitator's decision as POST …/claims/decide makes it: one claim
 * or a bulk of up to CRASHSIM_BULK_MAX, approve or reject. */
static int claims_decide(sqlite3 *db, char *key)
{
	int64_t ids[CRASHSIM_BULK_MAX], bad = 0, ev;
	size_t n = 1, len;
	int approve = (int)(wl_rnd() % 3) != 0;
	const char *kind = approve ? "approve" : "reject";
	char reason[40] = "", k[16];
	enum pb_claim_result r;
	json_t *out = NULL;

	if (g_nclaims == 0)
		return -1;
	if (wl_rnd() & 1)
		n = 1 + (size_t)(wl_rnd() % CRASHSIM_BULK_MAX);
	for (size_t j = 0; j < n; j++) {
		ids[j] = g_claim_ids[wl_rnd() % (uint64_t)g_nclaims];
		for (size_t m = 0; m < j; m++)
			if (ids[m] == ids[j])
				ids[j--] = ids[--n];     /* drop a repeat */
	}
	if (!approve)
		snprintf(reason, sizeof(reason), "alasan %d", (int)(wl_rnd() % 4));
	r = pb_claim_decide(db, &(struct pb_claim_decision){
			.kegiatan_id = g_keg.id, .ids = ids, .n = n, .approve = approve,
			.reason = reason, .actor = "fasilitator", .client = "10.0.0.2" },
			&bad, &out);
	json_decref(out);
	if (r != PB_CLAIM_OK && r != PB_CLAIM_UNCHANGED)
		return -1;
	len = (size_t)snprintf(key, CRASHSIM_KEY_MAX, "d:%s:", kind);
	for (size_t j = 0; j < n; j++) {
		if (latest_event(db, ids[j], &ev, k, sizeof(k)) != 0 || strcmp(k, kind) != 0)
			return -1;
		len += (size_t)snprintf(key + len, CRASHSIM_KEY_MAX - len, "%s%lld/%lld",
					j ? "," : "", (long long)ids[j], (long long)ev);
	}
	return len < CRASHSIM_KEY_MAX ? 0 : -1;
}

/* Step 0 sets up; then per teacher a check-in, the daily allowance and
 * transport (three steps). */
static int step_claims(sqlite3 *db, int i, char *key)
{
	int t = (i - 1) / 3;

	if (i == 0)
		claims_reset();
	if (g_keg.id == 0)
		return claims_setup(db, key);
	if (t >= CRASHSIM_TEACHERS_MAX)
		return -1;
	switch (i % 3) {
	case 1: return claims_checkin(db, t, key);
	case 2: return claims_submit(db, t, 0, key);
	default: return claims_submit(db, t, 1, key);
	}
}

/* Decisions among claims: check-ins and claims keep coming, and every
 * other step a single or bulk decision on a random earlier claim. */
static int step_decisions(sqlite3 *db, int i, char *key)
{
	int t = i / 4;

	if (i == 0)
		claims_reset();
	if (g_keg.id == 0)
		return claims_setup(db, key);
	switch (i % 4) {
	case 1: return claims_checkin(db, t, key);
	case 2: return claims_submit(db, t, (int)(wl_rnd() & 1), key);
	default: return claims_decide(db, key);
	}
}

/* One claims key present in the recovered database. 1 yes, 0 no, -1 error. */
static int claims_key_present(sqlite3 *db, const char *key)
{
	static const char *const sql[] = {
		/* k */ "SELECT count(*) FROM kegiatan k JOIN claim_setting s ON "
			"s.kegiatan_id = k.id WHERE k.uid = ?1 AND (SELECT max(version) "
			"FROM rate) >= 1",
		/* a */ "SELECT count(*) FROM attendance WHERE uid = ?1",
		/* c */ "SELECT count(*) FROM claim c WHERE uid = ?1 AND amount = ?2 AND "
			"EXISTS (SELECT 1 FROM outbox o WHERE o.type = 'claim.submit' AND "
			"json_extract(o.payload, '$.id') = ?1)",
		/* d */ "SELECT count(*) FROM claim_event e JOIN claim c ON c.id = e.claim_id "
			"WHERE e.id = ?3 AND e.claim_id = ?2 AND e.kind = ?1 AND e.amount = "
			"CASE ?1 WHEN 'approve' THEN c.amount ELSE 0 END AND EXISTS (SELECT 1 "
			"FROM outbox o WHERE o.type = 'claim.decision' AND "
			"json_extract(o.payload, '$.id') = e.uid)",
	};
	const char *kinds = "kacd", *p = strchr(kinds, key[0]);
	char buf[CRASHSIM_KEY_MAX], *save = NULL, *tok, *kind;
	sqlite3_stmt *st = NULL;
	int n = 0;

	if (p == NULL || key[1] != ':' ||
	    sqlite3_prepare_v2(db, sql[p - kinds], -1, &st, NULL) != SQLITE_OK)
		return -1;
	snprintf(buf, sizeof(buf), "%s", key + 2);
	if (key[0] != 'd') {
		char *colon = strchr(buf, ':');
		if (colon != NULL) {
			*colon = '\0';
			sqlite3_bind_int64(st, 2, strtoll(colon + 1, NULL, 10));
		}
		sqlite3_bind_text(st, 1, buf, -1, SQLITE_STATIC);
		n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
		sqlite3_finalize(st);
		return n > 0 ? 1 : n;
	}
	kind = strtok_r(buf, ":", &save);            /* d:KIND:CLAIM/EVENT,… */
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	while ((tok = strtok_r(NULL, ",", &save)) != NULL) {
		char *slash = strchr(tok, '/');
		if (slash == NULL)
			break;
		sqlite3_bind_int64(st, 2, strtoll(tok, NULL, 10));
		sqlite3_bind_int64(st, 3, strtoll(slash + 1, NULL, 10));
		n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
		sqlite3_reset(st);
		if (n < 1)
			break;
	}
	sqlite3_finalize(st);
	return n > 0 ? 1 : n;
}

static int count_of(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int n = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The money rules hold in what the cut left, whatever was acknowledged. */
static int claims_check_all(sqlite3 *db, const struct acks *a, char *msg, size_t len)
{
	static const struct { const char *what, *sql; } rules[] = {
		{ "a claim whose first event is not its submit",
		  "SELECT count(*) FROM claim c WHERE (SELECT kind || ':' || amount FROM claim_event "
		  "WHERE claim_id = c.id ORDER BY id LIMIT 1) IS NOT 'submit:' || c.amount" },
		{ "a decision with the wrong amount",
		  "SELECT count(*) FROM claim_event e JOIN claim c ON c.id = e.claim_id WHERE "
		  "(e.kind = 'approve' AND e.amount != c.amount) OR (e.kind = 'reject' AND e.amount != 0) "
		  "OR e.kind NOT IN ('submit', 'approve', 'reject', 'paid')" },
		{ "a claim paid more than its ceiling or its ask",
		  "SELECT count(*) FROM claim WHERE amount > rate_amount OR amount > claimed OR amount <= 0" },
		{ "a claim without its claim.submit record",
		  "SELECT count(*) FROM claim c WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE "
		  "o.type = 'claim.submit' AND json_extract(o.payload, '$.id') = c.uid)" },
		{ "a claim.submit record without its claim",
		  "SELECT count(*) FROM outbox o WHERE o.type = 'claim.submit' AND NOT EXISTS "
		  "(SELECT 1 FROM claim c WHERE c.uid = json_extract(o.payload, '$.id'))" },
		{ "a decision without its claim.decision record, or the other way",
		  "SELECT (SELECT count(*) FROM claim_event e WHERE e.kind IN ('approve', 'reject') "
		  "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.type = 'claim.decision' AND "
		  "json_extract(o.payload, '$.id') = e.uid)) + (SELECT count(*) FROM outbox o WHERE "
		  "o.type = 'claim.decision' AND NOT EXISTS (SELECT 1 FROM claim_event e WHERE "
		  "e.uid = json_extract(o.payload, '$.id') AND e.kind = "
		  "json_extract(o.payload, '$.decision')))" },
		{ "an append-only trigger missing",
		  "SELECT 3 - count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN "
		  "('claim_event_no_update', 'claim_event_no_delete', 'claim_no_update')" },
	};
	char *err = NULL;

	(void)a;
	for (size_t r = 0; r < sizeof(rules) / sizeof(rules[0]); r++) {
		int n = count_of(db, rules[r].sql);
		if (n != 0) {
			snprintf(msg, len, "%s (%d)", rules[r].what, n);
			return -1;
		}
	}
	/* The triggers still refuse a change (the statement is rolled back). */
	if (count_of(db, "SELECT count(*) FROM claim_event") > 0) {
		int rc = sqlite3_exec(db, "UPDATE claim_event SET amount = amount + 1", NULL, NULL,
				      &err);
		if ((rc & 0xff) != SQLITE_CONSTRAINT || err == NULL ||
		    strstr(err, "append-only") == NULL) {
			snprintf(msg, len, "a claim event could be changed: %s",
				 err != NULL ? err : "no error");
			sqlite3_free(err);
			return -1;
		}
	}
	sqlite3_free(err);
	return 0;
}

/* ---- pb-sync's acknowledgement: records appended, and now and then the
 * hub's answer recorded with pb_outbox_set_acked as upload.c does, mostly
 * forward, sometimes lower (a hub restored from a backup). Keys "o:ID" for
 * an appended record, "a:UPTO" for an acknowledgement that returned. ---- */
static int64_t g_seq_hi, g_ack_hi, g_ack_inflight;

static int step_ack(sqlite3 *db, int i, char *key)
{
	char k[CRASHSIM_KEY_MAX];
	int64_t upto;

	if (i == 0)
		g_seq_hi = g_ack_hi = 0;
	g_ack_inflight = -1;
	if (i % 3 != 2 || g_seq_hi == 0) {
		if (step_outbox(db, i, k) != 0)
			return -1;
		g_seq_hi++;
		snprintf(key, CRASHSIM_KEY_MAX, "o:%s", k);
		return 0;
	}
	if (wl_rnd() % 5 == 0)
		upto = (int64_t)(wl_rnd() % (uint64_t)(g_ack_hi + 1));      /* lower */
	else
		upto = g_ack_hi + (int64_t)(wl_rnd() % (uint64_t)(g_seq_hi - g_ack_hi + 1));
	g_ack_inflight = upto;
	if (pb_outbox_set_acked(db, upto, 1000 + i) != 0)
		return -1;
	g_ack_inflight = -1;
	g_ack_hi = upto;
	snprintf(key, CRASHSIM_KEY_MAX, "a:%lld", (long long)upto);
	return 0;
}

static int ack_key_present(sqlite3 *db, const char *key)
{
	sqlite3_stmt *st = NULL;
	int n = -1;

	if (key[0] == 'a')
		return 1;                    /* ack_check looks at the acknowledgements */
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM outbox WHERE id = ?1", -1, &st, NULL)
	    != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, key + 2, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* After the cut: acked rows are exactly the records up to X, where X is the
 * last acknowledgement that returned (0 if none) or the one in flight; no
 * record is acked without an acknowledgement time; seqs have no holes. */
static int ack_check(sqlite3 *db, const struct acks *a, char *msg, size_t len)
{
	int64_t last = 0, mx, n1, holes, nostamp;
	sqlite3_stmt *st = NULL;

	for (int i = 0; i < a->n; i++)
		if (a->key[i][0] == 'a')
			last = strtoll(a->key[i] + 2, NULL, 10);
	if (sqlite3_prepare_v2(db, "SELECT coalesce(max(seq) FILTER (WHERE acked = 1), 0), "
			       "count(*) FILTER (WHERE acked = 1), "
			       "count(*) - (coalesce(max(seq), 0) - coalesce(min(seq), 1) + 1), "
			       "count(*) FILTER (WHERE acked = 1 AND acked_ms IS NULL) FROM outbox",
			       -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		snprintf(msg, len, "cannot read the outbox: %s", sqlite3_errmsg(db));
		return -1;
	}
	mx = sqlite3_column_int64(st, 0);
	n1 = sqlite3_column_int64(st, 1);
	holes = sqlite3_column_int64(st, 2);
	nostamp = sqlite3_column_int64(st, 3);
	sqlite3_finalize(st);
	if (holes != 0 || nostamp != 0) {
		snprintf(msg, len, "outbox seqs with holes (%lld) or acked without a time (%lld)",
			 (long long)holes, (long long)nostamp);
		return -1;
	}
	if (n1 != mx) {
		snprintf(msg, len, "acked records are not a prefix: %lld acked, highest %lld",
			 (long long)n1, (long long)mx);
		return -1;
	}
	/* Records 1..X all committed before the acknowledgement of X, so
	 * acked up to X is X acked records; those above stay unacked. */
	if (mx != last && mx != g_ack_inflight) {
		snprintf(msg, len, "acked up to %lld, but the last acknowledgement was %lld "
			 "(in flight: %lld)", (long long)mx, (long long)last,
			 (long long)g_ack_inflight);
		return -1;
	}
	return 0;
}

/* ---- the download path of pb-sync (download.c fetch_file): a module
 * file arrives in pieces into store/tmp/SHA.part, in one to three
 * sessions (each opens with O_APPEND and resumes at the part's size, as
 * a Range request from there; one that ends well or hits the budget
 * fsyncs, one broken off by the network only closes), then
 * pb_store_adopt verifies and places it and the module is catalogued. */
#define CRASHSIM_PIECE_MAX 16384          /* what curl hands over at a time */
struct dl_file {
	char sha[PB_SHA256_HEX_LEN + 1];
	size_t size;
	uint64_t seed;
};
static struct dl_file g_dl[CRASHSIM_ACKS_MAX];
static int g_ndl;

static void dl_bytes(uint64_t seed, unsigned char *data, size_t n)
{
	for (size_t b = 0; b < n; b++)
		data[b] = (unsigned char)crash_splitmix(&seed);
}

/* Append data[from, to) of the file to its part as one session, opened as
 * fetch_file opens it (pb_store_part_open): 0/-1. */
static int dl_session(const struct dl_file *f, const unsigned char *data, size_t from,
		      size_t to, int sync)
{
	char part[700];
	uint64_t off;
	int fd, rc = -1;

	if (pb_store_part_open(&g_store, f->sha, (int64_t)f->size, part, sizeof(part), &fd,
			       &off) != 0)
		return -1;
	if (off != from)
		goto out;
	while (from < to) {
		size_t n = 1 + (size_t)(wl_rnd() % CRASHSIM_PIECE_MAX);
		ssize_t w;
		if (n > to - from)
			n = to - from;
		w = write(fd, data + from, n);
		if (w <= 0)
			goto out;
		from += (size_t)w;
	}
	if (sync && fsync(fd) != 0)
		goto out;
	rc = 0;
out:
	close(fd);
	return rc;
}

static int step_download(sqlite3 *db, int i, char *key)
{
	static unsigned char data[CRASHSIM_IMPORT_FILE_MAX];
	struct pb_module m;
	struct pb_module_file file;
	enum pb_catalog_change ch;
	struct dl_file *d;
	char part[700], err[256];
	size_t at = 0;
	int sessions = 1 + (int)(wl_rnd() % 3);

	if (i == 0)
		g_ndl = 0;
	if (g_ndl >= CRASHSIM_ACKS_MAX)
		return -1;
	d = &g_dl[g_ndl++];
	d->size = 1 + (size_t)(wl_rnd() % CRASHSIM_IMPORT_FILE_MAX);
	d->seed = wl_rnd();
	dl_bytes(d->seed, data, d->size);
	pb_sha256_hex(data, d->size, d->sha);
	snprintf(part, sizeof(part), "%s/tmp/%s.part", g_store.dir, d->sha);
	for (int k = 1; k <= sessions; k++) {
		size_t to = k == sessions ? d->size : at + (size_t)(wl_rnd() % (d->size - at + 1));
		if (dl_session(d, data, at, to, k == sessions || (wl_rnd() & 1)) != 0)
			return -1;
		at = to;
	}
	if (pb_store_adopt(&g_store, part, d->sha, err, sizeof(err)) != PB_STORE_ADDED)
		return -1;
	memset(&m, 0, sizeof(m));
	memset(&file, 0, sizeof(file));
	snprintf(m.id, sizeof(m.id), "D%04d", i);
	snprintf(m.title, sizeof(m.title), "Modul unduhan %d", i);
	m.kk = 'B';
	snprintf(m.subject, sizeof(m.subject), "IPS");
	snprintf(m.level, sizeof(m.level), "SMP");
	m.nfiles = 1;
	m.files = &file;
	snprintf(file.name, sizeof(file.name), "berkas-%d.bin", i);
	snprintf(file.sha256, sizeof(file.sha256), "%s", d->sha);
	snprintf(file.mime, sizeof(file.mime), "application/octet-stream");
	file.size = (int64_t)d->size;
	if (pb_catalog_upsert(db, &m, "hub", &ch) != 0)
		return -1;
	snprintf(key, CRASHSIM_KEY_MAX, "%s", m.id);
	return 0;
}

/* What pb-sync does next time with each .part the cut left: remove it
 * when its file is in the store already (sync_files), or else resume it
 * (fetch_file: from its size, or from 0 when it is longer than the file)
 * and adopt it. A part torn by the cut fails its hash and is removed by
 * pb_store_adopt; downloading again from 0 must then give the file. */
static long g_parts_left, g_parts_stale, g_parts_resumed, g_parts_restarted;

static int dl_resume_all(const char *store, char *msg, size_t len)
{
	static unsigned char data[CRASHSIM_IMPORT_FILE_MAX];
	char tmp[700], part[1024], err[256];
	struct pb_store s;
	struct dirent *e;
	DIR *d;
	int rc = 0;

	snprintf(tmp, sizeof(tmp), "%s/tmp", store);
	d = opendir(tmp);
	if (d == NULL)
		return 0;                    /* the store folder itself was never made durable */
	if (pb_store_open(&s, store) != 0) {
		closedir(d);
		snprintf(msg, len, "cannot open the store after the cut");
		return -1;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		const struct dl_file *f = NULL;
		enum pb_store_result r;
		size_t from;
		int fd;

		if (strlen(e->d_name) != PB_SHA256_HEX_LEN + 5 ||
		    strcmp(e->d_name + PB_SHA256_HEX_LEN, ".part") != 0)
			continue;
		for (int k = 0; k < g_ndl && f == NULL; k++)
			if (strncmp(g_dl[k].sha, e->d_name, PB_SHA256_HEX_LEN) == 0)
				f = &g_dl[k];
		if (f == NULL) {
			snprintf(msg, len, "a part %s of no file downloaded", e->d_name);
			rc = -1;
			break;
		}
		g_parts_left++;
		snprintf(part, sizeof(part), "%s/%s", tmp, e->d_name);
		if (pb_store_has(&s, f->sha, (int64_t)f->size)) {
			/* sync_files: the file is there; the stale part goes */
			if (pb_store_drop_part(&s, f->sha) != 0 || access(part, F_OK) == 0) {
				snprintf(msg, len, "stale part %s not removed", e->d_name);
				rc = -1;
			}
			g_parts_stale++;
			rewinddir(d);
			continue;
		}
		dl_bytes(f->seed, data, f->size);
		for (int attempt = 0; attempt < 2; attempt++) {
			uint64_t off;
			if (pb_store_part_open(&s, f->sha, (int64_t)f->size, part, sizeof(part),
					       &fd, &off) != 0) {
				rc = -1;
				break;
			}
			from = (size_t)off;
			if (from < f->size &&
			    write(fd, data + from, f->size - from) != (ssize_t)(f->size - from))
				rc = -1;
			close(fd);
			if (rc != 0)
				break;
			r = pb_store_adopt(&s, part, f->sha, err, sizeof(err));
			if (r == PB_STORE_ADDED || r == PB_STORE_PRESENT) {
				if (attempt == 0)
					g_parts_resumed++;
				else
					g_parts_restarted++;
				break;
			}
			if (r != PB_STORE_ERR_HASH || attempt == 1 || access(part, F_OK) == 0) {
				snprintf(msg, len, "resuming %s: %s (attempt %d)", e->d_name, err,
					 attempt + 1);
				rc = -1;
			}
		}
		if (rc != 0 && msg[0] == '\0')
			snprintf(msg, len, "cannot resume %s", e->d_name);
		/* the entry was renamed or removed: read the folder again */
		rewinddir(d);
	}
	closedir(d);
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
	/* Or a function: ≥ 1 when the key is present (check_sql NULL). */
	int (*present)(sqlite3 *db, const char *key);
	/* Rules over the whole recovered database: 0, or -1 with msg. */
	int (*check)(sqlite3 *db, const struct acks *a, char *msg, size_t len);
	/* The store after the cut as the next pb-sync run finds it (download). */
	int (*resume)(const char *store, char *msg, size_t len);
};

static const struct workload workloads[] = {
	{ "outbox",  step_outbox,  0, "SELECT count(*) FROM outbox WHERE id = ?1", NULL, NULL, NULL },
	{ "catalog", step_catalog, 0, "SELECT count(*) FROM modules m WHERE id = ?1 AND "
				      "(SELECT count(*) FROM module_files f WHERE f.module_id = m.id) > 0",
		     NULL, NULL, NULL },
	{ "mixed",   step_mixed,   0, NULL, NULL, NULL, NULL },
	{ "import",  step_import,  1, "SELECT count(*) FROM modules WHERE id = ?1", NULL, NULL, NULL },
	{ "attendance", step_attendance, 0, "SELECT (SELECT count(*) FROM attendance WHERE uid = ?1)"
					    " + (SELECT count(*) FROM kegiatan WHERE uid = ?1)",
	  NULL, NULL, NULL },
	{ "claims",    step_claims,    0, NULL, claims_key_present, claims_check_all, NULL },
	{ "decisions", step_decisions, 0, NULL, claims_key_present, claims_check_all, NULL },
	{ "acked",     step_ack,       0, NULL, ack_key_present, ack_check, NULL },
	{ "download",  step_download,  1, "SELECT count(*) FROM modules m WHERE id = ?1 AND "
					  "source = 'hub'", NULL, NULL, dl_resume_all },
	{ NULL, NULL, 0, NULL, NULL, NULL, NULL },
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

	if (sql == NULL && w->present != NULL)
		return w->present(db, key);
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
	} else if (w->check != NULL && w->check(db, &a, msg, sizeof(msg)) != 0) {
		fail = 1;
	} else if (w->resume != NULL && (w->resume(outstore, msg, sizeof(msg)) != 0 ||
					 store_check(db, outstore, msg, sizeof(msg)) != 0)) {
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
	if (w->resume != NULL)
		printf("crashsim: %s: %ld parts left by the cuts: %ld beside their placed file "
		       "(removed), %ld resumed to a verified file, %ld torn (refused by their "
		       "hash) and downloaded again\n", w->name, g_parts_left, g_parts_stale,
		       g_parts_resumed, g_parts_restarted);
	return t.failures > 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: crashsim [-w WORKLOAD|all] [-n CUTS] [-s SEED] [-t STEPS] "
		"[-k DIR] [-l] [-u]\n");
}

#define CRASHSIM_CUTS_MAX 100000000

/* A whole decimal number from min to max, or -1. */
static long long number_arg(const char *text, long long min, long long max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
		return -1;
	return v;
}

int main(int argc, char **argv)
{
	const char *wname = "all", *keep = NULL;
	uint64_t seed = 1;
	long cuts = 100;
	long long v;
	int bad = 0, steps = CRASHSIM_STEPS_DEFAULT, opt, rc = 0, found = 0;

	while ((opt = getopt(argc, argv, "w:n:s:t:k:luh")) != -1) {
		switch (opt) {
		case 'w': wname = optarg; break;
		/* a refused number ends the run below, whatever was stored */
		case 'n':
			v = number_arg(optarg, 1, CRASHSIM_CUTS_MAX);
			bad |= v < 0;
			cuts = (long)v;
			break;
		case 's':
			v = number_arg(optarg, 0, INT64_MAX);
			bad |= v < 0;
			seed = (uint64_t)v;
			break;
		case 't':
			v = number_arg(optarg, 1, CRASHSIM_ACKS_MAX);
			bad |= v < 0;
			steps = (int)v;
			break;
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
	if (bad || optind != argc) {
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

#include "pb_paper.h"

#include "pb_audit.h"
#include "pb_clock.h"
#include "pb_db.h"
#include "pb_roster.h"
#include "pb_staff.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------ */
/* Numbers people write with dots, dashes and spaces */

/* Copy s without '.', '-' and ' ' into out; 0, or -1 if anything else is
 * not a digit or it does not fit. A lone "-" is "none" (empty). */
static int digits_only(const char *s, char *out, size_t len)
{
	size_t o = 0;

	if (strcmp(s, "-") == 0)
		s = "";
	for (; *s; s++) {
		if (*s == '.' || *s == '-' || *s == ' ')
			continue;
		if (*s < '0' || *s > '9' || o + 1 >= len)
			return -1;
		out[o++] = *s;
	}
	out[o] = '\0';
	return 0;
}

int pb_nip_valid(const char *s)
{
	size_t n = strlen(s);

	if (n != 0 && n != PB_NIP_DIGITS)
		return 0;
	return strspn(s, "0123456789") == n;
}

/* ------------------------------------------------------------------ */
/* Session paper settings */

enum setting_kind { SET_TEXT, SET_NIP };

static const struct {
	const char *key;
	enum setting_kind kind;
	size_t cfg_off;           /* the box.conf default, or (size_t)-1 */
	const char *label;        /* for messages */
} settings[] = {
	{ "penyelenggara", SET_TEXT, offsetof(struct pb_config, paper_penyelenggara),
	  "Penyelenggara" },
	{ "tempat", SET_TEXT, offsetof(struct pb_config, paper_tempat), "Tempat" },
	{ "waktu", SET_TEXT, (size_t)-1, "Waktu" },
	{ "nomor_surat", SET_TEXT, (size_t)-1, "Nomor surat tugas / SPD" },
	{ "kepala_jabatan", SET_TEXT, offsetof(struct pb_config, paper_kepala_jabatan),
	  "Jabatan penanggung jawab" },
	{ "kepala_nama", SET_TEXT, offsetof(struct pb_config, paper_kepala_nama),
	  "Nama penanggung jawab" },
	{ "kepala_nip", SET_NIP, offsetof(struct pb_config, paper_kepala_nip),
	  "NIP penanggung jawab" },
	{ "ppk_nama", SET_TEXT, offsetof(struct pb_config, paper_ppk_nama), "Nama PPK" },
	{ "ppk_nip", SET_NIP, offsetof(struct pb_config, paper_ppk_nip), "NIP PPK" },
	{ "bendahara_nama", SET_TEXT, offsetof(struct pb_config, paper_bendahara_nama),
	  "Nama bendahara" },
	{ "bendahara_nip", SET_NIP, offsetof(struct pb_config, paper_bendahara_nip),
	  "NIP bendahara" },
};

#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

json_t *pb_paper_settings(sqlite3 *db, int64_t kegiatan_id, const struct pb_config *cfg)
{
	sqlite3_stmt *st = NULL;
	json_t *out = json_object(), *stored = NULL;
	int step;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < NSETTINGS; i++) {
		const char *def = "";
		char nip[PB_NIP_DIGITS + 1];
		if (settings[i].cfg_off != (size_t)-1 && cfg != NULL)
			def = (const char *)cfg + settings[i].cfg_off;
		/* a default NIP written with spaces prints the same */
		if (settings[i].kind == SET_NIP)
			def = digits_only(def, nip, sizeof(nip)) == 0 && pb_nip_valid(nip) ? nip : "";
		if (json_object_set_new(out, settings[i].key, json_string(def)) != 0)
			goto fail;
	}
	if ((st = pb_db_stmt(db, "SELECT doc FROM paper_setting WHERE kegiatan_id = ?1")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, kegiatan_id);
	step = sqlite3_step(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		goto fail;
	if (step == SQLITE_ROW) {
		stored = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
		for (size_t i = 0; stored != NULL && i < NSETTINGS; i++) {
			json_t *v = json_object_get(stored, settings[i].key);
			if (json_is_string(v))
				json_object_set(out, settings[i].key, v);
		}
	}
	pb_db_stmt_done(st);
	json_decref(stored);
	return out;
fail:
	pb_db_stmt_done(st);
	json_decref(out);
	return NULL;
}

const char *pb_paper_settings_check(const json_t *in, char *msg, size_t len)
{
	const char *key;
	const json_t *v;

	if (!json_is_object(in)) {
		snprintf(msg, len, "Kirim pengaturan sebagai objek JSON");
		return "body";
	}
	json_object_foreach((json_t *)in, key, v) {
		size_t i;
		for (i = 0; i < NSETTINGS; i++)
			if (strcmp(key, settings[i].key) == 0)
				break;
		if (i == NSETTINGS) {
			snprintf(msg, len, "Pengaturan tidak dikenal");
			return key;
		}
		if (!json_is_string(v) || !pb_text_valid(json_string_value(v), PB_PAPER_TEXT_MAX)) {
			snprintf(msg, len, "%s: teks paling banyak %d byte, tanpa karakter kendali",
				 settings[i].label, PB_PAPER_TEXT_MAX);
			return settings[i].key;
		}
		if (settings[i].kind == SET_NIP) {
			char nip[PB_PAPER_TEXT_MAX + 1];
			if (digits_only(json_string_value(v), nip, sizeof(nip)) != 0 ||
			    !pb_nip_valid(nip)) {
				snprintf(msg, len, "%s harus %d angka (atau kosong)", settings[i].label,
					 PB_NIP_DIGITS);
				return settings[i].key;
			}
		}
	}
	return NULL;
}

int pb_paper_settings_set(sqlite3 *db, const struct pb_kegiatan *k, const json_t *in,
			  const char *actor, const char *client)
{
	sqlite3_stmt *st = NULL;
	json_t *doc = NULL;
	char *text = NULL;
	const char *key;
	const json_t *v;
	int rc = -1, step;

	if (pb_db_begin(db) != 0)
		return -1;
	if ((st = pb_db_stmt(db, "SELECT doc FROM paper_setting WHERE kegiatan_id = ?1")) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, k->id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		doc = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
	else if (step != SQLITE_DONE)
		goto out;
	pb_db_stmt_done(st);
	st = NULL;
	if (doc == NULL && (doc = json_object()) == NULL)
		goto out;
	json_object_foreach((json_t *)in, key, v) {
		char nip[PB_PAPER_TEXT_MAX + 1];
		const char *val = json_string_value(v);
		if (strstr(key, "_nip") != NULL && digits_only(val, nip, sizeof(nip)) == 0)
			val = nip;
		if (json_object_set_new(doc, key, json_string(val)) != 0)
			goto out;
	}
	text = json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT);
	if (text == NULL ||
	    (st = pb_db_stmt(db, "INSERT INTO paper_setting(kegiatan_id, doc, set_by, wall_ms) "
				 "VALUES (?1, ?2, ?3, ?4) "
				 "ON CONFLICT(kegiatan_id) DO UPDATE SET doc = excluded.doc, "
				 "set_by = excluded.set_by, wall_ms = excluded.wall_ms")) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, k->id);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, pb_clock_wall_ms());
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	if (pb_audit_add(db, actor, "papers.settings", k->uid, client) != 0)
		goto out;
	if (pb_db_commit(db) != 0)
		goto out;
	rc = 0;
out:
	pb_db_stmt_done(st);
	free(text);
	json_decref(doc);
	if (rc != 0)
		pb_db_rollback(db);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Payee columns of the roster */

const char *const pb_payee_keys[PB_PAYEE_FIELDS] = {
	"nip", "pangkat", "jabatan", "npwp", "bank", "rekening", "nama_rekening",
};

/* Header names, compared without case and surrounding spaces. */
static const struct {
	const char *name;
	enum pb_payee_field field;
} payee_headers[] = {
	{ "nip", PB_PAYEE_NIP }, { "nip pns", PB_PAYEE_NIP },
	{ "pangkat/golongan", PB_PAYEE_PANGKAT }, { "pangkat/gol.", PB_PAYEE_PANGKAT },
	{ "pangkat/gol", PB_PAYEE_PANGKAT }, { "pangkat", PB_PAYEE_PANGKAT },
	{ "golongan", PB_PAYEE_PANGKAT }, { "gol.", PB_PAYEE_PANGKAT },
	{ "pangkat golongan", PB_PAYEE_PANGKAT },
	{ "jabatan", PB_PAYEE_JABATAN },
	{ "npwp", PB_PAYEE_NPWP },
	{ "bank", PB_PAYEE_BANK }, { "nama bank", PB_PAYEE_BANK },
	{ "nomor rekening", PB_PAYEE_REKENING }, { "no rekening", PB_PAYEE_REKENING },
	{ "no. rekening", PB_PAYEE_REKENING }, { "no. rek.", PB_PAYEE_REKENING },
	{ "rekening", PB_PAYEE_REKENING }, { "norek", PB_PAYEE_REKENING },
	{ "nama rekening", PB_PAYEE_NAMA_REKENING },
	{ "nama pemilik rekening", PB_PAYEE_NAMA_REKENING },
	{ "atas nama", PB_PAYEE_NAMA_REKENING }, { "a.n. rekening", PB_PAYEE_NAMA_REKENING },
};

int pb_payee_column(const char *header)
{
	size_t n;

	while (*header == ' ' || *header == '\t')
		header++;
	n = strlen(header);
	while (n > 0 && (header[n - 1] == ' ' || header[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < sizeof(payee_headers) / sizeof(payee_headers[0]); i++)
		if (strlen(payee_headers[i].name) == n &&
		    strncasecmp(header, payee_headers[i].name, n) == 0)
			return (int)payee_headers[i].field;
	return -1;
}

const char *pb_payee_check(const struct pb_payee *p, const char **msg)
{
	char d[PB_PAPER_TEXT_MAX + 1];
	size_t n;

	for (int i = 0; i < PB_PAYEE_FIELDS; i++)
		if (!pb_text_valid(p->f[i], PB_PAPER_TEXT_MAX)) {
			*msg = "Teks tidak sah (UTF-8 atau karakter kendali)";
			return "bad_text";
		}
	if (digits_only(p->f[PB_PAYEE_NIP], d, sizeof(d)) != 0 || !pb_nip_valid(d)) {
		*msg = "NIP harus tepat 18 angka (atau kosong)";
		return "bad_nip";
	}
	n = 0;
	if (digits_only(p->f[PB_PAYEE_NPWP], d, sizeof(d)) != 0 ||
	    ((n = strlen(d)) != 0 && (n < PB_NPWP_DIGITS_MIN || n > PB_NPWP_DIGITS_MAX))) {
		*msg = "NPWP harus 15 atau 16 angka (atau kosong)";
		return "bad_npwp";
	}
	if (digits_only(p->f[PB_PAYEE_REKENING], d, sizeof(d)) != 0 ||
	    strlen(d) > PB_ACCOUNT_DIGITS_MAX) {
		*msg = "Nomor rekening hanya angka (paling banyak 20)";
		return "bad_account";
	}
	return NULL;
}

int pb_payee_save(sqlite3 *db, int64_t kegiatan_id, const char *nuptk,
		  const struct pb_payee *p)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if ((st = pb_db_stmt(db,
			"INSERT INTO roster_payee(kegiatan_id, nuptk, nip, pangkat, jabatan, npwp, bank, "
			"rekening, nama_rekening) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
			"ON CONFLICT(kegiatan_id, nuptk) DO UPDATE SET nip = excluded.nip, "
			"pangkat = excluded.pangkat, jabatan = excluded.jabatan, npwp = excluded.npwp, "
			"bank = excluded.bank, rekening = excluded.rekening, "
			"nama_rekening = excluded.nama_rekening")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, kegiatan_id);
	sqlite3_bind_text(st, 2, nuptk, -1, SQLITE_STATIC);
	for (int i = 0; i < PB_PAYEE_FIELDS; i++) {
		char d[PB_PAPER_TEXT_MAX + 1];
		const char *v = p->f[i];
		/* numbers are kept as digits; the papers group them */
		if ((i == PB_PAYEE_NIP || i == PB_PAYEE_NPWP || i == PB_PAYEE_REKENING) &&
		    digits_only(v, d, sizeof(d)) == 0)
			v = d;
		sqlite3_bind_text(st, 3 + i, v, -1, SQLITE_TRANSIENT);
	}
	if (sqlite3_step(st) == SQLITE_DONE)
		rc = 0;
	pb_db_stmt_done(st);
	return rc;
}

/* A teacher without a NUPTK is found by their participant number, as
 * the attendance and claims answers name them (no_peserta). */
static void rekey_peserta(json_t *map)
{
	const char *key;
	json_t *v;
	void *tmp;
	char nuptk[PB_NUPTK_LEN + 1], num[PB_NO_PESERTA_MAX + 1];

	json_object_foreach_safe(map, tmp, key, v) {
		if (!pb_person_is_peserta(key))
			continue;
		pb_person_split(key, nuptk, num);
		json_object_set(map, num, v);
		json_object_del(map, key);
	}
}

/* The roster's payee rows, then the teachers' own accounts over them
 * (keyed by NUPTK, or by participant number without one). */
json_t *pb_payee_map(sqlite3 *db, int64_t kegiatan_id)
{
	sqlite3_stmt *st = NULL;
	json_t *out = json_object();
	int step;

	if (out == NULL || (st = pb_db_stmt(db,
			"SELECT nuptk, nip, pangkat, jabatan, npwp, bank, rekening, nama_rekening "
			"FROM roster_payee WHERE kegiatan_id = ?1")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, kegiatan_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *p = json_object();
		if (p == NULL || json_object_set_new(out, (const char *)sqlite3_column_text(st, 0),
						     p) != 0)
			goto fail;
		for (int f = 0; f < PB_PAYEE_FIELDS; f++)
			if (json_object_set_new(p, pb_payee_keys[f], json_string(
				(const char *)sqlite3_column_text(st, 1 + f))) != 0)
				goto fail;
	}
	if (step != SQLITE_DONE)
		goto fail;
	pb_db_stmt_done(st);
	if ((st = pb_db_stmt(db, "SELECT nuptk, bank, rekening, nama_rekening FROM claim_bank "
				 "WHERE kegiatan_id = ?1")) == NULL) {
		st = NULL;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, kegiatan_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *nuptk = (const char *)sqlite3_column_text(st, 0);
		json_t *p = json_object_get(out, nuptk), *was;
		if (p == NULL) {
			p = json_object();
			for (int f = 0; p != NULL && f < PB_PAYEE_FIELDS; f++)
				json_object_set_new(p, pb_payee_keys[f], json_string(""));
			if (p == NULL || json_object_set_new(out, nuptk, p) != 0)
				goto fail;
		}
		was = json_pack("{s:O, s:O, s:O}", "bank", json_object_get(p, "bank"), "rekening",
				json_object_get(p, "rekening"), "nama_rekening",
				json_object_get(p, "nama_rekening"));
		if (was == NULL || json_object_set_new(p, "roster_bank", was) != 0 ||
		    json_object_set_new(p, "bank_by_teacher", json_true()) != 0)
			goto fail;
		for (int c = 1; c <= 3; c++)
			json_object_set_new(p, c == 1 ? "bank" : c == 2 ? "rekening" : "nama_rekening",
					    json_string((const char *)sqlite3_column_text(st, c)));
	}
	if (step != SQLITE_DONE)
		goto fail;
	pb_db_stmt_done(st);
	rekey_peserta(out);
	return out;
fail:
	pb_db_stmt_done(st);
	json_decref(out);
	return NULL;
}

const char *pb_payee_bank_set(sqlite3 *db, const struct pb_kegiatan *k, const char *nuptk,
			      const char *bank, const char *rekening, const char *nama,
			      const char *actor, const char *client, const char **msg)
{
	struct pb_payee p;
	sqlite3_stmt *st = NULL;
	int64_t kegiatan_id = k->id;
	const char *session_uid = k->uid;
	json_t *detail = NULL;
	char *text = NULL;
	const char *code;
	char d[PB_PAPER_TEXT_MAX + 1];

	memset(&p, 0, sizeof(p));
	if (!pb_text_valid(bank, PB_PAPER_TEXT_MAX) || !pb_text_valid(rekening, PB_PAPER_TEXT_MAX) ||
	    !pb_text_valid(nama, PB_PAPER_TEXT_MAX)) {
		*msg = "Teks tidak sah atau terlalu panjang";
		return "bad_text";
	}
	snprintf(p.f[PB_PAYEE_BANK], sizeof(p.f[0]), "%s", bank);
	snprintf(p.f[PB_PAYEE_REKENING], sizeof(p.f[0]), "%s", rekening);
	snprintf(p.f[PB_PAYEE_NAMA_REKENING], sizeof(p.f[0]), "%s", nama);
	if ((code = pb_payee_check(&p, msg)) != NULL)
		return code;
	if (digits_only(rekening, d, sizeof(d)) != 0 || d[0] == '\0' || bank[0] == '\0' ||
	    nama[0] == '\0') {
		*msg = "Isi nama bank, nomor rekening dan nama pemilik rekening";
		return "bank_incomplete";
	}
	if (pb_db_begin(db) != 0)
		return "db";
	if ((st = pb_db_stmt(db, "INSERT INTO claim_bank(kegiatan_id, nuptk, bank, rekening, "
				 "nama_rekening, wall_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
				 "ON CONFLICT(kegiatan_id, nuptk) DO UPDATE SET bank = excluded.bank, "
				 "rekening = excluded.rekening, nama_rekening = excluded.nama_rekening, "
				 "wall_ms = excluded.wall_ms")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, kegiatan_id);
	sqlite3_bind_text(st, 2, nuptk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, bank, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, d, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, nama, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, pb_clock_wall_ms());
	/* the audit says who changed it ("peserta" or the staff member), not
	 * the number; the retention purge
	 * finds the NUPTK by the session_id */
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail;
	detail = json_pack("{s:s, s:s}", "session_id", session_uid, "nuptk", nuptk);
	pb_person_json(detail, nuptk);
	text = detail != NULL ? json_dumps(detail, JSON_COMPACT) : NULL;
	if (text == NULL || pb_audit_add(db, actor, "claims.bank", text, client) != 0 ||
	    pb_db_commit(db) != 0)
		goto fail;
	json_decref(detail);
	free(text);
	pb_db_stmt_done(st);
	return NULL;
fail:
	pb_db_stmt_done(st);
	json_decref(detail);
	free(text);
	pb_db_rollback(db);
	return "db";
}

static const char *text_of(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

json_t *pb_payee_bank(sqlite3 *db, int64_t kegiatan_id, const char *nuptk)
{
	json_t *map = pb_payee_map(db, kegiatan_id), *p, *out;

	if (map == NULL)
		return NULL;
	p = json_object_get(map, nuptk);
	out = json_pack("{s:s, s:s, s:s, s:b}", "bank", text_of(p, "bank"),
		"rekening", text_of(p, "rekening"), "nama_rekening", text_of(p, "nama_rekening"),
		"by_teacher", json_is_true(json_object_get(p, "bank_by_teacher")));
	json_decref(map);
	return out;
}

/* ------------------------------------------------------------------ */
/* Staff identity */

enum pb_staff_result pb_staff_identity_set(sqlite3 *db, const char *login,
					    const char *full_name, const char *nip)
{
	sqlite3_stmt *st = NULL;
	char d[PB_PAPER_TEXT_MAX + 1] = "";
	enum pb_staff_result rc = PB_STAFF_DB;

	if ((full_name != NULL && !pb_text_valid(full_name, PB_PAPER_TEXT_MAX)) ||
	    (nip != NULL && (digits_only(nip, d, sizeof(d)) != 0 || !pb_nip_valid(d))))
		return PB_STAFF_BAD_IDENTITY;
	if ((st = pb_db_stmt(db, "UPDATE staff SET display_name = coalesce(?2, display_name), "
				 "nip = coalesce(?3, nip) WHERE name = ?1")) == NULL)
		return PB_STAFF_DB;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	if (full_name != NULL)
		sqlite3_bind_text(st, 2, full_name, -1, SQLITE_STATIC);
	if (nip != NULL)
		sqlite3_bind_text(st, 3, d, -1, SQLITE_STATIC);
	if (pb_db_write_one(db, st) == 0)
		rc = sqlite3_changes(db) == 1 ? PB_STAFF_OK : PB_STAFF_NOT_FOUND;
	pb_db_stmt_done(st);
	return rc;
}

json_t *pb_staff_identity(sqlite3 *db, const char *login)
{
	sqlite3_stmt *st = NULL;
	json_t *out = NULL;

	if ((st = pb_db_stmt(db, "SELECT display_name, nip FROM staff WHERE name = ?1")) == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		out = json_pack("{s:s, s:s}", "name", (const char *)sqlite3_column_text(st, 0),
				"nip", (const char *)sqlite3_column_text(st, 1));
	pb_db_stmt_done(st);
	return out;
}

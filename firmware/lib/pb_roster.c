#include "pb_roster.h"
#include "pb_db.h"

#include "pb_clock.h"

#include "pb_csv.h"
#include "pb_paper.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* 1 if s is exactly n ASCII digits. */
static int digits(const char *s, size_t n)
{
	if (s == NULL || strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int pb_nuptk_valid(const char *s)
{
	return digits(s, PB_NUPTK_LEN);
}

static int peserta_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '/' ||
	       c == '-';
}

/* The participant number typed, upper case without spaces, into out. */
static int peserta_typed(const char *typed, char out[PB_NO_PESERTA_MAX + 1])
{
	size_t n = 0;
	char c;

	for (; *typed; typed++) {
		c = *typed;
		if (c == ' ' || c == '\t')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!peserta_char(c) || n == PB_NO_PESERTA_MAX)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}

static int peserta_key(const char *typed, char key[PB_NUPTK_LEN + 1]);

/* What people type between a NUPTK's digit groups */
#define NUPTK_SEPARATORS " \t-."

int pb_person_key(const char *typed, char key[PB_NUPTK_LEN + 1])
{
	size_t n = 0, i;

	if (typed == NULL || strlen(typed) > PB_PERSON_TYPED_MAX)
		return -1;
	for (i = 0; typed[i] != '\0'; i++) {
		if (strchr(NUPTK_SEPARATORS, typed[i]) != NULL)
			continue;
		if (typed[i] < '0' || typed[i] > '9' || n == PB_NUPTK_LEN) {
			n = PB_NUPTK_LEN + 1;
			break;
		}
		key[n++] = typed[i];
	}
	if (n == PB_NUPTK_LEN) {
		key[n] = '\0';
		return 0;
	}
	return peserta_key(typed, key);
}

int pb_person_typed_valid(const char *typed)
{
	char key[PB_NUPTK_LEN + 1];

	return pb_person_key(typed, key) == 0;
}

static int peserta_key(const char *typed, char key[PB_NUPTK_LEN + 1])
{
	char num[PB_NO_PESERTA_MAX + 1];
	size_t n;

	if (peserta_typed(typed, num) != 0)
		return -1;
	key[0] = '#';
	n = strlen(num);
	memcpy(key + 1, num, n);
	memset(key + 1 + n, '#', PB_NUPTK_LEN - 1 - n);
	key[PB_NUPTK_LEN] = '\0';
	return 0;
}

int pb_person_is_peserta(const char *key)
{
	size_t i = 1;

	if (key == NULL || strlen(key) != PB_NUPTK_LEN || key[0] != '#')
		return 0;
	while (i < PB_NUPTK_LEN && peserta_char(key[i]))
		i++;
	if (i == 1)
		return 0;
	while (i < PB_NUPTK_LEN && key[i] == '#')
		i++;
	return i == PB_NUPTK_LEN;
}

int pb_person_valid(const char *key)
{
	return pb_nuptk_valid(key) || pb_person_is_peserta(key);
}

void pb_person_split(const char *key, char nuptk[PB_NUPTK_LEN + 1],
		     char no_peserta[PB_NO_PESERTA_MAX + 1])
{
	size_t n = 0;

	nuptk[0] = no_peserta[0] = '\0';
	if (pb_person_is_peserta(key)) {
		while (n < PB_NO_PESERTA_MAX && key[n + 1] != '#') {
			no_peserta[n] = key[n + 1];
			n++;
		}
		no_peserta[n] = '\0';
	} else if (key != NULL) {
		snprintf(nuptk, PB_NUPTK_LEN + 1, "%s", key);
	}
}

void pb_person_json(json_t *o, const char *key)
{
	char nuptk[PB_NUPTK_LEN + 1], no_peserta[PB_NO_PESERTA_MAX + 1];

	if (o == NULL)
		return;
	pb_person_split(key, nuptk, no_peserta);
	json_object_set_new(o, "nuptk", json_string(nuptk));
	json_object_set_new(o, "no_peserta", json_string(no_peserta));
}

static int npsn_valid(const char *s)
{
	return digits(s, PB_NPSN_LEN);
}

static void append(char *out, size_t len, size_t *o, const char *s, size_t n)
{
	if (*o + n + 1 > len)
		return;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
}

/* The next space-separated word at *p: 1 with *w and *wl set, 0 at the end. */
static int next_word(const char **p, const char **w, size_t *wl)
{
	while (**p == ' ')
		(*p)++;
	if (**p == '\0')
		return 0;
	*w = *p;
	*wl = strcspn(*p, " ");
	*p += *wl;
	return 1;
}

void pb_mask_name(const char *name, char *out, size_t len)
{
	const char *p = name, *w;
	size_t o = 0, wl, first;

	if (len == 0)
		return;
	out[0] = '\0';
	for (int word = 0; next_word(&p, &w, &wl); word++) {
		if (word == 0) {
			append(out, len, &o, w, wl);
			continue;
		}
		first = pb_utf8_seq((const unsigned char *)w);
		if (first == 0 || first > wl)
			first = 1;
		append(out, len, &o, " ", 1);
		append(out, len, &o, w, first);
		append(out, len, &o, "\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2", 12); /* •••• */
	}
}

void pb_mask_school(const char *school, char *out, size_t len)
{
	const char *p = school, *w;
	size_t o = 0, wl;

	if (len == 0)
		return;
	out[0] = '\0';
	for (int word = 0; next_word(&p, &w, &wl); word++) {
		if (word == 2) {
			append(out, len, &o, " \xe2\x80\xa6", 4);      /* … */
			break;
		}
		if (word > 0)
			append(out, len, &o, " ", 1);
		append(out, len, &o, w, wl);
	}
}

const char *pb_roster_strerror(enum pb_roster_result r)
{
	switch (r) {
	case PB_ROSTER_OK:             return "ok";
	case PB_ROSTER_NO_HEADER:      return "no header line";
	case PB_ROSTER_MISSING_COLUMN: return "the header needs NUPTK (or No Peserta) and Nama columns";
	case PB_ROSTER_TOO_MANY_ROWS:  return "too many rows";
	case PB_ROSTER_DB:             return "database error";
	}
	return "unknown";
}

enum column { COL_NONE, COL_NUPTK, COL_NAME, COL_NPSN, COL_SCHOOL, COL_SUBJECT, COL_PESERTA };

/* Header names, compared without case and surrounding spaces. */
static const struct {
	const char *name;
	enum column col;
} header_names[] = {
	{ "nuptk", COL_NUPTK },
	{ "no peserta", COL_PESERTA }, { "nomor peserta", COL_PESERTA },
	{ "no. peserta", COL_PESERTA }, { "no_peserta", COL_PESERTA },
	{ "nama", COL_NAME }, { "nama lengkap", COL_NAME }, { "nama peserta", COL_NAME },
	{ "nama guru", COL_NAME }, { "name", COL_NAME },
	{ "npsn", COL_NPSN }, { "npsn sekolah", COL_NPSN },
	{ "sekolah", COL_SCHOOL }, { "nama sekolah", COL_SCHOOL },
	{ "asal sekolah", COL_SCHOOL }, { "npsn/sekolah", COL_SCHOOL },
	{ "unit kerja", COL_SCHOOL }, { "instansi", COL_SCHOOL }, { "school", COL_SCHOOL },
	{ "mata pelajaran", COL_SUBJECT }, { "mapel", COL_SUBJECT },
	{ "bidang studi", COL_SUBJECT }, { "subject", COL_SUBJECT },
};

static void trim(const char *s, char *out, size_t len)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static enum column header_column(const char *h)
{
	char t[64];

	trim(h, t, sizeof(t));
	for (size_t i = 0; i < sizeof(header_names) / sizeof(header_names[0]); i++)
		if (strcasecmp(t, header_names[i].name) == 0)
			return header_names[i].col;
	return COL_NONE;
}

static void add_line(json_t *lines, unsigned line, const char *nuptk, const char *code,
		     const char *message)
{
	/* A NUPTK cut inside a multi-byte character is no JSON string: the
	 * line is still reported, by its number, with the NUPTK left empty. */
	json_t *n = json_string(nuptk), *o;

	o = json_pack("{s:i, s:s, s:o}", "line", (json_int_t)line, "status",
		      code == NULL ? "accepted" : "rejected", "nuptk",
		      n != NULL ? n : json_string(""));

	if (o == NULL)
		return;
	if (pb_person_is_peserta(nuptk))
		pb_person_json(o, nuptk);
	if (code != NULL) {
		json_object_set_new(o, "error", json_string(code));
		json_object_set_new(o, "message", json_string(message));
	}
	json_array_append_new(lines, o);
}

static const char *csv_message(enum pb_csv_result r)
{
	switch (r) {
	case PB_CSV_BAD_QUOTE:       return "Tanda kutip salah tempat atau tidak ditutup";
	case PB_CSV_FIELD_TOO_LONG:  return "Isian terlalu panjang";
	case PB_CSV_RECORD_TOO_LONG: return "Baris terlalu panjang";
	case PB_CSV_TOO_MANY_FIELDS: return "Terlalu banyak kolom";
	case PB_CSV_NUL:             return "Ada karakter NUL";
	case PB_CSV_BAD_CR:          return "Akhir baris tidak sah";
	default:                     return "Baris tidak terbaca";
	}
}

struct row {
	char nuptk[64], peserta[64], name[PB_ROSTER_TEXT_MAX + 1], npsn[32];
	char school[PB_ROSTER_TEXT_MAX + 1], subject[PB_ROSTER_TEXT_MAX + 1];
};

/* Check one row: NULL if fine, else the error code (and *msg). */
/* A row without a NUPTK is keyed by its participant number. */
static const char *check_row(struct row *rw, int long_field, const char **msg)
{
	if (long_field) {
		*msg = "Isian terlalu panjang";
		return "too_long";
	}
	if (rw->nuptk[0] == '\0' && rw->peserta[0] != '\0') {
		if (peserta_key(rw->peserta, rw->nuptk) != 0) {
			*msg = "No Peserta harus 1 sampai 15 huruf, angka, titik, garis miring "
			       "atau tanda hubung";
			return "bad_no_peserta";
		}
	} else if (!pb_nuptk_valid(rw->nuptk)) {
		*msg = "NUPTK harus tepat 16 angka";
		return "bad_nuptk";
	}
	if (rw->name[0] == '\0') {
		*msg = "Nama kosong";
		return "no_name";
	}
	if (!pb_text_valid(rw->name, PB_ROSTER_TEXT_MAX) ||
	    !pb_text_valid(rw->school, PB_ROSTER_TEXT_MAX) ||
	    !pb_text_valid(rw->subject, PB_ROSTER_TEXT_MAX)) {
		*msg = "Teks tidak sah (UTF-8 atau karakter kendali)";
		return "bad_text";
	}
	if (rw->npsn[0] != '\0' && !npsn_valid(rw->npsn)) {
		*msg = "NPSN harus tepat 8 angka";
		return "bad_npsn";
	}
	return NULL;
}

#define ROSTER_UPSERT \
	"INSERT INTO roster(kegiatan_id, nuptk, name, npsn, school, subject) " \
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(kegiatan_id, nuptk) DO UPDATE SET " \
	"name = excluded.name, npsn = excluded.npsn, school = excluded.school, " \
	"subject = excluded.subject"

static void bind_row(sqlite3_stmt *ins, int64_t kegiatan_id, const struct row *rw)
{
	sqlite3_reset(ins);
	sqlite3_bind_int64(ins, 1, kegiatan_id);
	sqlite3_bind_text(ins, 2, rw->nuptk, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 3, rw->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 4, rw->npsn, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 5, rw->school, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(ins, 6, rw->subject, -1, SQLITE_TRANSIENT);
}

/* One JSON field into a row buffer; 1 if it did not fit or is not text. */
static int json_into(const json_t *o, const char *key, char *dst, size_t sz)
{
	const json_t *v = json_object_get(o, key);

	dst[0] = '\0';
	if (v == NULL)
		return 0;
	if (!json_is_string(v) || json_string_length(v) >= sz)
		return 1;
	trim(json_string_value(v), dst, sz);
	return 0;
}

/* Rows the hub sends are marked as the hub's; a row imported on the box
 * stays the box's. Listing a withdrawn teacher again invites them back. */
#define ROSTER_UPSERT_HUB \
	"INSERT INTO roster(kegiatan_id, nuptk, name, npsn, school, subject, source) " \
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'hub') ON CONFLICT(kegiatan_id, nuptk) DO UPDATE SET " \
	"name = excluded.name, npsn = excluded.npsn, school = excluded.school, " \
	"subject = excluded.subject, withdrawn_ms = 0"

/* Withdraw a teacher the hub put on the roster who has no attendance
 * event and no claim in the session. NULL when done, else the refusal
 * code (and *msg). */
static const char *withdraw(sqlite3 *db, int64_t kegiatan_id, const char *nuptk,
			    const char **msg, int *db_error)
{
	sqlite3_stmt *st = NULL;
	const char *code = NULL;
	int step;

	*db_error = 1;
	if ((st = pb_db_stmt(db,
			"SELECT source, (SELECT count(*) FROM attendance a WHERE a.kegiatan_id = ?1 "
			"  AND a.nuptk = ?2) + (SELECT count(*) FROM claim c WHERE c.kegiatan_id = ?1 "
			"  AND c.nuptk = ?2) FROM roster WHERE kegiatan_id = ?1 AND nuptk = ?2")) == NULL)
		return "db";
	sqlite3_bind_int64(st, 1, kegiatan_id);
	sqlite3_bind_text(st, 2, nuptk, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		code = "not_on_roster";
		*msg = "NUPTK tidak ada di daftar peserta";
	} else if (step != SQLITE_ROW) {
		code = "db";
		goto out;
	} else if (strcmp((const char *)sqlite3_column_text(st, 0), "hub") != 0) {
		code = "not_from_hub";
		*msg = "Peserta ini dimasukkan di kotak, bukan oleh hub: tidak ditarik";
	} else if (sqlite3_column_int64(st, 1) > 0) {
		code = "has_records";
		*msg = "Peserta ini sudah hadir atau punya klaim: tidak ditarik";
	}
	pb_db_stmt_done(st);
	st = NULL;
	if (code == NULL) {
		if ((st = pb_db_stmt(db,
				"UPDATE roster SET withdrawn_ms = ?3 WHERE kegiatan_id = ?1 "
				"AND nuptk = ?2 AND withdrawn_ms = 0")) == NULL) {
			code = "db";
			goto out;
		}
		sqlite3_bind_int64(st, 1, kegiatan_id);
		sqlite3_bind_text(st, 2, nuptk, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, pb_clock_wall_ms());
		if (sqlite3_step(st) != SQLITE_DONE) {
			code = "db";
			goto out;
		}
	}
	*db_error = 0;
out:
	pb_db_stmt_done(st);
	return code;
}

enum pb_roster_result pb_roster_import_json(sqlite3 *db, int64_t kegiatan_id,
					    const json_t *people, json_t **report)
{
	sqlite3_stmt *ins = NULL;
	json_t *lines = json_array(), *p;
	int accepted = 0, rejected = 0, withdrawn = 0;
	enum pb_roster_result rc = PB_ROSTER_DB;
	size_t i;

	*report = NULL;
	if (lines == NULL)
		return PB_ROSTER_DB;
	if (!json_is_array(people)) {
		rc = PB_ROSTER_MISSING_COLUMN;
		goto out;
	}
	if (json_array_size(people) > PB_ROSTER_ROWS_MAX) {
		rc = PB_ROSTER_TOO_MANY_ROWS;
		goto out;
	}
	if ((ins = pb_db_stmt(db, ROSTER_UPSERT_HUB)) == NULL)
		goto out;
	json_array_foreach(people, i, p) {
		struct row rw;
		const char *code, *msg = "";
		int long_field = 0, db_error;

		memset(&rw, 0, sizeof(rw));
		if (json_is_true(json_object_get(p, "withdrawn"))) {
			long_field = json_into(p, "nuptk", rw.nuptk, sizeof(rw.nuptk));
			long_field |= json_into(p, "no_peserta", rw.peserta, sizeof(rw.peserta));
			if (!long_field && rw.nuptk[0] == '\0' && peserta_key(rw.peserta, rw.nuptk) != 0)
				long_field = 1;
			if (long_field || !pb_person_valid(rw.nuptk)) {
				code = "bad_nuptk";
				msg = "NUPTK harus tepat 16 angka";
			} else {
				code = withdraw(db, kegiatan_id, rw.nuptk, &msg, &db_error);
				if (db_error)
					goto out;
			}
			if (code != NULL) {
				add_line(lines, (int)i + 1, rw.nuptk, code, msg);
				rejected++;
			} else {
				withdrawn++;
			}
			continue;
		}
		long_field |= json_into(p, "nuptk", rw.nuptk, sizeof(rw.nuptk));
		long_field |= json_into(p, "no_peserta", rw.peserta, sizeof(rw.peserta));
		long_field |= json_into(p, "name", rw.name, sizeof(rw.name));
		long_field |= json_into(p, "npsn", rw.npsn, sizeof(rw.npsn));
		long_field |= json_into(p, "school", rw.school, sizeof(rw.school));
		long_field |= json_into(p, "subject", rw.subject, sizeof(rw.subject));
		code = check_row(&rw, long_field, &msg);
		if (code != NULL) {
			add_line(lines, (int)i + 1, rw.nuptk, code, msg);
			rejected++;
			continue;
		}
		bind_row(ins, kegiatan_id, &rw);
		if (sqlite3_step(ins) != SQLITE_DONE)
			goto out;
		accepted++;
	}
	rc = PB_ROSTER_OK;
out:
	pb_db_stmt_done(ins);
	if (rc == PB_ROSTER_OK)
		*report = json_pack("{s:i, s:i, s:i, s:O}", "accepted", (json_int_t)accepted,
				    "rejected", (json_int_t)rejected, "withdrawn",
				    (json_int_t)withdrawn, "lines", lines);
	json_decref(lines);
	if (rc == PB_ROSTER_OK && *report == NULL)
		rc = PB_ROSTER_DB;
	return rc;
}

enum pb_roster_result pb_roster_import(sqlite3 *db, int64_t kegiatan_id,
				       const char *csv, size_t len, json_t **report)
{
	struct pb_csv *c = NULL;
	struct pb_csv_record rec;
	enum column cols[PB_CSV_FIELDS_MAX];
	int payee_cols[PB_CSV_FIELDS_MAX], have_payee = 0;
	enum pb_csv_result cr;
	enum pb_roster_result rc = PB_ROSTER_DB;
	sqlite3_stmt *ins = NULL, *seen = NULL;
	json_t *lines = json_array();
	int have_nuptk = 0, have_name = 0, rows = 0, accepted = 0, rejected = 0;

	*report = NULL;
	c = malloc(sizeof(*c));
	if (c == NULL || lines == NULL)
		goto out;
	pb_csv_init(c, csv, len, pb_csv_sniff(csv, len));
	do
		cr = pb_csv_next(c, &rec);
	while (cr == PB_CSV_OK && rec.nfields == 1 && rec.field[0][0] == '\0');
	if (cr != PB_CSV_OK) {
		rc = PB_ROSTER_NO_HEADER;
		goto out;
	}
	for (int i = 0; i < PB_CSV_FIELDS_MAX; i++) {
		cols[i] = i < rec.nfields ? header_column(rec.field[i]) : COL_NONE;
		/* the optional payee columns (NIP, bank account...) of pb_paper */
		payee_cols[i] = i < rec.nfields && cols[i] == COL_NONE ?
				pb_payee_column(rec.field[i]) : -1;
		have_payee |= payee_cols[i] >= 0;
	}
	for (int i = 0; i < rec.nfields; i++) {
		have_nuptk |= cols[i] == COL_NUPTK || cols[i] == COL_PESERTA;
		have_name |= cols[i] == COL_NAME;
	}
	if (!have_nuptk || !have_name) {
		rc = PB_ROSTER_MISSING_COLUMN;
		goto out;
	}
	if ((ins = pb_db_stmt(db, ROSTER_UPSERT)) == NULL)
		goto out;
	/* NUPTKs seen earlier in this file, to report duplicates */
	if (sqlite3_exec(db, "CREATE TEMP TABLE IF NOT EXISTS roster_seen(nuptk TEXT PRIMARY KEY);"
			 "DELETE FROM temp.roster_seen", NULL, NULL, NULL) != SQLITE_OK ||
	    (seen = pb_db_stmt(db, "INSERT INTO temp.roster_seen(nuptk) VALUES (?1)")) == NULL)
		goto out;
	while ((cr = pb_csv_next(c, &rec)) != PB_CSV_END) {
		struct row rw;
		struct pb_payee payee;
		const char *code, *msg = "";
		int long_field = 0;

		if (cr == PB_CSV_OK && rec.nfields == 1 && rec.field[0][0] == '\0')
			continue;                    /* blank line */
		if (++rows > PB_ROSTER_ROWS_MAX) {
			rc = PB_ROSTER_TOO_MANY_ROWS;
			goto out;
		}
		if (cr != PB_CSV_OK) {
			add_line(lines, rec.line, "", "bad_csv", csv_message(cr));
			rejected++;
			continue;
		}
		memset(&rw, 0, sizeof(rw));
		memset(&payee, 0, sizeof(payee));
		for (int i = 0; i < rec.nfields; i++) {
			char *dst = NULL;
			size_t sz = 0;
			if (payee_cols[i] >= 0) {
				dst = payee.f[payee_cols[i]];
				sz = sizeof(payee.f[0]);
			}
			switch (cols[i]) {
			case COL_NUPTK: dst = rw.nuptk; sz = sizeof(rw.nuptk); break;
			case COL_PESERTA: dst = rw.peserta; sz = sizeof(rw.peserta); break;
			case COL_NAME: dst = rw.name; sz = sizeof(rw.name); break;
			case COL_NPSN: dst = rw.npsn; sz = sizeof(rw.npsn); break;
			case COL_SCHOOL: dst = rw.school; sz = sizeof(rw.school); break;
			case COL_SUBJECT: dst = rw.subject; sz = sizeof(rw.subject); break;
			case COL_NONE: break;
			}
			if (dst == NULL)
				continue;
			if (strlen(rec.field[i]) >= sz)
				long_field = 1;
			trim(rec.field[i], dst, sz);
		}
		code = check_row(&rw, long_field, &msg);
		if (code == NULL)
			code = pb_payee_check(&payee, &msg);
		if (code == NULL) {
			sqlite3_reset(seen);
			sqlite3_bind_text(seen, 1, rw.nuptk, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(seen) != SQLITE_DONE) {
				code = "duplicate";
				msg = pb_person_is_peserta(rw.nuptk) ?
				      "No Peserta sudah ada di baris sebelumnya" :
				      "NUPTK sudah ada di baris sebelumnya";
			}
		}
		if (code != NULL) {
			add_line(lines, rec.line, rw.nuptk, code, msg);
			rejected++;
			continue;
		}
		bind_row(ins, kegiatan_id, &rw);
		if (sqlite3_step(ins) != SQLITE_DONE ||
		    (have_payee && pb_payee_save(db, kegiatan_id, rw.nuptk, &payee) != 0))
			goto out;
		add_line(lines, rec.line, rw.nuptk, NULL, NULL);
		accepted++;
	}
	rc = PB_ROSTER_OK;
out:
	pb_db_stmt_done(ins);
	pb_db_stmt_done(seen);
	(void)sqlite3_exec(db, "DROP TABLE IF EXISTS temp.roster_seen", NULL, NULL, NULL);
	free(c);
	if (rc == PB_ROSTER_OK)
		*report = json_pack("{s:i, s:i, s:o}", "accepted", (json_int_t)accepted,
				    "rejected", (json_int_t)rejected, "lines", lines);
	else
		json_decref(lines);
	if (rc == PB_ROSTER_OK && *report == NULL)
		rc = PB_ROSTER_DB;
	return rc;
}

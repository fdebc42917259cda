#include "pb_rates.h"

#include "pb_audit.h"
#include "pb_clock.h"
#include "pb_csv.h"
#include "pb_db.h"
#include "pb_rows.h"
#include "pb_hash.h"
#include "pb_outbox.h"
#include "pb_roster.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct pb_item_def pb_items[PB_ITEM_COUNT] = {
	[PB_ITEM_UANG_HARIAN] = { "uang_harian", "Uang harian diklat", "Daily training allowance",
				  0, 0, 0, PB_RATE_UANG_HARIAN_MAX },
	[PB_ITEM_UANG_MAKAN] = { "uang_makan", "Uang makan", "Meal allowance",
				 0, 0, 0, PB_RATE_UANG_MAKAN_MAX },
	[PB_ITEM_TRANSPORT] = { "transport", "Transport lokal", "Local transport",
				1, 1, 1, PB_RATE_TRANSPORT_MAX },
	[PB_ITEM_PENGINAPAN] = { "penginapan", "Penginapan", "Lodging",
				 1, 0, 0, PB_RATE_PENGINAPAN_MAX },
};

const char *const pb_uang_harian_kinds[] = { "diklat", "luar_kota", "dalam_kota_8jam", NULL };

static const char *const uang_harian_labels[] = {
	"Uang harian diklat", "Uang harian luar kota", "Uang harian dalam kota > 8 jam",
};

const char *pb_uang_harian_label(const char *kind)
{
	for (int i = 0; kind != NULL && pb_uang_harian_kinds[i] != NULL; i++)
		if (strcmp(kind, pb_uang_harian_kinds[i]) == 0)
			return uang_harian_labels[i];
	return uang_harian_labels[0];
}

int pb_uang_harian_kind_valid(const char *kind)
{
	for (int i = 0; kind != NULL && pb_uang_harian_kinds[i] != NULL; i++)
		if (strcmp(kind, pb_uang_harian_kinds[i]) == 0)
			return 1;
	return 0;
}

const char *pb_rate_variant(int item, const char *origin, const char *uh_kind)
{
	if (item != PB_ITEM_UANG_HARIAN)
		return origin != NULL ? origin : "";
	if (uh_kind == NULL || strcmp(uh_kind, PB_UH_KIND_DEFAULT) == 0)
		return "";
	return uh_kind;
}

int pb_item_from_code(const char *code)
{
	if (code == NULL)
		return -1;
	for (int i = 0; i < PB_ITEM_COUNT; i++)
		if (strcasecmp(code, pb_items[i].code) == 0)
			return i;
	return -1;
}

enum pb_amount_result pb_amount_parse(const char *s, int64_t *out)
{
	size_t n;
	int64_t v = 0;

	if (s == NULL)
		return PB_AMOUNT_EMPTY;
	while (*s == ' ')
		s++;
	n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (n == 0)
		return PB_AMOUNT_EMPTY;
	if (s[0] == '-' && n > 1)
		return PB_AMOUNT_NEGATIVE;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return PB_AMOUNT_NOT_INTEGER;
	while (n > 1 && s[0] == '0') {           /* leading zeros carry no digits */
		s++;
		n--;
	}
	if (n > PB_RATE_DIGITS_MAX)
		return PB_AMOUNT_TOO_LARGE;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');      /* at most 12 digits: no overflow */
	*out = v;
	return PB_AMOUNT_OK;
}

int pb_place_normalise(const char *in, char *out, size_t len)
{
	size_t o = 0;
	int space = 0;

	if (in == NULL || len == 0 || !pb_text_valid(in, 4 * PB_RATE_PLACE_MAX))
		return -1;
	for (const char *p = in; *p; p++) {
		char ch = *p;
		if (ch == ' ' || ch == '\t') {
			space = o > 0;
			continue;
		}
		if (space) {
			if (o + 1 >= len)
				return -1;
			out[o++] = ' ';
			space = 0;
		}
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (o + 1 >= len)
			return -1;
		out[o++] = ch;
	}
	out[o] = '\0';
	return o > 0 && o <= PB_RATE_PLACE_MAX ? 0 : -1;
}

void pb_rupiah(int64_t v, char *out, size_t len)
{
	char digits[32], grouped[48];
	size_t nd, g = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	snprintf(digits, sizeof(digits), "%llu", (unsigned long long)u);
	nd = strlen(digits);
	for (size_t i = 0; i < nd; i++) {
		if (i > 0 && (nd - i) % 3 == 0)
			grouped[g++] = '.';
		grouped[g++] = digits[i];
	}
	grouped[g] = '\0';
	snprintf(out, len, "%sRp %s", v < 0 ? "-" : "", grouped);
}

const char *pb_rates_strerror(enum pb_rates_result r)
{
	switch (r) {
	case PB_RATES_OK:             return "ok";
	case PB_RATES_NO_HEADER:      return "no header line";
	case PB_RATES_MISSING_COLUMN: return "the header needs tahun, provinsi, item and jumlah";
	case PB_RATES_TOO_MANY_ROWS:  return "too many lines";
	case PB_RATES_NO_ROWS:        return "no rate lines";
	case PB_RATES_REJECTED:       return "some lines are bad: nothing imported";
	case PB_RATES_DB:             return "database error";
	}
	return "unknown";
}

enum column { COL_NONE = 0, COL_YEAR, COL_PROVINCE, COL_ITEM, COL_ORIGIN, COL_AMOUNT, COL_KIND,
	      COL_DASAR, COL_LAST = COL_DASAR };

static const struct {
	const char *name;
	enum column col;
} header_names[] = {
	{ "tahun", COL_YEAR }, { "year", COL_YEAR },
	{ "provinsi", COL_PROVINCE }, { "province", COL_PROVINCE },
	{ "item", COL_ITEM }, { "komponen", COL_ITEM }, { "uraian", COL_ITEM },
	{ "asal", COL_ORIGIN }, { "origin", COL_ORIGIN }, { "kabupaten/kota", COL_ORIGIN },
	{ "kabupaten_kota", COL_ORIGIN }, { "kab/kota", COL_ORIGIN },
	{ "jumlah", COL_AMOUNT }, { "besaran", COL_AMOUNT }, { "amount", COL_AMOUNT },
	{ "rupiah", COL_AMOUNT },
	{ "jenis", COL_KIND }, { "kind", COL_KIND }, { "jenis uang harian", COL_KIND },
	{ "dasar", COL_DASAR }, { "dasar hukum", COL_DASAR }, { "basis", COL_DASAR },
};

static enum column header_column(const char *h)
{
	char t[64];
	size_t n;

	while (*h == ' ')
		h++;
	n = strlen(h);
	while (n > 0 && h[n - 1] == ' ')
		n--;
	if (n >= sizeof(t))
		return COL_NONE;
	memcpy(t, h, n);
	t[n] = '\0';
	for (size_t i = 0; i < sizeof(header_names) / sizeof(header_names[0]); i++)
		if (strcasecmp(t, header_names[i].name) == 0)
			return header_names[i].col;
	return COL_NONE;
}

static int add_line(json_t *lines, unsigned line, const char *code, const char *msg)
{
	json_t *o = code == NULL ?
		json_pack("{s:i, s:s}", "line", (int)line, "status", "ok") :
		json_pack("{s:i, s:s, s:s, s:s}", "line", (int)line, "status", "rejected",
			  "error", code, "message", msg);

	return o != NULL ? json_array_append_new(lines, o) : -1;
}

static const char *amount_error(enum pb_amount_result r, const char **msg)
{
	switch (r) {
	case PB_AMOUNT_EMPTY:
		*msg = "Jumlah kosong";
		return "amount_missing";
	case PB_AMOUNT_NEGATIVE:
		*msg = "Jumlah tidak boleh negatif";
		return "amount_negative";
	case PB_AMOUNT_NOT_INTEGER:
		*msg = "Jumlah harus bilangan bulat rupiah tanpa titik, koma atau desimal";
		return "amount_not_integer";
	case PB_AMOUNT_TOO_LARGE:
	default:
		*msg = "Jumlah terlalu besar";
		return "amount_absurd";
	}
}

/* The legal basis a file names: every line that names one names the same.
 * NULL, or an error code (and *msg). */
static const char *check_dasar(const char *field, char *dasar, size_t len, const char **msg)
{
	char t[PB_RATE_DASAR_MAX + 2];
	size_t n;

	field += strspn(field, " ");
	n = strlen(field);
	while (n > 0 && field[n - 1] == ' ')
		n--;
	if (n == 0)
		return NULL;
	if (n >= len || n >= sizeof(t)) {
		*msg = "Dasar terlalu panjang";
		return "bad_dasar";
	}
	memcpy(t, field, n);
	t[n] = '\0';
	if (!pb_text_valid(t, PB_RATE_DASAR_MAX)) {
		*msg = "Dasar bukan teks yang sah";
		return "bad_dasar";
	}
	if (dasar[0] == '\0')
		memcpy(dasar, t, n + 1);
	else if (strcmp(dasar, t) != 0) {
		*msg = "Satu berkas tarif hanya boleh menyebut satu dasar";
		return "dasar_differs";
	}
	return NULL;
}

/* Check one data record; fills rw. Returns NULL or an error code. */
static const char *check_record(const struct pb_csv_record *rec, const enum column *cols,
				struct pb_rate_row *rw, const char **msg)
{
	const char *f[COL_LAST + 1] = { 0 };
	char kind[32];
	int64_t year;
	const char *code;
	enum pb_amount_result ar;

	for (int i = 0; i < rec->nfields && i < PB_CSV_FIELDS_MAX; i++)
		if (cols[i] != COL_NONE && f[cols[i]] == NULL)
			f[cols[i]] = rec->field[i];
	memset(rw, 0, sizeof(*rw));
	rw->line = rec->line;
	if (pb_amount_parse(f[COL_YEAR], &year) != PB_AMOUNT_OK ||
	    year < PB_RATE_YEAR_MIN || year > PB_RATE_YEAR_MAX) {
		*msg = "Tahun harus angka antara 2000 dan 2100";
		return "bad_year";
	}
	rw->year = (int)year;
	if (pb_place_normalise(f[COL_PROVINCE], rw->province, sizeof(rw->province)) != 0) {
		*msg = "Provinsi kosong, terlalu panjang atau tidak sah";
		return "bad_province";
	}
	/* the SBM calls the meal allowance of a training "konsumsi" too */
	rw->item = f[COL_ITEM] != NULL && strcasecmp(f[COL_ITEM], "konsumsi") == 0 ?
		   PB_ITEM_UANG_MAKAN : pb_item_from_code(f[COL_ITEM] != NULL ? f[COL_ITEM] : "");
	if (rw->item < 0) {
		*msg = "Item tidak dikenal: pakai uang_harian, uang_makan (konsumsi), transport atau "
		       "penginapan";
		return "unknown_item";
	}
	/* the kind of uang_harian (no kind: diklat, as in files made before kinds) */
	snprintf(kind, sizeof(kind), "%s", f[COL_KIND] != NULL ? f[COL_KIND] + strspn(f[COL_KIND], " ") : "");
	kind[strcspn(kind, " ")] = '\0';
	for (char *k = kind; *k; k++)
		*k = (char)tolower((unsigned char)*k);
	if (rw->item != PB_ITEM_UANG_HARIAN && kind[0] != '\0') {
		*msg = "Jenis hanya untuk uang_harian";
		return "kind_not_allowed";
	}
	if (rw->item == PB_ITEM_UANG_HARIAN && kind[0] != '\0' && !pb_uang_harian_kind_valid(kind)) {
		*msg = "Jenis uang harian: luar_kota, dalam_kota_8jam atau diklat";
		return "bad_kind";
	}
	if (pb_items[rw->item].by_origin) {
		if (pb_place_normalise(f[COL_ORIGIN], rw->origin, sizeof(rw->origin)) != 0) {
			*msg = "Transport lokal perlu asal (kabupaten/kota)";
			return "origin_required";
		}
	} else if (f[COL_ORIGIN] != NULL && f[COL_ORIGIN][strspn(f[COL_ORIGIN], " ")] != '\0') {
		*msg = "Asal (kabupaten/kota) hanya untuk transport lokal";
		return "origin_not_allowed";
	} else if (rw->item == PB_ITEM_UANG_HARIAN) {
		snprintf(rw->origin, sizeof(rw->origin), "%s",
			 pb_rate_variant(rw->item, "", kind[0] ? kind : NULL));
	}
	code = NULL;
	ar = pb_amount_parse(f[COL_AMOUNT], &rw->amount);
	if (ar != PB_AMOUNT_OK)
		return amount_error(ar, msg);
	if (rw->amount == 0 && !pb_items[rw->item].zero_ok) {
		*msg = "Jumlah tidak boleh nol untuk item ini";
		code = "amount_zero";
	} else if (rw->amount > pb_items[rw->item].max) {
		*msg = "Jumlah melebihi batas wajar untuk item ini (salah ketik?)";
		code = "amount_absurd";
	}
	return code;
}

static int row_key_cmp(const void *a, const void *b)
{
	const struct pb_rate_row *x = *(const struct pb_rate_row *const *)a;
	const struct pb_rate_row *y = *(const struct pb_rate_row *const *)b;
	int c;

	if (x->year != y->year)
		return x->year < y->year ? -1 : 1;
	if ((c = strcmp(x->province, y->province)) != 0)
		return c;
	if (x->item != y->item)
		return x->item < y->item ? -1 : 1;
	if ((c = strcmp(x->origin, y->origin)) != 0)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
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

/* Mark duplicates (the later line of the same key). bad[i] refers to rows[i]. */
static int find_duplicates(struct pb_rate_row *rows, size_t n, unsigned char *dup)
{
	struct pb_rate_row **idx;

	if (n < 2)
		return 0;
	idx = malloc(n * sizeof(*idx));
	if (idx == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		idx[i] = &rows[i];
	qsort(idx, n, sizeof(*idx), row_key_cmp);
	for (size_t i = 1; i < n; i++) {
		const struct pb_rate_row *p = idx[i - 1], *q = idx[i];
		if (p->year == q->year && p->item == q->item && strcmp(p->province, q->province) == 0 &&
		    strcmp(p->origin, q->origin) == 0)
			dup[q - rows] = 1;
	}
	free(idx);
	return 0;
}

enum pb_rates_result pb_rates_parse(const char *csv, size_t len, struct pb_rate_row **rows_out,
				    size_t *nrows_out, json_t **report)
{
	struct pb_csv *c = NULL;
	struct pb_csv_record rec;
	enum pb_csv_result cr;
	enum column cols[PB_CSV_FIELDS_MAX];
	struct pb_rate_row *rows = NULL;
	unsigned char *bad = NULL;     /* per row: 0 good, 1 rejected */
	unsigned *badline = NULL;
	const char **badcode = NULL, **badmsg = NULL;
	size_t n = 0, nbad = 0;
	unsigned start;
	json_t *lines = NULL;
	enum pb_rates_result rc = PB_RATES_DB;
	int have[COL_LAST + 1] = { 0 }, dasar_col = -1;
	char dasar[PB_RATE_DASAR_MAX + 1] = "";

	*report = NULL;
	if (rows_out != NULL)
		*rows_out = NULL;
	if (nrows_out != NULL)
		*nrows_out = 0;
	c = malloc(sizeof(*c));
	rows = calloc(PB_RATE_ROWS_MAX, sizeof(*rows));
	bad = calloc(PB_RATE_ROWS_MAX, 1);
	badline = calloc(PB_RATE_ROWS_MAX, sizeof(*badline));
	badcode = calloc(PB_RATE_ROWS_MAX, sizeof(*badcode));
	badmsg = calloc(PB_RATE_ROWS_MAX, sizeof(*badmsg));
	lines = json_array();
	if (c == NULL || rows == NULL || bad == NULL || badline == NULL || badcode == NULL ||
	    badmsg == NULL || lines == NULL)
		goto out;
	pb_csv_init(c, csv, len, pb_csv_sniff(csv, len));
	do {
		cr = pb_csv_next(c, &rec);
	} while (cr == PB_CSV_OK && rec.nfields == 1 && rec.field[0][0] == '\0');
	if (cr != PB_CSV_OK) {
		rc = PB_RATES_NO_HEADER;
		goto out;
	}
	for (int i = 0; i < PB_CSV_FIELDS_MAX; i++) {
		cols[i] = i < rec.nfields ? header_column(rec.field[i]) : COL_NONE;
		have[cols[i]] = 1;
		if (cols[i] == COL_DASAR && dasar_col < 0)
			dasar_col = i;
	}
	if (!have[COL_YEAR] || !have[COL_PROVINCE] || !have[COL_ITEM] || !have[COL_AMOUNT]) {
		rc = PB_RATES_MISSING_COLUMN;
		goto out;
	}
	for (;;) {
		const char *code = NULL, *msg = NULL;
		start = c->line;
		cr = pb_csv_next(c, &rec);
		if (cr == PB_CSV_END)
			break;
		if (cr == PB_CSV_OK && rec.nfields == 1 && rec.field[0][0] == '\0')
			continue;                           /* a blank line */
		if (n >= PB_RATE_ROWS_MAX) {
			rc = PB_RATES_TOO_MANY_ROWS;
			goto out;
		}
		if (cr != PB_CSV_OK) {
			rows[n].line = start;
			code = "unreadable";
			msg = csv_message(cr);
		} else {
			code = check_record(&rec, cols, &rows[n], &msg);
			if (code == NULL && dasar_col >= 0 && dasar_col < rec.nfields)
				code = check_dasar(rec.field[dasar_col], dasar, sizeof(dasar), &msg);
		}
		if (code != NULL) {
			bad[n] = 1;
			badcode[n] = code;
			badmsg[n] = msg;
		}
		badline[n] = rows[n].line;
		n++;
	}
	if (n == 0) {
		rc = PB_RATES_NO_ROWS;
		goto out;
	}
	{
		/* duplicates among the good rows only */
		unsigned char *dup = calloc(n, 1);
		if (dup == NULL)
			goto out;
		for (size_t i = 0; i < n; i++)
			if (bad[i])             /* keep bad rows out of the key order */
				rows[i].year = -1 - (int)i;
		if (find_duplicates(rows, n, dup) != 0) {
			free(dup);
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			if (dup[i] && !bad[i]) {
				bad[i] = 1;
				badcode[i] = "duplicate";
				badmsg[i] = "Baris ganda: tahun, provinsi, item dan asal yang sama "
					    "sudah ada di baris sebelumnya";
			}
		free(dup);
	}
	for (size_t i = 0; i < n; i++) {
		if (bad[i])
			nbad++;
		if (add_line(lines, badline[i], bad[i] ? badcode[i] : NULL, badmsg[i]) != 0)
			goto out;
	}
	*report = json_pack("{s:I, s:I, s:O, s:s}", "accepted", (json_int_t)(n - nbad),
			    "rejected", (json_int_t)nbad, "lines", lines, "dasar", dasar);
	if (*report == NULL)
		goto out;
	if (nbad > 0) {
		rc = PB_RATES_REJECTED;
		goto out;
	}
	if (rows_out != NULL) {
		*rows_out = rows;
		*nrows_out = n;
		rows = NULL;
	}
	rc = PB_RATES_OK;
out:
	json_decref(lines);
	free(c);
	free(rows);
	free(bad);
	free(badline);
	free(badcode);
	free(badmsg);
	return rc;
}

int pb_rates_dasar(sqlite3 *db, char *out, size_t len)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	out[0] = '\0';
	if ((st = pb_db_stmt(db, "SELECT dasar FROM rate_version ORDER BY version DESC LIMIT 1")) == NULL)
		return -1;
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
	if (step == SQLITE_ROW || step == SQLITE_DONE)
		rc = 0;
	pb_db_stmt_done(st);
	return rc;
}

int pb_rates_version(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if ((st = pb_db_stmt(db, "SELECT COALESCE(MAX(version), 0) FROM rate_version")) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	pb_db_stmt_done(st);
	return v;
}

enum pb_rates_result pb_rates_import(sqlite3 *db, const char *csv, size_t len,
				     const char *source, const char *actor, const char *client,
				     int *version, json_t **report)
{
	struct pb_rate_row *rows = NULL;
	size_t n = 0;
	sqlite3_stmt *st = NULL;
	char sha[PB_SHA256_HEX_LEN + 1], detail[256];
	enum pb_rates_result rc;
	int v, own;

	rc = pb_rates_parse(csv, len, &rows, &n, report);
	if (rc != PB_RATES_OK)
		return rc;
	rc = PB_RATES_DB;
	pb_sha256_hex(csv, len, sha);
	if (pb_db_begin_nested(db, "rates_import", &own) != 0) {
		free(rows);
		return PB_RATES_DB;
	}
	v = pb_rates_version(db);
	if (v < 0)
		goto out;
	v++;
	if ((st = pb_db_stmt(db, "INSERT INTO rate_version(version, source, imported_by, rows, "
				 "sha256, wall_ms, dasar) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")) == NULL)
		goto out;
	sqlite3_bind_text(st, 7, json_string_value(json_object_get(*report, "dasar")), -1,
			  SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 1, v);
	sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)n);
	sqlite3_bind_text(st, 5, sha, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, pb_clock_wall_ms());
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	pb_db_stmt_done(st);
	if ((st = pb_db_stmt(db,
			"INSERT INTO rate(version, year, province, item, origin, amount) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6)")) == NULL) {
		st = NULL;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int(st, 1, v);
		sqlite3_bind_int(st, 2, rows[i].year);
		sqlite3_bind_text(st, 3, rows[i].province, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, pb_items[rows[i].item].code, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, rows[i].origin, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, rows[i].amount);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto out;
	}
	snprintf(detail, sizeof(detail), "{\"version\":%d,\"rows\":%zu,\"sha256\":\"%s\","
		 "\"source\":\"%s\"}", v, n, sha, source);
	/* upstream learns which table (by its SHA-256) a version number means */
	if (pb_audit_add(db, actor, "rates.import", detail, client) != 0 ||
	    pb_outbox_append(db, "rates.import", detail, NULL, NULL) != 0 ||
	    pb_db_commit_nested(db, "rates_import", own) != 0)
		goto out;
	json_object_set_new(*report, "version", json_integer(v));
	*version = v;
	rc = PB_RATES_OK;
out:
	pb_db_stmt_done(st);
	if (rc != PB_RATES_OK)
		pb_db_rollback_nested(db, "rates_import", own);
	free(rows);
	return rc;
}

int pb_rate_find(sqlite3 *db, int year, const char *province, int item, const char *origin,
		 struct pb_rate *out)
{
	char prov[PB_RATE_PLACE_MAX + 1], orig[PB_RATE_PLACE_MAX + 1] = "";
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	if (item < 0 || item >= PB_ITEM_COUNT)
		return 1;
	if (pb_place_normalise(province, prov, sizeof(prov)) != 0)
		return 1;
	if (pb_items[item].by_origin && pb_place_normalise(origin, orig, sizeof(orig)) != 0)
		return 1;
	if (item == PB_ITEM_UANG_HARIAN)
		snprintf(orig, sizeof(orig), "%s", pb_rate_variant(item, "", origin != NULL &&
			 origin[0] != '\0' ? origin : NULL));
	if ((st = pb_db_stmt(db, "SELECT id, version, amount FROM rate WHERE version = "
				 "(SELECT MAX(version) FROM rate_version) AND year = ?1 AND "
				 "province = ?2 AND item = ?3 AND origin = ?4")) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, year);
	sqlite3_bind_text(st, 2, prov, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, pb_items[item].code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, orig, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		out->version = sqlite3_column_int(st, 1);
		out->amount = sqlite3_column_int64(st, 2);
		rc = 0;
	} else if (step == SQLITE_DONE) {
		rc = 1;
	}
	pb_db_stmt_done(st);
	return rc;
}

static json_t *rate_row_json(sqlite3_stmt *st, void *ctx)
{
	(void)ctx;
	return json_pack("{s:I, s:s, s:s, s:I, s:i}",
		"id", (json_int_t)sqlite3_column_int64(st, 0),
		"item", (const char *)sqlite3_column_text(st, 1),
		"origin", (const char *)sqlite3_column_text(st, 2),
		"amount", (json_int_t)sqlite3_column_int64(st, 3),
		"version", sqlite3_column_int(st, 4));
}

json_t *pb_rates_list(sqlite3 *db, int year, const char *province)
{
	char prov[PB_RATE_PLACE_MAX + 1];
	sqlite3_stmt *st = NULL;

	if (pb_place_normalise(province, prov, sizeof(prov)) != 0)
		return json_array();
	if ((st = pb_db_stmt(db, "SELECT id, item, origin, amount, version FROM rate WHERE "
				 "version = (SELECT MAX(version) FROM rate_version) AND year = ?1 "
				 "AND province = ?2 ORDER BY item, origin")) == NULL) {
		pb_db_stmt_done(st);
		return NULL;
	}
	sqlite3_bind_int(st, 1, year);
	sqlite3_bind_text(st, 2, prov, -1, SQLITE_STATIC);
	return pb_rows_json(st, rate_row_json, NULL);
}

#include "pb_attendance.h"

#include "pb_audit.h"
#include "pb_clock.h"
#include "pb_csv.h"
#include "pb_db.h"
#include "pb_fields.h"
#include "pb_rows.h"
#include "pb_outbox.h"
#include "pb_sig.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *pb_att_strerror(enum pb_att_result r)
{
	switch (r) {
	case PB_ATT_OK:            return "ok";
	case PB_ATT_EXISTING:      return "already checked in";
	case PB_ATT_NOT_FOUND:     return "not found";
	case PB_ATT_LOCKED:        return "the day is locked";
	case PB_ATT_NOT_LOCKED:    return "the day is not locked";
	case PB_ATT_TOO_MANY:      return "too many teachers from one phone";
	case PB_ATT_NAME_REQUIRED: return "not on the roster: give a name";
	case PB_ATT_NOT_TODAY:     return "the session does not run on that day";
	case PB_ATT_WITHDRAWN:     return "withdrawn from the roster";
	case PB_ATT_NOT_ON_ROSTER: return "participant number not on the roster";
	case PB_ATT_NOT_NUPTK:     return "no NUPTK and no participant number on the roster";
	case PB_ATT_BAD_INPUT:     return "bad input";
	case PB_ATT_DB:            return "database error";
	}
	return "unknown";
}

static void local_tm(int64_t wall_ms, struct tm *tm)
{
	time_t t = (time_t)(wall_ms / 1000);

	localtime_r(&t, tm);
}

void pb_att_today(char out[PB_DAY_LEN + 1])
{
	struct tm tm;

	local_tm(pb_clock_wall_ms(), &tm);
	strftime(out, PB_DAY_LEN + 1, "%Y-%m-%d", &tm);
}

int pb_att_checkin_day(char out[PB_DAY_LEN + 1])
{
	if (pb_clock_source() != PB_CLOCK_UNSYNCED) {
		pb_att_today(out);
		return 0;
	}
	snprintf(out, PB_DAY_LEN + 1, "?%s", pb_clock_boot_id());
	return 1;
}

static const struct {
	const char *status, *code, *word;
} statuses[] = {
	{ "present", "H", "Hadir" }, { "late", "T", "Terlambat" }, { "excused", "I", "Izin" },
	{ "sick", "S", "Sakit" }, { "absent", "A", "Tidak hadir" },
};

static int status_index(const char *s)
{
	for (size_t i = 0; s != NULL && i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (strcmp(s, statuses[i].status) == 0)
			return (int)i;
	return -1;
}

int pb_att_status_valid(const char *s)
{
	return status_index(s) >= 0;
}

const char *pb_att_status_word(const char *s, const char **code)
{
	int i = status_index(s);

	if (code != NULL)
		*code = i >= 0 ? statuses[i].code : NULL;
	return i >= 0 ? statuses[i].word : NULL;
}

int pb_att_status_present(const char *s)
{
	return s != NULL && (strcmp(s, "present") == 0 || strcmp(s, "late") == 0);
}

static int minute_of_day(int64_t wall_ms)
{
	struct tm tm;

	local_tm(wall_ms, &tm);
	return tm.tm_hour * 60 + tm.tm_min;
}

int pb_att_sitting_now(const struct pb_kegiatan *k, int64_t wall_ms)
{
	int m = minute_of_day(wall_ms), n = 1;

	if (k->nsittings == 0)
		return 0;
	for (int i = 0; i < k->nsittings; i++)          /* sorted by start */
		if (k->sittings[i].start_min <= m)
			n = i + 1;
	return n;
}

int pb_att_sitting_valid(const struct pb_kegiatan *k, int n)
{
	return k->nsittings == 0 ? n == 0 : n >= 1 && n <= k->nsittings;
}

int pb_att_sitting_jp(const struct pb_kegiatan *k, int n)
{
	return n >= 1 && n <= k->nsittings ? k->sittings[n - 1].jp : k->jp_per_day;
}

/* Late: more than late_after_min past the start of the sitting (or of
 * the day without sittings). */
int pb_att_is_late(const struct pb_kegiatan *k, int64_t wall_ms, unsigned late_after_min)
{
	int h, m, start;

	if (k->nsittings > 0)
		start = k->sittings[pb_att_sitting_now(k, wall_ms) - 1].start_min;
	else if (strlen(k->start_time) == 5 && sscanf(k->start_time, "%2d:%2d", &h, &m) == 2)
		start = h * 60 + m;
	else
		return 0;
	return minute_of_day(wall_ms) > start + (int)late_after_min;
}

int pb_kegiatan_ids(sqlite3 *db, int64_t *ids, int max)
{
	sqlite3_stmt *st = NULL;
	int n = 0, step;

	if ((st = pb_db_stmt(db, "SELECT id FROM kegiatan ORDER BY id DESC LIMIT ?1")) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, max);
	while ((step = sqlite3_step(st)) == SQLITE_ROW && n < max)
		ids[n++] = sqlite3_column_int64(st, 0);
	pb_db_stmt_done(st);
	return step == SQLITE_DONE || step == SQLITE_ROW ? n : -1;
}

int pb_att_day_held(const char *day)
{
	return day != NULL && day[0] == '?';
}

int pb_att_date_held(sqlite3 *db, const char *boot_id, int64_t wall_ms, int64_t mono_ms)
{
	sqlite3_stmt *sel = NULL, *upd = NULL;
	char held[PB_DAY_LEN + 1], day[PB_DAY_LEN + 1];
	int n = 0, step;

	snprintf(held, sizeof(held), "?%s", boot_id);
	if ((sel = pb_db_stmt(db, "SELECT id, uid, mono_ms FROM attendance WHERE day = ?1 "
				  "AND boot_id = ?2 ORDER BY id")) == NULL ||
	    (upd = pb_db_stmt(db, "UPDATE attendance SET day = ?1, wall_ms = ?2, "
				  "clock_source = 'confirmed' WHERE id = ?3")) == NULL)
		goto fail;
	sqlite3_bind_text(sel, 1, held, -1, SQLITE_STATIC);
	sqlite3_bind_text(sel, 2, boot_id, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(sel)) == SQLITE_ROW) {
		int64_t at = wall_ms - (mono_ms - sqlite3_column_int64(sel, 2));
		struct tm tm;
		json_t *p;

		local_tm(at, &tm);
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
		sqlite3_reset(upd);
		sqlite3_bind_text(upd, 1, day, -1, SQLITE_STATIC);
		sqlite3_bind_int64(upd, 2, at);
		sqlite3_bind_int64(upd, 3, sqlite3_column_int64(sel, 0));
		step = sqlite3_step(upd);
		if (step == SQLITE_CONSTRAINT)
			continue;                 /* that day has a check-in already */
		if (step != SQLITE_DONE)
			goto fail;
		p = json_pack("{s:s, s:s, s:I, s:s, s:I}",
			      "id", (const char *)sqlite3_column_text(sel, 1), "day", day,
			      "wall_ms", (json_int_t)at, "boot_id", boot_id,
			      "mono_ms", (json_int_t)sqlite3_column_int64(sel, 2));
		if (pb_att_record(db, "attendance.dated", p, NULL, NULL) != 0)
			goto fail;
		n++;
	}
	if (step != SQLITE_DONE)
		goto fail;
	pb_db_stmt_done(sel);
	pb_db_stmt_done(upd);
	return n;
fail:
	pb_db_stmt_done(sel);
	pb_db_stmt_done(upd);
	return -1;
}

json_t *pb_att_clock_suspects(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	json_t *out = json_array();
	int step;

	if (out == NULL || (st = pb_db_stmt(db,
			"SELECT a.uid, k.uid, a.nuptk, a.name, a.day, a.wall_ms, a.boot_id, "
			"  NULL, NULL, 'held' FROM attendance a JOIN kegiatan k ON k.id = a.kegiatan_id "
			"  WHERE a.day LIKE '?%' "
			"UNION ALL "
			"SELECT a.uid, k.uid, a.nuptk, a.name, a.day, a.wall_ms, a.boot_id, "
			"  s.step_ms, s.actor, 'stepped' FROM attendance a "
			"  JOIN kegiatan k ON k.id = a.kegiatan_id "
			"  JOIN clock_step s ON s.boot_id = a.boot_id AND a.mono_ms < s.mono_ms "
			"  WHERE a.clock_source <> 'confirmed' AND a.day NOT LIKE '?%' "
			"ORDER BY 6")) == NULL)
		goto fail;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s}",
			"id", (const char *)sqlite3_column_text(st, 0),
			"session", (const char *)sqlite3_column_text(st, 1),
			"nuptk", (const char *)sqlite3_column_text(st, 2),
			"name", (const char *)sqlite3_column_text(st, 3),
			"day", (const char *)sqlite3_column_text(st, 4),
			"wall_ms", (json_int_t)sqlite3_column_int64(st, 5),
			"boot_id", (const char *)sqlite3_column_text(st, 6),
			"why", (const char *)sqlite3_column_text(st, 9));
		if (o == NULL)
			goto fail;
		pb_person_json(o, (const char *)sqlite3_column_text(st, 2));
		if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
			int64_t step_ms = sqlite3_column_int64(st, 7);
			int64_t fixed = sqlite3_column_int64(st, 5) + step_ms;
			struct tm tm;
			char day[PB_DAY_LEN + 1];
			local_tm(fixed, &tm);
			strftime(day, sizeof(day), "%Y-%m-%d", &tm);
			json_object_set_new(o, "step_ms", json_integer(step_ms));
			json_object_set_new(o, "step_by",
					    json_string((const char *)sqlite3_column_text(st, 8)));
			json_object_set_new(o, "corrected_ms", json_integer(fixed));
			json_object_set_new(o, "corrected_day", json_string(day));
		}
		json_array_append_new(out, o);
	}
	if (step != SQLITE_DONE)
		goto fail;
	pb_db_stmt_done(st);
	return out;
fail:
	pb_db_stmt_done(st);
	json_decref(out);
	return NULL;
}

/* HH:MM, 00:00 .. 23:59. */
static int time_valid(const char *s)
{
	return strlen(s) == 5 && s[2] == ':' && isdigit((unsigned char)s[0]) &&
	       isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[3]) &&
	       isdigit((unsigned char)s[4]) && (s[0] - '0') * 10 + (s[1] - '0') < 24 &&
	       s[3] < '6';
}

static int time_minutes(const char *s)
{
	return ((s[0] - '0') * 10 + (s[1] - '0')) * 60 + (s[3] - '0') * 10 + (s[4] - '0');
}

/* A session's sittings from JSON [{label?, start, end, jp}] into k:
 * 0, or -1 when they are not 0 to PB_SITTINGS_MAX windows in order
 * without overlap, each with 1 to PB_KEGIATAN_JP_MAX JP. */
static int sittings_parse(const json_t *a, struct pb_kegiatan *k)
{
	const json_t *s;
	size_t i;

	k->nsittings = 0;
	if (a == NULL)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > PB_SITTINGS_MAX)
		return -1;
	json_array_foreach(a, i, s) {
		struct pb_sitting *t = &k->sittings[i];
		const char *label = json_string_value(json_object_get(s, "label"));
		const char *start = json_string_value(json_object_get(s, "start"));
		const char *end = json_string_value(json_object_get(s, "end"));
		const json_t *jp = json_object_get(s, "jp");

		if (json_object_get(s, "label") != NULL && label == NULL)
			return -1;
		if (label != NULL && !pb_text_valid(label, PB_SITTING_LABEL_MAX))
			return -1;
		if (start == NULL || end == NULL || !time_valid(start) || !time_valid(end) ||
		    !json_is_integer(jp) || json_integer_value(jp) < 1 ||
		    json_integer_value(jp) > PB_KEGIATAN_JP_MAX)
			return -1;
		if (label != NULL && label[0] != '\0')
			snprintf(t->label, sizeof(t->label), "%s", label);
		else
			snprintf(t->label, sizeof(t->label), "Sesi %zu", i + 1);
		snprintf(t->start, sizeof(t->start), "%s", start);
		snprintf(t->end, sizeof(t->end), "%s", end);
		t->start_min = time_minutes(start);
		t->end_min = time_minutes(end);
		t->jp = (int)json_integer_value(jp);
		if (t->end_min <= t->start_min || (i > 0 && t->start_min < t[-1].end_min))
			return -1;
		k->nsittings = (int)i + 1;
	}
	return 0;
}

static json_t *sittings_json(const struct pb_kegiatan *k)
{
	json_t *a = json_array();

	for (int i = 0; a != NULL && i < k->nsittings; i++)
		json_array_append_new(a, json_pack("{s:i, s:s, s:s, s:s, s:i}", "no", i + 1,
			"label", k->sittings[i].label, "start", k->sittings[i].start,
			"end", k->sittings[i].end, "jp", k->sittings[i].jp));
	return a;
}

/* Two or four decimal digits, already checked to be digits. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* Split a YYYY-MM-DD into its numbers: 0, or -1 if it is not a real day
 * (year 2000 or later). The one parser every day string goes through. */
static int day_parse(const char *s, int *y, int *m, int *d)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (s == NULL || strlen(s) != PB_DAY_LEN || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < PB_DAY_LEN; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	*y = digits(s, 4);
	*m = digits(s + 5, 2);
	*d = digits(s + 8, 2);
	if (*y < 2000 || *m < 1 || *m > 12 || *d < 1 || *d > mdays[*m - 1])
		return -1;
	if (*m == 2 && *d == 29 && !((*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0))
		return -1;
	return 0;
}

/* Days since 1970-01-01 of a parsed day (civil calendar). */
static long day_number(int y, int m, int d)
{
	int yy = y - (m <= 2);
	long era = (yy >= 0 ? yy : yy - 399) / 400;
	long yoe = yy - era * 400;
	long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

int pb_att_day_valid(const char *s)
{
	int y, m, d;

	return day_parse(s, &y, &m, &d) == 0;
}

int pb_att_day_year(const char *s)
{
	int y, m, d;

	return day_parse(s, &y, &m, &d) == 0 ? y : -1;
}

int pb_att_day_index(const struct pb_kegiatan *k, const char *day)
{
	int y, m, d, sy, sm, sd;
	long n;

	if (day_parse(day, &y, &m, &d) != 0 || day_parse(k->start_date, &sy, &sm, &sd) != 0)
		return -1;
	n = day_number(y, m, d) - day_number(sy, sm, sd);
	return n >= 0 && n < k->days ? (int)n : -1;
}

static void col_text(char *dst, size_t size, sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	snprintf(dst, size, "%s", v != NULL ? (const char *)v : "");
}

int pb_att_record(sqlite3 *db, const char *type, json_t *payload, const char *actor,
		  const char *client)
{
	char *text = payload != NULL ? json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int rc = -1;

	json_decref(payload);
	if (text == NULL)
		return -1;
	if (pb_outbox_append(db, type, text, NULL, NULL) != 0)
		goto out;
	if (actor != NULL && pb_audit_add(db, actor, type, text, client) != 0)
		goto out;
	rc = 0;
out:
	free(text);
	return rc;
}

static const char *jstr(const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v != NULL ? v : "";
}

json_t *pb_att_stamp_json(const struct pb_stamp *s)
{
	return json_pack("{s:I, s:s, s:s, s:I}", "wall_ms", (json_int_t)s->wall_ms,
			 "clock_source", pb_clock_source_name(s->source), "boot_id", s->boot_id,
			 "mono_ms", (json_int_t)s->mono_ms);
}

/* A session's fields as sent (pb-web) or adopted (the hub): absent or
 * null ones keep the defaults kegiatan_insert sets. The field that fails
 * is answered by its name; the facilitators' names are checked after the
 * sittings, as they always were. */
struct kegiatan_form {
	const char *title;
	const char *mode;
	const char *kk;
	const char *subject;
	const char *start_date;
	json_int_t days;
	json_int_t jp_per_day;
	const char *start_time;
	const json_t *facilitators;
};

static int kk_valid(const char *s)
{
	return s[0] == '\0' || (s[0] >= 'A' && s[0] <= 'J');
}

static int start_time_valid(const char *s)
{
	return s[0] == '\0' || time_valid(s);
}

static const char *const kegiatan_modes[] = { "tatap_muka", "daring_kombinasi", "in_on_in", NULL };
#define KEGIATAN_FIELD(json, t, member) \
	.name = json, .type = t, .offset = offsetof(struct kegiatan_form, member)
static const struct pb_field kegiatan_fields[] = {
	{ KEGIATAN_FIELD("title", PB_FT_STRING, title), .flags = PB_F_REQUIRED, .min = 1,
	  .max = PB_KEGIATAN_TITLE_MAX, .chars = PB_FC_TEXT },
	{ KEGIATAN_FIELD("mode", PB_FT_ENUM, mode), .flags = PB_F_NULL_IS_ABSENT,
	  .choices = kegiatan_modes },
	{ KEGIATAN_FIELD("kk", PB_FT_STRING, kk), .flags = PB_F_NULL_IS_ABSENT, .max = 1,
	  .valid = kk_valid },
	{ KEGIATAN_FIELD("subject", PB_FT_STRING, subject), .flags = PB_F_NULL_IS_ABSENT,
	  .max = PB_ROSTER_TEXT_MAX, .chars = PB_FC_TEXT },
	{ KEGIATAN_FIELD("start_date", PB_FT_STRING, start_date), .flags = PB_F_REQUIRED,
	  .valid = pb_att_day_valid },
	{ KEGIATAN_FIELD("days", PB_FT_INT, days), .min = 1, .max = PB_KEGIATAN_DAYS_MAX },
	{ KEGIATAN_FIELD("jp_per_day", PB_FT_INT, jp_per_day), .flags = PB_F_REQUIRED, .min = 1,
	  .max = PB_KEGIATAN_JP_MAX },
	{ KEGIATAN_FIELD("start_time", PB_FT_STRING, start_time), .flags = PB_F_NULL_IS_ABSENT,
	  .valid = start_time_valid },
	{ KEGIATAN_FIELD("facilitators", PB_FT_ARRAY, facilitators), .max = PB_KEGIATAN_FAC_MAX },
};
static const struct pb_fields kegiatan_table = PB_FIELDS(kegiatan_fields);

static const struct pb_field facilitator_name = {
	.type = PB_FT_STRING, .max = PB_ROSTER_TEXT_MAX, .chars = PB_FC_TEXT,
};
static const struct pb_field facilitator_fields[] = {
	{ KEGIATAN_FIELD("facilitators", PB_FT_ARRAY, facilitators), .item = &facilitator_name },
};
static const struct pb_fields facilitator_table = PB_FIELDS(facilitator_fields);

/* The fields of in checked (*bad names the first that fails) into f and
 * the sittings into ks: 0, or -1. */
static int kegiatan_take(const json_t *in, struct kegiatan_form *f, struct pb_kegiatan *ks,
			 const char **bad)
{
	const struct pb_field_error *e;

	*f = (struct kegiatan_form){ .mode = "tatap_muka", .kk = "", .subject = "",
				     .days = 1, .start_time = "" };
	if (pb_fields_check(&kegiatan_table, in, f, &e, bad) != 0)
		return -1;
	if (sittings_parse(json_object_get(in, "sittings"), ks) != 0) {
		*bad = "sittings";
		return -1;
	}
	return pb_fields_check(&facilitator_table, in, NULL, &e, bad);
}

/* Insert a kegiatan inside the caller's transaction; uid NULL makes a
 * new one. */
static enum pb_att_result kegiatan_insert(sqlite3 *db, const json_t *in, const char *given_uid,
					  const char *actor, const char *client, int64_t *id,
					  const char **bad)
{
	struct kegiatan_form f;
	const char *title, *mode, *kk, *subject, *start, *start_time;
	const json_t *fac;
	char uid[PB_ID_HEX_LEN + 1], *facs = NULL, *sits = NULL;
	struct pb_kegiatan ks;
	unsigned char secret[PB_CODE_SECRET_LEN];
	int days, jp;
	sqlite3_stmt *st = NULL;
	json_t *payload;
	enum pb_att_result rc = PB_ATT_DB;

	*bad = NULL;
	if (kegiatan_take(in, &f, &ks, bad) != 0)
		return PB_ATT_BAD_INPUT;
	title = f.title;
	mode = f.mode;
	kk = f.kk;
	subject = f.subject;
	start = f.start_date;
	start_time = f.start_time;
	days = (int)f.days;
	jp = (int)f.jp_per_day;
	fac = f.facilitators;

	facs = fac != NULL ? json_dumps(fac, JSON_COMPACT) : strdup("[]");
	payload = sittings_json(&ks);
	sits = payload != NULL ? json_dumps(payload, JSON_COMPACT) : NULL;
	json_decref(payload);
	if (facs == NULL || sits == NULL)
		goto out;
	if (given_uid != NULL)
		snprintf(uid, sizeof(uid), "%s", given_uid);
	else
		pb_id_new(uid);
	pb_code_secret_new(secret);
	if ((st = pb_db_stmt(db,
			"INSERT INTO kegiatan(uid, title, mode, kk, subject, start_date, days, jp_per_day, "
			"facilitators, code_secret, created_by, created_ms, start_time, sittings) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)")) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, mode, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, kk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, start, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, days);
	sqlite3_bind_int(st, 8, jp);
	sqlite3_bind_text(st, 9, facs, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 10, secret, sizeof(secret), SQLITE_STATIC);
	sqlite3_bind_text(st, 11, actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 12, pb_clock_wall_ms());
	sqlite3_bind_text(st, 13, start_time, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, sits, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	*id = sqlite3_last_insert_rowid(db);
	payload = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:o, s:s, s:o}",
			    "id", uid, "title", title, "mode", mode, "kk", kk, "subject", subject,
			    "start_date", start, "start_time", start_time, "days", days, "jp_per_day", jp,
			    "facilitators", json_loads(facs, 0, NULL), "by", actor,
			    "sittings", json_loads(sits, 0, NULL));
	if (pb_att_record(db, "attendance.session", payload, actor, client) != 0)
		goto out;
	rc = PB_ATT_OK;
out:
	sodium_memzero(secret, sizeof(secret));
	pb_db_stmt_done(st);
	free(facs);
	free(sits);
	return rc;
}

enum pb_att_result pb_kegiatan_create(sqlite3 *db, const json_t *in, const char *actor,
				      const char *client, int64_t *id, const char **bad)
{
	enum pb_att_result rc;

	*bad = NULL;
	if (pb_db_begin(db) != 0)
		return PB_ATT_DB;
	rc = kegiatan_insert(db, in, NULL, actor, client, id, bad);
	if (rc == PB_ATT_OK && pb_db_commit(db) != 0)
		rc = PB_ATT_DB;
	if (rc != PB_ATT_OK)
		pb_db_rollback(db);
	return rc;
}

/* A session id from upstream: 1 to PB_ID_HEX_LEN letters, digits, '.',
 * '_' or '-' (a box makes 32 hex digits). */
static int uid_valid(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > PB_ID_HEX_LEN)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
			return 0;
	return 1;
}

enum pb_att_result pb_kegiatan_adopt(sqlite3 *db, const json_t *in, const char *actor,
				     int64_t *id, const char **bad)
{
	const char *uid = json_string_value(json_object_get(in, "session"));
	sqlite3_stmt *st = NULL;
	int step;

	*bad = NULL;
	if (!uid_valid(uid)) {
		*bad = "session";
		return PB_ATT_BAD_INPUT;
	}
	if ((st = pb_db_stmt(db, "SELECT id FROM kegiatan WHERE uid = ?1")) == NULL)
		return PB_ATT_DB;
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	pb_db_stmt_done(st);
	if (step == SQLITE_ROW)
		return PB_ATT_EXISTING;
	if (step != SQLITE_DONE)
		return PB_ATT_DB;
	return kegiatan_insert(db, in, uid, actor, NULL, id, bad);
}

#define KEGIATAN_COLS "id, uid, title, mode, kk, subject, start_date, days, jp_per_day, " \
		      "code_secret, facilitators, start_time, sittings"

static void kegiatan_row(sqlite3_stmt *st, struct pb_kegiatan *k)
{
	memset(k, 0, sizeof(*k));
	k->id = sqlite3_column_int64(st, 0);
	col_text(k->uid, sizeof(k->uid), st, 1);
	col_text(k->title, sizeof(k->title), st, 2);
	col_text(k->mode, sizeof(k->mode), st, 3);
	col_text(k->kk, sizeof(k->kk), st, 4);
	col_text(k->subject, sizeof(k->subject), st, 5);
	col_text(k->start_date, sizeof(k->start_date), st, 6);
	k->days = sqlite3_column_int(st, 7);
	k->jp_per_day = sqlite3_column_int(st, 8);
	if (sqlite3_column_bytes(st, 9) == PB_CODE_SECRET_LEN)
		memcpy(k->secret, sqlite3_column_blob(st, 9), PB_CODE_SECRET_LEN);
	col_text(k->start_time, sizeof(k->start_time), st, 11);
	{
		json_t *a = json_loads((const char *)sqlite3_column_text(st, 12), 0, NULL);
		if (sittings_parse(a, k) != 0)       /* stored checked: never */
			k->nsittings = 0;
		json_decref(a);
	}
}

/* Nearly every request names a session (a check-in by code tries each of
 * the day's): the statement comes from the connection's cache. */
int pb_kegiatan_get(sqlite3 *db, int64_t id, struct pb_kegiatan *k)
{
	sqlite3_stmt *st = db != NULL ?
		pb_db_stmt(db, "SELECT " KEGIATAN_COLS " FROM kegiatan WHERE id = ?1") : NULL;
	int rc = -1, step;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		kegiatan_row(st, k);
		rc = 0;
	} else if (step == SQLITE_DONE) {
		rc = 1;
	}
	pb_db_stmt_done(st);
	return rc;
}

json_t *pb_kegiatan_json(const struct pb_kegiatan *k)
{
	char today[PB_DAY_LEN + 1];

	pb_att_today(today);
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:b, s:o}",
			 "id", (json_int_t)k->id, "uid", k->uid, "title", k->title,
			 "mode", k->mode, "kk", k->kk, "subject", k->subject,
			 "start_date", k->start_date, "start_time", k->start_time, "days", k->days,
			 "jp_per_day", k->jp_per_day, "today", pb_att_day_index(k, today) >= 0,
			 "sittings", sittings_json(k));
}

static json_t *kegiatan_row_json(sqlite3_stmt *st, void *ctx)
{
	struct pb_kegiatan k;
	json_t *o;

	(void)ctx;
	kegiatan_row(st, &k);
	o = pb_kegiatan_json(&k);
	sodium_memzero(k.secret, sizeof(k.secret));
	return o;
}

json_t *pb_kegiatan_list(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;

	if ((st = pb_db_stmt(db, "SELECT " KEGIATAN_COLS " FROM kegiatan "
				 "ORDER BY start_date DESC, id DESC")) == NULL) {
		pb_db_stmt_done(st);
		return NULL;
	}
	return pb_rows_json(st, kegiatan_row_json, NULL);
}

int pb_att_roster_find(sqlite3 *db, int64_t kegiatan_id, const char *nuptk,
		       char *name, size_t nlen, char *school, size_t slen)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	if ((st = pb_db_stmt(db, "SELECT name, school, npsn, withdrawn_ms FROM roster "
				 "WHERE kegiatan_id = ?1 AND nuptk = ?2")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, kegiatan_id);
	sqlite3_bind_text(st, 2, nuptk, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		col_text(name, nlen, st, 0);
		col_text(school, slen, st, 1);
		if (school[0] == '\0')
			col_text(school, slen, st, 2);
		rc = sqlite3_column_int64(st, 3) != 0 ? 2 : 0;
	} else if (step == SQLITE_DONE) {
		rc = 1;
	}
	pb_db_stmt_done(st);
	return rc;
}

int pb_att_checkin_of(sqlite3 *db, int64_t kegiatan_id, const char *uid, int64_t *id,
		      char nuptk[PB_NUPTK_LEN + 1])
{
	sqlite3_stmt *st = pb_db_stmt(db, "SELECT id, nuptk FROM attendance WHERE uid = ?1 AND "
					  "kegiatan_id = ?2 AND kind = 'checkin'");
	int rc = -1, step;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, kegiatan_id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		if (id != NULL)
			*id = sqlite3_column_int64(st, 0);
		col_text(nuptk, PB_NUPTK_LEN + 1, st, 1);
		rc = 0;
	} else if (step == SQLITE_DONE) {
		rc = 1;
	}
	pb_db_stmt_done(st);
	return rc;
}

enum pb_day_lock pb_att_is_locked(sqlite3 *db, int64_t kegiatan_id, const char *day)
{
	sqlite3_stmt *st = NULL;
	enum pb_day_lock rc;
	int step;

	if ((st = pb_db_stmt(db, "SELECT 1 FROM day_lock WHERE kegiatan_id = ?1 AND day = ?2")) == NULL)
		return PB_DAY_LOCK_ERROR;
	sqlite3_bind_int64(st, 1, kegiatan_id);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	rc = step == SQLITE_ROW ? PB_DAY_LOCKED : step == SQLITE_DONE ? PB_DAY_OPEN :
	     PB_DAY_LOCK_ERROR;
	pb_db_stmt_done(st);
	return rc;
}

json_t *pb_att_open_days(sqlite3 *db, const char *day)
{
	sqlite3_stmt *st = NULL;
	json_t *out = json_array();
	int step = SQLITE_ERROR;

	if (out == NULL || (st = pb_db_stmt(db, "SELECT k.uid, k.title FROM kegiatan k WHERE "
			"?1 >= k.start_date AND ?1 < date(k.start_date, '+' || k.days || ' days') "
			"AND NOT EXISTS (SELECT 1 FROM day_lock d WHERE d.kegiatan_id = k.id "
			"AND d.day = ?1) ORDER BY k.start_date, k.id")) == NULL)
		goto done;
	sqlite3_bind_text(st, 1, day, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		if (json_array_append_new(out, json_pack("{s:s, s:s}",
				"uid", (const char *)sqlite3_column_text(st, 0),
				"title", (const char *)sqlite3_column_text(st, 1))) != 0) {
			step = SQLITE_ERROR;
			break;
		}
done:
	pb_db_stmt_done(st);
	if (step != SQLITE_DONE) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* One attendance row as JSON (without the signature strokes). */
#define ATT_COLS "id, uid, kegiatan_id, day, nuptk, kind, COALESCE(NULLIF(status_code, ''), status), " \
		 "name, school, walk_in, " \
		 "reason, actor, wall_ms, clock_source, boot_id, mono_ms, signature IS NOT NULL"

static json_t *att_row_json(sqlite3_stmt *st)
{
	struct tm tm;
	char hhmm[8];
	json_t *o;

	local_tm(sqlite3_column_int64(st, 12), &tm);
	strftime(hhmm, sizeof(hhmm), "%H:%M", &tm);
	o = json_pack("{s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, "
			 "s:I, s:s, s:s, s:s, s:I, s:b}",
		"id", (json_int_t)sqlite3_column_int64(st, 0),
		"uid", (const char *)sqlite3_column_text(st, 1),
		"session", (json_int_t)sqlite3_column_int64(st, 2),
		"day", (const char *)sqlite3_column_text(st, 3),
		"nuptk", (const char *)sqlite3_column_text(st, 4),
		"kind", (const char *)sqlite3_column_text(st, 5),
		"status", (const char *)sqlite3_column_text(st, 6),
		"name", (const char *)sqlite3_column_text(st, 7),
		"school", (const char *)sqlite3_column_text(st, 8),
		"walk_in", sqlite3_column_int(st, 9),
		"reason", (const char *)sqlite3_column_text(st, 10),
		"actor", (const char *)sqlite3_column_text(st, 11),
		"wall_ms", (json_int_t)sqlite3_column_int64(st, 12),
		"time", hhmm,
		"clock_source", (const char *)sqlite3_column_text(st, 13),
		"boot_id", (const char *)sqlite3_column_text(st, 14),
		"mono_ms", (json_int_t)sqlite3_column_int64(st, 15),
		"signature", sqlite3_column_int(st, 16));
	pb_person_json(o, (const char *)sqlite3_column_text(st, 4));
	return o;
}

static json_t *att_by_id(sqlite3 *db, int64_t id)
{
	sqlite3_stmt *st = NULL;
	json_t *o = NULL;

	if ((st = pb_db_stmt(db, "SELECT " ATT_COLS " FROM attendance WHERE id = ?1")) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		o = att_row_json(st);
	pb_db_stmt_done(st);
	return o;
}

/* Id of the check-in (kind checkin) or of the latest event of a sitting;
 * 0 if none. */
static int64_t find_event(sqlite3 *db, int64_t kegiatan_id, const char *day,
			  const char *nuptk, int sitting, int checkin_only)
{
	sqlite3_stmt *st = NULL;
	int64_t id = -1;

	if ((st = pb_db_stmt(db, checkin_only ?
				 "SELECT id FROM attendance WHERE kegiatan_id = ?1 AND day = ?2 AND nuptk = ?3 "
				 "AND sitting = ?4 AND kind = 'checkin'" :
				 "SELECT id FROM attendance WHERE kegiatan_id = ?1 AND day = ?2 AND nuptk = ?3 "
				 "AND sitting = ?4 ORDER BY id DESC LIMIT 1")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, kegiatan_id);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, nuptk, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, sitting);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW: id = sqlite3_column_int64(st, 0); break;
	case SQLITE_DONE: id = 0; break;
	}
	pb_db_stmt_done(st);
	return id;
}

/* Is this address or device at its limit of different teachers today
 * (per_client_max plus what a facilitator allowed for the address)?
 * Each side stops at the limit, so the cost does not grow with the day;
 * if either side reaches it the union does too, else both are complete. */
static int proxy_full(sqlite3 *db, const struct pb_checkin *c, int *full)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;
	int64_t limit = c->per_client_max;

	if ((st = pb_db_stmt(db, "SELECT COALESCE(SUM(extra), 0) FROM proxy_allow "
				 "WHERE day = ?1 AND client = ?2")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, c->day, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->client, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		goto out;
	limit += sqlite3_column_int64(st, 0);
	pb_db_stmt_done(st);
	if ((st = pb_db_stmt(db, "SELECT COUNT(*) FROM ("
				 "SELECT nuptk FROM (SELECT DISTINCT nuptk FROM attendance WHERE day = ?1 "
				 "  AND client = ?2 AND kind = 'checkin' LIMIT ?4) "
				 "UNION SELECT nuptk FROM (SELECT DISTINCT nuptk FROM attendance WHERE ?3 <> '' "
				 "  AND day = ?1 AND device = ?3 AND kind = 'checkin' LIMIT ?4))")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, c->day, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->client, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->device != NULL ? c->device : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, limit);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*full = sqlite3_column_int64(st, 0) >= limit;
		rc = 0;
	}
out:
	pb_db_stmt_done(st);
	return rc;
}

/* One attendance event as insert_event stores it. */
struct att_event {
	int64_t kegiatan_id;
	const char *kegiatan_uid;
	const char *day;
	const char *nuptk;
	const char *kind;         /* checkin | mark | correction */
	const char *status;       /* pb_att_status_valid */
	const char *name;
	const char *school;       /* may be NULL */
	int walk_in;
	const char *signature;    /* canonical strokes; NULL for a facilitator's mark */
	const char *reason;       /* may be NULL */
	const char *actor;        /* "peserta" or a staff name */
	const char *client;       /* may be NULL */
	const char *device;       /* may be NULL */
	int sitting;
};

static int insert_event(sqlite3 *db, const struct att_event *e, int64_t *id)
{
	const char *school = e->school != NULL ? e->school : "";
	const char *reason = e->reason != NULL ? e->reason : "";
	sqlite3_stmt *st = NULL;
	struct pb_stamp now;
	char uid[PB_ID_HEX_LEN + 1];
	json_t *payload;
	int rc = -1;
	char type[48];

	pb_clock_now(&now);
	pb_id_new(uid);
	if ((st = pb_db_stmt(db,
			"INSERT INTO attendance(uid, kegiatan_id, day, nuptk, kind, status, name, school, "
			"walk_in, signature, reason, actor, client, device, wall_ms, clock_source, boot_id, "
			"mono_ms, status_code, sitting) "
			"VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20)")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, e->kegiatan_id);
	sqlite3_bind_text(st, 3, e->day, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, e->nuptk, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, e->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, pb_att_status_present(e->status) ? "present" : "absent", -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(st, 19, e->status, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 20, e->sitting);
	sqlite3_bind_text(st, 7, e->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, school, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 9, e->walk_in);
	if (e->signature != NULL)
		sqlite3_bind_text(st, 10, e->signature, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 10);
	sqlite3_bind_text(st, 11, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, e->actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, e->client != NULL ? e->client : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, e->device != NULL ? e->device : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 15, now.wall_ms);
	sqlite3_bind_text(st, 16, pb_clock_source_name(now.source), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 17, now.boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 18, now.mono_ms);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	*id = sqlite3_last_insert_rowid(db);
	payload = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:o, s:o}",
			    "id", uid, "session", e->kegiatan_uid, "day", e->day, "nuptk", e->nuptk,
			    "status", e->status,
			    "method", strcmp(e->kind, "checkin") == 0 ? "signature" : "facilitator",
			    "name", e->name, "school", school,
			    "walk_in", e->walk_in, "reason", reason,
			    "by", e->actor, "stamp", pb_att_stamp_json(&now),
			    "signature", e->signature != NULL ? json_loads(e->signature, 0, NULL) :
			    json_null());
	pb_person_json(payload, e->nuptk);
	json_object_set_new(payload, "sitting", json_integer(e->sitting));
	snprintf(type, sizeof(type), "attendance.%s", e->kind);
	rc = pb_att_record(db, type, payload, strcmp(e->actor, "peserta") == 0 ? NULL : e->actor,
			   e->client);
out:
	pb_db_stmt_done(st);
	return rc;
}

static const char *kegiatan_uid(sqlite3 *db, int64_t id, char *out, size_t len)
{
	sqlite3_stmt *st = NULL;
	const char *rc = NULL;

	if ((st = pb_db_stmt(db, "SELECT uid FROM kegiatan WHERE id = ?1")) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		col_text(out, len, st, 0);
		rc = out;
	}
	pb_db_stmt_done(st);
	return rc;
}

#define PB_CHECKIN_BATCH_MAX 64

struct pb_checkin_job {
	const struct pb_checkin *c;
	json_t **out;
	enum pb_att_result rc;
	int done;
	struct pb_checkin_job *next;
};

int pb_att_queue_init(struct pb_att_queue *q)
{
	memset(q, 0, sizeof(*q));
	if (pthread_mutex_init(&q->lock, NULL) != 0)
		return -1;
	if (pthread_cond_init(&q->cond, NULL) != 0) {
		pthread_mutex_destroy(&q->lock);
		return -1;
	}
	q->ready = 1;
	return 0;
}

void pb_att_queue_destroy(struct pb_att_queue *q)
{
	if (q == NULL || !q->ready)
		return;
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	q->ready = 0;
}

/* A participant number the roster lacks: no walk-in by number. Digits
 * only read as a NUPTK typed wrong. */
static enum pb_att_result not_on_roster(const char *key)
{
	size_t i = 1;

	while (key[i] >= '0' && key[i] <= '9')
		i++;
	return key[i] == '#' || key[i] == '\0' ? PB_ATT_NOT_NUPTK : PB_ATT_NOT_ON_ROSTER;
}

/* One check-in inside the batch's transaction. */
static enum pb_att_result checkin_one(sqlite3 *db, const struct pb_checkin *c, json_t **out)
{
	char name[PB_ROSTER_TEXT_MAX + 1], school[PB_ROSTER_TEXT_MAX + 1];
	char kuid[PB_ID_HEX_LEN + 1];
	struct att_event ev;
	int64_t id;
	enum pb_day_lock locked;
	int full = 0, found;
	enum pb_att_result rc = PB_ATT_DB;

	*out = NULL;
	if (pb_db_exec(db, "SAVEPOINT checkin") != 0)
		return PB_ATT_DB;
	id = find_event(db, c->kegiatan_id, c->day, c->nuptk, c->sitting, 1);
	if (id < 0)
		goto out;
	if (id > 0) {
		*out = att_by_id(db, id);
		rc = *out != NULL ? PB_ATT_EXISTING : PB_ATT_DB;
		goto out;
	}
	locked = pb_att_is_locked(db, c->kegiatan_id, c->day);
	if (locked != PB_DAY_OPEN) {
		rc = locked == PB_DAY_LOCKED ? PB_ATT_LOCKED : PB_ATT_DB;
		goto out;
	}
	if (proxy_full(db, c, &full) != 0)
		goto out;
	if (full) {
		rc = PB_ATT_TOO_MANY;
		goto out;
	}
	found = pb_att_roster_find(db, c->kegiatan_id, c->nuptk, name, sizeof(name),
				   school, sizeof(school));
	if (found < 0 || kegiatan_uid(db, c->kegiatan_id, kuid, sizeof(kuid)) == NULL)
		goto out;
	if (found == 2) {                      /* not even as a walk-in */
		rc = PB_ATT_WITHDRAWN;
		goto out;
	}
	if (found == 1 && pb_person_is_peserta(c->nuptk)) {
		rc = not_on_roster(c->nuptk);  /* numbers come from the roster only */
		goto out;
	}
	if (found == 1) {
		if (c->name == NULL || c->name[0] == '\0') {
			rc = PB_ATT_NAME_REQUIRED;
			goto out;
		}
		snprintf(name, sizeof(name), "%s", c->name);
		snprintf(school, sizeof(school), "%s", c->school != NULL ? c->school : "");
	}
	ev = (struct att_event){
		.kegiatan_id = c->kegiatan_id, .kegiatan_uid = kuid, .day = c->day,
		.nuptk = c->nuptk, .kind = "checkin",
		.status = c->status != NULL ? c->status : "present",
		.name = name, .school = school, .walk_in = found == 1,
		.signature = c->signature, .actor = "peserta", .client = c->client,
		.device = c->device, .sitting = c->sitting,
	};
	if (insert_event(db, &ev, &id) != 0)
		goto out;
	*out = att_by_id(db, id);
	if (*out == NULL)
		goto out;
	rc = PB_ATT_OK;
out:
	if (rc != PB_ATT_OK && rc != PB_ATT_EXISTING)
		(void)pb_db_exec(db, "ROLLBACK TO checkin");
	if (pb_db_exec(db, "RELEASE checkin") != 0 && rc == PB_ATT_OK)
		rc = PB_ATT_DB;
	return rc;
}

enum pb_att_result pb_att_checkin_check(sqlite3 *db, const struct pb_checkin *c, char *name,
					size_t nlen, char *school, size_t slen, int *walk_in,
					json_t **existing)
{
	int64_t id;
	enum pb_day_lock locked;
	int full = 0, found;

	*existing = NULL;
	*walk_in = 0;
	id = find_event(db, c->kegiatan_id, c->day, c->nuptk, c->sitting, 1);
	if (id < 0)
		return PB_ATT_DB;
	if (id > 0) {
		*existing = att_by_id(db, id);
		return *existing != NULL ? PB_ATT_EXISTING : PB_ATT_DB;
	}
	locked = pb_att_is_locked(db, c->kegiatan_id, c->day);
	if (locked != PB_DAY_OPEN)
		return locked == PB_DAY_LOCKED ? PB_ATT_LOCKED : PB_ATT_DB;
	if (proxy_full(db, c, &full) != 0)
		return PB_ATT_DB;
	if (full)
		return PB_ATT_TOO_MANY;
	found = pb_att_roster_find(db, c->kegiatan_id, c->nuptk, name, nlen, school, slen);
	if (found < 0)
		return PB_ATT_DB;
	if (found == 2)
		return PB_ATT_WITHDRAWN;
	if (found == 1 && pb_person_is_peserta(c->nuptk))
		return not_on_roster(c->nuptk);
	*walk_in = found == 1;
	return PB_ATT_OK;
}

static void run_batch(sqlite3 *db, struct pb_checkin_job *batch)
{
	struct pb_checkin_job *j;
	int ok = pb_db_begin(db) == 0;

	for (j = batch; ok && j != NULL; j = j->next)
		j->rc = checkin_one(db, j->c, j->out);
	if (ok && pb_db_commit(db) == 0)
		return;
	pb_db_rollback(db);
	for (j = batch; j != NULL; j = j->next) {      /* nothing of it is stored */
		json_decref(*j->out);
		*j->out = NULL;
		j->rc = PB_ATT_DB;
	}
}

enum pb_att_result pb_att_checkin(sqlite3 *db, struct pb_att_queue *q,
				  const struct pb_checkin *c, json_t **out)
{
	struct pb_checkin_job me = { c, out, PB_ATT_DB, 0, NULL }, *batch, *j;
	int n;

	*out = NULL;
	if (q == NULL) {
		run_batch(db, &me);
		return me.rc;
	}
	pthread_mutex_lock(&q->lock);
	if (q->tail != NULL)
		q->tail->next = &me;
	else
		q->head = &me;
	q->tail = &me;
	while (!me.done) {
		if (q->leader || q->head == NULL) {
			pthread_cond_wait(&q->cond, &q->lock);
			continue;
		}
		q->leader = 1;
		batch = q->head;                       /* take up to a batch */
		for (j = batch, n = 1; j->next != NULL && n < PB_CHECKIN_BATCH_MAX; n++)
			j = j->next;
		q->head = j->next;
		if (q->head == NULL)
			q->tail = NULL;
		j->next = NULL;
		pthread_mutex_unlock(&q->lock);
		run_batch(db, batch);
		pthread_mutex_lock(&q->lock);
		for (j = batch; j != NULL; ) {
			struct pb_checkin_job *next = j->next;
			j->done = 1;
			j = next;
		}
		q->leader = 0;
		pthread_cond_broadcast(&q->cond);
	}
	pthread_mutex_unlock(&q->lock);
	return me.rc;
}

enum pb_att_result pb_att_mark(sqlite3 *db, const struct pb_kegiatan *k,
			       const struct pb_mark *m, json_t **out)
{
	char rname[PB_ROSTER_TEXT_MAX + 1], rschool[PB_ROSTER_TEXT_MAX + 1];
	struct att_event ev;
	int64_t prev, id;
	enum pb_day_lock locked;
	int found;
	enum pb_att_result rc = PB_ATT_DB;

	*out = NULL;
	if (pb_db_begin(db) != 0)
		return PB_ATT_DB;
	locked = pb_att_is_locked(db, k->id, m->day);
	if (locked != PB_DAY_OPEN) {
		rc = locked == PB_DAY_LOCKED ? PB_ATT_LOCKED : PB_ATT_DB;
		goto out;
	}
	prev = find_event(db, k->id, m->day, m->nuptk, m->sitting, 0);
	found = pb_att_roster_find(db, k->id, m->nuptk, rname, sizeof(rname), rschool,
				   sizeof(rschool));
	if (prev < 0 || found < 0)
		goto out;
	if (found == 2)                         /* a facilitator may still mark them */
		found = 0;
	if (found == 1 && prev > 0) {           /* a walk-in marked before: keep the name */
		json_t *p = att_by_id(db, prev);
		if (p == NULL)
			goto out;
		snprintf(rname, sizeof(rname), "%s", jstr(p, "name"));
		snprintf(rschool, sizeof(rschool), "%s", jstr(p, "school"));
		json_decref(p);
	} else if (found == 1) {
		if (m->name == NULL || m->name[0] == '\0') {
			rc = PB_ATT_NAME_REQUIRED;
			goto out;
		}
		snprintf(rname, sizeof(rname), "%s", m->name);
		snprintf(rschool, sizeof(rschool), "%s", m->school != NULL ? m->school : "");
	}
	ev = (struct att_event){
		.kegiatan_id = k->id, .kegiatan_uid = k->uid, .day = m->day, .nuptk = m->nuptk,
		.kind = prev > 0 ? "correction" : "mark", .status = m->status,
		.name = rname, .school = rschool, .walk_in = found == 1, .reason = m->reason,
		.actor = m->actor, .client = m->client, .device = "", .sitting = m->sitting,
	};
	if (insert_event(db, &ev, &id) != 0)
		goto out;
	if (pb_db_commit(db) != 0)
		goto out;
	*out = att_by_id(db, id);
	return *out != NULL ? PB_ATT_OK : PB_ATT_DB;
out:
	pb_db_rollback(db);
	return rc;
}

static enum pb_att_result lock_change(sqlite3 *db, const struct pb_kegiatan *k,
				      const char *day, int lock, const char *reason,
				      const char *actor, const char *client)
{
	sqlite3_stmt *st = NULL;
	enum pb_day_lock locked;
	json_t *payload;
	enum pb_att_result rc = PB_ATT_DB;

	if (pb_db_begin(db) != 0)
		return PB_ATT_DB;
	locked = pb_att_is_locked(db, k->id, day);
	if (locked == PB_DAY_LOCK_ERROR)
		goto out;
	if (lock && locked == PB_DAY_LOCKED) {
		rc = PB_ATT_LOCKED;
		goto out;
	}
	if (!lock && locked == PB_DAY_OPEN) {
		rc = PB_ATT_NOT_LOCKED;
		goto out;
	}
	if ((st = pb_db_stmt(db, lock ?
				 "INSERT INTO day_lock(kegiatan_id, day, locked_by, wall_ms) VALUES (?1, ?2, ?3, ?4)" :
				 "DELETE FROM day_lock WHERE kegiatan_id = ?1 AND day = ?2")) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, k->id);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
	if (lock) {
		sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, pb_clock_wall_ms());
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	{
		struct pb_stamp now;
		pb_clock_now(&now);
		payload = json_pack("{s:s, s:s, s:s, s:s, s:o}", "session", k->uid, "day", day,
				    "by", actor, "reason", reason != NULL ? reason : "",
				    "stamp", pb_att_stamp_json(&now));
	}
	if (pb_att_record(db, lock ? "attendance.lock" : "attendance.unlock", payload, actor, client) != 0)
		goto out;
	if (pb_db_commit(db) != 0)
		goto out;
	pb_db_stmt_done(st);
	return PB_ATT_OK;
out:
	pb_db_stmt_done(st);
	pb_db_rollback(db);
	return rc;
}

enum pb_att_result pb_att_lock(sqlite3 *db, const struct pb_kegiatan *k, const char *day,
			       const char *actor, const char *client)
{
	return lock_change(db, k, day, 1, NULL, actor, client);
}

enum pb_att_result pb_att_unlock(sqlite3 *db, const struct pb_kegiatan *k, const char *day,
				 const char *reason, const char *actor, const char *client)
{
	return lock_change(db, k, day, 0, reason, actor, client);
}

enum pb_att_result pb_att_allow(sqlite3 *db, const struct pb_kegiatan *k, const char *day,
				const char *for_client, unsigned extra, const char *actor,
				const char *client)
{
	sqlite3_stmt *st = NULL;
	json_t *payload;
	enum pb_att_result rc = PB_ATT_DB;

	if (pb_db_begin(db) != 0)
		return PB_ATT_DB;
	if ((st = pb_db_stmt(db,
			"INSERT INTO proxy_allow(kegiatan_id, day, client, extra, allowed_by) "
			"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(kegiatan_id, day, client) DO UPDATE SET "
			"extra = extra + excluded.extra, allowed_by = excluded.allowed_by")) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, k->id);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, for_client, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, (int)extra);
	sqlite3_bind_text(st, 5, actor, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	payload = json_pack("{s:s, s:s, s:s, s:i, s:s}", "session", k->uid, "day", day,
			    "client", for_client, "extra", (int)extra, "by", actor);
	if (pb_att_record(db, "attendance.allow", payload, actor, client) != 0)
		goto out;
	if (pb_db_commit(db) != 0)
		goto out;
	rc = PB_ATT_OK;
out:
	pb_db_stmt_done(st);
	if (rc != PB_ATT_OK)
		pb_db_rollback(db);
	return rc;
}

json_t *pb_att_day(sqlite3 *db, const struct pb_kegiatan *k, const char *day, int sitting)
{
	sqlite3_stmt *st = NULL;
	json_t *res = NULL, *rows = json_array(), *totals = json_array(), *jps = json_array();
	int present = 0, not_yet = 0, walk_ins = 0, absent = 0, late = 0, excused = 0, sick = 0;
	enum pb_day_lock locked;
	int step;
	char *jp_text = NULL;

	for (int i = 0; jps != NULL && i < k->nsittings; i++)
		json_array_append_new(jps, json_integer(k->sittings[i].jp));
	jp_text = jps != NULL ? json_dumps(jps, JSON_COMPACT) : NULL;
	json_decref(jps);
	if (rows == NULL || totals == NULL || jp_text == NULL)
		goto fail;
	locked = pb_att_is_locked(db, k->id, day);
	if (locked == PB_DAY_LOCK_ERROR)
		goto fail;
	if ((st = pb_db_stmt(db, "WITH latest AS (SELECT nuptk, MAX(id) AS id FROM attendance "
				 "  WHERE kegiatan_id = ?1 AND day = ?2 AND sitting = ?3 GROUP BY nuptk), "
				 "ci AS (SELECT nuptk, id, wall_ms FROM attendance WHERE kegiatan_id = ?1 "
				 "  AND day = ?2 AND sitting = ?3 AND kind = 'checkin'), "
				 "who AS (SELECT nuptk FROM roster WHERE kegiatan_id = ?1 AND withdrawn_ms = 0 "
				 "  UNION SELECT nuptk FROM latest) "
				 "SELECT w.nuptk, COALESCE(r.name, a.name), COALESCE(r.school, a.school, ''), "
				 "  COALESCE(r.npsn, ''), COALESCE(NULLIF(a.status_code, ''), a.status), a.kind, COALESCE(a.walk_in, 0), "
				 "  COALESCE(ci.wall_ms, a.wall_ms), ci.id, COALESCE(a.reason, ''), a.id, a.clock_source "
				 "FROM who w LEFT JOIN roster r ON r.kegiatan_id = ?1 AND r.nuptk = w.nuptk "
				 "LEFT JOIN latest l ON l.nuptk = w.nuptk LEFT JOIN attendance a ON a.id = l.id "
				 "LEFT JOIN ci ON ci.nuptk = w.nuptk "
				 "ORDER BY COALESCE(r.name, a.name) COLLATE NOCASE, w.nuptk")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, k->id);
	sqlite3_bind_text(st, 2, day, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, sitting);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *status = (const char *)sqlite3_column_text(st, 4);
		int walk_in = sqlite3_column_int(st, 6);
		json_t *o;
		char hhmm[8] = "";

		if (status == NULL) {
			status = "not_yet";
			not_yet++;
		} else if (pb_att_status_present(status)) {
			present++;
			late += strcmp(status, "late") == 0;
			struct tm tm;
			local_tm(sqlite3_column_int64(st, 7), &tm);
			strftime(hhmm, sizeof(hhmm), "%H:%M", &tm);
		} else {
			excused += strcmp(status, "excused") == 0;
			sick += strcmp(status, "sick") == 0;
			absent += strcmp(status, "absent") == 0;
		}
		walk_ins += walk_in;
		o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s}",
			"nuptk", (const char *)sqlite3_column_text(st, 0),
			"name", (const char *)sqlite3_column_text(st, 1),
			"school", (const char *)sqlite3_column_text(st, 2),
			"npsn", (const char *)sqlite3_column_text(st, 3),
			"status", status,
			"via", sqlite3_column_type(st, 5) == SQLITE_NULL ? "" :
				(const char *)sqlite3_column_text(st, 5),
			"walk_in", walk_in, "time", hhmm,
			"reason", (const char *)sqlite3_column_text(st, 9));
		if (o == NULL)
			goto fail;
		pb_person_json(o, (const char *)sqlite3_column_text(st, 0));
		/* a signature shows only while the teacher counts as attending;
		 * after a correction to absent it stays in the record, hidden */
		if (sqlite3_column_type(st, 8) != SQLITE_NULL && pb_att_status_present(status))
			json_object_set_new(o, "checkin_id", json_integer(sqlite3_column_int64(st, 8)));
		else if (sqlite3_column_type(st, 8) != SQLITE_NULL)
			json_object_set_new(o, "signature_hidden", json_true());
		if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			json_object_set_new(o, "method", json_string(
				strcmp((const char *)sqlite3_column_text(st, 5), "checkin") == 0 ?
				"signature" : "facilitator"));
		if (sqlite3_column_type(st, 10) != SQLITE_NULL) {
			json_object_set_new(o, "event_id", json_integer(sqlite3_column_int64(st, 10)));
			json_object_set_new(o, "wall_ms", json_integer(sqlite3_column_int64(st, 7)));
			json_object_set_new(o, "clock_source",
				json_string((const char *)sqlite3_column_text(st, 11)));
		}
		json_array_append_new(rows, o);
	}
	if (step != SQLITE_DONE)
		goto fail;
	pb_db_stmt_done(st);
	/* JP per teacher over the whole session: the sittings (the days, without
	 * sittings) whose latest event says present, each with its JP (?3:
	 * the sittings' JP as a JSON array) */
	if ((st = pb_db_stmt(db,
			"SELECT a.nuptk, COALESCE((SELECT name FROM roster WHERE kegiatan_id = ?1 "
			"  AND nuptk = a.nuptk), a.name), COUNT(DISTINCT a.day), COUNT(*), "
			"  SUM(CASE WHEN a.sitting = 0 THEN ?2 "
			"    ELSE json_extract(?3, '$[' || (a.sitting - 1) || ']') END) FROM attendance a "
			"JOIN (SELECT MAX(id) AS id FROM attendance WHERE kegiatan_id = ?1 "
			"  GROUP BY day, nuptk, sitting) l ON a.id = l.id WHERE a.status = 'present' "
			"GROUP BY a.nuptk ORDER BY 2 COLLATE NOCASE")) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, k->id);
	sqlite3_bind_int(st, 2, k->jp_per_day);
	sqlite3_bind_text(st, 3, jp_text, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int d = sqlite3_column_int(st, 2);
		json_t *t = json_pack("{s:s, s:s, s:i, s:i}",
			"nuptk", (const char *)sqlite3_column_text(st, 0),
			"name", (const char *)sqlite3_column_text(st, 1),
			"days_present", d, "jp", sqlite3_column_int(st, 4));
		if (t != NULL && k->nsittings > 0)
			json_object_set_new(t, "sittings_present",
					    json_integer(sqlite3_column_int(st, 3)));
		pb_person_json(t, (const char *)sqlite3_column_text(st, 0));
		json_array_append_new(totals, t);
	}
	if (step != SQLITE_DONE)
		goto fail;
	pb_db_stmt_done(st);
	res = json_pack("{s:o, s:s, s:i, s:b, s:o, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i}, s:o}",
		"session", pb_kegiatan_json(k), "day", day, "day_index", pb_att_day_index(k, day),
		"locked", locked == PB_DAY_LOCKED, "rows", rows,
		"counts", "present", present, "late", late, "excused", excused, "sick", sick,
		"absent", absent, "not_yet", not_yet, "walk_in", walk_ins, "jp_totals", totals);
	if (res != NULL && k->nsittings > 0) {
		json_object_set_new(res, "sitting", json_integer(sitting));
		json_object_set_new(res, "sitting_label",
				    json_string(k->sittings[sitting - 1].label));
	}
	free(jp_text);
	return res;
fail:
	pb_db_stmt_done(st);
	json_decref(rows);
	json_decref(totals);
	free(jp_text);
	return NULL;
}

static const char *status_id(const char *s)
{
	const char *w = pb_att_status_word(s, NULL);

	return w != NULL ? w : PB_ATT_NOT_YET_WORD;
}

char *pb_att_day_csv(const json_t *day, size_t *len)
{
	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);
	const json_t *rows = json_object_get(day, "rows"), *r;
	size_t i;
	char no[16];

	if (f == NULL)
		return NULL;
	pb_csv_write_row(f, (const char *[]){ "No", "NUPTK", "No Peserta", "Nama", "Sekolah", "NPSN",
		"Status", "Waktu", "Cara", "Walk-in", "Alasan", NULL });
	json_array_foreach(rows, i, r) {
		snprintf(no, sizeof(no), "%zu", i + 1);
		pb_csv_write_row(f, (const char *[]){ no,
			jstr(r, "nuptk"),
			jstr(r, "no_peserta"),
			jstr(r, "name"),
			jstr(r, "school"),
			jstr(r, "npsn"),
			status_id(jstr(r, "status")),
			jstr(r, "time"),
			jstr(r, "via"),
			json_is_true(json_object_get(r, "walk_in")) ? "ya" : "",
			jstr(r, "reason"), NULL });
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	*len = blen;
	return buf;
}

char *pb_att_jp_csv(const json_t *day, size_t *len)
{
	char *buf = NULL;
	size_t blen = 0;
	FILE *f = open_memstream(&buf, &blen);
	const json_t *t;
	size_t i;
	char no[16], days[16], jp[16];

	if (f == NULL)
		return NULL;
	pb_csv_write_row(f, (const char *[]){ "No", "NUPTK", "No Peserta", "Nama", "Hari hadir", "JP",
		NULL });
	json_array_foreach(json_object_get(day, "jp_totals"), i, t) {
		snprintf(no, sizeof(no), "%zu", i + 1);
		snprintf(days, sizeof(days), "%lld",
			 (long long)json_integer_value(json_object_get(t, "days_present")));
		snprintf(jp, sizeof(jp), "%lld", (long long)json_integer_value(json_object_get(t, "jp")));
		pb_csv_write_row(f, (const char *[]){ no, jstr(t, "nuptk"), jstr(t, "no_peserta"),
			jstr(t, "name"), days, jp,
						      NULL });
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	*len = blen;
	return buf;
}

char *pb_att_signature(sqlite3 *db, int64_t attendance_id)
{
	return pb_db_text_by_id(db, "SELECT signature FROM attendance WHERE id = ?1",
				attendance_id);
}

#include "pb_outbox.h"
#include "pb_db.h"
#include "pb_proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pb_box_id(sqlite3 *db, char *out, size_t len)
{
	return pb_db_meta_get(db, "box_id", out, len);
}

void pb_outbox_hash(const char *box_id, const struct pb_outbox_entry *e,
		    char out[PB_SHA256_HEX_LEN + 1])
{
	struct pb_proto_record r;

	memset(&r, 0, sizeof(r));
	r.seq = e->seq;
	snprintf(r.id, sizeof(r.id), "%s", e->id);
	snprintf(r.type, sizeof(r.type), "%s", e->type);
	r.payload = e->payload;
	r.wall_ms = e->stamp.wall_ms;
	snprintf(r.clock_source, sizeof(r.clock_source), "%s",
		 pb_clock_source_name(e->stamp.source));
	snprintf(r.boot_id, sizeof(r.boot_id), "%s", e->stamp.boot_id);
	r.mono_ms = e->stamp.mono_ms;
	memcpy(r.prev_hash, e->prev_hash, sizeof(r.prev_hash));
	pb_proto_record_hash(box_id, &r, out);
}

static int last_link(sqlite3 *db, int64_t *seq, char prev[PB_SHA256_HEX_LEN + 1])
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	if ((st = pb_db_stmt(db, "SELECT seq, hash FROM outbox ORDER BY seq DESC LIMIT 1")) == NULL)
		goto out;
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		*seq = 0;
		memcpy(prev, PB_OUTBOX_GENESIS, PB_SHA256_HEX_LEN + 1);
		rc = 0;
	} else if (step == SQLITE_ROW) {
		const unsigned char *hx = sqlite3_column_text(st, 1);
		*seq = sqlite3_column_int64(st, 0);
		if (hx == NULL || strlen((const char *)hx) != PB_SHA256_HEX_LEN)
			goto out;
		memcpy(prev, hx, PB_SHA256_HEX_LEN + 1);
		rc = 0;
	}
out:
	pb_db_stmt_done(st);
	return rc;
}

int pb_outbox_append(sqlite3 *db, const char *type, const char *payload,
		     int64_t *seq_out, char *id_out)
{
	struct pb_outbox_entry e;
	char box_id[64];
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (strlen(type) > PB_OUTBOX_TYPE_MAX || strlen(payload) > PB_OUTBOX_PAYLOAD_MAX)
		return -1;
	if (pb_box_id(db, box_id, sizeof(box_id)) != 0)
		return -1;
	memset(&e, 0, sizeof(e));
	if (last_link(db, &e.seq, e.prev_hash) != 0)
		return -1;
	e.seq++;
	pb_id_new(e.id);
	memcpy(e.type, type, strlen(type) + 1);
	e.payload = payload;
	pb_clock_now(&e.stamp);
	pb_outbox_hash(box_id, &e, e.hash);

	if ((st = pb_db_stmt(db,
			"INSERT INTO outbox(seq, id, type, payload, wall_ms, clock_source, "
			"boot_id, mono_ms, prev_hash, hash) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)")) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, e.seq);
	sqlite3_bind_text(st, 2, e.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, e.type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, payload, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, e.stamp.wall_ms);
	sqlite3_bind_text(st, 6, pb_clock_source_name(e.stamp.source), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, e.stamp.boot_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, e.stamp.mono_ms);
	sqlite3_bind_text(st, 9, e.prev_hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, e.hash, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	if (seq_out != NULL)
		*seq_out = e.seq;
	if (id_out != NULL)
		memcpy(id_out, e.id, sizeof(e.id));
	rc = 0;
out:
	pb_db_stmt_done(st);
	return rc;
}

static enum pb_clock_source source_from_name(const char *s)
{
	if (strcmp(s, "ntp") == 0)
		return PB_CLOCK_NTP;
	if (strcmp(s, "rtc") == 0)
		return PB_CLOCK_RTC;
	if (strcmp(s, "browser") == 0)
		return PB_CLOCK_BROWSER;
	return PB_CLOCK_UNSYNCED;
}

static void copy_col(char *dst, size_t size, sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);

	snprintf(dst, size, "%s", v != NULL ? (const char *)v : "");
}

int pb_outbox_verify(sqlite3 *db, int64_t *bad_seq)
{
	sqlite3_stmt *st = NULL;
	struct pb_outbox_entry e;
	char box_id[64], want[PB_SHA256_HEX_LEN + 1], prev[PB_SHA256_HEX_LEN + 1];
	char src[16];
	int64_t expect = 1;
	int rc = -1, step;

	*bad_seq = 0;
	if (pb_box_id(db, box_id, sizeof(box_id)) != 0)
		return -1;
	memcpy(prev, PB_OUTBOX_GENESIS, sizeof(prev));
	if ((st = pb_db_stmt(db,
			"SELECT seq, id, type, payload, wall_ms, clock_source, boot_id, mono_ms, "
			"prev_hash, hash, purged_ms FROM outbox ORDER BY seq")) == NULL)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&e, 0, sizeof(e));
		e.seq = sqlite3_column_int64(st, 0);
		copy_col(e.id, sizeof(e.id), st, 1);
		copy_col(e.type, sizeof(e.type), st, 2);
		e.payload = (const char *)sqlite3_column_text(st, 3);
		if (e.payload == NULL)
			e.payload = "";
		e.stamp.wall_ms = sqlite3_column_int64(st, 4);
		copy_col(src, sizeof(src), st, 5);
		e.stamp.source = source_from_name(src);
		copy_col(e.stamp.boot_id, sizeof(e.stamp.boot_id), st, 6);
		e.stamp.mono_ms = sqlite3_column_int64(st, 7);
		copy_col(e.prev_hash, sizeof(e.prev_hash), st, 8);
		copy_col(e.hash, sizeof(e.hash), st, 9);
		/* A record purged of personal data after the hub acknowledged it
		 * keeps its place in the chain but can no longer be rehashed. */
		if (sqlite3_column_int64(st, 10) != 0)
			memcpy(want, e.hash, sizeof(want));
		else
			pb_outbox_hash(box_id, &e, want);
		if (e.seq != expect || strcmp(e.prev_hash, prev) != 0 ||
		    strcmp(e.hash, want) != 0) {
			*bad_seq = e.seq;
			goto out;
		}
		memcpy(prev, e.hash, sizeof(prev));
		expect++;
	}
	if (step == SQLITE_DONE)
		rc = 0;
out:
	pb_db_stmt_done(st);
	return rc;
}

int pb_outbox_set_acked(sqlite3 *db, int64_t acked, int64_t wall_ms)
{
	sqlite3_stmt *a = NULL, *b = NULL;
	int rc = -1;

	if (pb_db_begin(db) != 0)
		return -1;
	if ((a = pb_db_stmt(db, "UPDATE outbox SET acked = 1, acked_ms = ?2 "
				"WHERE seq <= ?1 AND acked = 0")) == NULL ||
	    (b = pb_db_stmt(db, "UPDATE outbox SET acked = 0 WHERE seq > ?1 AND acked = 1")) == NULL)
		goto out;
	sqlite3_bind_int64(a, 1, acked);
	sqlite3_bind_int64(a, 2, wall_ms);
	sqlite3_bind_int64(b, 1, acked);
	if (sqlite3_step(a) != SQLITE_DONE || sqlite3_step(b) != SQLITE_DONE)
		goto out;
	rc = pb_db_commit(db);
out:
	pb_db_stmt_done(a);
	pb_db_stmt_done(b);
	if (rc != 0)
		pb_db_rollback(db);
	return rc;
}

void pb_outbox_loaded_free(struct pb_outbox_loaded *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->payloads[i]);
	free(l->payloads);
	free(l->r);
	memset(l, 0, sizeof(*l));
}

static void col(char *dst, size_t size, sqlite3_stmt *st, int c)
{
	const unsigned char *v = sqlite3_column_text(st, c);

	snprintf(dst, size, "%s", v != NULL ? (const char *)v : "");
}

int pb_outbox_load(sqlite3 *db, int64_t after, size_t max, struct pb_outbox_loaded *l)
{
	sqlite3_stmt *st = NULL;
	int rc = -1, step;

	memset(l, 0, sizeof(*l));
	l->r = calloc(max, sizeof(*l->r));
	l->payloads = calloc(max, sizeof(*l->payloads));
	if (l->r == NULL || l->payloads == NULL)
		goto out;
	if ((st = pb_db_stmt(db,
			"SELECT seq, id, type, payload, wall_ms, clock_source, boot_id, mono_ms, "
			"prev_hash, hash FROM outbox WHERE seq > CASE WHEN ?2 >= 0 THEN ?2 ELSE "
			"(SELECT min(seq) - 1 FROM outbox WHERE acked = 0) END ORDER BY seq LIMIT ?1")) == NULL)
		goto out;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)max);
	sqlite3_bind_int64(st, 2, after);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct pb_proto_record *r = &l->r[l->n];
		const unsigned char *p = sqlite3_column_text(st, 3);

		r->seq = sqlite3_column_int64(st, 0);
		col(r->id, sizeof(r->id), st, 1);
		col(r->type, sizeof(r->type), st, 2);
		l->payloads[l->n] = strdup(p != NULL ? (const char *)p : "");
		if (l->payloads[l->n] == NULL)
			goto out;
		r->payload = l->payloads[l->n];
		r->wall_ms = sqlite3_column_int64(st, 4);
		col(r->clock_source, sizeof(r->clock_source), st, 5);
		col(r->boot_id, sizeof(r->boot_id), st, 6);
		r->mono_ms = sqlite3_column_int64(st, 7);
		col(r->prev_hash, sizeof(r->prev_hash), st, 8);
		col(r->hash, sizeof(r->hash), st, 9);
		l->n++;
	}
	rc = step == SQLITE_DONE ? 0 : -1;
out:
	pb_db_stmt_done(st);
	return rc;
}

enum pb_outbox_ack pb_outbox_ack_forward(sqlite3 *db, int64_t acked, const char *hash,
					 int64_t wall_ms, int64_t *marked)
{
	sqlite3_stmt *q = NULL, *u = NULL;
	enum pb_outbox_ack res = PB_OUTBOX_ACK_ERROR;
	const unsigned char *stored;
	int step;

	*marked = 0;
	if (pb_db_begin(db) != 0)
		return PB_OUTBOX_ACK_ERROR;
	if ((q = pb_db_stmt(db, "SELECT hash FROM outbox WHERE seq = ?1")) == NULL ||
	    (u = pb_db_stmt(db, "UPDATE outbox SET acked = 1, acked_ms = ?2 "
				"WHERE seq <= ?1 AND acked = 0")) == NULL)
		goto out;
	sqlite3_bind_int64(q, 1, acked);
	step = sqlite3_step(q);
	if (step == SQLITE_DONE) {
		res = PB_OUTBOX_ACK_UNKNOWN;
		goto out;
	}
	if (step != SQLITE_ROW)
		goto out;
	stored = sqlite3_column_text(q, 0);
	if (stored == NULL || strcmp((const char *)stored, hash) != 0) {
		res = PB_OUTBOX_ACK_OTHER;
		goto out;
	}
	sqlite3_bind_int64(u, 1, acked);
	sqlite3_bind_int64(u, 2, wall_ms);
	if (sqlite3_step(u) != SQLITE_DONE)
		goto out;
	*marked = sqlite3_changes(db);
	res = *marked > 0 ? PB_OUTBOX_ACK_DONE : PB_OUTBOX_ACK_ALREADY;
out:
	pb_db_stmt_done(q);
	pb_db_stmt_done(u);
	if (res == PB_OUTBOX_ACK_DONE || res == PB_OUTBOX_ACK_ALREADY) {
		if (pb_db_commit(db) != 0)
			res = PB_OUTBOX_ACK_ERROR;
	}
	if (res != PB_OUTBOX_ACK_DONE && res != PB_OUTBOX_ACK_ALREADY)
		pb_db_rollback(db);
	return res;
}

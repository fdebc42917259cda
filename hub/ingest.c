/* Enrolment and batch ingest (docs/sync-protocol.md §2 and §4). */
#include "hub.h"

#include "pb_log.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum MHD_Result hub_enrol(struct pb_req *r)
{
	struct hub_enrol_req q;
	const char *box = q.box_id, *pk = q.public_key;
	char tok_hash[PB_SHA256_HEX_LEN + 1], out[256];
	const char *params[4];
	PGconn *pg = NULL;
	PGresult *res = NULL;
	enum pb_proto_err e;
	enum MHD_Result ret;
	int known;

	e = hub_enrol_read(r->body.data, r->body.len, &q);
	if (e != PB_PROTO_OK)
		goto fail;
	pb_sha256_hex(q.token, strlen(q.token), tok_hash);
	e = PB_PROTO_INTERNAL;
	pg = hub_db_get(r->hub);
	if (pg == NULL)
		e = PB_PROTO_UNAVAILABLE;
	if (pg == NULL || hub_db_exec(pg, "BEGIN") != 0)
		goto fail;
	/* The box first: a revoked box uses no token, and one enrolled
	 * already keeps its centre whatever centre the token names. */
	params[0] = box;
	res = PQexecParams(pg, "SELECT public_key, centre_id, revoked_at IS NOT NULL FROM boxes "
			   "WHERE box_id = $1 FOR UPDATE", 1, NULL, params, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_TUPLES_OK, "enrol: box") != 0)
		goto fail_tx;
	known = PQntuples(res) == 1;
	if (known && strcmp(PQgetvalue(res, 0, 0), pk) != 0) {
		e = PB_PROTO_BOX_EXISTS;
		goto fail_tx;
	}
	if (known && PQgetvalue(res, 0, 2)[0] == 't') {
		e = PB_PROTO_REVOKED;        /* signed with the box's own key */
		goto fail_tx;
	}
	if (known)
		snprintf(out, sizeof(out), "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	params[0] = tok_hash;
	res = PQexecParams(pg, "SELECT centre_id, used_by FROM tokens WHERE token_sha256 = $1 "
			   "FOR UPDATE", 1, NULL, params, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_TUPLES_OK, "enrol: token") != 0)
		goto fail_tx;
	if (PQntuples(res) != 1) {
		e = PB_PROTO_TOKEN_INVALID;
		goto fail_tx;
	}
	if (!PQgetisnull(res, 0, 1) && strcmp(PQgetvalue(res, 0, 1), box) != 0) {
		e = PB_PROTO_TOKEN_USED;
		goto fail_tx;
	}
	if (!known) {
		snprintf(out, sizeof(out), "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
		params[0] = box;
		params[1] = out;
		params[2] = pk;
		res = PQexecParams(pg, "INSERT INTO boxes(box_id, centre_id, public_key) "
				   "VALUES ($1, $2, $3)", 3, NULL, params, NULL, NULL, 0);
		if (hub_db_ok(res, PGRES_COMMAND_OK, "enrol: insert") != 0)
			goto fail_tx;
	}
	PQclear(res);
	params[0] = box;
	params[1] = tok_hash;
	res = PQexecParams(pg, "UPDATE tokens SET used_by = $1, used_at = coalesce(used_at, now()) "
			   "WHERE token_sha256 = $2", 2, NULL, params, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_COMMAND_OK, "enrol: token use") != 0 ||
	    hub_db_exec(pg, "COMMIT") != 0)
		goto fail_tx;
	PQclear(res);
	hub_db_put(r->hub, pg);
	pb_notice("box %s enrolled for centre %s", box, out);
	{
		json_t *a = json_pack("{ss ss}", "box_id", box, "centre_id", out);
		char *text, hk[PB_PROTO_PK_HEX_LEN + 1];

		/* the key the box will trust for acknowledgements on a stick */
		if (r->hub->has_sign_key) {
			pb_proto_public_hex(r->hub->sign_sk, hk);
			json_object_set_new(a, "hub_key", json_string(hk));
		}
		text = json_dumps(a, JSON_COMPACT);
		ret = hub_json(r, MHD_HTTP_OK, text != NULL ? text : "{}");
		free(text);
		json_decref(a);
	}
	return ret;
fail_tx:
	hub_db_exec(pg, "ROLLBACK");
fail:
	PQclear(res);
	hub_db_put(r->hub, pg);
	/* Guessing tokens, or trying keys, is throttled per address. */
	if (e == PB_PROTO_UNAVAILABLE)
		r->retry_after_s = HUB_UNAVAILABLE_RETRY_S;
	else if (e != PB_PROTO_INTERNAL && e != PB_PROTO_REVOKED)
		hub_rate_charge(r->hub, HUB_RATE_ENROL, r->addr);
	return hub_error(r, e, -1, NULL);
}

/* Keep the offered record for a human (its own transaction: the batch
 * itself was rolled back). */
static void save_conflict(PGconn *pg, const char *box, const struct pb_proto_record *rec,
			  const char *stored_hash)
{
	json_t *o = pb_proto_record_to_json(rec);
	char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	char seq[24];
	const char *params[5];
	PGresult *res;

	snprintf(seq, sizeof(seq), "%" PRId64, rec->seq);
	params[0] = box;
	params[1] = seq;
	params[2] = stored_hash;
	params[3] = rec->hash;
	params[4] = text != NULL ? text : "{}";
	res = PQexecParams(pg, "INSERT INTO conflicts(box_id, seq, stored_hash, offered_hash, "
			   "offered) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
			   5, NULL, params, NULL, NULL, 0);
	hub_db_ok(res, PGRES_COMMAND_OK, "conflict");
	PQclear(res);
	free(text);
	json_decref(o);
}

/* A growing PostgreSQL array literal ({"a","b",NULL}). */
struct arr {
	char *buf;
	size_t len, cap;
	int n;
};

static int arr_put(struct arr *a, const char *s, size_t n)
{
	if (a->len + n + 1 > a->cap) {
		size_t cap = (a->cap ? a->cap * 2 : 4096);
		char *nb;

		while (cap < a->len + n + 1)
			cap *= 2;
		nb = realloc(a->buf, cap);
		if (nb == NULL)
			return -1;
		a->buf = nb;
		a->cap = cap;
	}
	memcpy(a->buf + a->len, s, n);
	a->len += n;
	a->buf[a->len] = '\0';
	return 0;
}

/* One element; NULL gives an SQL NULL. Quotes and backslashes are escaped. */
static int arr_add(struct arr *a, const char *v)
{
	if (arr_put(a, a->n++ == 0 ? "{" : ",", 1) != 0)
		return -1;
	if (v == NULL)
		return arr_put(a, "NULL", 4);
	if (arr_put(a, "\"", 1) != 0)
		return -1;
	for (const char *p = v; *p; ) {
		size_t run = strcspn(p, "\"\\");
		if (arr_put(a, p, run) != 0)
			return -1;
		p += run;
		if (*p != '\0') {
			char esc[2] = { '\\', *p };
			if (arr_put(a, esc, 2) != 0)
				return -1;
			p++;
		}
	}
	return arr_put(a, "\"", 1);
}

static int arr_add_int(struct arr *a, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return arr_add(a, buf);
}

static int arr_end(struct arr *a)
{
	return a->n == 0 ? arr_put(a, "{}", 2) : arr_put(a, "}", 1);
}

/* Where each kind of record names its training session, first match by
 * type prefix. Attendance payloads carry the box's session uid as
 * "session" (docs/attendance.md); the record that creates a session
 * carries it as "id". Another kind of record that belongs to a session
 * adds one line here. */
const struct hub_session_key hub_session_keys[] = {
	{ "attendance.session", "id" },
	{ "attendance.", "session" },
	{ "claim.", "session_id" },
	{ NULL, NULL },
};

/* The payload parsed when it can also be kept as jsonb (JSON that
 * PostgreSQL takes: no NUL characters), else NULL. */
static json_t *payload_json(const char *payload)
{
	if (strstr(payload, "\\u0000") != NULL)
		return NULL;
	return json_loads(payload, JSON_DECODE_ANY, NULL);
}

const char *hub_session_of(const char *type, json_t *payload)
{
	json_t *v = NULL;

	if (!json_is_object(payload))
		return NULL;
	for (const struct hub_session_key *k = hub_session_keys; k->prefix != NULL; k++)
		if (strncmp(type, k->prefix, strlen(k->prefix)) == 0) {
			v = json_object_get(payload, k->key);
			break;
		}
	if (v == NULL)
		v = json_object_get(payload, "session_id");
	return json_is_string(v) && json_string_length(v) <= HUB_SESSION_ID_MAX ?
		json_string_value(v) : NULL;
}

#define NCOLS 12

/* Insert records[0..n) in one statement (arrays unnested server-side). */
static int insert_records(PGconn *pg, const char *box, const struct pb_proto_record *recs,
			  size_t n)
{
	struct arr a[NCOLS];
	const char *params[NCOLS + 1];
	PGresult *res;
	int rc = -1;

	memset(a, 0, sizeof(a));
	for (size_t i = 0; i < n; i++) {
		const struct pb_proto_record *r = &recs[i];
		json_t *j = payload_json(r->payload);
		int bad = arr_add_int(&a[0], r->seq) != 0 || arr_add(&a[1], r->id) != 0 ||
		    arr_add(&a[2], r->type) != 0 || arr_add(&a[3], r->payload) != 0 ||
		    arr_add(&a[4], j != NULL ? r->payload : NULL) != 0 ||
		    arr_add_int(&a[5], r->wall_ms) != 0 || arr_add(&a[6], r->clock_source) != 0 ||
		    arr_add(&a[7], r->boot_id) != 0 || arr_add_int(&a[8], r->mono_ms) != 0 ||
		    arr_add(&a[9], r->prev_hash) != 0 || arr_add(&a[10], r->hash) != 0 ||
		    arr_add(&a[11], hub_session_of(r->type, j)) != 0;

		json_decref(j);
		if (bad)
			goto out;
	}
	params[0] = box;
	for (int c = 0; c < NCOLS; c++) {
		if (arr_end(&a[c]) != 0)
			goto out;
		params[c + 1] = a[c].buf;
	}
	res = PQexecParams(pg, "INSERT INTO records(box_id, seq, id, type, payload, payload_json, "
			   "wall_ms, clock_source, boot_id, mono_ms, prev_hash, hash, session_id) "
			   "SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], "
			   "$5::text[], $6::jsonb[], $7::bigint[], $8::text[], $9::text[], "
			   "$10::bigint[], $11::text[], $12::text[], $13::text[])",
			   NCOLS + 1, NULL, params, NULL, NULL, 0);
	rc = hub_db_ok(res, PGRES_COMMAND_OK, "insert records");
	PQclear(res);
out:
	for (int c = 0; c < NCOLS; c++)
		free(a[c].buf);
	return rc;
}

/* Records the hub keeps for the chain but does not use (column
 * "refused"), by code; each batch answer lists those of its range. */
static const struct {
	const char *code;
	const char *message;
} refusals[] = {
	{ "id_reused", "Nomor catatan ini sudah dipakai catatan lain dari kotak ini; "
		       "catatan ini disimpan tetapi tidak dipakai." },
	{ "claim_taken", "Nomor klaim ini milik kotak lain; catatan ini disimpan tetapi "
			 "tidak dipakai." },
	{ NULL, NULL },
};

/* Mark the stored records seq lo..hi of box that reuse an id: a record id
 * the box used before, or a claim id another box used first (which
 * becomes the claim's owner in claim_owners). 0 or -1. */
static int mark_refused(PGconn *pg, const char *box, const char *lo, const char *hi)
{
	static const char *const sql[] = {
		"UPDATE records r SET refused = 'id_reused' WHERE r.box_id = $1 "
		"AND r.seq BETWEEN $2 AND $3 AND EXISTS (SELECT 1 FROM records o "
		"WHERE o.box_id = $1 AND o.id = r.id AND o.seq < r.seq)",
		"INSERT INTO claim_owners(claim_id, box_id) SELECT DISTINCT "
		"payload_json->>'claim_id', $1 FROM records WHERE box_id = $1 "
		"AND seq BETWEEN $2 AND $3 AND refused IS NULL AND type LIKE 'claim.%' "
		"AND payload_json->>'claim_id' IS NOT NULL ON CONFLICT DO NOTHING",
		"UPDATE records r SET refused = 'claim_taken' FROM claim_owners o "
		"WHERE r.box_id = $1 AND r.seq BETWEEN $2 AND $3 AND r.refused IS NULL "
		"AND r.type LIKE 'claim.%' AND o.claim_id = r.payload_json->>'claim_id' "
		"AND o.box_id <> $1",
	};
	const char *params[3] = { box, lo, hi };

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		PGresult *res = PQexecParams(pg, sql[i], 3, NULL, params, NULL, NULL, 0);
		int rc = hub_db_ok(res, PGRES_COMMAND_OK, "ingest: refusals");

		PQclear(res);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* The refused records among seq lo..hi, as the answer lists them; NULL on
 * a database error. */
static json_t *refused_list(PGconn *pg, const char *box, const char *lo, const char *hi)
{
	const char *params[3] = { box, lo, hi };
	PGresult *res = PQexecParams(pg, "SELECT seq, id, refused FROM records WHERE box_id = $1 "
				     "AND seq BETWEEN $2 AND $3 AND refused IS NOT NULL ORDER BY seq",
				     3, NULL, params, NULL, NULL, 0);
	json_t *list = NULL;

	if (hub_db_ok(res, PGRES_TUPLES_OK, "ingest: refused") != 0)
		goto out;
	list = json_array();
	for (int i = 0; list != NULL && i < PQntuples(res); i++) {
		const char *code = PQgetvalue(res, i, 2), *message = "";

		for (int k = 0; refusals[k].code != NULL; k++)
			if (strcmp(refusals[k].code, code) == 0)
				message = refusals[k].message;
		json_array_append_new(list, json_pack("{sI ss ss ss}", "seq",
			(json_int_t)strtoll(PQgetvalue(res, i, 0), NULL, 10), "id",
			PQgetvalue(res, i, 1), "error", code, "message", message));
	}
out:
	PQclear(res);
	return list;
}

static enum MHD_Result answer_ok(struct pb_req *r, int64_t acked, size_t stored,
				 size_t dups, json_t *refused)
{
	json_t *o = json_pack("{sI sI sI}", "acked", (json_int_t)acked, "stored",
			      (json_int_t)stored, "duplicates", (json_int_t)dups);
	char *text;
	enum MHD_Result ret;

	/* listed only when there are some */
	if (o != NULL && json_array_size(refused) > 0)
		json_object_set(o, "refused", refused);
	text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	if (text == NULL)
		return MHD_NO;
	ret = hub_json(r, MHD_HTTP_OK, text);
	free(text);
	return ret;
}

enum pb_proto_err hub_ingest_batch(PGconn *pg, const char *box, const void *body, size_t len,
				   int64_t first, int64_t last,
				   struct hub_ingest_result *out, char *why, size_t whylen)
{
	struct pb_proto_batch b;
	char last_hash[PB_SHA256_HEX_LEN + 1], lo[24], hi[24];
	const char *params[3];
	PGresult *res = NULL;
	int64_t last_seq;
	size_t first_new, stored = 0;
	enum pb_proto_err e;
	const struct pb_proto_record *conflict = NULL;
	char conflict_hash[PB_SHA256_HEX_LEN + 1];
	json_t *refused = NULL;

	memset(&b, 0, sizeof(b));
	memset(out, 0, sizeof(*out));
	out->acked = -1;
	/* 4 and 5: shape, box id, consecutive seqs, hashes, inner chain. */
	e = pb_proto_batch_parse(body, len, box, &b, why, whylen);
	if (e != PB_PROTO_OK)
		goto fail;
	if (first != 0 && (b.records[0].seq != first || b.records[b.n - 1].seq != last)) {
		snprintf(why, whylen, "the manifest says seq %" PRId64 "..%" PRId64 ", the batch "
			 "holds %" PRId64 "..%" PRId64, first, last, b.records[0].seq,
			 b.records[b.n - 1].seq);
		e = PB_PROTO_MALFORMED;
		goto fail;
	}

	/* 6: against what is stored, under the box's row lock. */
	e = PB_PROTO_INTERNAL;
	if (hub_db_exec(pg, "BEGIN") != 0)
		goto fail;
	params[0] = box;
	res = PQexecParams(pg, "SELECT last_seq, last_hash, revoked_at IS NOT NULL FROM boxes "
			   "WHERE box_id = $1 FOR UPDATE", 1, NULL, params, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_TUPLES_OK, "ingest: lock") != 0 || PQntuples(res) != 1)
		goto fail_tx;
	last_seq = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	out->acked = last_seq;
	snprintf(last_hash, sizeof(last_hash), "%s", PQgetvalue(res, 0, 1));
	if (PQgetvalue(res, 0, 2)[0] == 't') {
		e = PB_PROTO_REVOKED;
		goto fail_tx;
	}
	PQclear(res);
	res = NULL;

	if (b.records[0].seq > last_seq + 1) {
		snprintf(why, whylen, "batch starts at %" PRId64 ", hub holds up to %" PRId64,
			 b.records[0].seq, last_seq);
		e = PB_PROTO_GAP;
		goto fail_tx;
	}
	/* Records the hub already holds must be the same records. */
	if (b.records[0].seq <= last_seq) {
		int64_t top = b.records[b.n - 1].seq < last_seq ? b.records[b.n - 1].seq : last_seq;

		snprintf(lo, sizeof(lo), "%" PRId64, b.records[0].seq);
		snprintf(hi, sizeof(hi), "%" PRId64, top);
		params[1] = lo;
		params[2] = hi;
		res = PQexecParams(pg, "SELECT seq, hash FROM records WHERE box_id = $1 AND "
				   "seq BETWEEN $2 AND $3 ORDER BY seq", 3, NULL, params,
				   NULL, NULL, 0);
		if (hub_db_ok(res, PGRES_TUPLES_OK, "ingest: stored") != 0)
			goto fail_tx;
		if (PQntuples(res) != (int)(top - b.records[0].seq + 1))
			goto fail_tx;
		for (int i = 0; i < PQntuples(res); i++) {
			const struct pb_proto_record *rec = &b.records[i];
			if (strcmp(PQgetvalue(res, i, 1), rec->hash) != 0) {
				conflict = rec;
				snprintf(conflict_hash, sizeof(conflict_hash), "%s",
					 PQgetvalue(res, i, 1));
				break;
			}
		}
		PQclear(res);
		res = NULL;
		if (conflict != NULL) {
			snprintf(why, whylen, "seq %" PRId64 " is stored with hash %.12s…, "
				 "offered %.12s…", conflict->seq, conflict_hash, conflict->hash);
			e = PB_PROTO_CONFLICT;
			goto fail_tx;
		}
	}
	first_new = (size_t)(last_seq + 1 - b.records[0].seq);
	if (first_new < b.n) {
		if (strcmp(b.records[first_new].prev_hash, last_hash) != 0) {
			snprintf(why, whylen, "seq %" PRId64 " does not follow the stored hash",
				 b.records[first_new].seq);
			e = PB_PROTO_BROKEN_CHAIN;
			goto fail_tx;
		}
		if (insert_records(pg, box, &b.records[first_new], b.n - first_new) != 0)
			goto fail_tx;
		stored = b.n - first_new;
		snprintf(lo, sizeof(lo), "%" PRId64, b.records[first_new].seq);
		snprintf(hi, sizeof(hi), "%" PRId64, b.records[b.n - 1].seq);
		if (mark_refused(pg, box, lo, hi) != 0 ||
		    hub_health_ingest(pg, box, lo, hi) != 0)
			goto fail_tx;
		snprintf(lo, sizeof(lo), "%" PRId64, b.records[b.n - 1].seq);
		params[1] = lo;
		params[2] = b.records[b.n - 1].hash;
		res = PQexecParams(pg, "UPDATE boxes SET last_seq = $2, last_hash = $3, "
				   "last_upload_at = now() WHERE box_id = $1", 3, NULL, params,
				   NULL, NULL, 0);
		if (hub_db_ok(res, PGRES_COMMAND_OK, "ingest: advance") != 0)
			goto fail_tx;
		PQclear(res);
		res = NULL;
		last_seq = b.records[b.n - 1].seq;
	}
	/* what of this batch the hub keeps without using, new or sent again */
	snprintf(lo, sizeof(lo), "%" PRId64, b.records[0].seq);
	snprintf(hi, sizeof(hi), "%" PRId64, b.records[b.n - 1].seq);
	refused = refused_list(pg, box, lo, hi);
	if (refused == NULL || hub_db_exec(pg, "COMMIT") != 0)
		goto fail_tx;
	if (stored > 0)
		pb_info("box %s: stored %zu, now at %" PRId64, box, stored, last_seq);
	if (json_array_size(refused) > 0)
		pb_warn("box %s: %zu records of seq %s..%s kept but refused (ids in use)", box,
			json_array_size(refused), lo, hi);
	out->acked = last_seq;
	out->stored = stored;
	out->duplicates = b.n - stored;
	out->refused = refused;
	pb_proto_batch_free(&b);
	return PB_PROTO_OK;
fail_tx:
	PQclear(res);
	res = NULL;
	json_decref(refused);
	hub_db_exec(pg, "ROLLBACK");
	if (conflict != NULL)
		save_conflict(pg, box, conflict, conflict_hash);
fail:
	PQclear(res);
	pb_proto_batch_free(&b);
	return e;
}

enum MHD_Result hub_ingest(struct pb_req *r)
{
	const char *box = hub_header(r, PB_PROTO_HDR_BOX);
	struct hub_ingest_result got;
	char why[256] = "";
	PGconn *pg = NULL;
	int64_t last_seq = -1;
	enum pb_proto_err e;
	enum MHD_Result ret;

	if (box == NULL || !pb_hex_valid(box, PB_PROTO_ID_LEN))
		return hub_error(r, hub_auth_refused(r, PB_PROTO_UNKNOWN_BOX), -1,
				 "no or bad " PB_PROTO_HDR_BOX);
	if (r->body.data == NULL || r->body.len == 0)
		return hub_error(r, PB_PROTO_MALFORMED, -1, "empty body");
	pg = hub_db_get(r->hub);
	if (pg == NULL)
		return hub_unavailable(r);

	/* 2 and 3: the box and its signature over the exact body. */
	e = hub_auth_body(r, pg, box, &last_seq);
	if (e == PB_PROTO_OK) {
		e = hub_ingest_batch(pg, box, r->body.data, r->body.len, 0, 0, &got, why,
				     sizeof(why));
		if (got.acked >= 0)
			last_seq = got.acked;
	}
	hub_db_put(r->hub, pg);
	if (e != PB_PROTO_OK)
		return hub_error(r, e, last_seq, why);
	ret = answer_ok(r, got.acked, got.stored, got.duplicates, got.refused);
	json_decref(got.refused);
	return ret;
}

/* Receipt photos (docs/sync-protocol.md §4b): boxes upload the photo of
 * a claim's receipt by its SHA-256; the finance office fetches it.
 *
 *   POST /v1/photos/SHA256                 signed by the box, raw image body
 *   GET  /v1/office/photos/SHA256          office bearer token (office.c)
 *   GET  /v1/office/claims/CLAIM_ID/receipt
 *
 * Photos live in PostgreSQL (table photos, bytea), so every pb-hub
 * process behind a load balancer serves them; a photo is stored once
 * whoever sends it again. */
#include "hub.h"

#include "pb_log.h"

#include <stdlib.h>
#include <string.h>

enum MHD_Result hub_photo_put(struct pb_req *r, const char *sha256)
{
	const char *box = hub_header(r, PB_PROTO_HDR_BOX);
	char got[PB_SHA256_HEX_LEN + 1], size[24], text[160];
	const char *mime, *params[5];
	int lengths[5] = { 0 }, formats[5] = { 0 };
	PGconn *pg = NULL;
	PGresult *res = NULL;
	enum pb_proto_err e = PB_PROTO_INTERNAL;
	const char *detail = NULL;
	int fresh;

	if (!pb_sha256_hex_valid(sha256))
		return hub_error(r, PB_PROTO_NOT_FOUND, -1, "not a SHA-256");
	if (box == NULL || !pb_hex_valid(box, PB_PROTO_ID_LEN))
		return hub_error(r, PB_PROTO_UNKNOWN_BOX, -1, "no or bad " PB_PROTO_HDR_BOX);
	if (r->body.data == NULL || r->body.len == 0)
		return hub_error(r, PB_PROTO_MALFORMED, -1, "empty body");
	pg = hub_db_get(r->hub);
	if (pg == NULL)
		return hub_unavailable(r);
	e = hub_auth_body(r, pg, box, NULL);
	if (e != PB_PROTO_OK)
		goto fail;
	pb_sha256_hex(r->body.data, r->body.len, got);
	if (strcmp(got, sha256) != 0) {
		e = PB_PROTO_BAD_HASH;
		detail = "the photo does not hash to its name";
		goto fail;
	}
	mime = pb_proto_photo_mime((const unsigned char *)r->body.data, r->body.len);
	if (mime == NULL) {
		e = PB_PROTO_MALFORMED;
		detail = "not a JPEG or PNG image";
		goto fail;
	}
	snprintf(size, sizeof(size), "%zu", r->body.len);
	params[0] = sha256;
	params[1] = mime;
	params[2] = size;
	params[3] = r->body.data;
	params[4] = box;
	lengths[3] = (int)r->body.len;
	formats[3] = 1;                           /* the bytes as they are */
	res = PQexecParams(pg, "INSERT INTO photos(sha256, mime, size, data, box_id) "
			   "VALUES ($1, $2, $3::bigint, $4::bytea, $5) ON CONFLICT (sha256) DO NOTHING",
			   5, NULL, params, lengths, formats, 0);
	if (hub_db_ok(res, PGRES_COMMAND_OK, "photo: insert") != 0)
		goto fail;
	fresh = strcmp(PQcmdTuples(res), "1") == 0;
	PQclear(res);
	hub_db_put(r->hub, pg);
	if (fresh)
		pb_info("photo %s (%zu bytes) from box %s", sha256, r->body.len, box);
	snprintf(text, sizeof(text), "{\"sha256\":\"%s\",\"size\":%zu,\"stored\":\"%s\"}", sha256,
		 r->body.len, fresh ? "new" : "present");
	return hub_json(r, MHD_HTTP_OK, text);
fail:
	PQclear(res);
	hub_db_put(r->hub, pg);
	return hub_error(r, e, -1, detail);
}

/* The photo with this hash, or (claim != NULL) the photo a claim's
 * submit record names as its evidence. 404 when the hub has none. */
enum MHD_Result hub_photo_get(struct pb_req *r, PGconn *pg, const char *sha256,
			      const char *claim)
{
	const char *params[1];
	struct MHD_Response *resp;
	PGresult *res;

	if (claim != NULL) {
		params[0] = claim;
		/* from the box the claim belongs to, its latest submit */
		res = PQexecParams(pg, "SELECT p.mime, p.data, p.sha256 FROM claim_owners o "
				   "JOIN records r ON r.box_id = o.box_id "
				   "AND r.payload_json->>'claim_id' = o.claim_id JOIN photos p "
				   "ON p.sha256 = r.payload_json->'evidence'->>'sha256' "
				   "WHERE o.claim_id = $1 AND r.type = 'claim.submit' AND r.refused IS NULL "
				   "ORDER BY r.seq DESC LIMIT 1", 1, NULL, params, NULL, NULL, 1);
	} else {
		if (!pb_sha256_hex_valid(sha256))
			return hub_office_error(r, 404, "not_found", "Foto tidak ditemukan.");
		params[0] = sha256;
		res = PQexecParams(pg, "SELECT mime, data, sha256 FROM photos WHERE sha256 = $1",
				   1, NULL, params, NULL, NULL, 1);
	}
	if (hub_db_ok(res, PGRES_TUPLES_OK, "photo: get") != 0) {
		PQclear(res);
		return hub_office_error(r, 500, "internal", "Kesalahan di hub.");
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		return hub_office_error(r, 404, "not_found", claim != NULL ?
			"Foto kuitansi klaim ini belum sampai di hub." : "Foto tidak ditemukan.");
	}
	resp = MHD_create_response_from_buffer((size_t)PQgetlength(res, 0, 1),
					       PQgetvalue(res, 0, 1), MHD_RESPMEM_MUST_COPY);
	if (resp == NULL) {
		PQclear(res);
		return MHD_NO;
	}
	{
		/* binary results: text columns come as their bytes */
		char mime[32], etag[PB_SHA256_HEX_LEN + 3];
		snprintf(mime, sizeof(mime), "%.*s", PQgetlength(res, 0, 0), PQgetvalue(res, 0, 0));
		snprintf(etag, sizeof(etag), "\"%.*s\"", PQgetlength(res, 0, 2) < PB_SHA256_HEX_LEN ?
			 PQgetlength(res, 0, 2) : PB_SHA256_HEX_LEN, PQgetvalue(res, 0, 2));
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, mime);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	}
	PQclear(res);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "private, no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, "inline");
	return pb_http_queue(r->conn, MHD_HTTP_OK, resp);
}

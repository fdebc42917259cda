/* Downloads: feeds by cursor/ETag and module files by hash with Range
 * (docs/sync-protocol.md §5). */
#include "hub.h"

#include "pb_log.h"
#include "pb_range.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "release": box software releases (release.c); its answer holds the
 * latest release after the cursor only, since a box installs the newest. */
static const char *const kinds[] = { "roster", "rates", "payments", "catalogue", "release",
				     NULL };

static int kind_valid(const char *k)
{
	for (int i = 0; kinds[i] != NULL; i++)
		if (strcmp(kinds[i], k) == 0)
			return 1;
	return 0;
}

int hub_file_path(const struct hub *h, const char *sha256, char *out, size_t len)
{
	int n;

	if (!pb_sha256_hex_valid(sha256))
		return -1;
	n = snprintf(out, len, "%s/%.2s/%s", h->files_dir, sha256, sha256);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

static enum MHD_Result not_modified(struct pb_req *r, const char *etag)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL,
								     MHD_RESPMEM_PERSISTENT);

	if (resp != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	return pb_http_queue(r->conn, MHD_HTTP_NOT_MODIFIED, resp);
}

enum MHD_Result hub_feed(struct pb_req *r, const char *kind)
{
	const char *after_s = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "after");
	const char *inm = hub_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
	char box[PB_PROTO_ID_LEN + 1], centre[128], after[24], limit[16], etag[96];
	const char *params[4];
	long long after_v = 0, last;
	char *end, *text = NULL;
	PGconn *pg;
	PGresult *res = NULL;
	json_t *o = NULL, *items;
	enum pb_proto_err e;
	enum MHD_Result ret;
	int n, more;

	if (!kind_valid(kind))
		return hub_error(r, PB_PROTO_NOT_FOUND, -1, "unknown feed");
	if (after_s != NULL) {
		errno = 0;
		after_v = strtoll(after_s, &end, 10);
		if (errno != 0 || *end != '\0' || after_v < 0)
			return hub_error(r, PB_PROTO_MALFORMED, -1, "after is not a cursor");
	}
	pg = hub_db_get(r->hub);
	if (pg == NULL)
		return hub_unavailable(r);
	e = hub_auth_get(r, pg, box, sizeof(box), centre, sizeof(centre));
	if (e != PB_PROTO_OK) {
		hub_db_put(r->hub, pg);
		return hub_error(r, e, -1, NULL);
	}
	snprintf(after, sizeof(after), "%lld", after_v);
	snprintf(limit, sizeof(limit), "%d", PB_PROTO_FEED_ITEMS_MAX + 1);
	params[0] = kind;
	params[1] = centre;
	params[2] = after;
	params[3] = limit;
	if (strcmp(kind, "release") == 0)
		res = PQexecParams(pg, "SELECT cursor, doc::text FROM feed WHERE kind = $1 AND "
				   "(centre_id IS NULL OR centre_id = $2) AND cursor > $3 "
				   "ORDER BY cursor DESC LIMIT 1", 3, NULL, params, NULL, NULL, 0);
	else
		res = PQexecParams(pg, "SELECT cursor, doc::text FROM feed WHERE kind = $1 AND "
				   "(centre_id IS NULL OR centre_id = $2) AND cursor > $3 "
				   "ORDER BY cursor LIMIT $4", 4, NULL, params, NULL, NULL, 0);
	hub_db_put(r->hub, pg);
	if (hub_db_ok(res, PGRES_TUPLES_OK, "feed") != 0) {
		PQclear(res);
		return hub_error(r, PB_PROTO_INTERNAL, -1, NULL);
	}
	n = PQntuples(res);
	more = n > PB_PROTO_FEED_ITEMS_MAX;
	if (more)
		n = PB_PROTO_FEED_ITEMS_MAX;
	last = n > 0 ? strtoll(PQgetvalue(res, n - 1, 0), NULL, 10) : after_v;
	snprintf(etag, sizeof(etag), "\"%s-%lld\"", kind, last);
	if (n == 0 && inm != NULL && strcmp(inm, etag) == 0) {
		PQclear(res);
		return not_modified(r, etag);
	}
	o = json_pack("{ss sI sb s[]}", "kind", kind, "cursor", (json_int_t)last, "more", more,
		      "items");
	items = json_object_get(o, "items");
	for (int i = 0; i < n; i++) {
		json_t *doc = json_loads(PQgetvalue(res, i, 1), 0, NULL);
		json_array_append_new(items, json_pack("{sI so}", "cursor",
			(json_int_t)strtoll(PQgetvalue(res, i, 0), NULL, 10),
			"doc", doc != NULL ? doc : json_object()));
	}
	PQclear(res);
	text = pb_http_json_text(o, 0);
	if (text == NULL)
		return MHD_NO;
	{
		struct MHD_Response *resp = pb_http_response(text, strlen(text),
			MHD_RESPMEM_MUST_FREE, "application/json; charset=utf-8", 0);
		if (resp != NULL)
			MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
		ret = pb_http_queue(r->conn, MHD_HTTP_OK, resp);
	}
	return ret;
}

enum MHD_Result hub_file(struct pb_req *r, const char *sha256)
{
	char box[PB_PROTO_ID_LEN + 1], centre[128], path[PATH_MAX], crange[96];
	struct pb_range_set rs;
	struct MHD_Response *resp;
	struct stat sb;
	enum pb_proto_err e;
	unsigned status = MHD_HTTP_OK;
	PGconn *pg;
	int fd;

	if (hub_file_path(r->hub, sha256, path, sizeof(path)) != 0)
		return hub_error(r, PB_PROTO_NOT_FOUND, -1, "not a SHA-256");
	pg = hub_db_get(r->hub);
	if (pg == NULL)
		return hub_unavailable(r);
	e = hub_auth_get(r, pg, box, sizeof(box), centre, sizeof(centre));
	hub_db_put(r->hub, pg);
	if (e != PB_PROTO_OK)
		return hub_error(r, e, -1, NULL);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		if (fd >= 0)
			close(fd);
		return hub_error(r, PB_PROTO_NOT_FOUND, -1, "no such file");
	}
	pb_range_parse(hub_header(r, MHD_HTTP_HEADER_RANGE), (uint64_t)sb.st_size, &rs);
	if (rs.kind == PB_RANGE_UNSATISFIABLE) {
		close(fd);
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (resp == NULL)
			return MHD_NO;
		snprintf(crange, sizeof(crange), "bytes */%lld", (long long)sb.st_size);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, crange);
		return pb_http_queue(r->conn, MHD_HTTP_RANGE_NOT_SATISFIABLE, resp);
	}
	if (rs.kind == PB_RANGE_SINGLE) {
		resp = MHD_create_response_from_fd_at_offset64(rs.r[0].last - rs.r[0].first + 1,
							       fd, rs.r[0].first);
		snprintf(crange, sizeof(crange), "bytes %" PRIu64 "-%" PRIu64 "/%lld",
			 rs.r[0].first, rs.r[0].last, (long long)sb.st_size);
		status = MHD_HTTP_PARTIAL_CONTENT;
	} else {
		resp = MHD_create_response_from_fd64((uint64_t)sb.st_size, fd);
	}
	if (resp == NULL) {
		close(fd);
		return MHD_NO;
	}
	if (status == MHD_HTTP_PARTIAL_CONTENT)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, crange);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	return pb_http_queue(r->conn, status, resp);
}

#include "web.h"

#include "pb_catalog.h"
#include "pb_clock.h"
#include "pb_hash.h"
#include "pb_html5.h"
#include "pb_log.h"
#include "pb_range.h"

#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Content-addressed files never change under their URL. */
#define FILE_CACHE_CONTROL "public, max-age=31536000, immutable"

/* Whole-file answers (200, no Content-Disposition) are kept, ready to
 * queue again: an open descriptor and its headers, never the file's
 * bytes. A slot is chosen by the hash, holds one file, and is only used
 * at the catalogue version it was made at, so a file that leaves the
 * catalogue is not served from here. MHD counts its references, so an
 * answer still being sent outlives its eviction. */
#define PB_FILE_CACHE_SLOTS 64
/* The catalogue version the kept answers are checked against is read
 * from the database at most this often: a read transaction costs a
 * dozen file-lock calls, more than the rest of a kept answer. A file
 * that leaves the catalogue may so be served this much longer (its bytes
 * still match its hash: the open descriptor keeps them). */
#define PB_FILE_CACHE_RECHECK_MS 250

/* Whole files up to [web] file_map_max go out from a read-only mapping
 * of the store object, not by sendfile: MHD then writes headers and body
 * in one sendmsg and pushes once, where with a file descriptor (MHD 0.9.75)
 * it pushes the headers out as a packet of their own and sends the body
 * in 128 KiB sendfile calls between socket-option calls (perf: a quarter
 * of pb-web's time in setsockopt for 200 KB files). The price is one copy
 * into the socket, so larger files (videos) stay on sendfile. The mapping
 * lives as long as the answer (kept in a slot below, or being sent);
 * store objects are renamed into place and never rewritten, so a mapped
 * file does not shrink under it. */
struct file_map {
	void *addr;
	size_t len;
};

struct file_slot {
	char sha[PB_SHA256_HEX_LEN + 1];
	int64_t version;
	struct MHD_Response *resp;
};

static struct file_slot file_cache[PB_FILE_CACHE_SLOTS];
static pthread_mutex_t file_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t seen_version = -1, seen_at_ms;    /* under file_cache_lock */

/* The catalogue version, from the database when the last reading is
 * older than PB_FILE_CACHE_RECHECK_MS; -1 on an error. */
static int64_t catalogue_version(sqlite3 *db)
{
	int64_t now = pb_clock_mono_ms(), v = -1;

	pthread_mutex_lock(&file_cache_lock);
	if (seen_version >= 0 && now - seen_at_ms < PB_FILE_CACHE_RECHECK_MS)
		v = seen_version;
	pthread_mutex_unlock(&file_cache_lock);
	if (v >= 0)
		return v;
	v = pb_catalog_version(db);
	pthread_mutex_lock(&file_cache_lock);
	seen_version = v;
	seen_at_ms = now;
	pthread_mutex_unlock(&file_cache_lock);
	return v;
}

static struct file_slot *slot_of(const char *sha)
{
	unsigned v = 0;

	for (int i = 0; i < 8; i++)
		v = v * 16 + (unsigned)(sha[i] <= '9' ? sha[i] - '0' : sha[i] - 'a' + 10);
	return &file_cache[v % PB_FILE_CACHE_SLOTS];
}

/* Queue the kept answer for sha at version; MHD_NO and *hit = 0 when
 * there is none. */
static enum MHD_Result cache_queue(struct pb_req *r, const char *sha, int64_t version,
				   int *hit)
{
	struct file_slot *s = slot_of(sha);
	enum MHD_Result ret = MHD_NO;

	*hit = 0;
	if (version < 0)
		return MHD_NO;
	pthread_mutex_lock(&file_cache_lock);
	if (s->resp != NULL && s->version == version && strcmp(s->sha, sha) == 0) {
		/* queueing takes MHD's own reference; done under the lock so
		 * an eviction cannot free it in between */
		ret = MHD_queue_response(r->conn, MHD_HTTP_OK, s->resp);
		*hit = 1;
	}
	pthread_mutex_unlock(&file_cache_lock);
	if (*hit)
		pb_debug("%s %s from %s: 200 (kept)", r->method, r->url, r->client);
	return ret;
}

/* Keep resp (already carrying every header) for sha at version. */
static void cache_keep(const char *sha, int64_t version, struct MHD_Response *resp)
{
	struct file_slot *s = slot_of(sha);
	struct MHD_Response *old;

	if (version < 0)
		return;
	pthread_mutex_lock(&file_cache_lock);
	old = s->resp;
	s->resp = resp;
	s->version = version;
	snprintf(s->sha, sizeof(s->sha), "%s", sha);
	pthread_mutex_unlock(&file_cache_lock);
	if (old != NULL)
		MHD_destroy_response(old);
}

void pb_files_cache_free(void)
{
	pthread_mutex_lock(&file_cache_lock);
	for (size_t i = 0; i < PB_FILE_CACHE_SLOTS; i++) {
		if (file_cache[i].resp != NULL)
			MHD_destroy_response(file_cache[i].resp);
		file_cache[i].resp = NULL;
	}
	pthread_mutex_unlock(&file_cache_lock);
}

static void unmap_file(void *cls)
{
	struct file_map *m = cls;

	if (m == NULL)
		return;
	munmap(m->addr, m->len);
	free(m);
}

/* A whole-file answer from a mapping of fd (closed here on success);
 * NULL when the file cannot be mapped (the caller uses fd). */
static struct MHD_Response *mapped_response(int fd, size_t len)
{
	struct file_map *m = malloc(sizeof(*m));
	struct MHD_Response *resp;

	if (m == NULL)
		return NULL;
	m->len = len;
	m->addr = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (m->addr == MAP_FAILED) {
		free(m);
		return NULL;
	}
	resp = MHD_create_response_from_buffer_with_free_callback_cls(len, m->addr,
								       unmap_file, m);
	if (resp == NULL) {
		unmap_file(m);
		return NULL;
	}
	close(fd);
	return resp;
}

static void add_common(struct MHD_Response *resp, const char *etag, const char *mime)
{
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, FILE_CACHE_CONTROL);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	if (mime != NULL)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, mime);
}

/* Content-Disposition for ?download=1: an ASCII fallback plus the UTF-8
 * name (RFC 6266 / RFC 8187). */
static void add_disposition(struct MHD_Response *resp, const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	char ascii[PB_FILE_PATH_MAX + 1], ext[PB_FILE_PATH_MAX * 3 + 1];
	char value[sizeof(ascii) + sizeof(ext) + 64];
	size_t a = 0, e = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		int plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.';
		if (a < sizeof(ascii) - 1)
			ascii[a++] = (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\') ?
				     (char)*p : '_';
		if (e + 3 < sizeof(ext)) {
			if (plain) {
				ext[e++] = (char)*p;
			} else {
				ext[e++] = '%';
				ext[e++] = hex[*p >> 4];
				ext[e++] = hex[*p & 15];
			}
		}
	}
	ascii[a] = '\0';
	ext[e] = '\0';
	snprintf(value, sizeof(value), "attachment; filename=\"%s\"; filename*=UTF-8''%s",
		 ascii, ext);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, value);
}

/* Answer with the store object sha as mime: whole, a range, or 304;
 * dl_name: as a download of that name. version >= 0: a whole-file answer
 * is kept (pb_handle_file) at that catalogue version. */
static enum MHD_Result send_stored(struct pb_req *r, const char *sha, const char *mime,
				   const char *dl_name, int64_t version)
{
	struct pb_range_set rs;
	struct MHD_Response *resp;
	struct stat sb;
	char path[PATH_MAX], etag[PB_SHA256_HEX_LEN + 3], crange[96];
	const char *range = pb_header(r, MHD_HTTP_HEADER_RANGE), *if_range;
	int fd, use_range;
	enum MHD_Result ret;
	unsigned status = MHD_HTTP_OK;

	snprintf(etag, sizeof(etag), "\"%s\"", sha);

	if (pb_etag_matches(pb_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH), etag)) {
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (resp == NULL)
			return MHD_NO;
		add_common(resp, etag, NULL);
		return pb_queue(r, MHD_HTTP_NOT_MODIFIED, resp);
	}

	if (pb_store_path(&r->web->store, sha, path, sizeof(path)) != 0)
		return pb_respond_error(r, MHD_HTTP_NOT_FOUND, "not_found", "Berkas tidak ditemukan");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		if (fd >= 0)
			close(fd);
		pb_warn("catalogue file %s is missing from the store", sha);
		return pb_respond_error(r, MHD_HTTP_NOT_FOUND, "not_in_store",
					"Berkas belum tersedia di kotak ini");
	}

	if_range = pb_header(r, MHD_HTTP_HEADER_IF_RANGE);
	/* If-Range: only a matching strong tag keeps the Range; a date or
	 * another tag means "send it all". */
	use_range = range != NULL && (if_range == NULL || strcmp(if_range, etag) == 0);
	pb_range_parse(use_range ? range : NULL, (uint64_t)sb.st_size, &rs);

	switch (rs.kind) {
	case PB_RANGE_UNSATISFIABLE:
		close(fd);
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (resp == NULL)
			return MHD_NO;
		snprintf(crange, sizeof(crange), "bytes */%" PRIu64, (uint64_t)sb.st_size);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, crange);
		add_common(resp, etag, NULL);
		return pb_queue(r, MHD_HTTP_RANGE_NOT_SATISFIABLE, resp);
	case PB_RANGE_SINGLE:
		resp = MHD_create_response_from_fd_at_offset64(
			rs.r[0].last - rs.r[0].first + 1, fd, rs.r[0].first);
		snprintf(crange, sizeof(crange), "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64,
			 rs.r[0].first, rs.r[0].last, (uint64_t)sb.st_size);
		status = MHD_HTTP_PARTIAL_CONTENT;
		break;
	case PB_RANGE_MULTI:       /* answered with the whole file (RFC 9110 allows it) */
	case PB_RANGE_NONE:
		resp = NULL;
		if (sb.st_size > 0 && (uint64_t)sb.st_size <= r->web->cfg.file_map_max)
			resp = mapped_response(fd, (size_t)sb.st_size);
		if (resp == NULL)
			resp = MHD_create_response_from_fd64((uint64_t)sb.st_size, fd);
		break;
	default:
		close(fd);
		return MHD_NO;
	}
	if (resp == NULL) {
		close(fd);
		return MHD_NO;
	}
	if (status == MHD_HTTP_PARTIAL_CONTENT)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, crange);
	add_common(resp, etag, mime);
	if (dl_name != NULL)
		add_disposition(resp, dl_name);
	if (version < 0 || status != MHD_HTTP_OK)
		return pb_queue(r, status, resp);
	pb_http_sandbox_headers(resp);
	ret = MHD_queue_response(r->conn, status, resp);
	pb_debug("%s %s from %s: %u", r->method, r->url, r->client, status);
	cache_keep(sha, version, resp);
	return ret;
}

/* The database for a store request naming sha: NULL with the answer
 * queued in *ret when sha is not a hash or there is no database. */
static sqlite3 *store_db(struct pb_req *r, const char *sha, enum MHD_Result *ret)
{
	sqlite3 *db;

	if (!pb_sha256_hex_valid(sha)) {
		*ret = pb_respond_error(r, MHD_HTTP_NOT_FOUND, "not_found", "Berkas tidak ditemukan");
		return NULL;
	}
	db = pb_web_db(r->web);
	if (db == NULL)
		*ret = pb_respond_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "database",
					"Basis data tidak tersedia");
	return db;
}

/* GET|HEAD /f/{sha256}/{name} */
enum MHD_Result pb_handle_file(struct pb_req *r)
{
	const char *sha = r->params[0];
	struct pb_file_info info;
	const char *range, *dl;
	sqlite3 *db;
	int rc, hit, keep;
	int64_t version;
	enum MHD_Result ret;

	if ((db = store_db(r, sha, &ret)) == NULL)
		return ret;
	/* Only plain whole-file requests use the kept answers, and only in an
	 * event loop (ROUTE_QUICK): they are queued here, not through pb_queue. */
	range = pb_header(r, MHD_HTTP_HEADER_RANGE);
	dl = pb_query(r, "download");
	keep = !r->in_pool && range == NULL && (dl == NULL || strcmp(dl, "1") != 0) &&
	       pb_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH) == NULL;
	version = keep ? catalogue_version(db) : -1;
	ret = cache_queue(r, sha, version, &hit);
	if (hit)
		return ret;
	rc = pb_catalog_file(db, sha, &info);
	if (rc < 0)
		return pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
					"Katalog tidak dapat dibaca");
	if (rc > 0)
		return pb_respond_error(r, MHD_HTTP_NOT_FOUND, "not_found", "Berkas tidak ditemukan");
	return send_stored(r, sha, info.mime, dl != NULL && strcmp(dl, "1") == 0 ? info.name : NULL,
			   keep ? version : -1);
}

/* GET|HEAD /h/{zip sha256}/{path inside the zip}: a file of an HTML5
 * lesson, by a path its index names; a folder means its index.html.
 * Relative links inside the lesson stay under the prefix. */
enum MHD_Result pb_handle_lesson(struct pb_req *r)
{
	const char *p = r->url + strlen(PB_HTML5_URL_PREFIX), *slash;
	char sha[PB_SHA256_HEX_LEN + 1], path[PB_HTML5_PATH_MAX + sizeof(PB_HTML5_INDEX_PAGE)];
	struct pb_html5_hit hit;
	enum MHD_Result ret;
	sqlite3 *db;
	int rc;

	slash = strchr(p, '/');
	if (slash == NULL || slash - p != PB_SHA256_HEX_LEN ||
	    strlen(slash + 1) > PB_HTML5_PATH_MAX)
		return pb_respond_error(r, MHD_HTTP_NOT_FOUND, "not_found", "Berkas tidak ditemukan");
	memcpy(sha, p, PB_SHA256_HEX_LEN);
	sha[PB_SHA256_HEX_LEN] = '\0';
	snprintf(path, sizeof(path), "%s%s", slash + 1,
		 (slash[1] == '\0' || slash[strlen(slash) - 1] == '/') ? PB_HTML5_INDEX_PAGE : "");
	if ((db = store_db(r, sha, &ret)) == NULL)
		return ret;
	rc = pb_html5_lookup(db, sha, path, &hit);
	if (rc < 0)
		return pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
					"Katalog tidak dapat dibaca");
	if (rc > 0)
		return pb_respond_error(r, MHD_HTTP_NOT_FOUND, "not_found", "Berkas tidak ditemukan");
	return send_stored(r, hit.sha256, hit.mime, NULL, -1);
}

#include "web.h"

#include "pb_catalog.h"
#include "pb_hash.h"
#include "pb_manifest.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The catalogue answers are cached, plain and gzipped, per query and
 * catalogue version: phones ask for the same list all day long, and it only
 * changes when modules are imported. */
#define CATALOG_CACHE_SLOTS 16
#define CATALOG_KEY_MAX     (PB_CATALOG_QUERY_MAX * 4 + PB_MODULE_SUBJECT_MAX * 4 + 16)

struct cached_answer {
	char key[CATALOG_KEY_MAX];
	int64_t version;
	char *text, *gz;
	size_t len, gzlen;
	char etag[24];
	unsigned long used;                /* for least-recently-used eviction */
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cached_answer cache[CATALOG_CACHE_SLOTS];
static unsigned long cache_clock;

void pb_modules_cache_free(void)
{
	pthread_mutex_lock(&cache_lock);
	for (int i = 0; i < CATALOG_CACHE_SLOTS; i++) {
		free(cache[i].text);
		free(cache[i].gz);
		memset(&cache[i], 0, sizeof(cache[i]));
	}
	pthread_mutex_unlock(&cache_lock);
}

/* Make a response from the cache entry for key at version, if present. */
static struct MHD_Response *from_cache(struct pb_req *r, const char *key, int64_t version,
				       char etag[24])
{
	struct MHD_Response *resp = NULL;
	int gz = pb_accepts_gzip(r);

	pthread_mutex_lock(&cache_lock);
	for (int i = 0; i < CATALOG_CACHE_SLOTS; i++) {
		struct cached_answer *c = &cache[i];
		if (c->text == NULL || c->version != version || strcmp(c->key, key) != 0)
			continue;
		c->used = ++cache_clock;
		memcpy(etag, c->etag, 24);
		if (pb_etag_matches(pb_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH), etag)) {
			resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		} else if (gz && c->gz != NULL) {
			resp = MHD_create_response_from_buffer(c->gzlen, c->gz, MHD_RESPMEM_MUST_COPY);
			if (resp != NULL)
				MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
		} else {
			resp = MHD_create_response_from_buffer(c->len, c->text, MHD_RESPMEM_MUST_COPY);
		}
		break;
	}
	pthread_mutex_unlock(&cache_lock);
	return resp;
}

static void to_cache(const char *key, int64_t version, char *text, size_t len)
{
	struct cached_answer *victim = &cache[0];
	char hex[PB_SHA256_HEX_LEN + 1];
	size_t gzlen = 0;
	char *gz = pb_gzip(text, len, &gzlen);

	pb_sha256_hex(text, len, hex);
	pthread_mutex_lock(&cache_lock);
	for (int i = 0; i < CATALOG_CACHE_SLOTS; i++) {
		if (cache[i].text == NULL || strcmp(cache[i].key, key) == 0) {
			victim = &cache[i];
			break;
		}
		if (cache[i].used < victim->used)
			victim = &cache[i];
	}
	free(victim->text);
	free(victim->gz);
	snprintf(victim->key, sizeof(victim->key), "%s", key);
	victim->version = version;
	victim->text = text;
	victim->len = len;
	victim->gz = gz;
	victim->gzlen = gzlen;
	snprintf(victim->etag, sizeof(victim->etag), "\"c%.16s\"", hex);
	victim->used = ++cache_clock;
	pthread_mutex_unlock(&cache_lock);
}

static enum MHD_Result send_cached(struct pb_req *r, struct MHD_Response *resp,
				   const char *etag)
{
	unsigned status = pb_etag_matches(pb_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH), etag) ?
		MHD_HTTP_NOT_MODIFIED : MHD_HTTP_OK;

	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, "Accept-Encoding");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	return pb_queue(r, status, resp);
}

static int kk_valid(const char *kk)
{
	return kk == NULL || kk[0] == '\0' ||
	       (kk[0] >= 'A' && kk[0] <= 'J' && kk[1] == '\0');
}

static enum MHD_Result query(struct pb_req *r, const struct pb_catalog_filter *f,
			     int single)
{
	sqlite3 *db = pb_web_db(r->web);
	json_t *res, *mods;
	char key[CATALOG_KEY_MAX], etag[24];
	struct MHD_Response *resp;
	int64_t version;
	char *text;

	if (db == NULL)
		return pb_respond_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "database",
					"Basis data tidak tersedia");
	version = single ? -1 : pb_catalog_version(db);
	if (version >= 0) {
		snprintf(key, sizeof(key), "%s\x1f%s\x1f%s\x1f%ld\x1f%ld", f->kk ? f->kk : "",
			 f->subject ? f->subject : "", f->q ? f->q : "", f->limit, f->offset);
		resp = from_cache(r, key, version, etag);
		if (resp != NULL)
			return send_cached(r, resp, etag);
	}
	res = pb_catalog_query(db, f);
	if (res == NULL)
		return pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
					"Katalog tidak dapat dibaca");
	if (!single) {
		if (version < 0)
			return pb_respond_json(r, MHD_HTTP_OK, res);
		text = json_dumps(res, JSON_COMPACT | JSON_ENSURE_ASCII);
		json_decref(res);
		if (text == NULL)
			return MHD_NO;
		to_cache(key, version, text, strlen(text));
		resp = from_cache(r, key, version, etag);
		if (resp == NULL)
			return MHD_NO;
		return send_cached(r, resp, etag);
	}
	mods = json_object_get(res, "modules");
	if (json_array_size(mods) == 0) {
		json_decref(res);
		return pb_respond_error(r, MHD_HTTP_NOT_FOUND, "not_found",
					"Modul tidak ditemukan");
	}
	json_incref(json_array_get(mods, 0));
	{
		json_t *one = json_array_get(mods, 0);
		json_decref(res);
		return pb_respond_json(r, MHD_HTTP_OK, one);
	}
}

/* A whole number in [lo, hi] from the query string; def when absent;
 * -1 when present but not such a number. */
static long query_number(struct pb_req *r, const char *name, long lo, long hi, long def)
{
	const char *v = pb_query(r, name);
	char *end;
	long n;

	if (v == NULL)
		return def;
	if (v[0] < '0' || v[0] > '9' || strlen(v) > 9)
		return -1;
	n = strtol(v, &end, 10);
	return (*end != '\0' || n < lo || n > hi) ? -1 : n;
}

/* GET /api/v1/modules?kk=A&subject=…&q=…&limit=N&offset=N */
enum MHD_Result pb_handle_modules(struct pb_req *r)
{
	struct pb_catalog_filter f;
	long qlen;

	memset(&f, 0, sizeof(f));
	f.kk = pb_query(r, "kk");
	f.subject = pb_query(r, "subject");
	f.q = pb_query(r, "q");
	if (!kk_valid(f.kk))
		return pb_respond_error(r, MHD_HTTP_BAD_REQUEST, "bad_kk",
					"Kelompok Kompetensi harus satu huruf A sampai J");
	if (f.q != NULL) {
		qlen = pb_utf8_len(f.q);
		if (qlen < 0 || qlen > PB_CATALOG_QUERY_MAX)
			return pb_respond_error(r, MHD_HTTP_BAD_REQUEST, "bad_query",
						"Kata pencarian tidak sah atau terlalu panjang");
	}
	f.limit = query_number(r, "limit", 1, PB_CATALOG_PAGE_MAX, 0);
	f.offset = query_number(r, "offset", 0, 1000000, 0);
	if (f.limit < 0 || f.offset < 0)
		return pb_respond_error(r, MHD_HTTP_BAD_REQUEST, "bad_page",
					"limit harus 1 sampai 500 dan offset bilangan bulat");
	if (f.subject != NULL && pb_utf8_len(f.subject) < 0)
		return pb_respond_error(r, MHD_HTTP_BAD_REQUEST, "bad_subject",
					"Mata pelajaran tidak sah");
	return query(r, &f, 0);
}

/* GET /api/v1/modules/{id} */
enum MHD_Result pb_handle_module(struct pb_req *r)
{
	struct pb_catalog_filter f;

	memset(&f, 0, sizeof(f));
	f.id = r->params[0];
	return query(r, &f, 1);
}

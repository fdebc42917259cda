#include "web.h"

#include "pb_catalog.h"
#include "pb_manifest.h"

#include <string.h>

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

	if (db == NULL)
		return pb_respond_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "database",
					"Basis data tidak tersedia");
	res = pb_catalog_query(db, f);
	if (res == NULL)
		return pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "database",
					"Katalog tidak dapat dibaca");
	if (!single)
		return pb_respond_json(r, MHD_HTTP_OK, res);
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

/* GET /api/v1/modules?kk=A&subject=…&q=… */
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

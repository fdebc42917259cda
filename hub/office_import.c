/* POST /v1/kantor/import: a USB stick's pb-outbox/ folder, zipped, sent
 * from the office's page (kantor-admin, CSRF) and taken exactly as
 * `pb-hub import DIR` takes the folder (carry.c): each box's manifest,
 * each batch checked against it and the box's key, stored as an upload
 * (so nothing twice, also with the backhaul); the answer says what each
 * box's batches did and carries each box's signed ack.json, which goes
 * back to the stick (needs -k). Read in memory with libzip: pb-hub writes
 * no file. */
#include "hub.h"

#include "pb_carry.h"
#include "pb_log.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#define IMPORT_TYPE "application/zip"

/* The entry called name, whole, if it is at most max bytes: 0 with *out
 * (malloc'd, NUL-terminated) and *len; -1 when missing, too large or
 * damaged (its CRC), with why. */
static int entry_read(zip_t *za, const char *name, size_t max, char **out, size_t *len,
		      const char **why)
{
	zip_stat_t st;
	zip_int64_t i = zip_name_locate(za, name, 0), n;
	zip_file_t *f;
	char *buf;
	size_t got = 0;

	*out = NULL;
	*why = "missing from the zip";
	if (i < 0 || zip_stat_index(za, (zip_uint64_t)i, 0, &st) != 0)
		return -1;
	*why = "larger than it may be";
	if (!(st.valid & ZIP_STAT_SIZE) || st.size > max)
		return -1;
	*why = "cannot be read (damaged in the zip)";
	f = zip_fopen_index(za, (zip_uint64_t)i, 0);
	if (f == NULL)
		return -1;
	buf = malloc((size_t)st.size + 1);
	while (buf != NULL && got < st.size) {
		n = zip_fread(f, buf + got, st.size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	/* the CRC is checked at the end of the entry */
	if (buf == NULL || got != st.size || zip_fclose(f) != 0) {
		free(buf);
		return -1;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

/* One box's folder (prefix: "…pb-outbox/BOX_ID/"): its result. */
static json_t *import_box(struct hub *h, PGconn *pg, zip_t *za, const char *prefix,
			  const char *box)
{
	struct pb_carry_manifest m;
	struct hub_ingest_result got;
	char name[PATH_MAX], pk[PB_PROTO_PK_HEX_LEN + 1], why[256] = "", *text = NULL, *body;
	const char *rwhy = "";
	json_t *o = json_pack("{ss si si si si}", "box_id", box, "batches", 0, "stored", 0,
			      "duplicates", 0, "refused", 0);
	enum pb_proto_err e;
	int64_t acked = 0;
	size_t len, stored = 0, dup = 0, done = 0;
	char *ack;

	memset(&m, 0, sizeof(m));
	snprintf(name, sizeof(name), "%s" PB_CARRY_MANIFEST, prefix);
	if (entry_read(za, name, PB_CARRY_MANIFEST_MAX, &text, &len, &rwhy) != 0) {
		snprintf(why, sizeof(why), PB_CARRY_MANIFEST " %s", rwhy);
		goto out;
	}
	if (pb_carry_manifest_parse(text, len, &m, why, sizeof(why)) != 0)
		goto out;
	if (strcmp(m.box_id, box) != 0) {
		snprintf(why, sizeof(why), "the manifest names another box");
		goto out;
	}
	e = hub_carry_box_key(pg, box, pk, sizeof(pk));
	if (e != PB_PROTO_OK) {
		snprintf(why, sizeof(why), "%s: %s", pb_proto_err_code(e), pb_proto_err_words(e));
		json_object_set_new(o, "refused", json_integer((json_int_t)m.n));
		goto out;
	}
	for (; done < m.n; done++) {
		const struct pb_carry_batch *b = &m.batches[done];

		if ((size_t)snprintf(name, sizeof(name), "%s%s", prefix, b->file) >= sizeof(name) ||
		    entry_read(za, name, PB_PROTO_BATCH_GZ_MAX, &body, &len, &rwhy) != 0) {
			snprintf(why, sizeof(why), "%s: %s", b->file, rwhy);
			break;
		}
		e = hub_carry_batch(pg, box, pk, b, body, len, &got, why, sizeof(why));
		free(body);
		if (e != PB_PROTO_OK) {
			char what[sizeof(why)];

			snprintf(what, sizeof(what), "%s", why);
			snprintf(why, sizeof(why), "%s (seq %lld..%lld): %s%s%s", b->file,
				 (long long)b->first, (long long)b->last, pb_proto_err_code(e),
				 what[0] ? ": " : "", what);
			break;
		}
		json_decref(got.refused);
		stored += got.stored;
		dup += got.duplicates;
	}
	/* the later batches follow on from a refused one */
	json_object_set_new(o, "refused", json_integer((json_int_t)(m.n - done)));
	json_object_set_new(o, "batches", json_integer((json_int_t)done));
	json_object_set_new(o, "stored", json_integer((json_int_t)stored));
	json_object_set_new(o, "duplicates", json_integer((json_int_t)dup));
	ack = hub_carry_ack(h, pg, box, &acked);
	if (ack != NULL) {
		json_object_set_new(o, "acked", json_integer(acked));
		json_object_set_new(o, "ack", json_string(ack));
		json_object_set_new(o, "ack_path", json_sprintf(PB_CARRY_DIR "/%s/" PB_CARRY_ACK,
								box));
		free(ack);
	}
	pb_notice("import from the office's page: box %s: %zu batch(es), %zu stored, %zu "
		  "already held%s%s", box, done, stored, dup, why[0] ? "; refused: " : "", why);
out:
	if (why[0] != '\0')
		json_object_set_new(o, "error", json_string(why));
	free(text);
	pb_carry_manifest_free(&m);
	return o;
}

/* "…pb-outbox/BOX_ID/manifest.json": 1 with the box's folder in prefix
 * and its id in box, else 0. */
static int manifest_entry(const char *name, char *prefix, size_t plen, char *box)
{
	static const char tail[] = "/" PB_CARRY_MANIFEST, dir[] = PB_CARRY_DIR "/";
	size_t n = strlen(name), b;

	if (n < sizeof(dir) - 1 + PB_PROTO_ID_LEN + sizeof(tail) - 1 || n >= plen ||
	    strcmp(name + n - (sizeof(tail) - 1), tail) != 0)
		return 0;
	b = n - (sizeof(tail) - 1) - PB_PROTO_ID_LEN;           /* the box id's start */
	if (strncmp(name + b - (sizeof(dir) - 1), dir, sizeof(dir) - 1) != 0 ||
	    (b - (sizeof(dir) - 1) > 0 && name[b - sizeof(dir)] != '/'))
		return 0;
	memcpy(box, name + b, PB_PROTO_ID_LEN);
	box[PB_PROTO_ID_LEN] = '\0';
	if (!pb_hex_valid(box, PB_PROTO_ID_LEN))
		return 0;
	memcpy(prefix, name, b + PB_PROTO_ID_LEN + 1);
	prefix[b + PB_PROTO_ID_LEN + 1] = '\0';
	return 1;
}

enum MHD_Result hub_office_import(struct pb_req *r, PGconn *pg,
				  const struct hub_office_who *w, const char *id)
{
	const char *ct = hub_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	char prefix[PATH_MAX], box[PB_PROTO_ID_LEN + 1];
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za;
	zip_int64_t n;
	json_t *boxes;
	size_t stored = 0;

	(void)id;
	if (ct == NULL || strncasecmp(ct, IMPORT_TYPE, sizeof(IMPORT_TYPE) - 1) != 0)
		return hub_web_fail(r, 415, "need_zip", "Kirim folder pb-outbox dari flashdisk "
				    "sebagai berkas zip (application/zip).");
	if (!r->hub->has_sign_key)
		return hub_web_fail(r, 503, "no_hub_key", "Hub ini berjalan tanpa kuncinya (-k): "
				    "tanda terima untuk flashdisk tidak dapat dibuat.");
	if (r->body.data == NULL || r->body.len == 0)
		return hub_web_fail(r, 400, "no_body", "Berkas zip kosong.");
	zip_error_init(&ze);
	src = zip_source_buffer_create(r->body.data, r->body.len, 0, &ze);
	za = src != NULL ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze) : NULL;
	if (za == NULL) {
		zip_source_free(src);
		zip_error_fini(&ze);
		return hub_web_fail(r, 400, "bad_zip", "Berkas ini bukan zip yang utuh.");
	}
	zip_error_fini(&ze);
	n = zip_get_num_entries(za, 0);
	if (n < 0 || n > HUB_OFFICE_IMPORT_ENTRIES_MAX) {
		zip_discard(za);
		return hub_web_fail(r, 413, "too_many_files", "Zip ini berisi terlalu banyak berkas "
				    "(paling banyak 100000): pakai pb-hub import DIR.");
	}
	boxes = json_array();
	for (zip_int64_t i = 0; i < n; i++) {
		const char *name = zip_get_name(za, (zip_uint64_t)i, 0);
		json_t *one;

		if (name == NULL || !manifest_entry(name, prefix, sizeof(prefix), box))
			continue;
		if (json_array_size(boxes) >= PB_CARRY_BOXES_MAX)
			break;
		one = import_box(r->hub, pg, za, prefix, box);
		stored += (size_t)json_integer_value(json_object_get(one, "stored"));
		json_array_append_new(boxes, one);
	}
	zip_discard(za);
	if (json_array_size(boxes) == 0) {
		json_decref(boxes);
		return hub_web_fail(r, 400, "no_outbox", "Zip ini tidak berisi folder "
				    "pb-outbox/KOTAK/ dengan manifest.json (dari pbctl outbox export).");
	}
	(void)hub_office_audit(pg, w->name, "outbox.import", "", r->addr);
	return hub_web_reply(r, 200, json_pack("{so sI}", "boxes", boxes, "stored",
					       (json_int_t)stored), NULL);
}

/* The office's exports as spreadsheets (pb_xlsx, libxlsxwriter): `pb-hub
 * export claims|attendance --xlsx FILE`. Claims across centres get, besides
 * the list, one sheet each by kabupaten/kota (where the teacher came
 * from), by activity and by payment status, with SUM formulas. The book
 * is made here once (hub_export_book) and written two ways: to a file by
 * the operator's verb, and over HTTP by the export worker (xlsx_worker.c),
 * since the server itself runs under a filter that writes no files. */
#include "hub.h"

#include "pb_log.h"
#include "pb_xlsx.h"

#include <stdlib.h>
#include <string.h>

/* columns of hub_export_rows("claims") */
enum { C_CENTRE, C_SESSION, C_CLAIM, C_NUPTK, C_NO_PESERTA, C_NAME, C_ITEM, C_AMOUNT, C_PAID,
       C_ORIGIN, C_TITLE };

static json_t *sheet(const char *name, json_t *head, json_t *money, json_t *rows, json_t *sum)
{
	return json_pack("{s:s, s:o, s:o, s:o, s:o, s:s}", "name", name, "head", head, "money",
			 money, "rows", rows, "sum", sum, "sum_label", "JUMLAH");
}

/* Add a claim of amount to the group key of map: [key..., count, sum]. */
static int tally(json_t *map, const char *key, json_t *cells, json_int_t amount)
{
	json_t *g = json_object_get(map, key);

	if (g == NULL) {
		g = cells;
		json_array_append_new(g, json_integer(0));
		json_array_append_new(g, json_integer(0));
		if (json_object_set_new(map, key, g) != 0)
			return -1;
	} else {
		json_decref(cells);
	}
	size_t n = json_array_size(g);
	json_array_set_new(g, n - 2, json_integer(json_integer_value(json_array_get(g, n - 2)) + 1));
	json_array_set_new(g, n - 1, json_integer(json_integer_value(json_array_get(g, n - 1)) +
						  amount));
	return 0;
}

/* The groups of map as rows, in key order (json objects keep insertion
 * order; the query is ordered by centre and session already). */
static json_t *group_rows(json_t *map)
{
	json_t *rows = json_array(), *g;
	const char *key;

	json_object_foreach(map, key, g)
		json_array_append(rows, g);
	return rows;
}

static json_t *claims_book(PGresult *res)
{
	json_t *rows = json_array(), *by_origin = json_object(), *by_activity = json_object();
	json_t *by_status = json_object(), *book = NULL;
	int n = PQntuples(res);

	if (rows == NULL || by_origin == NULL || by_activity == NULL || by_status == NULL)
		goto out;
	for (int i = 0; i < n; i++) {
		const char *paid = strcmp(PQgetvalue(res, i, C_PAID), "yes") == 0 ? "Dibayar" :
				   "Belum dibayar";
		const char *origin = PQgetvalue(res, i, C_ORIGIN)[0] ? PQgetvalue(res, i, C_ORIGIN) :
				     "(tanpa asal)";
		json_int_t amount = strtoll(PQgetvalue(res, i, C_AMOUNT), NULL, 10);
		char key[512];
		json_t *row = json_pack("[s, s, s, s, s, s, s, s, s, I, s]",
			PQgetvalue(res, i, C_CENTRE), PQgetvalue(res, i, C_TITLE),
			PQgetvalue(res, i, C_SESSION), PQgetvalue(res, i, C_CLAIM),
			PQgetvalue(res, i, C_NUPTK), PQgetvalue(res, i, C_NO_PESERTA),
			PQgetvalue(res, i, C_NAME),
			PQgetvalue(res, i, C_ITEM), origin, amount, paid);
		if (row == NULL || json_array_append_new(rows, row) != 0)
			goto out;
		snprintf(key, sizeof(key), "%s\x1f%s", PQgetvalue(res, i, C_CENTRE),
			 PQgetvalue(res, i, C_SESSION));
		if (tally(by_origin, origin, json_pack("[s]", origin), amount) != 0 ||
		    tally(by_activity, key, json_pack("[s, s, s]", PQgetvalue(res, i, C_CENTRE),
			  PQgetvalue(res, i, C_TITLE), PQgetvalue(res, i, C_SESSION)), amount) != 0 ||
		    tally(by_status, paid, json_pack("[s]", paid), amount) != 0)
			goto out;
	}
	book = json_pack("[o, o, o, o]",
		sheet("Klaim", json_pack("[s, s, s, s, s, s, s, s, s, s, s]", "Pusat", "Kegiatan",
			"ID kegiatan", "ID klaim", "NUPTK", "No Peserta", "Nama", "Item",
			"Kabupaten/kota asal", "Jumlah (Rp)", "Status"), json_pack("[i]", 9),
		      json_incref(rows), json_pack("[i]", 9)),
		sheet("Per kabupaten-kota", json_pack("[s, s, s]", "Kabupaten/kota asal", "Klaim",
			"Jumlah (Rp)"), json_pack("[i]", 2), group_rows(by_origin), json_pack("[i, i]", 1, 2)),
		sheet("Per kegiatan", json_pack("[s, s, s, s, s]", "Pusat", "Kegiatan", "ID kegiatan",
			"Klaim", "Jumlah (Rp)"), json_pack("[i]", 4), group_rows(by_activity),
		      json_pack("[i, i]", 3, 4)),
		sheet("Per status pembayaran", json_pack("[s, s, s]", "Status", "Klaim",
			"Jumlah (Rp)"), json_pack("[i]", 2), group_rows(by_status), json_pack("[i, i]", 1, 2)));
out:
	json_decref(rows);
	json_decref(by_origin);
	json_decref(by_activity);
	json_decref(by_status);
	return book;
}

/* The attendance rows, their first cols columns (those of the CSV). */
static json_t *attendance_book(PGresult *res, int cols)
{
	json_t *rows = json_array();
	int n = PQntuples(res);

	for (int i = 0; rows != NULL && i < n; i++) {
		json_t *row = json_array();
		for (int c = 0; row != NULL && c < cols; c++)
			json_array_append_new(row, c == 3 || c == 10 ?
				json_integer(strtoll(PQgetvalue(res, i, c), NULL, 10)) :
				json_string(PQgetvalue(res, i, c)));
		if (row == NULL || json_array_append_new(rows, row) != 0) {
			json_decref(rows);
			return NULL;
		}
	}
	return json_pack("[o]", sheet("Kehadiran", json_pack("[s, s, s, s, s, s, s, s, s, s, s, s, s, s]",
		"Pusat", "ID kegiatan", "Kotak", "Urutan", "ID catatan", "Jenis", "NUPTK", "No Peserta",
		"Nama",
		"Tanggal", "Waktu (ms)", "Sumber jam", "Diterima hub", "Jam mundur"), json_array(),
		rows, json_array()));
}

json_t *hub_export_book(PGconn *pg, const char *kind, const char *centre,
			const char *session, int *unknown)
{
	const char *head;
	int ncsv;
	PGresult *res;
	json_t *book;

	res = hub_export_rows(pg, kind, centre, session, &head, &ncsv, unknown);
	if (res == NULL)
		return NULL;
	book = strcmp(kind, "claims") == 0 ? claims_book(res) : attendance_book(res, ncsv);
	PQclear(res);
	return book;
}

int hub_export_xlsx(PGconn *pg, const char *kind, const char *centre, const char *session,
		    const char *path)
{
	int unknown, rc;
	json_t *book = hub_export_book(pg, kind, centre, session, &unknown);

	if (book == NULL)
		return unknown ? -2 : -1;
	rc = pb_xlsx_write(path, NULL, book);
	json_decref(book);
	if (rc == 0)
		pb_info("export %s: %s written", kind, path);
	return rc;
}

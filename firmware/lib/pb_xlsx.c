#include "pb_xlsx.h"

#include "pb_csv.h"
#include "pb_log.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#define SHEET_NAME_MAX 31          /* Excel's limit on a sheet name */
#define COLUMN_WIDTH_MAX 60        /* characters */
#define RUPIAH_FORMAT "\"Rp \"#,##0"

static int is_money(const json_t *money, size_t col)
{
	size_t i;
	const json_t *v;

	json_array_foreach(money, i, v)
		if ((size_t)json_integer_value(v) == col)
			return 1;
	return 0;
}

/* A text cell as the CSVs write it: a leading apostrophe keeps what a
 * spreadsheet would take for a formula as text. */
static lxw_error put_text(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s,
			  lxw_format *f)
{
	char *buf;
	lxw_error e;

	if (!pb_csv_needs_neutral(s))
		return worksheet_write_string(ws, r, c, s, f);
	buf = malloc(strlen(s) + 2);
	if (buf == NULL)
		return LXW_ERROR_MEMORY_MALLOC_FAILED;
	buf[0] = '\'';
	memcpy(buf + 1, s, strlen(s) + 1);
	e = worksheet_write_string(ws, r, c, buf, f);
	free(buf);
	return e;
}

static int write_sheet(lxw_workbook *wb, const json_t *sh, lxw_format *bold, lxw_format *money_fmt,
		       lxw_format *money_bold)
{
	const json_t *head = json_object_get(sh, "head"), *rows = json_object_get(sh, "rows");
	const json_t *money = json_object_get(sh, "money"), *sum = json_object_get(sh, "sum");
	const char *label = json_string_value(json_object_get(sh, "sum_label"));
	char name[SHEET_NAME_MAX + 1];
	size_t ncol = json_array_size(head), nrow = json_array_size(rows), i, j;
	unsigned width[64] = { 0 };
	lxw_worksheet *ws;
	const json_t *row, *cell;

	if (nrow > PB_XLSX_ROWS_MAX || ncol == 0 || ncol > sizeof(width) / sizeof(width[0]))
		return -1;
	/* Excel refuses []:*?/\ in sheet names */
	snprintf(name, sizeof(name), "%s", json_string_value(json_object_get(sh, "name")) ?
		 json_string_value(json_object_get(sh, "name")) : "Sheet");
	for (char *p = name; *p; p++)
		if (strchr("[]:*?/\\", *p) != NULL)
			*p = '-';
	ws = workbook_add_worksheet(wb, name);
	if (ws == NULL)
		return -1;
	json_array_foreach(head, j, cell) {
		if (put_text(ws, 0, (lxw_col_t)j, json_string_value(cell), bold) != LXW_NO_ERROR)
			return -1;
		width[j] = (unsigned)strlen(json_string_value(cell));
	}
	worksheet_freeze_panes(ws, 1, 0);
	json_array_foreach(rows, i, row) {
		json_array_foreach(row, j, cell) {
			lxw_row_t r = (lxw_row_t)(i + 1);
			lxw_error e;
			if (j >= ncol)
				break;
			if (json_is_integer(cell)) {
				e = worksheet_write_number(ws, r, (lxw_col_t)j,
							   (double)json_integer_value(cell),
							   is_money(money, j) ? money_fmt : NULL);
				if (width[j] < 14)
					width[j] = 14;
			} else {
				const char *s = json_string_value(cell);
				e = put_text(ws, r, (lxw_col_t)j, s != NULL ? s : "", NULL);
				if (s != NULL && strlen(s) > width[j])
					width[j] = (unsigned)strlen(s);
			}
			if (e != LXW_NO_ERROR)
				return -1;
		}
	}
	if (json_array_size(sum) > 0 && nrow > 0) {
		lxw_row_t r = (lxw_row_t)(nrow + 1);
		if (label != NULL && put_text(ws, r, 0, label, bold) != LXW_NO_ERROR)
			return -1;
		json_array_foreach(sum, i, cell) {
			lxw_col_t c = (lxw_col_t)json_integer_value(cell);
			char formula[64], from[16], to[16];
			double total = 0;
			json_array_foreach(rows, j, row)
				total += (double)json_integer_value(json_array_get(row, c));
			lxw_rowcol_to_cell(from, 1, c);
			lxw_rowcol_to_cell(to, (lxw_row_t)nrow, c);
			snprintf(formula, sizeof(formula), "=SUM(%s:%s)", from, to);
			if (worksheet_write_formula_num(ws, r, c, formula, is_money(money, c) ?
							money_bold : bold, total) != LXW_NO_ERROR)
				return -1;
		}
	}
	for (j = 0; j < ncol; j++)
		worksheet_set_column(ws, (lxw_col_t)j, (lxw_col_t)j,
				     (width[j] > COLUMN_WIDTH_MAX ? COLUMN_WIDTH_MAX : width[j]) + 2,
				     NULL);
	return 0;
}

int pb_xlsx_rows_over(const json_t *book)
{
	const json_t *sh;
	size_t i;

	json_array_foreach(book, i, sh)
		if (json_array_size(json_object_get(sh, "rows")) > PB_XLSX_ROWS_MAX)
			return 1;
	return 0;
}

int pb_xlsx_write(const char *path, const char *tmpdir, const json_t *book)
{
	lxw_workbook_options opt = { .constant_memory = 0, .tmpdir = (char *)tmpdir,
				     .use_zip64 = 0 };
	lxw_workbook *wb;
	lxw_format *bold, *money, *money_bold;
	lxw_error e;
	const json_t *sh;
	size_t i;
	int rc = 0;

	if (!json_is_array(book) || json_array_size(book) == 0 ||
	    json_array_size(book) > PB_XLSX_SHEETS_MAX)
		return -1;
	wb = workbook_new_opt(path, &opt);
	if (wb == NULL) {
		pb_err("xlsx: cannot start %s", path);
		return -1;
	}
	bold = workbook_add_format(wb);
	money = workbook_add_format(wb);
	money_bold = workbook_add_format(wb);
	format_set_bold(bold);
	format_set_num_format(money, RUPIAH_FORMAT);
	format_set_num_format(money_bold, RUPIAH_FORMAT);
	format_set_bold(money_bold);
	json_array_foreach(book, i, sh)
		if (rc == 0 && write_sheet(wb, sh, bold, money, money_bold) != 0) {
			pb_err("xlsx: sheet %zu could not be written", i + 1);
			rc = -1;
		}
	e = workbook_close(wb);         /* frees the workbook also after an error */
	if (e != LXW_NO_ERROR) {
		pb_err("xlsx: %s: %s", path, lxw_strerror(e));
		rc = -1;
	}
	return rc;
}

int pb_xlsx_build(const char *tmpdir, const json_t *book, char **out, size_t *len)
{
	char path[PATH_MAX];
	struct stat stt;
	FILE *f = NULL;
	char *buf = NULL;
	int fd, rc = -1, n;

	*out = NULL;
	*len = 0;
	n = snprintf(path, sizeof(path), "%s/xlsx-XXXXXX", tmpdir != NULL ? tmpdir : "/tmp");
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	fd = mkstemp(path);
	if (fd < 0) {
		pb_err("xlsx: cannot make a file in %s: %s", tmpdir, strerror(errno));
		return -1;
	}
	close(fd);
	if (pb_xlsx_write(path, tmpdir, book) != 0)
		goto out;
	f = fopen(path, "rb");
	if (f == NULL || fstat(fileno(f), &stt) != 0 || stt.st_size <= 0)
		goto out;
	buf = malloc((size_t)stt.st_size);
	if (buf == NULL || fread(buf, 1, (size_t)stt.st_size, f) != (size_t)stt.st_size)
		goto out;
	*out = buf;
	*len = (size_t)stt.st_size;
	buf = NULL;
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	free(buf);
	unlink(path);
	return rc;
}

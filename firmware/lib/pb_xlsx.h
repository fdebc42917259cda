/* pb_xlsx: spreadsheets (XLSX, written by libxlsxwriter) for the finance
 * office, from the same JSON as the pages and the CSVs.
 *
 * A book is described as JSON: [{"name": sheet name, "head": [column
 * titles], "money": [indexes of rupiah columns], "rows": [[cells]],
 * "sum": [indexes summed in a last row], "sum_label": "JUMLAH"}]. Text
 * cells are formula-neutralised like the CSVs; integers are numbers
 * (rupiah columns with a "Rp" number format); the header row is frozen;
 * the last row's sums are SUM() formulas carrying their value. Also used
 * by pb-hub for the office's exports across centres. */
#ifndef PB_XLSX_H
#define PB_XLSX_H

#include <jansson.h>
#include <stddef.h>

#define PB_XLSX_SHEETS_MAX  400    /* sheets in one book (a year of days) */
#define PB_XLSX_ROWS_MAX    100000 /* rows of one sheet */
#define PB_XLSX_MIME "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* 1 when a sheet of the book has more than PB_XLSX_ROWS_MAX rows (it
 * would not be written), else 0. */
int pb_xlsx_rows_over(const json_t *book);

/* Write the book to path (libxlsxwriter's temporary files in tmpdir, or
 * the system's when NULL). 0/-1 (the reason logged). */
int pb_xlsx_write(const char *path, const char *tmpdir, const json_t *book);

/* Write the book to a fresh file in tmpdir, read it back and remove it:
 * *out (malloc'd) and *len. 0/-1. */
int pb_xlsx_build(const char *tmpdir, const json_t *book, char **out, size_t *len);

#endif

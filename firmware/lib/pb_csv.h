/* pb_csv: a small, strict RFC 4180 reader for roster files.
 *
 * Fields are separated by a delimiter (',' or ';' — spreadsheets set to an
 * Indonesian locale write ';'), records end in CRLF or LF, a field may be
 * quoted with '"' and then holds delimiters, line breaks and doubled
 * quotes. Anything else with a quote in it is an error. A UTF-8 byte order
 * mark at the start is skipped. Every quantity has a limit below. */
#ifndef PB_CSV_H
#define PB_CSV_H

#include <stddef.h>
#include <stdio.h>

#define PB_CSV_FIELDS_MAX 32      /* fields in one record */
#define PB_CSV_FIELD_MAX  512     /* bytes in one field */
#define PB_CSV_RECORD_MAX 4096    /* bytes of all fields of one record */

enum pb_csv_result {
	PB_CSV_OK = 0,            /* a record was read */
	PB_CSV_END,               /* no more records */
	PB_CSV_BAD_QUOTE,         /* a quote where none may be, or unterminated */
	PB_CSV_FIELD_TOO_LONG,
	PB_CSV_RECORD_TOO_LONG,
	PB_CSV_TOO_MANY_FIELDS,
	PB_CSV_NUL,               /* a NUL byte in the text */
	PB_CSV_BAD_CR,            /* a CR not followed by LF outside quotes */
};

const char *pb_csv_strerror(enum pb_csv_result r);

struct pb_csv {
	const char *p, *end;
	char delim;
	unsigned line;            /* line where the next record starts (1-based) */
	char buf[PB_CSV_RECORD_MAX + PB_CSV_FIELDS_MAX];
};

struct pb_csv_record {
	unsigned line;            /* first line of the record */
	int nfields;
	const char *field[PB_CSV_FIELDS_MAX];   /* NUL-terminated, inside the reader */
};

void pb_csv_init(struct pb_csv *c, const char *data, size_t len, char delim);

/* Guess the delimiter from the first line: ';' if it has more ';' than
 * ',' outside quotes, else ','. */
char pb_csv_sniff(const char *data, size_t len);

/* Read the next record. After an error the reader has skipped to the
 * start of the next line, so the caller may report and go on; fields of
 * the record are not valid then. */
enum pb_csv_result pb_csv_next(struct pb_csv *c, struct pb_csv_record *rec);

/* Write one record (cells up to the NULL that ends the array) with CRLF. Every cell is quoted; a cell that
 * a spreadsheet would take for a formula (starting with = + - @ TAB CR)
 * gets a leading apostrophe so it stays text. */
int pb_csv_write_row(FILE *f, const char *const *cells);

/* The formula-neutralised form of one cell: 1 if it needs the prefix. */
int pb_csv_needs_neutral(const char *cell);

#endif

#include "pb_csv.h"

#include <string.h>

const char *pb_csv_strerror(enum pb_csv_result r)
{
	switch (r) {
	case PB_CSV_OK:              return "ok";
	case PB_CSV_END:             return "end of data";
	case PB_CSV_BAD_QUOTE:       return "misplaced or unterminated quote";
	case PB_CSV_FIELD_TOO_LONG:  return "field too long";
	case PB_CSV_RECORD_TOO_LONG: return "record too long";
	case PB_CSV_TOO_MANY_FIELDS: return "too many fields";
	case PB_CSV_NUL:             return "NUL byte in the text";
	case PB_CSV_BAD_CR:          return "carriage return without line feed";
	}
	return "unknown";
}

void pb_csv_init(struct pb_csv *c, const char *data, size_t len, char delim)
{
	memset(c, 0, sizeof(*c));
	c->p = data;
	c->end = data + len;
	c->delim = delim;
	c->line = 1;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		c->p += 3;
}

char pb_csv_sniff(const char *data, size_t len)
{
	size_t commas = 0, semis = 0;
	int quoted = 0;

	for (size_t i = 0; i < len; i++) {
		char ch = data[i];
		if (ch == '"')
			quoted = !quoted;
		else if (!quoted && (ch == '\n' || ch == '\r'))
			break;
		else if (!quoted && ch == ',')
			commas++;
		else if (!quoted && ch == ';')
			semis++;
	}
	return semis > commas ? ';' : ',';
}

/* Skip to just after the next LF (error recovery). */
static void skip_line(struct pb_csv *c)
{
	while (c->p < c->end && *c->p != '\n')
		c->p++;
	if (c->p < c->end) {
		c->p++;
		c->line++;
	}
}

static enum pb_csv_result fail(struct pb_csv *c, enum pb_csv_result r)
{
	skip_line(c);
	return r;
}

enum pb_csv_result pb_csv_next(struct pb_csv *c, struct pb_csv_record *rec)
{
	size_t used = 0, flen;
	int quoted;

	memset(rec, 0, sizeof(*rec));
	if (c->p >= c->end)
		return PB_CSV_END;
	rec->line = c->line;
	for (;;) {                                   /* one field per turn */
		if (rec->nfields >= PB_CSV_FIELDS_MAX)
			return fail(c, PB_CSV_TOO_MANY_FIELDS);
		rec->field[rec->nfields] = c->buf + used;
		flen = 0;
		quoted = c->p < c->end && *c->p == '"';
		if (quoted)
			c->p++;
		for (;;) {                           /* one byte per turn */
			char ch;
			if (c->p >= c->end) {
				if (quoted)
					return PB_CSV_BAD_QUOTE;   /* unterminated: nothing left */
				break;
			}
			ch = *c->p;
			if (ch == '\0')
				return fail(c, PB_CSV_NUL);
			if (quoted && ch == '"') {
				if (c->p + 1 < c->end && c->p[1] == '"') {
					c->p++;              /* "" is one quote */
				} else {
					c->p++;
					quoted = 0;
					if (c->p < c->end && *c->p != c->delim &&
					    *c->p != '\n' && *c->p != '\r')
						return fail(c, PB_CSV_BAD_QUOTE);
					continue;
				}
			} else if (!quoted) {
				if (ch == c->delim || ch == '\n')
					break;
				if (ch == '\r') {
					if (c->p + 1 < c->end && c->p[1] == '\n')
						break;
					return fail(c, PB_CSV_BAD_CR);
				}
				if (ch == '"')
					return fail(c, PB_CSV_BAD_QUOTE);
			} else if (ch == '\n') {
				c->line++;               /* a line break inside quotes */
			}
			if (flen >= PB_CSV_FIELD_MAX)
				return fail(c, PB_CSV_FIELD_TOO_LONG);
			if (used + flen >= PB_CSV_RECORD_MAX)
				return fail(c, PB_CSV_RECORD_TOO_LONG);
			c->buf[used + flen] = ch;
			flen++;
			c->p++;
		}
		c->buf[used + flen] = '\0';
		used += flen + 1;
		rec->nfields++;
		if (c->p >= c->end)
			return PB_CSV_OK;
		if (*c->p == c->delim) {
			c->p++;
			continue;
		}
		if (*c->p == '\r')
			c->p++;
		c->p++;                              /* the LF */
		c->line++;
		return PB_CSV_OK;
	}
}

int pb_csv_needs_neutral(const char *cell)
{
	return cell != NULL && cell[0] != '\0' && strchr("=+-@\t\r", cell[0]) != NULL;
}

int pb_csv_write_row(FILE *f, const char *const *cells)
{
	for (size_t i = 0; cells[i] != NULL; i++) {
		const char *c = cells[i];
		if (i > 0 && fputc(',', f) == EOF)
			return -1;
		if (fputc('"', f) == EOF)
			return -1;
		if (pb_csv_needs_neutral(c) && fputc('\'', f) == EOF)
			return -1;
		for (; *c; c++)
			if ((*c == '"' && fputc('"', f) == EOF) || fputc(*c, f) == EOF)
				return -1;
		if (fputc('"', f) == EOF)
			return -1;
	}
	return fputs("\r\n", f) == EOF ? -1 : 0;
}

/* pb_rates: the rate table (Standar Biaya Masukan, SBM) that prices
 * claims: per year x province x item (and, for local transport, the
 * origin kabupaten/kota), integer rupiah.
 *
 * A table comes as CSV (pbctl rates import, POST /api/v1/rates, later the
 * hub). Every line is checked and reported; a file with any bad line is
 * refused as a whole. Each accepted file becomes a new version; claims
 * are priced with the newest and remember the row and version they used.
 * Money is int64 rupiah, never floating point. */
#ifndef PB_RATES_H
#define PB_RATES_H

#include <jansson.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define PB_RATE_ROWS_MAX     5000            /* data lines in one file */
#define PB_RATE_FILE_MAX     (1024 * 1024)   /* bytes of one rate file */
#define PB_RATE_PLACE_MAX    100             /* bytes of a province or kabupaten/kota */
#define PB_RATE_YEAR_MIN     2000
#define PB_RATE_YEAR_MAX     2100
#define PB_RATE_DIGITS_MAX   12              /* digits of an amount in a file */
/* The largest believable rate per item, in rupiah: anything above is a
 * typing error (an extra zero), not a rate. */
#define PB_RATE_UANG_HARIAN_MAX  5000000LL
#define PB_RATE_UANG_MAKAN_MAX   1000000LL
#define PB_RATE_TRANSPORT_MAX    20000000LL
#define PB_RATE_PENGINAPAN_MAX   20000000LL

enum pb_item {
	PB_ITEM_UANG_HARIAN = 0,   /* flat daily training allowance */
	PB_ITEM_UANG_MAKAN,        /* flat meal allowance (meals not given in kind) */
	PB_ITEM_TRANSPORT,         /* local transport at cost up to a ceiling by origin */
	PB_ITEM_PENGINAPAN,        /* lodging at cost up to a ceiling (residential) */
	PB_ITEM_COUNT,
};

struct pb_item_def {
	const char *code;          /* in files, the API and the outbox */
	const char *label_id;
	const char *label_en;
	int at_cost;               /* 1: min(claimed, ceiling); 0: flat rate */
	int by_origin;             /* 1: one row per origin kabupaten/kota */
	int zero_ok;               /* 1: a rate of 0 is allowed (nothing paid) */
	int64_t max;               /* largest believable rate */
};

extern const struct pb_item_def pb_items[PB_ITEM_COUNT];

/* The kinds of uang_harian in the SBM. A rate row keeps its kind in the
 * row's sub-key (the column that holds the origin of transport rows):
 * "" for diklat (also every uang_harian row of a file without a kind
 * column), else the kind's code. A session says which kind it pays. */
#define PB_UH_KIND_DEFAULT "diklat"
extern const char *const pb_uang_harian_kinds[];   /* NULL-terminated */
/* The Indonesian label of a kind ("Uang harian luar kota"). */
const char *pb_uang_harian_label(const char *kind);
/* 1 if kind is one of pb_uang_harian_kinds. */
int pb_uang_harian_kind_valid(const char *kind);
/* The rate row's sub-key for an item: the kind for uang_harian ("" for
 * diklat), the origin otherwise. */
const char *pb_rate_variant(int item, const char *origin, const char *uh_kind);

#define PB_RATE_DASAR_MAX 300    /* bytes of a rate file's legal basis (dasar) */

/* The item of a code (case-insensitive), or -1. */
int pb_item_from_code(const char *code);

enum pb_amount_result {
	PB_AMOUNT_OK = 0,
	PB_AMOUNT_EMPTY,
	PB_AMOUNT_NEGATIVE,
	PB_AMOUNT_NOT_INTEGER,     /* a decimal point, separators, letters, spaces */
	PB_AMOUNT_TOO_LARGE,       /* more than PB_RATE_DIGITS_MAX digits */
};

/* Parse a plain decimal rupiah amount ("150000"); no sign, no
 * separators, no fraction. */
enum pb_amount_result pb_amount_parse(const char *s, int64_t *out);

/* Trim, collapse inner spaces and upper-case ASCII letters, so that
 * "Kota  malang " and "KOTA MALANG" are one place. 0, or -1 if empty,
 * too long, or not valid text. */
int pb_place_normalise(const char *in, char *out, size_t len);

/* "Rp 1.234.567" (Indonesian thousands separator). */
#define PB_RUPIAH_TEXT_MAX 40  /* room for "Rp" and any int64_t grouped in thousands */
void pb_rupiah(int64_t v, char *out, size_t len);

struct pb_rate_row {
	unsigned line;
	int year;
	char province[PB_RATE_PLACE_MAX + 1];
	int item;
	char origin[PB_RATE_PLACE_MAX + 1];     /* "" unless the item is by origin */
	int64_t amount;
};

enum pb_rates_result {
	PB_RATES_OK = 0,
	PB_RATES_NO_HEADER,        /* empty file or header unreadable */
	PB_RATES_MISSING_COLUMN,   /* tahun, provinsi, item or jumlah missing */
	PB_RATES_TOO_MANY_ROWS,
	PB_RATES_NO_ROWS,          /* a header and nothing else */
	PB_RATES_REJECTED,         /* some lines are bad: nothing imported */
	PB_RATES_DB,
};

const char *pb_rates_strerror(enum pb_rates_result r);

/* Check a rate file without touching any database. On PB_RATES_OK and
 * PB_RATES_REJECTED, *report gets {"accepted", "rejected", "lines":
 * [{"line", "status": "ok"|"rejected", "error"?, "message"?, ...}]};
 * on PB_RATES_OK *rows (malloc'd, *nrows long) the checked rows. */
enum pb_rates_result pb_rates_parse(const char *csv, size_t len, struct pb_rate_row **rows,
				    size_t *nrows, json_t **report);

/* Check and, if every line is good, store as a new version (inside its
 * own transaction, audited). *version gets the new version number. */
enum pb_rates_result pb_rates_import(sqlite3 *db, const char *csv, size_t len,
				     const char *source, const char *actor, const char *client,
				     int *version, json_t **report);

/* The newest version, or 0 if no table was imported yet (-1: error). */
int pb_rates_version(sqlite3 *db);
/* The legal basis the newest table names (e.g. the PMK on that year's
 * SBM), "" if none. 0/-1. */
int pb_rates_dasar(sqlite3 *db, char *out, size_t len);

struct pb_rate {
	int64_t id;
	int version;
	int64_t amount;
};

/* The rate of the newest version: 0 found, 1 none, -1 error. province
 * and origin are normalised first; for uang_harian, origin is the
 * session's kind (pb_uang_harian_kinds; NULL or "" is diklat). */
int pb_rate_find(sqlite3 *db, int year, const char *province, int item, const char *origin,
		 struct pb_rate *out);

/* Every row of the newest version for a year and province, as
 * [{"id", "item", "origin", "amount"}], or NULL on error. */
json_t *pb_rates_list(sqlite3 *db, int year, const char *province);

#endif

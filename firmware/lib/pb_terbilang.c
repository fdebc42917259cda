/* pb_terbilang: rupiah in Indonesian words. */
#include "pb_terbilang.h"

#include <stdio.h>
#include <string.h>

static const char *const ones[10] = {
	"", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan",
};

/* Scales of a thousand, largest first, with the value of one of them. */
static const struct {
	int64_t value;
	const char *word;
} scales[] = {
	{ 1000000000000LL, "triliun" },
	{ 1000000000LL, "miliar" },
	{ 1000000LL, "juta" },
	{ 1000LL, "ribu" },
	{ 1LL, "" },
};

struct words {
	char *out;
	size_t len, used;
	int failed;
};

static void put(struct words *w, const char *word)
{
	int n;

	if (word[0] == '\0' || w->failed)
		return;
	n = snprintf(w->out + w->used, w->len - w->used, "%s%s", w->used > 0 ? " " : "", word);
	if (n < 0 || (size_t)n >= w->len - w->used) {
		w->failed = 1;
		return;
	}
	w->used += (size_t)n;
}

/* 1..999, with "se-" for one hundred, ten and eleven. */
static void below_thousand(struct words *w, int n)
{
	int h = n / 100, t = n / 10 % 10, o = n % 10;

	if (h == 1)
		put(w, "seratus");
	else if (h > 1) {
		put(w, ones[h]);
		put(w, "ratus");
	}
	if (t == 1) {
		if (o == 0)
			put(w, "sepuluh");
		else if (o == 1)
			put(w, "sebelas");
		else {
			put(w, ones[o]);
			put(w, "belas");
		}
		return;
	}
	if (t > 1) {
		put(w, ones[t]);
		put(w, "puluh");
	}
	put(w, ones[o]);
}

int pb_terbilang(int64_t n, char *out, size_t len)
{
	struct words w = { out, len, 0, 0 };

	if (out == NULL || len == 0 || n < 0 || n > PB_TERBILANG_MAX)
		return -1;
	out[0] = '\0';
	if (n == 0) {
		put(&w, "nol");
		return w.failed ? -1 : 0;
	}
	for (size_t i = 0; i < sizeof(scales) / sizeof(scales[0]); i++) {
		int part = (int)(n / scales[i].value);
		n %= scales[i].value;
		if (part == 0)
			continue;
		if (part == 1 && scales[i].value == 1000)
			put(&w, "seribu");
		else {
			below_thousand(&w, part);
			put(&w, scales[i].word);
		}
	}
	return w.failed ? -1 : 0;
}

int pb_terbilang_rupiah(int64_t n, char *out, size_t len)
{
	size_t used;

	if (pb_terbilang(n, out, len) != 0)
		return -1;
	used = strlen(out);
	if (len - used < sizeof(" rupiah"))
		return -1;
	memcpy(out + used, " rupiah", sizeof(" rupiah"));
	return 0;
}

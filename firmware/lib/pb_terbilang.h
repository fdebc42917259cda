/* pb_terbilang: an amount of rupiah in Indonesian words, as finance
 * papers write it under a total ("seratus lima puluh ribu rupiah").
 *
 * Lower case, words separated by one space, the SBM's own forms:
 * "sebelas", "seratus", "seribu" (but "satu juta", "satu miliar"). */
#ifndef PB_TERBILANG_H
#define PB_TERBILANG_H

#include <stddef.h>
#include <stdint.h>

#define PB_TERBILANG_MAX 999999999999999LL /* below one thousand trillion */
#define PB_TERBILANG_LEN 320               /* bytes that hold any amount up to the max */

/* The words of n (0 <= n <= PB_TERBILANG_MAX) into out: "nol" for 0.
 * 0, or -1 when n is out of range or out is too small. */
int pb_terbilang(int64_t n, char *out, size_t len);

/* The same followed by " rupiah". 0/-1. */
int pb_terbilang_rupiah(int64_t n, char *out, size_t len);

#endif

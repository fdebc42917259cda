/* Built only in a sanitizer build (SAN=1), linked as every program there is
 * (with tests/san/lsan_pages.c): does one thing wrong on purpose, named by
 * its argument, so tests/system/test_sanitizer_reports.py can show that such
 * a build still reports each kind of fault the suites rely on it for.
 *
 *   kept      a heap block whose only pointer lies deep in a large .bss
 *             array (a segment lsan_pages.c maps before the leak check):
 *             not a leak, exits 0
 *   leak      a heap block whose pointer is dropped
 *   uaf       a heap block read after it is freed
 *   overflow  a heap block written one byte past its end
 *   signed    a signed integer overflow */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SAN_CHECK_BIG (4u << 20)        /* the .bss array: 4 MB */
#define SAN_CHECK_AT (3u << 20)         /* where in it the kept pointer lies */
#define SAN_CHECK_BLOCK 40              /* bytes of each heap block */

static char big[SAN_CHECK_BIG];

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	/* volatile: the compiler may not drop or move what is done wrong */
	char *volatile p = malloc(SAN_CHECK_BLOCK);
	volatile int n = INT_MAX - argc + 1;

	if (p == NULL)
		return 2;
	memset(p, 'x', SAN_CHECK_BLOCK);
	if (strcmp(what, "kept") == 0) {
		memcpy(big + SAN_CHECK_AT, (void *)&p, sizeof(p));
	} else if (strcmp(what, "leak") == 0) {
		p = NULL;
	} else if (strcmp(what, "uaf") == 0) {
		free(p);
		printf("%c\n", p[0]);
	} else if (strcmp(what, "overflow") == 0) {
		p[SAN_CHECK_BLOCK] = 'y';
		free(p);
	} else if (strcmp(what, "signed") == 0) {
		n += argc;
		printf("%d\n", n);
		free(p);
	} else {
		fprintf(stderr, "usage: san-check kept|leak|uaf|overflow|signed\n");
		free(p);
		return 2;
	}
	return 0;
}

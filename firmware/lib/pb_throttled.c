#include "pb_throttled.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pb_throttled_parse(const char *text, unsigned long *out)
{
	const char *p = text;
	char *end;
	unsigned long v;

	if (strncmp(p, "throttled=", 10) == 0)
		p += 10;
	if (!isxdigit((unsigned char)*p))
		return -1;
	errno = 0;
	v = strtoul(p, &end, 16);
	if (errno != 0 || end == p)
		return -1;
	while (*end == '\n' || *end == ' ' || *end == '\r')
		end++;
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

int pb_throttled_read(const char *path, unsigned long *out)
{
	char text[PB_THROTTLED_TEXT_MAX];
	FILE *f = fopen(path, "re");
	char *got;

	if (f == NULL)
		return -1;
	got = fgets(text, sizeof(text), f);
	fclose(f);
	return got != NULL ? pb_throttled_parse(text, out) : -1;
}

/* Which web app paths may reach the disk. Kept apart from static.c so the
 * fuzzing harness (tests/fuzz/fuzz_webpath.c) checks the very same code. */
#include "web.h"

#include <string.h>

/* Only plain names reach the disk: letters, digits, '-', '_', '.', '/',
 * no empty, "." or ".." segment and no hidden file. */
int pb_static_path_ok(const char *p)
{
	const char *seg = p;

	if (*p == '\0' || strlen(p) > PB_WEB_STATIC_PATH_MAX)
		return 0;
	for (const char *c = p; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' ||
		      *c == '.' || *c == '/'))
			return 0;
	while (seg != NULL) {
		if (seg[0] == '.' || seg[0] == '/' || seg[0] == '\0')
			return 0;
		seg = strchr(seg, '/');
		if (seg != NULL)
			seg++;
	}
	return 1;
}

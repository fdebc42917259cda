/* Fuzz the web app path check as pb-web meets it: the URL path after
 * libmicrohttpd's percent-decoding. A path it lets through must stay below
 * webapp_dir: no "..", no absolute path, no hidden file, no empty segment. */
#include "fuzz.h"

#include "pb_manifest.h"
#include "web.h"

#include <string.h>

static void check(const char *p)
{
	if (!pb_static_path_ok(p))
		return;
	FUZZ_CHECK(p[0] != '/' && p[0] != '\0');
	FUZZ_CHECK(strstr(p, "//") == NULL && strstr(p, "/.") == NULL && p[0] != '.');
	FUZZ_CHECK(strlen(p) <= PB_WEB_STATIC_PATH_MAX);
	FUZZ_CHECK(pb_manifest_path_safe(p));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *raw = fuzz_string(data, size), *dec = fuzz_string(data, size);
	size_t n;

	check(raw);
	n = MHD_http_unescape(dec);
	FUZZ_CHECK(n <= size && dec[n] == '\0');
	check(dec);
	free(raw);
	free(dec);
	return 0;
}

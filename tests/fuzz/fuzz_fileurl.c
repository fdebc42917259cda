/* Fuzz the module file URL: input = 32 bytes of hash, then the file name.
 * The URL must use only unreserved characters and %XX, fit its buffer, and
 * decode (as libmicrohttpd decodes it) back to /f/HASH/NAME. */
#include "fuzz.h"

#include "pb_catalog.h"
#include "pb_hash.h"

#include <microhttpd.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char sha[PB_SHA256_HEX_LEN + 1], url[PB_FILE_URL_MAX], want[PB_FILE_URL_MAX + 8];
	char *name;
	int rc;

	if (size < 32)
		return 0;
	sodium_bin2hex(sha, sizeof(sha), data, 32);
	name = fuzz_string(data + 32, size - 32);
	rc = pb_catalog_file_url(sha, name, url, sizeof(url));
	if (rc == 0) {
		FUZZ_CHECK(strncmp(url, "/f/", 3) == 0 && strncmp(url + 3, sha, 64) == 0 &&
			   url[67] == '/');
		for (const char *c = url; *c; c++)
			FUZZ_CHECK((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
				   (*c >= '0' && *c <= '9') || strchr("-_.~/%", *c) != NULL);
		for (const char *c = url + 68; *c; c++)
			FUZZ_CHECK(*c != '/');
		snprintf(want, sizeof(want), "/f/%s/%s", sha, name);
		MHD_http_unescape(url);
		FUZZ_CHECK(strcmp(url, want) == 0);
	} else {
		/* Refused only when the encoded name does not fit. */
		size_t need = 3 + 64 + 1 + 1;
		for (const unsigned char *p = (const unsigned char *)name; *p; p++)
			need += strchr("-_.~", *p) != NULL || (*p >= 'a' && *p <= 'z') ||
				(*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ? 1 : 3;
		FUZZ_CHECK(need > sizeof(url));
	}
	free(name);
	return 0;
}

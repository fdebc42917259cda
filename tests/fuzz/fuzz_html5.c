/* Fuzz the HTML5 lesson check: the input is a zip read with libzip from
 * memory; whatever pb_html5_check accepts must be within the named limits,
 * with safe, unique paths (sorted) and index.html at the root. */
#include "fuzz.h"

#include "pb_html5.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_html5_index idx;
	char err[256];
	zip_error_t ze;
	zip_source_t *src;
	zip_t *z;
	int64_t total = 0, has_index = 0;

	zip_error_init(&ze);
	src = zip_source_buffer_create(data, size, 0, &ze);
	FUZZ_CHECK(src != NULL);
	z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
	if (z == NULL) {
		zip_source_free(src);
		zip_error_fini(&ze);
		return 0;
	}
	err[0] = '\0';
	if (pb_html5_check(z, &idx, err, sizeof(err)) == 0) {
		FUZZ_CHECK(idx.n >= 1 && idx.n <= PB_HTML5_MAX_ENTRIES);
		for (int i = 0; i < idx.n; i++) {
			const struct pb_html5_entry *e = &idx.e[i];
			FUZZ_CHECK(pb_manifest_path_safe(e->path));
			FUZZ_CHECK(strlen(e->path) <= PB_HTML5_PATH_MAX);
			FUZZ_CHECK(e->size >= 0 && e->size <= PB_HTML5_MAX_ENTRY_BYTES);
			FUZZ_CHECK(i == 0 || strcmp(idx.e[i - 1].path, e->path) < 0);
			FUZZ_CHECK(e->mime[0] != '\0');
			total += e->size;
			has_index |= strcmp(e->path, PB_HTML5_INDEX_PAGE) == 0;
		}
		FUZZ_CHECK(total <= PB_HTML5_MAX_TOTAL_BYTES);
		FUZZ_CHECK(has_index);
		pb_html5_free(&idx);
	} else {
		FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(idx.n == 0 && idx.e == NULL);
	}
	zip_discard(z);        /* frees the source too */
	zip_error_fini(&ze);
	return 0;
}

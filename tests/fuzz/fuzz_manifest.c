/* Fuzz the content manifest parser. The input is handed over without a
 * terminating NUL, as read from a file; every module it accepts must be
 * within the named limits and have safe paths. */
#include "fuzz.h"

#include "pb_hash.h"
#include "pb_manifest.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pb_manifest m;
	char err[PB_MANIFEST_ERR_LEN];
	char *copy = malloc(size ? size : 1);

	FUZZ_CHECK(copy != NULL);
	memcpy(copy, data, size);
	if (pb_manifest_parse(copy, size, &m, err, sizeof(err)) == 0) {
		FUZZ_CHECK(m.nmodules >= 0 && m.nmodules <= PB_MANIFEST_MAX_MODULES);
		for (int i = 0; i < m.nmodules; i++) {
			const struct pb_module *mod = &m.modules[i];
			if (mod->error[0] != '\0')
				continue;
			FUZZ_CHECK(mod->kk >= 'A' && mod->kk <= 'J');
			FUZZ_CHECK(mod->id[0] != '\0');
			FUZZ_CHECK(mod->nfiles >= 1 && mod->nfiles <= PB_MODULE_MAX_FILES);
			FUZZ_CHECK(pb_utf8_len(mod->title) >= 0);
			for (int f = 0; f < mod->nfiles; f++) {
				const struct pb_module_file *mf = &mod->files[f];
				FUZZ_CHECK(pb_manifest_path_safe(mf->path));
				FUZZ_CHECK(pb_sha256_hex_valid(mf->sha256));
				FUZZ_CHECK(mf->name[0] != '\0' && strchr(mf->name, '/') == NULL);
			}
		}
		pb_manifest_free(&m);
	} else {
		FUZZ_CHECK(err[0] != '\0');
	}
	free(copy);
	return 0;
}

/* Fuzz the configuration file reader (inih + the key table) with the
 * input as the whole file, read through a memory file. */
#include "fuzz.h"

#include "pb_config.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static struct pb_config cfg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = memfd_create("pb-fuzz-config", MFD_CLOEXEC), rc;

	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(size == 0 || write(fd, data, size) == (ssize_t)size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = pb_config_load(&cfg, path);
	close(fd);
	FUZZ_CHECK(cfg.nerrors >= 0 && cfg.nerrors <= PB_CONFIG_ERRORS_MAX);
	FUZZ_CHECK((rc == 0) == (cfg.nerrors == 0));
	if (rc == 0) {
		FUZZ_CHECK(cfg.listen_port >= 1 && cfg.listen_port <= 65535);
		FUZZ_CHECK(cfg.threads <= 64);     /* [web] threads: 0 (one per core) to 64 */
		FUZZ_CHECK(cfg.data_dir[0] == '/');
	}
	for (int i = 0; i < cfg.nerrors; i++)
		FUZZ_CHECK(memchr(cfg.errors[i], '\0', PB_CONFIG_ERROR_LEN) != NULL);
	return 0;
}

/* The seccomp filter pb-web installs once it listens ([web] seccomp).
 *
 * Every thread gets it (TSYNC); the filter itself is built by pb_sandbox
 * (firmware/lib/pb_sandbox.c, shared with pb-hub) from the table below.
 * pb-web then only serves: it reads and writes sockets and the files it is
 * allowed to, and nothing else. New sockets may only be unix ones (hostapd's
 * control socket). Under valgrind, set [web] seccomp = no. */
#include "web.h"

#include "pb_sandbox.h"

#include <sys/socket.h>

/* Beyond what every server needs: SQLite (locks, sync, WAL, its -shm
 * file), receipt photos (decoded here by libjpeg-turbo and libpng, from
 * memory into memory: nothing beyond what every server needs) into the content store (a shard folder, then a
 * rename from store/tmp: api_claims.c, pb_store_adopt), bind for the
 * unix socket hostapd answers on (admin_wifi.c), and statfs for the free
 * space of the data partition and the USB stick (admin_usb.c). */
static const char *const allowed[] = {
	"pwrite64", "bind", "flock", "fsync", "fdatasync", "ftruncate", "unlink",
	"unlinkat", "fchmod", "mkdir", "mkdirat", "rename", "renameat", "renameat2",
	"statfs", "fstatfs",
};

int pb_sandbox_enter(void)
{
	const struct pb_sandbox_policy web = {
		.program = "pb-web",
		.allowed = allowed,
		.n_allowed = sizeof(allowed) / sizeof(allowed[0]),
		.families = { AF_UNIX },
		.n_families = 1,
		.read_only = 0,
	};

	return pb_sandbox_enter_policy(&web);
}

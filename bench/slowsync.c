/* slowsync: a SQLite VFS that makes every xSync take as long as on an SD
 * card, for the Pi-sized bench (bench/bench_pi.py).
 *
 * Loaded with LD_PRELOAD into an unchanged pb-web: a constructor wraps the
 * default VFS (as tests/crash/crashvfs.c does for power cuts, with the same
 * pass-through parts, tests/crash/vfswrap.h) and makes the
 * wrapper the default, so every database pb-web opens goes through it.
 * Each xSync first sleeps PB_SLOWSYNC_US microseconds (default 5000), then
 * syncs for real; every other method is passed through. The number of
 * syncs is written to PB_SLOWSYNC_COUNT (a file) at exit when set. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define SLOWSYNC_NAME "pb-slowsync"
#define SLOWSYNC_DEFAULT_US 5000
#define SLOWSYNC_MAX_US 1000000

struct sfile {
	const sqlite3_io_methods *methods;
	sqlite3_file *real;        /* follows this struct in the same block */
};

#define REAL(f) (((struct sfile *)(void *)(f))->real)

static sqlite3_vfs *g_base;
#include "vfswrap.h"
static sqlite3_vfs g_vfs;
static long g_delay_us = SLOWSYNC_DEFAULT_US;
static unsigned long g_syncs;

static int s_close(sqlite3_file *f)
{
	return REAL(f)->pMethods ? REAL(f)->pMethods->xClose(REAL(f)) : SQLITE_OK;
}

static int s_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xWrite(REAL(f), buf, amt, off);
}

static int s_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int s_sync(sqlite3_file *f, int flags)
{
	struct timespec ts = { g_delay_us / 1000000, (g_delay_us % 1000000) * 1000 };

	__atomic_add_fetch(&g_syncs, 1, __ATOMIC_RELAXED);
	while (nanosleep(&ts, &ts) != 0)
		;
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int s_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
	if (REAL(f)->pMethods->iVersion < 3) {
		*pp = NULL;
		return SQLITE_OK;
	}
	return REAL(f)->pMethods->xFetch(REAL(f), off, amt, pp);
}

static int s_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	if (REAL(f)->pMethods->iVersion < 3)
		return SQLITE_OK;
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static const sqlite3_io_methods g_methods = {
	3, s_close, w_read, s_write, s_truncate, s_sync, w_size, w_lock, w_unlock,
	w_check, w_fcntl, w_sector, w_devchar, w_shm_map, w_shm_lock, w_shm_barrier,
	w_shm_unmap, s_fetch, s_unfetch,
};

static int v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *oflags)
{
	struct sfile *sf = (struct sfile *)(void *)f;
	int rc;

	(void)vfs;
	sf->methods = NULL;
	sf->real = (sqlite3_file *)(void *)(sf + 1);
	rc = g_base->xOpen(g_base, name, sf->real, flags, oflags);
	if (rc == SQLITE_OK)
		sf->methods = &g_methods;
	return rc;
}

static int v_delete(sqlite3_vfs *v, const char *n, int dirsync)
{
	(void)v;
	return g_base->xDelete(g_base, n, dirsync);
}

static void report(void)
{
	const char *path = getenv("PB_SLOWSYNC_COUNT");
	FILE *f;

	if (path == NULL || (f = fopen(path, "w")) == NULL)
		return;
	fprintf(f, "%lu\n", __atomic_load_n(&g_syncs, __ATOMIC_RELAXED));
	fclose(f);
}

__attribute__((constructor)) static void slowsync_init(void)
{
	const char *us = getenv("PB_SLOWSYNC_US");

	if (us != NULL) {
		long v = strtol(us, NULL, 10);
		if (v >= 0 && v <= SLOWSYNC_MAX_US)
			g_delay_us = v;
	}
	g_base = sqlite3_vfs_find(NULL);
	if (g_base == NULL || g_base->iVersion < 2)
		return;
	vfswrap_fill(&g_vfs, SLOWSYNC_NAME, (int)sizeof(struct sfile), v_open, v_delete);
	if (sqlite3_vfs_register(&g_vfs, 1) == SQLITE_OK)
		atexit(report);
}

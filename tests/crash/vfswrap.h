/* vfswrap.h: what every SQLite VFS that wraps another one passes straight
 * through, shared by the power-cut VFS (tests/crash/crashvfs.c) and the
 * slow-sync VFS of the Pi-sized bench (bench/slowsync.c).
 *
 * The includer defines, before including this header:
 *   REAL(f)  the wrapped sqlite3_file inside its own file struct;
 *   g_base   a sqlite3_vfs * variable: the VFS it wraps.
 * Each wrapper keeps its own xOpen, xClose, xWrite, xTruncate, xSync,
 * xFetch/xUnfetch and xDelete, where wrappers differ. */
#ifndef VFSWRAP_H
#define VFSWRAP_H

#include <sqlite3.h>
#include <string.h>

static int w_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), buf, amt, off);
}

static int w_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int w_lock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xLock(REAL(f), l); }
static int w_unlock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xUnlock(REAL(f), l); }
static int w_check(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int w_fcntl(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int w_sector(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int w_devchar(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int w_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}
static int w_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void w_shm_barrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int w_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int v_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return g_base->xAccess(g_base, name, flags, out);
}

static int v_full(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return g_base->xFullPathname(g_base, name, n, out);
}

static void *v_dlopen(sqlite3_vfs *v, const char *p) { (void)v; return g_base->xDlOpen(g_base, p); }
static void v_dlerror(sqlite3_vfs *v, int n, char *o) { (void)v; g_base->xDlError(g_base, n, o); }
static void (*v_dlsym(sqlite3_vfs *v, void *h, const char *s))(void)
{
	(void)v;
	return g_base->xDlSym(g_base, h, s);
}
static void v_dlclose(sqlite3_vfs *v, void *h) { (void)v; g_base->xDlClose(g_base, h); }
static int v_random(sqlite3_vfs *v, int n, char *o) { (void)v; return g_base->xRandomness(g_base, n, o); }
static int v_sleep(sqlite3_vfs *v, int us) { (void)v; return g_base->xSleep(g_base, us); }
static int v_time(sqlite3_vfs *v, double *t) { (void)v; return g_base->xCurrentTime(g_base, t); }
static int v_lasterr(sqlite3_vfs *v, int n, char *o)
{
	(void)v;
	return g_base->xGetLastError(g_base, n, o);
}
static int v_time64(sqlite3_vfs *v, sqlite3_int64 *t)
{
	(void)v;
	return g_base->xCurrentTimeInt64(g_base, t);
}

/* Fill vfs as a wrapper of g_base named name whose files are file_size
 * bytes of its own followed by the wrapped file. */
static void vfswrap_fill(sqlite3_vfs *vfs, const char *name, int file_size,
			 int (*open)(sqlite3_vfs *, const char *, sqlite3_file *, int, int *),
			 int (*del)(sqlite3_vfs *, const char *, int))
{
	memset(vfs, 0, sizeof(*vfs));
	vfs->iVersion = 2;
	vfs->szOsFile = file_size + g_base->szOsFile;
	vfs->mxPathname = g_base->mxPathname;
	vfs->zName = name;
	vfs->xOpen = open;
	vfs->xDelete = del;
	vfs->xAccess = v_access;
	vfs->xFullPathname = v_full;
	vfs->xDlOpen = v_dlopen;
	vfs->xDlError = v_dlerror;
	vfs->xDlSym = v_dlsym;
	vfs->xDlClose = v_dlclose;
	vfs->xRandomness = v_random;
	vfs->xSleep = v_sleep;
	vfs->xCurrentTime = v_time;
	vfs->xGetLastError = v_lasterr;
	vfs->xCurrentTimeInt64 = v_time64;
}

#endif

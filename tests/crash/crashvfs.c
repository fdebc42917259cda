/* crashvfs: see crashvfs.h for the power-cut model. */
#include "crashvfs.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum op_kind { OP_WRITE, OP_TRUNCATE };

struct op {
	enum op_kind kind;
	int64_t off;           /* write offset, or new size */
	int len;
	unsigned char *data;
};

struct rec {
	char path[512];
	int used, deleted, synced_once;
	unsigned char *durable;    /* content as of the last sync */
	int64_t dsize, dcap;
	struct op *ops;            /* written since the last sync */
	int nops, capops;
};

struct cfile {
	const sqlite3_io_methods *methods;
	struct rec *rec;
	sqlite3_file *real;        /* follows this struct in the same block */
};

static sqlite3_vfs *g_base;
static sqlite3_vfs g_vfs;
static struct rec g_recs[CRASHVFS_FILES_MAX];
static int64_t g_ops, g_cut_at = -1;
static int g_cut;
static struct crashvfs_stats g_stats;

uint64_t crash_splitmix(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static uint64_t g_rng;
static uint64_t rnd(void)
{
	return crash_splitmix(&g_rng);
}

/* Count one durable-relevant operation; 0 to go on, -1 once the power is gone. */
static int tick(void)
{
	if (g_cut)
		return -1;
	if (g_cut_at >= 0 && g_ops >= g_cut_at) {
		g_cut = 1;
		return -1;
	}
	g_ops++;
	return 0;
}

static void ops_clear(struct rec *r)
{
	for (int i = 0; i < r->nops; i++)
		free(r->ops[i].data);
	r->nops = 0;
}

static int durable_reserve(struct rec *r, int64_t size)
{
	unsigned char *n;
	int64_t cap = r->dcap ? r->dcap : 4096;

	if (size <= r->dcap)
		return 0;
	while (cap < size)
		cap *= 2;
	n = realloc(r->durable, (size_t)cap);
	if (n == NULL)
		return -1;
	memset(n + r->dcap, 0, (size_t)(cap - r->dcap));
	r->durable = n;
	r->dcap = cap;
	return 0;
}

/* Apply (part of) one op to a content buffer. mask: bit i set = sector i
 * of the write reaches the disk (all ones: the whole write). */
static int apply(struct rec *r, const struct op *o, const unsigned char *sectors)
{
	if (o->kind == OP_TRUNCATE) {
		if (o->off < r->dsize)
			memset(r->durable + o->off, 0, (size_t)(r->dsize - o->off));
		r->dsize = o->off;
		return 0;
	}
	if (durable_reserve(r, o->off + o->len) != 0)
		return -1;
	if (sectors == NULL) {
		memcpy(r->durable + o->off, o->data, (size_t)o->len);
		if (o->off + o->len > r->dsize)
			r->dsize = o->off + o->len;
		return 0;
	}
	/* Sector boundaries are absolute file offsets. */
	for (int64_t p = o->off; p < o->off + o->len;) {
		int64_t end = (p / CRASHVFS_SECTOR + 1) * CRASHVFS_SECTOR;
		int64_t idx = (p / CRASHVFS_SECTOR) - (o->off / CRASHVFS_SECTOR);
		if (end > o->off + o->len)
			end = o->off + o->len;
		if (sectors[idx]) {
			memcpy(r->durable + p, o->data + (p - o->off), (size_t)(end - p));
			if (end > r->dsize)
				r->dsize = end;
		}
		p = end;
	}
	return 0;
}

static int op_push(struct rec *r, enum op_kind k, int64_t off, const void *data, int len)
{
	struct op *o;

	if (r->nops == r->capops) {
		int cap = r->capops ? r->capops * 2 : 64;
		struct op *n = realloc(r->ops, (size_t)cap * sizeof(*n));
		if (n == NULL)
			return -1;
		r->ops = n;
		r->capops = cap;
	}
	o = &r->ops[r->nops];
	o->kind = k;
	o->off = off;
	o->len = len;
	o->data = NULL;
	if (len > 0) {
		o->data = malloc((size_t)len);
		if (o->data == NULL)
			return -1;
		memcpy(o->data, data, (size_t)len);
	}
	r->nops++;
	return 0;
}

static struct rec *rec_for(const char *path)
{
	struct rec *free_slot = NULL;

	for (int i = 0; i < CRASHVFS_FILES_MAX; i++) {
		if (g_recs[i].used && strcmp(g_recs[i].path, path) == 0)
			return &g_recs[i];
		if (!g_recs[i].used && free_slot == NULL)
			free_slot = &g_recs[i];
	}
	if (free_slot == NULL || strlen(path) >= sizeof(free_slot->path))
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->used = 1;
	snprintf(free_slot->path, sizeof(free_slot->path), "%s", path);
	return free_slot;
}

/* ---- file methods ---- */

#define REAL(f) (((struct cfile *)(void *)(f))->real)
#include "vfswrap.h"
#define REC(f)  (((struct cfile *)(void *)(f))->rec)

static int c_close(sqlite3_file *f)
{
	int rc = REAL(f)->pMethods ? REAL(f)->pMethods->xClose(REAL(f)) : SQLITE_OK;
	return rc;
}

static int c_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	if (tick() != 0)
		return SQLITE_IOERR_WRITE;
	if (REC(f) != NULL && op_push(REC(f), OP_WRITE, off, buf, amt) != 0)
		return SQLITE_IOERR_NOMEM;
	return REAL(f)->pMethods->xWrite(REAL(f), buf, amt, off);
}

static int c_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	if (tick() != 0)
		return SQLITE_IOERR_TRUNCATE;
	if (REC(f) != NULL && op_push(REC(f), OP_TRUNCATE, size, NULL, 0) != 0)
		return SQLITE_IOERR_NOMEM;
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int c_sync(sqlite3_file *f, int flags)
{
	struct rec *r = REC(f);
	int rc;

	/* The real fsync is skipped: what is durable is modelled here, and
	 * thousands of cuts must run in seconds. */
	(void)flags;
	rc = SQLITE_OK;
	if (tick() != 0)
		return SQLITE_IOERR_FSYNC;
	if (r == NULL)
		return rc;
	for (int i = 0; i < r->nops; i++)
		if (apply(r, &r->ops[i], NULL) != 0)
			return SQLITE_IOERR_NOMEM;
	ops_clear(r);
	r->synced_once = 1;
	return SQLITE_OK;
}

static int c_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
	*pp = NULL;        /* no memory-mapped I/O: every read goes through xRead */
	(void)f;
	(void)off;
	(void)amt;
	return SQLITE_OK;
}
static int c_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	(void)f;
	(void)off;
	(void)p;
	return SQLITE_OK;
}

static const sqlite3_io_methods g_methods = {
	3, c_close, w_read, c_write, c_truncate, c_sync, w_size, w_lock, w_unlock,
	w_check, w_fcntl, w_sector, w_devchar, w_shm_map, w_shm_lock, w_shm_barrier,
	w_shm_unmap, c_fetch, c_unfetch,
};

/* ---- VFS methods ---- */

static int v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *oflags)
{
	struct cfile *cf = (struct cfile *)(void *)f;
	int rc;

	(void)vfs;
	cf->methods = NULL;
	cf->real = (sqlite3_file *)(void *)(cf + 1);
	cf->rec = NULL;
	rc = g_base->xOpen(g_base, name, cf->real, flags, oflags);
	if (rc != SQLITE_OK)
		return rc;
	if (name != NULL && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL |
				      SQLITE_OPEN_MAIN_JOURNAL))) {
		cf->rec = rec_for(name);
		if (cf->rec == NULL) {
			cf->real->pMethods->xClose(cf->real);
			return SQLITE_CANTOPEN;
		}
		cf->rec->deleted = 0;
	}
	cf->methods = &g_methods;
	return SQLITE_OK;
}

static int v_delete(sqlite3_vfs *vfs, const char *name, int dirsync)
{
	(void)vfs;
	if (g_cut)
		return SQLITE_IOERR_DELETE;
	for (int i = 0; i < CRASHVFS_FILES_MAX; i++) {
		struct rec *r = &g_recs[i];
		if (r->used && strcmp(r->path, name) == 0) {
			ops_clear(r);
			r->dsize = 0;
			r->deleted = 1;
			r->synced_once = 0;
		}
	}
	return g_base->xDelete(g_base, name, dirsync);
}

int crashvfs_register(void)
{
	if (g_base == NULL)
		g_base = sqlite3_vfs_find("unix");
	if (g_base == NULL)
		return -1;
	vfswrap_fill(&g_vfs, CRASHVFS_NAME, (int)sizeof(struct cfile), v_open, v_delete);
	return sqlite3_vfs_register(&g_vfs, 1) == SQLITE_OK ? 0 : -1;
}

void crashvfs_unregister(void)
{
	sqlite3_vfs_unregister(&g_vfs);
	if (g_base != NULL)
		sqlite3_vfs_register(g_base, 1);
}

void crashvfs_reset(int64_t cut_at)
{
	for (int i = 0; i < CRASHVFS_FILES_MAX; i++) {
		ops_clear(&g_recs[i]);
		free(g_recs[i].ops);
		free(g_recs[i].durable);
		memset(&g_recs[i], 0, sizeof(g_recs[i]));
	}
	g_ops = 0;
	g_cut = 0;
	g_cut_at = cut_at;
}

void crashvfs_cut_after(int64_t n)
{
	g_cut_at = n < 0 ? -1 : g_ops + n;
}

int64_t crashvfs_ops(void) { return g_ops; }
int crashvfs_tick(void) { return tick(); }
int crashvfs_cut(void) { return g_cut; }

void crashvfs_last_stats(struct crashvfs_stats *out) { *out = g_stats; }

static int write_file(const char *path, const unsigned char *data, int64_t size)
{
	FILE *f = fopen(path, "wb");
	int rc = 0;

	if (f == NULL)
		return -1;
	if (size > 0 && fwrite(data, 1, (size_t)size, f) != (size_t)size)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

int crashvfs_materialize(const char *dir, uint64_t seed)
{
	unsigned char *sectors = NULL;
	size_t scap = 0;

	g_rng = seed;
	memset(&g_stats, 0, sizeof(g_stats));
	for (int i = 0; i < CRASHVFS_FILES_MAX; i++) {
		struct rec *r = &g_recs[i];
		const char *base;
		char out[1024];
		/* Per file, pick how hostile this cut is: keep each unsynced
		 * write with probability p, tear it with probability t. */
		unsigned p = (unsigned)(rnd() % 101), t = (unsigned)(rnd() % 101);

		if (!r->used || r->deleted)
			continue;
		/* A file never synced may or may not have its directory entry. */
		if (!r->synced_once && (rnd() & 1)) {
			g_stats.dropped += r->nops;
			continue;
		}
		for (int k = 0; k < r->nops; k++) {
			struct op *o = &r->ops[k];
			if (rnd() % 100 >= p) {
				g_stats.dropped++;
				continue;
			}
			if (o->kind == OP_WRITE && rnd() % 100 < t) {
				size_t n = (size_t)((o->off + o->len - 1) / CRASHVFS_SECTOR -
						    o->off / CRASHVFS_SECTOR + 1);
				if (n > scap) {
					unsigned char *ns = realloc(sectors, n);
					if (ns == NULL)
						goto fail;
					sectors = ns;
					scap = n;
				}
				for (size_t s = 0; s < n; s++)
					sectors[s] = (unsigned char)(rnd() & 1);
				if (apply(r, o, sectors) != 0)
					goto fail;
				g_stats.torn++;
			} else {
				if (apply(r, o, NULL) != 0)
					goto fail;
				g_stats.kept++;
			}
		}
		ops_clear(r);
		base = strrchr(r->path, '/');
		base = base != NULL ? base + 1 : r->path;
		snprintf(out, sizeof(out), "%s/%s", dir, base);
		if (write_file(out, r->durable, r->dsize) != 0)
			goto fail;
	}
	free(sectors);
	return 0;
fail:
	free(sectors);
	return -1;
}

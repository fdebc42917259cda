/* Mirroring the running root into the other root, writing only what differs. */
#ifndef PB_ROOTCOPY_H
#define PB_ROOTCOPY_H

#include <stdio.h>

struct rootcopy_stats {
	unsigned long written;   /* entries (re)created: files, links, nodes, folders */
	unsigned long long bytes; /* file content written */
	unsigned long kept;      /* entries already equal (content untouched) */
	unsigned long fixed;     /* kept entries whose owner, mode, times or xattrs were set */
	unsigned long removed;   /* entries of dst absent from src, removed */
};

/* Make dst hold what src holds: same entries, content, type, mode, owner,
 * times, xattrs and hard links, staying on src's file system. 0, or -1
 * with the failing path said on err. */
int rootcopy_mirror(const char *src, const char *dst, struct rootcopy_stats *st, FILE *err);

#endif

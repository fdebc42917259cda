/* pb_mime: media types of module files and web app files, by extension. */
#ifndef PB_MIME_H
#define PB_MIME_H

/* Never NULL: unknown extensions are application/octet-stream. */
const char *pb_mime_for_name(const char *name);

/* 1 if the type is text that benefits from gzip. */
int pb_mime_compressible(const char *mime);

#endif

#include "pb_mime.h"

#include <string.h>
#include <strings.h>

static const struct {
	const char *ext;
	const char *mime;
} types[] = {
	{ "pdf",  "application/pdf" },
	{ "mp4",  "video/mp4" },
	{ "m4v",  "video/mp4" },
	{ "webm", "video/webm" },
	{ "ogv",  "video/ogg" },
	{ "mp3",  "audio/mpeg" },
	{ "m4a",  "audio/mp4" },
	{ "ogg",  "audio/ogg" },
	{ "html", "text/html; charset=utf-8" },
	{ "htm",  "text/html; charset=utf-8" },
	{ "css",  "text/css; charset=utf-8" },
	{ "js",   "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "txt",  "text/plain; charset=utf-8" },
	{ "csv",  "text/csv; charset=utf-8" },
	{ "vtt",  "text/vtt; charset=utf-8" },
	{ "svg",  "image/svg+xml" },
	{ "png",  "image/png" },
	{ "jpg",  "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif",  "image/gif" },
	{ "webp", "image/webp" },
	{ "ico",  "image/x-icon" },
	{ "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document" },
	{ "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
	{ "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation" },
	{ "odt",  "application/vnd.oasis.opendocument.text" },
	{ "zip",  "application/zip" },
	{ "epub", "application/epub+zip" },
	{ "woff2", "font/woff2" },
	{ "webmanifest", "application/manifest+json" },
};

const char *pb_mime_for_name(const char *name)
{
	const char *dot = name != NULL ? strrchr(name, '.') : NULL;

	if (dot == NULL || strchr(dot, '/') != NULL)
		return "application/octet-stream";
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(dot + 1, types[i].ext) == 0)
			return types[i].mime;
	return "application/octet-stream";
}

int pb_mime_compressible(const char *mime)
{
	return strncmp(mime, "text/", 5) == 0 ||
	       strncmp(mime, "application/json", 16) == 0 ||
	       strncmp(mime, "image/svg", 9) == 0 ||
	       strncmp(mime, "application/manifest", 20) == 0;
}

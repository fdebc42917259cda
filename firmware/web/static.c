#include "web.h"

#include "pb_mime.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static enum MHD_Result not_found(struct pb_req *r)
{
	if (strncmp(r->url, "/api/", 5) == 0)
		return pb_respond_error(r, MHD_HTTP_NOT_FOUND, "not_found",
					"Alamat tidak ditemukan");
	return pb_respond_page_error(r, MHD_HTTP_NOT_FOUND, "Halaman tidak ditemukan",
		"Alamat ini tidak ada di kotak Pusat Belajar. / This page does not exist.");
}

/* GET|HEAD of a web app file. Files are small (PB_WEB_STATIC_MAX) and
 * text ones are gzipped when the client accepts it. */
enum MHD_Result pb_handle_static(struct pb_req *r)
{
	const char *rel = r->url + 1;
	char path[PATH_MAX], etag[64];
	const char *mime, *now = pb_redirect_find(rel);
	struct stat sb;
	char *buf = NULL;
	struct MHD_Response *resp;
	ssize_t got;
	int fd, n;

	if (now != NULL)
		return pb_redirect_answer(r, now);
	if (*rel == '\0')
		rel = "index.html";
	if (!pb_static_path_ok(rel))
		return not_found(r);
	n = snprintf(path, sizeof(path), "%s/%s", r->web->cfg.webapp_dir, rel);
	if (n < 0 || (size_t)n >= sizeof(path))
		return not_found(r);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return not_found(r);
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > PB_WEB_STATIC_MAX) {
		close(fd);
		return not_found(r);
	}
	snprintf(etag, sizeof(etag), "W/\"%llx-%llx\"", (unsigned long long)sb.st_size,
		 (unsigned long long)sb.st_mtime);
	if (pb_etag_matches(pb_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH), etag + 2)) {
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		close(fd);
		if (resp == NULL)
			return MHD_NO;
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
		return pb_queue(r, MHD_HTTP_NOT_MODIFIED, resp);
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return MHD_NO;
	}
	got = read(fd, buf, (size_t)sb.st_size);
	close(fd);
	if (got != sb.st_size) {
		free(buf);
		return pb_respond_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "io",
					"Berkas tidak dapat dibaca");
	}
	mime = pb_mime_for_name(rel);
	resp = pb_buffer_response(r, mime, buf, (size_t)got, 1);
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	return pb_queue(r, MHD_HTTP_OK, resp);
}

#include "pb_hubclient.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pb_clock.h"

struct membuf {
	char *data;
	size_t len;
	int too_big;
};

struct filesink {
	int fd;
	uint64_t got;
	int failed;
};

int pb_hubc_key_path(const struct pb_config *cfg, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/sync.key", cfg->data_dir);
	return (n < 0 || (size_t)n >= len) ? -1 : 0;
}

int pb_hubc_init(struct pb_hubc *c, const struct pb_config *cfg, const char *box_id,
		 const char *keypath)
{
	int created;
	size_t n;

	memset(c, 0, sizeof(*c));
	n = strlen(cfg->sync_hub_url);
	while (n > 0 && cfg->sync_hub_url[n - 1] == '/')
		n--;
	if (n == 0) {
		snprintf(c->err, sizeof(c->err), "no hub configured ([sync] hub_url)");
		return -1;
	}
	if (strncmp(cfg->sync_hub_url, "https://", 8) != 0 &&
	    !(cfg->sync_test_mode && strncmp(cfg->sync_hub_url, "http://", 7) == 0)) {
		snprintf(c->err, sizeof(c->err), "hub_url must start with https:// "
			 "(http:// only with test_mode = 1)");
		return -1;
	}
	memcpy(c->base, cfg->sync_hub_url, n);
	c->base[n] = '\0';
	snprintf(c->ca_file, sizeof(c->ca_file), "%s", cfg->sync_ca_file);
	snprintf(c->pinned_key, sizeof(c->pinned_key), "%s", cfg->sync_pinned_key);
	c->test_mode = (int)cfg->sync_test_mode;
	c->rto_max_ms = cfg->sync_rto_max_ms;
	c->probe_timeout_s = cfg->sync_probe_timeout_s;
	snprintf(c->box_id, sizeof(c->box_id), "%s", box_id);
	if (pb_proto_key_load_or_create(keypath, c->sk, &created) != 0) {
		snprintf(c->err, sizeof(c->err), "cannot read or make the key %s: %s", keypath,
			 strerror(errno));
		return -1;
	}
	c->curl = curl_easy_init();
	if (c->curl == NULL) {
		snprintf(c->err, sizeof(c->err), "libcurl cannot start");
		return -1;
	}
	return 0;
}

void pb_hubc_free(struct pb_hubc *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	c->curl = NULL;
	sodium_memzero(c->sk, sizeof(c->sk));
}

static size_t mem_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct membuf *m = ud;
	size_t n = size * nmemb;
	char *nd;

	if (m->len + n > PB_HUBC_ANSWER_MAX) {
		m->too_big = 1;
		return 0;
	}
	nd = realloc(m->data, m->len + n + 1);
	if (nd == NULL)
		return 0;
	m->data = nd;
	memcpy(m->data + m->len, ptr, n);
	m->len += n;
	m->data[m->len] = '\0';
	return n;
}

static size_t file_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct filesink *s = ud;
	size_t n = size * nmemb, off = 0;

	while (off < n) {
		ssize_t w = write(s->fd, ptr + off, n - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			s->failed = 1;
			return 0;
		}
		off += (size_t)w;
	}
	s->got += n;
	return n;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct pb_hubc *c = ud;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	if (c->tick != NULL)
		c->tick(c->tick_arg);
	return (c->stop != NULL && *c->stop) ? 1 : 0;
}

/* Counts the HTTP header bytes each way (libcurl reports them only
 * through its debug hook; nothing is printed). */
static int on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
	struct pb_hubc *c = ud;

	(void)h;
	(void)data;
	if (type == CURLINFO_HEADER_OUT)
		c->hdr_up += size;
	else if (type == CURLINFO_HEADER_IN)
		c->hdr_down += size;
	return 0;
}

/* Each new connection: resends after a cut come within rto_max_ms. */
static int on_socket(void *ud, curl_socket_t fd, curlsocktype purpose)
{
	struct pb_hubc *c = ud;

	(void)purpose;
	pb_proto_tcp_short_retransmits(fd, c->rto_max_ms);
	return CURL_SOCKOPT_OK;
}

/* Options every request shares: TLS pinning, timeouts, abort on stop. */
static void common_opts(struct pb_hubc *c, const char *url)
{
	CURL *h = c->curl;

	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)PB_HUBC_CONNECT_TIMEOUT_S);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, (long)PB_HUBC_LOW_SPEED_BPS);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)PB_HUBC_LOW_SPEED_S);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, c->test_mode ? "https,http" : "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file[0] != '\0')
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	if (c->pinned_key[0] != '\0')
		curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, c->pinned_key);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, c);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	c->why[0] = '\0';
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->why);
	curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, on_socket);
	curl_easy_setopt(h, CURLOPT_SOCKOPTDATA, c);
	/* no User-Agent: every byte counts on a 64 kbit/s link, and the hub
	 * knows the box by its signed headers */
}

/* TCP retransmissions so far on the connection the last transfer used
 * and kept, 0 when it is gone. */
static unsigned retransmissions(CURL *h)
{
	curl_socket_t fd = CURL_SOCKET_BAD;
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (curl_easy_getinfo(h, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK ||
	    fd == CURL_SOCKET_BAD || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
		return 0;
	return ti.tcpi_total_retrans;
}

static long ms_of(CURL *h, CURLINFO what)
{
	curl_off_t us = 0;

	return curl_easy_getinfo(h, what, &us) == CURLE_OK ? (long)(us / 1000) : 0;
}

/* Perform, count bytes, turn failures into plain words. */
static long perform(struct pb_hubc *c)
{
	CURLcode rc;
	curl_off_t up = 0, down = 0, ra = 0;

	c->status = -1;
	c->hdr_up = c->hdr_down = 0;
	rc = curl_easy_perform(c->curl);
	c->retrans = retransmissions(c->curl);
	c->t_connect_ms = ms_of(c->curl, CURLINFO_CONNECT_TIME_T);
	c->t_first_ms = ms_of(c->curl, CURLINFO_STARTTRANSFER_TIME_T);
	c->t_total_ms = ms_of(c->curl, CURLINFO_TOTAL_TIME_T);
	/* 429 and 503 answers say how long to wait (seconds or a date). */
	if (curl_easy_getinfo(c->curl, CURLINFO_RETRY_AFTER, &ra) != CURLE_OK || ra < 0)
		ra = 0;
	c->retry_after_s = ra > PB_HUBC_RETRY_AFTER_MAX_S ? PB_HUBC_RETRY_AFTER_MAX_S
							 : (unsigned)ra;
	curl_easy_getinfo(c->curl, CURLINFO_SIZE_UPLOAD_T, &up);
	curl_easy_getinfo(c->curl, CURLINFO_SIZE_DOWNLOAD_T, &down);
	/* bodies and HTTP headers both ways */
	c->last_up = (uint64_t)up + c->hdr_up;
	c->bytes_up += c->last_up;
	c->bytes_down += (uint64_t)down + c->hdr_down;
	if (rc != CURLE_OK) {
		switch (rc) {
		case CURLE_COULDNT_RESOLVE_HOST:
			snprintf(c->err, sizeof(c->err), "hub name not found (no DNS?)");
			break;
		case CURLE_COULDNT_CONNECT:
			snprintf(c->err, sizeof(c->err), "hub not reachable");
			break;
		case CURLE_OPERATION_TIMEDOUT:
			snprintf(c->err, sizeof(c->err), "link too slow or cut (timed out)");
			break;
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		case CURLE_SSL_CACERT_BADFILE:
			snprintf(c->err, sizeof(c->err), "hub certificate not trusted: %s",
				 curl_easy_strerror(rc));
			break;
		case CURLE_ABORTED_BY_CALLBACK:
			snprintf(c->err, sizeof(c->err), "stopped");
			break;
		default:
			snprintf(c->err, sizeof(c->err), "transfer failed: %s",
				 c->why[0] != '\0' ? c->why : curl_easy_strerror(rc));
		}
		return -1;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &c->status);
	c->err[0] = '\0';
	return c->status;
}

int pb_hubc_probe(struct pb_hubc *c)
{
	char url[PB_HUBC_URL_MAX];
	struct membuf m = { NULL, 0, 0 };
	long st;

	snprintf(url, sizeof(url), "%s/healthz", c->base);
	common_opts(c, url);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, (long)c->probe_timeout_s);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, mem_write);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &m);
	st = perform(c);
	free(m.data);
	if (st == 200)
		return 0;
	if (st > 0)
		snprintf(c->err, sizeof(c->err), "hub answered %ld to a health check", st);
	return -1;
}

static json_t *parse_answer(struct membuf *m)
{
	if (m->data == NULL)
		return NULL;
	return json_loadb(m->data, m->len, 0, NULL);
}

long pb_hubc_post(struct pb_hubc *c, const char *path, const char *ctype,
		  const void *body, size_t len, const char *sig, json_t **answer)
{
	char url[PB_HUBC_URL_MAX], hdr_box[128], hdr_sig[200], hdr_ct[128];
	struct curl_slist *hdrs = NULL;
	struct membuf m = { NULL, 0, 0 };
	long st;

	*answer = NULL;
	snprintf(url, sizeof(url), "%s%s", c->base, path);
	snprintf(hdr_ct, sizeof(hdr_ct), "Content-Type: %s", ctype);
	snprintf(hdr_box, sizeof(hdr_box), PB_PROTO_HDR_BOX ": %s", c->box_id);
	hdrs = curl_slist_append(hdrs, hdr_ct);
	hdrs = curl_slist_append(hdrs, hdr_box);
	hdrs = curl_slist_append(hdrs, "Expect:");
	hdrs = curl_slist_append(hdrs, "Accept:");
	if (sig != NULL) {
		snprintf(hdr_sig, sizeof(hdr_sig), PB_PROTO_HDR_SIG ": %s", sig);
		hdrs = curl_slist_append(hdrs, hdr_sig);
	}
	common_opts(c, url);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, mem_write);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &m);
	st = perform(c);
	curl_slist_free_all(hdrs);
	if (st > 0)
		*answer = parse_answer(&m);
	free(m.data);
	return st;
}

/* The signature headers of a GET (§5). */
static struct curl_slist *get_headers(struct pb_hubc *c, const char *path)
{
	char msg[PB_HUBC_URL_MAX + 128], tm[32], sig[PB_PROTO_SIG_HEX_LEN + 1];
	char h1[128], h2[64], h3[200];
	struct curl_slist *hdrs = NULL;

	snprintf(tm, sizeof(tm), "%" PRId64, pb_clock_wall_ms());
	if (pb_proto_get_message(c->box_id, path, tm, msg, sizeof(msg)) != 0)
		return NULL;
	pb_proto_sign(c->sk, msg, strlen(msg), sig);
	snprintf(h1, sizeof(h1), PB_PROTO_HDR_BOX ": %s", c->box_id);
	snprintf(h2, sizeof(h2), PB_PROTO_HDR_TIME ": %s", tm);
	snprintf(h3, sizeof(h3), PB_PROTO_HDR_SIG ": %s", sig);
	hdrs = curl_slist_append(hdrs, h1);
	hdrs = curl_slist_append(hdrs, h2);
	hdrs = curl_slist_append(hdrs, h3);
	return hdrs;
}

long pb_hubc_get_json(struct pb_hubc *c, const char *path, const char *query,
		      const char *etag_in, json_t **answer)
{
	char url[PB_HUBC_URL_MAX], inm[160];
	struct curl_slist *hdrs;
	struct membuf m = { NULL, 0, 0 };
	long st;

	*answer = NULL;
	snprintf(url, sizeof(url), "%s%s%s%s", c->base, path, query ? "?" : "", query ? query : "");
	hdrs = get_headers(c, path);
	if (hdrs == NULL)
		return -1;
	if (etag_in != NULL && etag_in[0] != '\0') {
		snprintf(inm, sizeof(inm), "If-None-Match: %s", etag_in);
		hdrs = curl_slist_append(hdrs, inm);
	}
	common_opts(c, url);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, mem_write);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &m);
	st = perform(c);
	curl_slist_free_all(hdrs);
	if (st > 0 && st != 304)
		*answer = parse_answer(&m);
	free(m.data);
	return st;
}

long pb_hubc_get_file(struct pb_hubc *c, const char *path, int fd, uint64_t offset,
		      uint64_t max_bytes, uint64_t *got)
{
	char url[PB_HUBC_URL_MAX], range[64];
	struct curl_slist *hdrs;
	struct filesink s = { fd, 0, 0 };
	long st;

	*got = 0;
	snprintf(url, sizeof(url), "%s%s", c->base, path);
	hdrs = get_headers(c, path);
	if (hdrs == NULL)
		return -1;
	common_opts(c, url);
	if (max_bytes > 0)
		snprintf(range, sizeof(range), "%" PRIu64 "-%" PRIu64, offset,
			 offset + max_bytes - 1);
	else
		snprintf(range, sizeof(range), "%" PRIu64 "-", offset);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c->curl, CURLOPT_RANGE, range);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, file_write);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c->curl, CURLOPT_FAILONERROR, 1L);
	st = perform(c);
	curl_slist_free_all(hdrs);
	*got = s.got;
	if (st < 0) {
		long code = 0;
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
		if (code >= 400) {
			c->status = code;
			snprintf(c->err, sizeof(c->err), "hub answered %ld for a module file", code);
			return code;
		}
	}
	if (s.failed)
		snprintf(c->err, sizeof(c->err), "cannot write the download: %s", strerror(errno));
	return s.failed ? -1 : st;
}

void pb_hubc_answer_error(struct pb_hubc *c, long status, json_t *answer)
{
	const char *code = json_string_value(json_object_get(answer, "error"));
	const char *detail = json_string_value(json_object_get(answer, "detail"));

	if (code != NULL)
		snprintf(c->err, sizeof(c->err), "hub refused: %s%s%s",
			 pb_proto_err_words(pb_proto_err_from_code(code)),
			 detail ? " — " : "", detail ? detail : "");
	else
		snprintf(c->err, sizeof(c->err), "hub answered HTTP %ld", status);
}

int pb_hubc_enrol(struct pb_hubc *c, const char *token, char *centre_out, size_t clen,
		  int *refused)
{
	char pk[PB_PROTO_PK_HEX_LEN + 1], msg[512], sig[PB_PROTO_SIG_HEX_LEN + 1];
	json_t *req, *ans = NULL;
	char *body;
	long st;
	int rc = -1;

	*refused = 0;
	if (token == NULL || token[0] == '\0' || strlen(token) > PB_PROTO_TOKEN_MAX) {
		snprintf(c->err, sizeof(c->err), "no enrolment token");
		*refused = 1;
		return -1;
	}
	pb_proto_public_hex(c->sk, pk);
	if (pb_proto_enrol_message(c->box_id, pk, token, msg, sizeof(msg)) != 0)
		return -1;
	pb_proto_sign(c->sk, msg, strlen(msg), sig);
	req = json_pack("{ss ss ss ss}", "box_id", c->box_id, "public_key", pk, "token", token,
			"signature", sig);
	body = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (body == NULL)
		return -1;
	st = pb_hubc_post(c, "/v1/enrol", "application/json", body, strlen(body), NULL, &ans);
	free(body);
	if (st == 200 && json_is_string(json_object_get(ans, "centre_id"))) {
		const char *hk = json_string_value(json_object_get(ans, "hub_key"));

		snprintf(centre_out, clen, "%s", json_string_value(json_object_get(ans, "centre_id")));
		c->hub_key[0] = '\0';
		if (hk != NULL && strlen(hk) == PB_PROTO_PK_HEX_LEN &&
		    pb_hex_valid(hk, PB_PROTO_PK_HEX_LEN))
			memcpy(c->hub_key, hk, PB_PROTO_PK_HEX_LEN + 1);
		rc = 0;
	} else if (st > 0) {
		pb_hubc_answer_error(c, st, ans);
		*refused = st >= 400 && st < 500 && st != 429;
	}
	json_decref(ans);
	return rc;
}

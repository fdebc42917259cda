#include "hub.h"

#include "pb_log.h"
#include "pb_sandbox.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

const char *hub_header(struct pb_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

enum MHD_Result hub_json(struct pb_req *r, unsigned status, const char *text)
{
	struct MHD_Response *resp = pb_http_response((void *)(uintptr_t)text, strlen(text),
		MHD_RESPMEM_MUST_COPY, "application/json; charset=utf-8", 1);

	if (resp != NULL && r->retry_after_s > 0)
		pb_http_retry_after(resp, r->retry_after_s);
	return pb_http_queue(r->conn, status, resp);
}

enum MHD_Result hub_error(struct pb_req *r, enum pb_proto_err e, int64_t acked,
			  const char *detail)
{
	json_t *o = pb_http_error_object(pb_proto_err_code(e), pb_proto_err_message(e));
	char *text;
	enum MHD_Result ret;

	if (o == NULL)
		return MHD_NO;
	if (acked >= 0)
		json_object_set_new(o, "acked", json_integer(acked));
	if (detail != NULL && detail[0] != '\0')
		json_object_set_new(o, "detail", json_string(detail));
	text = pb_http_json_text(o, 0);
	if (text == NULL)
		return MHD_NO;
	pb_info("%s %s: %s%s%s", r->method, r->url, pb_proto_err_code(e),
		detail != NULL && detail[0] ? " — " : "", detail != NULL ? detail : "");
	ret = hub_json(r, pb_proto_err_http(e), text);
	free(text);
	return ret;
}

enum MHD_Result hub_too_many(struct pb_req *r, unsigned seconds, const char *detail)
{
	r->retry_after_s = seconds;
	return hub_error(r, PB_PROTO_RATE_LIMITED, -1, detail);
}

enum MHD_Result hub_unavailable(struct pb_req *r)
{
	r->retry_after_s = HUB_UNAVAILABLE_RETRY_S;
	return hub_error(r, PB_PROTO_UNAVAILABLE, -1, "database unavailable");
}

enum pb_proto_err hub_auth_refused(struct pb_req *r, enum pb_proto_err e)
{
	/* Only an address that was already over its limit is told to wait:
	 * the burst is all refusals, the next one is a 429. */
	unsigned wait = hub_rate_peek(r->hub, HUB_RATE_UNAUTH, r->addr);

	hub_rate_charge(r->hub, HUB_RATE_UNAUTH, r->addr);
	if (wait == 0)
		return e;
	r->retry_after_s = hub_rate_peek(r->hub, HUB_RATE_UNAUTH, r->addr);
	return PB_PROTO_RATE_LIMITED;
}

enum pb_proto_err hub_auth_get(struct pb_req *r, PGconn *pg, char *box_id, size_t blen,
			       char *centre_id, size_t clen)
{
	const char *box = hub_header(r, PB_PROTO_HDR_BOX);
	const char *sig = hub_header(r, PB_PROTO_HDR_SIG);
	const char *tm = hub_header(r, PB_PROTO_HDR_TIME);
	char msg[HUB_PATH_MAX + 256];
	const char *params[1];
	PGresult *res;
	enum pb_proto_err e = PB_PROTO_UNKNOWN_BOX;

	if (box == NULL || !pb_hex_valid(box, PB_PROTO_ID_LEN))
		return hub_auth_refused(r, PB_PROTO_UNKNOWN_BOX);
	if (sig == NULL || tm == NULL || strlen(tm) > 32 || strlen(r->url) > HUB_PATH_MAX)
		return hub_auth_refused(r, PB_PROTO_BAD_SIGNATURE);
	params[0] = box;
	res = PQexecParams(pg, "SELECT public_key, centre_id, revoked_at IS NOT NULL "
			   "FROM boxes WHERE box_id = $1", 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		e = PB_PROTO_INTERNAL;
		goto out;
	}
	if (PQntuples(res) != 1)
		goto out;
	if (pb_proto_get_message(box, r->url, tm, msg, sizeof(msg)) != 0 ||
	    pb_proto_verify(PQgetvalue(res, 0, 0), msg, strlen(msg), sig) != 0) {
		e = PB_PROTO_BAD_SIGNATURE;
		goto out;
	}
	/* Signed by the box: only now may it learn that it is revoked. */
	if (PQgetvalue(res, 0, 2)[0] == 't') {
		e = PB_PROTO_REVOKED;
		goto out;
	}
	snprintf(box_id, blen, "%s", box);
	snprintf(centre_id, clen, "%s", PQgetvalue(res, 0, 1));
	r->retry_after_s = hub_rate_box(r->hub, box);
	e = r->retry_after_s > 0 ? PB_PROTO_RATE_LIMITED : PB_PROTO_OK;
out:
	PQclear(res);
	if (e == PB_PROTO_UNKNOWN_BOX || e == PB_PROTO_BAD_SIGNATURE)
		e = hub_auth_refused(r, e);
	return e;
}

enum pb_proto_err hub_auth_body(struct pb_req *r, PGconn *pg, const char *box,
				int64_t *last_seq)
{
	const char *sig = hub_header(r, PB_PROTO_HDR_SIG);
	const char *params[1] = { box };
	PGresult *res;
	enum pb_proto_err e = PB_PROTO_INTERNAL;

	res = PQexecParams(pg, "SELECT public_key, revoked_at IS NOT NULL, last_seq FROM boxes "
			   "WHERE box_id = $1", 1, NULL, params, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_TUPLES_OK, "auth: box") != 0)
		goto out;
	e = PB_PROTO_UNKNOWN_BOX;
	if (PQntuples(res) != 1)
		goto out;
	e = PB_PROTO_BAD_SIGNATURE;
	if (sig == NULL || pb_proto_verify(PQgetvalue(res, 0, 0), r->body.data, r->body.len, sig) != 0)
		goto out;
	/* Signed by the box: only now may it learn its state. */
	if (last_seq != NULL)
		*last_seq = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	e = PB_PROTO_REVOKED;
	if (PQgetvalue(res, 0, 1)[0] == 't')
		goto out;
	/* The box is who it says: its own limit applies before any work. */
	r->retry_after_s = hub_rate_box(r->hub, box);
	e = r->retry_after_s > 0 ? PB_PROTO_RATE_LIMITED : PB_PROTO_OK;
out:
	PQclear(res);
	if (e == PB_PROTO_UNKNOWN_BOX || e == PB_PROTO_BAD_SIGNATURE)
		e = hub_auth_refused(r, e);
	return e;
}

/* Before a byte of an upload's body is read: its box is enrolled, not
 * revoked, and within its own limit. An unknown and a revoked box get the
 * same answer here: revocation is told only to what the box signed. */
static enum pb_proto_err precheck_box(struct pb_req *r)
{
	const char *box = hub_header(r, PB_PROTO_HDR_BOX);
	const char *params[1] = { box };
	enum pb_proto_err e = PB_PROTO_UNKNOWN_BOX;
	PGresult *res;
	PGconn *pg;
	unsigned wait;

	if (box == NULL || !pb_hex_valid(box, PB_PROTO_ID_LEN))
		return hub_auth_refused(r, PB_PROTO_UNKNOWN_BOX);
	pg = hub_db_get(r->hub);
	if (pg == NULL) {
		r->retry_after_s = HUB_UNAVAILABLE_RETRY_S;
		return PB_PROTO_UNAVAILABLE;
	}
	res = PQexecParams(pg, "SELECT 1 FROM boxes WHERE box_id = $1 AND revoked_at IS NULL",
			   1, NULL, params, NULL, NULL, 0);
	if (hub_db_ok(res, PGRES_TUPLES_OK, "precheck: box") != 0)
		e = PB_PROTO_INTERNAL;
	else if (PQntuples(res) == 1)
		e = PB_PROTO_OK;
	PQclear(res);
	hub_db_put(r->hub, pg);
	if (e == PB_PROTO_UNKNOWN_BOX)
		return hub_auth_refused(r, e);
	if (e != PB_PROTO_OK)
		return e;
	wait = hub_rate_box_ready(r->hub, box);
	if (wait > 0) {
		r->retry_after_s = wait;
		return PB_PROTO_RATE_LIMITED;
	}
	return PB_PROTO_OK;
}

/* Take n bytes from the body budget shared by all connections; -1 when
 * they are not there. */
static int budget_take(struct hub *h, size_t n)
{
	size_t held = __atomic_load_n(&h->body_held, __ATOMIC_RELAXED);

	do {
		if (held > h->body_budget || n > h->body_budget - held)
			return -1;
	} while (!__atomic_compare_exchange_n(&h->body_held, &held, held + n, 1,
					      __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
	return 0;
}

static void budget_give(struct hub *h, size_t n)
{
	if (n > 0)
		__atomic_sub_fetch(&h->body_held, n, __ATOMIC_ACQ_REL);
}

/* The bytes a request's body may bring: its Content-Length, the route's
 * limit when it comes chunked, 0 without a body; -1 when unreadable. */
static int declared_length(struct pb_req *r, size_t *out)
{
	const char *cl = hub_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
	unsigned long long v;
	char *end;

	*out = 0;
	if (cl == NULL) {
		if (hub_header(r, MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL)
			*out = r->body_max;
		return 0;
	}
	if (cl[0] < '0' || cl[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(cl, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v > SIZE_MAX / 2 ? SIZE_MAX / 2 : (size_t)v;
	return 0;
}

/* Everything decided from the headers, before any of the body is read:
 * its size, the box of an upload, the office login of an office route,
 * and room in the body budget. 0, or an
 * answer was queued (*ret). */
static int admit(struct pb_req *r, enum MHD_Result *ret)
{
	int upload = r->route != NULL && (r->route->flags & HUB_ROUTE_UPLOAD);
	enum pb_proto_err e;
	size_t want;

	if (declared_length(r, &want) != 0) {
		*ret = hub_error(r, PB_PROTO_MALFORMED, -1, "bad Content-Length");
		return -1;
	}
	if (want > r->body_max) {
		*ret = hub_error(r, PB_PROTO_TOO_LARGE, -1, "request body over the limit");
		return -1;
	}
	if (upload && want > 0) {
		e = precheck_box(r);
		if (e != PB_PROTO_OK) {
			*ret = hub_error(r, e, -1, NULL);
			return -1;
		}
	}
	if (want > 0 && hub_office_web_admit(r, ret) != 0)
		return -1;
	if (want > 0 && budget_take(r->hub, want) != 0) {
		r->retry_after_s = HUB_BUSY_RETRY_S;
		*ret = hub_error(r, PB_PROTO_UNAVAILABLE, -1, "too many bodies in flight");
		return -1;
	}
	r->body_reserved = want;
	r->body.max = want;
	return 0;
}

/* A body that trickles in is dropped: 0 to go on, -1 to close. */
static int body_pace(struct pb_req *r)
{
	int64_t now = hub_rate_now_ms();

	if (r->body.start_ms == 0)
		r->body.start_ms = now;
	if (!pb_http_body_slow(&r->body, now, HUB_BODY_GRACE_S, HUB_BODY_MIN_BPS))
		return 0;
	pb_info("%s %s from %s: body too slow (%zu bytes in %" PRId64 " ms), closed",
		r->method, r->url, r->addr, r->body.len, now - r->body.start_ms);
	return -1;
}

static enum MHD_Result healthz(struct pb_req *r)
{
	return hub_json(r, MHD_HTTP_OK, "{\"status\":\"ok\"}");
}

/* An address that keeps failing to authenticate is refused with 429 at
 * its next failure (hub_auth_refused), not before: what passes its
 * signature or token check is served, so a box behind the same NAT as a
 * hostile device goes on. One that keeps failing to enrol waits before
 * any work is done for it; asking again before the time is up counts as
 * one more failure. */
static enum MHD_Result enrol(struct pb_req *r)
{
	unsigned wait;

	if (hub_rate_peek(r->hub, HUB_RATE_ENROL, r->addr) == 0)
		return hub_enrol(r);
	hub_rate_charge(r->hub, HUB_RATE_ENROL, r->addr);
	wait = hub_rate_peek(r->hub, HUB_RATE_ENROL, r->addr);
	return hub_too_many(r, wait, "too many refused enrolments from this address");
}

/* The prefix routes: their handlers take what follows the prefix. */
static enum MHD_Result photo_put(struct pb_req *r)
{
	return hub_photo_put(r, pb_http_rest(r->route, r->url));
}

static enum MHD_Result feed(struct pb_req *r)
{
	return hub_feed(r, pb_http_rest(r->route, r->url));
}

static enum MHD_Result file(struct pb_req *r)
{
	return hub_file(r, pb_http_rest(r->route, r->url));
}

/* pb-hub's own routes (docs/hub.md); the first match wins. Another method
 * on a path, or a path of none, is 404 not_found, unless the route that
 * names the path answers that itself (HUB_ROUTE_OWN_REFUSAL: the office's). */
const struct pb_http_route hub_routes[] = {
	{ "GET", "/healthz", healthz, 0 },
	{ "POST", "/v1/enrol", enrol, 0 },
	{ "POST", "/v1/batch", hub_ingest, HUB_ROUTE_UPLOAD | HUB_ROUTE_BODY_BATCH },
	{ "POST", PB_PROTO_PHOTO_PATH, photo_put,
	  PB_HTTP_PREFIX | HUB_ROUTE_UPLOAD | HUB_ROUTE_BODY_PHOTO },
	{ "GET", "/v1/feed/", feed, PB_HTTP_PREFIX },
	{ "GET", "/v1/files/", file, PB_HTTP_PREFIX },
	{ NULL, NULL, NULL, 0 },
};

pb_http_routes hub_http_routes = { hub_routes, hub_office_routes, hub_office_web_routes, NULL };

size_t hub_body_max(const struct pb_http_route *rt)
{
	if (rt != NULL && (rt->flags & HUB_ROUTE_BODY_BATCH))
		return PB_PROTO_BATCH_GZ_MAX;
	if (rt != NULL && (rt->flags & HUB_ROUTE_BODY_PHOTO))
		return PB_PROTO_PHOTO_MAX;
	if (rt != NULL && (rt->flags & HUB_ROUTE_BODY_OFFICE))
		return HUB_OFFICE_BODY_MAX;
	if (rt != NULL && (rt->flags & HUB_ROUTE_BODY_IMPORT))
		return HUB_OFFICE_IMPORT_MAX;
	if (rt != NULL && (rt->flags & HUB_ROUTE_BODY_LOGIN))
		return HUB_OFFICE_LOGIN_BODY_MAX;
	return HUB_ENROL_BODY_MAX;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct pb_req *r = *con_cls;
	enum MHD_Result ret;
	int path_matched;

	(void)version;
	if (r == NULL) {
		r = calloc(1, sizeof(*r));
		if (r == NULL)
			return MHD_NO;
		r->hub = cls;
		r->conn = conn;
		r->method = method;
		r->url = url;
		r->route = pb_http_route_find(hub_http_routes, method, url, r->params,
					      &path_matched);
		if (r->route == NULL && path_matched) {
			/* named for another method: its route may answer that */
			r->route = pb_http_route_named(hub_http_routes, url, r->params);
			if (r->route != NULL && (r->route->flags & HUB_ROUTE_OWN_REFUSAL))
				r->other_method = 1;
			else
				r->route = NULL;
		}
		/* another method's request takes no route's body: it is refused */
		r->body_max = hub_body_max(r->other_method ? NULL : r->route);
		pb_http_client_addr(conn, r->addr, sizeof(r->addr));
		*con_cls = r;
		/* Nothing is served before pb-hub is confined (hub_serve). */
		if (!__atomic_load_n(&r->hub->serving, __ATOMIC_ACQUIRE)) {
			r->retry_after_s = 1;
			return hub_error(r, PB_PROTO_UNAVAILABLE, -1, "starting");
		}
		/* An answer queued now is sent without reading the body. */
		if (admit(r, &ret) != 0)
			return ret;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (body_pace(r) != 0)
			return MHD_NO;
		pb_http_body_add(&r->body, upload_data, *upload_size, NULL, NULL);
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->body.too_big || r->body.no_room)
		return hub_error(r, PB_PROTO_TOO_LARGE, -1, "request body over the limit");
	if (r->route != NULL)
		return r->route->fn(r);
	return hub_error(r, PB_PROTO_NOT_FOUND, -1, NULL);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct pb_req *r = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (r != NULL) {
		__atomic_store_n(&r->hub->freed, 1, __ATOMIC_RELAXED);
		budget_give(r->hub, r->body_reserved);
		pb_http_body_drop(&r->body);
		free(r);
	}
	*con_cls = NULL;
}

/* The listening socket: the one handed over by the service manager, else
 * one bound here on -l (before any privilege is given up, so root may
 * bind a port below 1024 for the user named by -u). -1 on failure. */
static int listen_socket(struct hub *h, int *family)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	fd = pb_listen_inherited(family);
	if (fd >= 0) {
		pb_notice("serving the socket handed over (fd %d), not -l", fd);
		return fd;
	}
	if (pb_listen_address(h->listen_host, h->listen_port, &ss, &len, family) != 0)
		return -1;
	fd = socket(*family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, SOMAXCONN) != 0) {
		pb_err("cannot listen on %s:%u: %s", h->listen_host, h->listen_port,
		       strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Wait for one of stop's signals; meanwhile, every HUB_TRIM_EVERY_S, give
 * back the memory requests ended since the last time freed. */
static int wait_for_stop(struct hub *h, const sigset_t *stop)
{
	const struct timespec every = { .tv_sec = HUB_TRIM_EVERY_S };
	int sig;

	for (;;) {
		sig = sigtimedwait(stop, NULL, &every);
		if (sig > 0)
			return sig;
		if (errno == EAGAIN && __atomic_exchange_n(&h->freed, 0, __ATOMIC_RELAXED))
			malloc_trim(0);
	}
}

int hub_serve(struct hub *h)
{
	sigset_t stop_set;
	char err[256];
	int sig = 0, rc = -1, lfd, family = AF_INET;

	if (geteuid() == 0 && h->run_user == NULL)
		return hub_run_as(NULL);        /* refuses, and says why */
	lfd = listen_socket(h, &family);
	if (lfd < 0)
		return -1;
	if (hub_run_as(h->run_user) != 0) {
		close(lfd);
		return -1;
	}
	if (hub_rate_init(h) != 0) {
		pb_err("out of memory for the rate limits");
		close(lfd);
		return -1;
	}
	/* Before any database connection, thread or filter; without it
	 * pb-hub serves all but the XLSX routes. */
	hub_xlsx_worker_start(h, lfd);
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	h->nconn = h->threads;
	for (unsigned i = 0; i < h->nconn; i++) {
		h->conns[i] = hub_db_connect(h->conninfo, err, sizeof(err));
		if (h->conns[i] == NULL) {
			pb_err("database: %s", err);
			goto fail;
		}
	}
	if (hub_db_schema_ok(h->conns[0], err, sizeof(err)) != 0) {
		pb_err("%s", err);
		goto fail;
	}
	hub_db_check_durable(h->conns[0]);
	/* SIGTERM and SIGINT are taken by sigwait below: blocked here, before
	 * the worker threads start (they inherit the mask), so none of them
	 * can swallow the signal while the main thread waits. */
	sigemptyset(&stop_set);
	sigaddset(&stop_set, SIGTERM);
	sigaddset(&stop_set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_set, NULL);
	signal(SIGPIPE, SIG_IGN);
	h->mhd = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
		(h->tls_cert != NULL ? MHD_USE_TLS : 0) | (family == AF_INET6 ? MHD_USE_IPv6 : 0),
		0, NULL, NULL, on_request, h,
		MHD_OPTION_LISTEN_SOCKET, lfd,
		/* without TLS these two are ignored */
		MHD_OPTION_HTTPS_MEM_CERT, h->tls_cert != NULL ? h->tls_cert : "",
		MHD_OPTION_HTTPS_MEM_KEY, h->tls_key != NULL ? h->tls_key : "",
		MHD_OPTION_THREAD_POOL_SIZE, h->threads,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)HUB_MAX_CONNECTIONS,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, h->addr_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HUB_CONN_TIMEOUT_S,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_UNESCAPE_CALLBACK, pb_http_unescape, NULL,
		MHD_OPTION_END);
	lfd = -1;                       /* MHD's now, closed by MHD_stop_daemon */
	if (h->mhd == NULL) {
		pb_err("cannot serve on %s:%u", h->listen_host, h->listen_port);
		goto fail;
	}
	/* Every thread runs from here on, each database connection is made:
	 * confine them all. */
	if (!h->no_seccomp && hub_sandbox_enter() != 0) {
		pb_err("cannot confine pb-hub (-S serves without the filter); not serving");
		MHD_stop_daemon(h->mhd);
		goto fail;
	}
	__atomic_store_n(&h->serving, 1, __ATOMIC_RELEASE);
	pb_notice("listening on %s:%u (%s) with %u threads%s", h->listen_host, h->listen_port,
		  h->tls_cert != NULL ? "https" : "http", h->threads,
		  h->no_seccomp ? ", no seccomp filter (-S)" : ", seccomp filter on");
	sig = wait_for_stop(h, &stop_set);
	pb_info("signal %d: stopping", sig);
	MHD_stop_daemon(h->mhd);
	pb_notice("stopped");
	rc = 0;
fail:
	if (lfd >= 0)
		close(lfd);
	hub_db_pool_free(h);
	hub_xlsx_worker_stop(h);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
	hub_rate_free(h);
	return rc;
}

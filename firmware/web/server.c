#include "web.h"

#include "pb_clock.h"
#include "pb_db.h"
#include "pb_log.h"
#include "pb_net.h"
#include "pb_sandbox.h"

#include <malloc.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static void close_thread_db(void *p)
{
	pb_db_close(p);
}

sqlite3 *pb_web_db(struct pb_web *w)
{
	sqlite3 *db = pthread_getspecific(w->db_key);
	char err[PB_DB_ERR_LEN];

	if (db != NULL)
		return db;
	if (pb_db_open(w->db_path, PB_DB_NOCHECK, &db, err, sizeof(err)) != 0) {
		pb_err("database: %s", err);
		return NULL;
	}
	if (pthread_setspecific(w->db_key, db) != 0) {
		pb_db_close(db);
		return NULL;
	}
	return db;
}

/* Bytes held for request bodies by one client (a station, or an address
 * without a lease: budget_key), at most [web] body_budget_per_client_bytes,
 * so that one phone (or one attacker) cannot take the whole shared budget
 * from the others. */
struct client_hold {
	char addr[sizeof(((struct pb_req *)0)->budget_key)];
	size_t held;                     /* 0: the slot is free */
};

static struct {
	pthread_mutex_t lock;
	struct client_hold t[PB_WEB_BUDGET_CLIENTS_MAX];
} holds = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Count n more bytes for addr: 0, or -1 over its share (or no free slot). */
static int client_take(const char *addr, size_t n, size_t share)
{
	struct client_hold *h = NULL, *spare = NULL;
	int rc = -1;

	pthread_mutex_lock(&holds.lock);
	for (size_t i = 0; i < PB_WEB_BUDGET_CLIENTS_MAX && h == NULL; i++) {
		if (holds.t[i].held != 0 && strcmp(holds.t[i].addr, addr) == 0)
			h = &holds.t[i];
		else if (holds.t[i].held == 0 && spare == NULL)
			spare = &holds.t[i];
	}
	if (h == NULL && spare != NULL) {
		h = spare;
		snprintf(h->addr, sizeof(h->addr), "%s", addr);
	}
	if (h != NULL && n <= share && h->held <= share - n) {
		h->held += n;
		rc = 0;
	}
	pthread_mutex_unlock(&holds.lock);
	return rc;
}

static void client_give(const char *addr, size_t n)
{
	if (n == 0)
		return;
	pthread_mutex_lock(&holds.lock);
	for (size_t i = 0; i < PB_WEB_BUDGET_CLIENTS_MAX; i++)
		if (holds.t[i].held != 0 && strcmp(holds.t[i].addr, addr) == 0) {
			holds.t[i].held -= n < holds.t[i].held ? n : holds.t[i].held;
			break;
		}
	pthread_mutex_unlock(&holds.lock);
}

/* Whose share of the budget r's body takes (stations.c): the station (the
 * MAC the DHCP lease file gives its address, as the captive portal asks),
 * the hotspot's addresses without a lease together, else its address. A
 * phone holds up to about 30 leases past the DHCP guard
 * (docs/hotspot.md), and may set any number of addresses by hand; counted
 * by address, five of them took the whole budget with heads alone, and
 * every other phone's body got 503. */
static const char *budget_key(struct pb_req *r)
{
	struct pb_client who;

	if (r->budget_key[0] != '\0')
		return r->budget_key;
	if (pb_client_of_text(r->client, &who) == 0)
		pb_client_name(&who, r->budget_key, sizeof(r->budget_key));
	else
		snprintf(r->budget_key, sizeof(r->budget_key), "%s", r->client);
	return r->budget_key;
}

/* The memory budget for request bodies ([web] body_budget_bytes), shared
 * by every connection, and the client's share of it ([web]
 * body_budget_per_client_bytes, per station or address: budget_key): 0
 * if n more bytes fit both (now counted for r), -1. */
static int budget_take(struct pb_req *r, size_t n)
{
	struct pb_web *w = r->web;

	if (client_take(budget_key(r), n, w->cfg.body_budget_per_client_bytes) != 0)
		return -1;
	if (__atomic_add_fetch(&w->body_bytes, n, __ATOMIC_RELAXED) > w->cfg.body_budget_bytes) {
		__atomic_sub_fetch(&w->body_bytes, n, __ATOMIC_RELAXED);
		client_give(budget_key(r), n);
		return -1;
	}
	r->body_held += n;
	return 0;
}

/* pb_http_hold_fn: the body is about to hold total bytes. */
static int body_hold(void *ctx, size_t total)
{
	struct pb_req *r = ctx;

	return total <= r->body_held ? 0 : budget_take(r, total - r->body_held);
}

/* Free the body and give its bytes back to the budget. */
static void body_drop(struct pb_req *r)
{
	pb_http_body_drop(&r->body);
	__atomic_sub_fetch(&r->web->body_bytes, r->body_held, __ATOMIC_RELAXED);
	if (r->body_held != 0)
		client_give(budget_key(r), r->body_held);
	r->body_held = 0;
}

static void free_req(struct pb_req *r)
{
	if (r == NULL)
		return;
	if (r->answer != NULL)
		MHD_destroy_response(r->answer);
	body_drop(r);
	free(r);
}

/* The pool: handlers that may wait (for the database's write lock, a disk
 * sync, a password hash, a large staff view) run here while their
 * connection is suspended, so an event-loop thread never holds its other
 * connections — /healthz above all — behind one of them. */
struct pb_pool {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct pb_web *web;
	struct pb_req *head, *tail;      /* waiting requests, oldest first */
	int stopping;
	int dirty;                       /* handlers ran since the last trim */
	int64_t trimmed_ms;              /* monotonic time of the last trim */
	int64_t reaped_ms;               /* ... and of the last pb_conn_reap */
	unsigned nthreads;
	pthread_t threads[PB_WEB_POOL_THREADS];
};

/* Shut the connections that have waited longer than [web]
 * connection_timeout for a whole request head, or whose client takes its
 * answer slower than [web] answer_min_rate (conncount.c):
 * libmicrohttpd's own timeout counts only silence, so a head trickled, or
 * an answer taken, a byte at a time would hold its connection for good. */
static void pool_reap(struct pb_web *w, int64_t now)
{
	const struct pb_reap_limits lim = {
		.head_max_ms = (int64_t)w->cfg.connection_timeout * 1000,
		.window_ms = (int64_t)w->cfg.answer_rate_window_s * 1000,
		.min_rate = w->cfg.answer_min_rate,
	};
	struct pb_reaped n;

	pb_conn_reap(&w->conn_count, now, &lim, &n);
	if (n.heads > 0)
		pb_info("http: %u connections closed: no whole request head within %u s "
			"(connection_timeout)", n.heads, w->cfg.connection_timeout);
	if (n.answers > 0)
		pb_info("http: %u connections closed: answer taken slower than %u bytes/s "
			"over %u s (answer_min_rate)", n.answers, w->cfg.answer_min_rate,
			w->cfg.answer_rate_window_s);
}

/* Wait for work. Meanwhile, every PB_WEB_REAP_EVERY_S (checked too each
 * time a handler ends, so a busy pool still does it), pool_reap; and once
 * the pool is idle after handlers ran, give back the memory they freed:
 * glibc keeps it in each thread's arena otherwise, and staff views of
 * thousands of claims left ~50 MB held after a soak. */
static void pool_wait(struct pb_pool *p)
{
	struct timespec until;

	for (;;) {
		int64_t now = pb_clock_mono_ms();
		if (now - p->reaped_ms >= PB_WEB_REAP_EVERY_S * 1000) {
			p->reaped_ms = now;
			pthread_mutex_unlock(&p->lock);
			pool_reap(p->web, now);
			pthread_mutex_lock(&p->lock);
			continue;
		}
		if (p->head != NULL || p->stopping)
			return;
		if (p->dirty && now - p->trimmed_ms >= PB_WEB_TRIM_EVERY_S * 1000) {
			p->dirty = 0;
			p->trimmed_ms = now;
			pthread_mutex_unlock(&p->lock);
			malloc_trim(0);
			pthread_mutex_lock(&p->lock);
			continue;
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += PB_WEB_REAP_EVERY_S;
		pthread_cond_timedwait(&p->wake, &p->lock, &until);
	}
}

static void *pool_main(void *arg)
{
	struct pb_pool *p = arg;
	struct pb_req *r = NULL;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		if (r != NULL)
			p->dirty = 1;
		pool_wait(p);
		r = p->head;
		if (r != NULL) {
			p->head = r->pool_next;
			if (p->head == NULL)
				p->tail = NULL;
		}
		pthread_mutex_unlock(&p->lock);
		if (r == NULL)
			return NULL;          /* stopping, and nothing left to run */
		if (r->route->fn(r) != MHD_YES && r->answer != NULL) {
			MHD_destroy_response(r->answer);
			r->answer = NULL;     /* the handler gave up: close */
		}
		r->pool_done = 1;
		MHD_resume_connection(r->conn);
	}
}

/* Hand r to the pool and suspend its connection: 0, or -1 when there is no
 * pool (a harness driving on_request itself) or it is stopping: the caller
 * then runs the handler itself. */
static int pool_submit(struct pb_pool *p, struct pb_req *r)
{
	if (p == NULL)
		return -1;
	pthread_mutex_lock(&p->lock);
	if (p->stopping || p->nthreads == 0) {
		pthread_mutex_unlock(&p->lock);
		return -1;
	}
	r->in_pool = 1;
	MHD_suspend_connection(r->conn);
	r->pool_next = NULL;
	if (p->tail != NULL)
		p->tail->pool_next = r;
	else
		p->head = r;
	p->tail = r;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* Run every request already handed over, then end the threads. */
static void pool_stop(struct pb_pool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static struct pb_pool *pool_start(struct pb_web *w)
{
	struct pb_pool *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->web = w;
	if (pthread_mutex_init(&p->lock, NULL) != 0) {
		free(p);
		return NULL;
	}
	if (pthread_cond_init(&p->wake, NULL) != 0) {
		pthread_mutex_destroy(&p->lock);
		free(p);
		return NULL;
	}
	for (; p->nthreads < PB_WEB_POOL_THREADS; p->nthreads++)
		if (pthread_create(&p->threads[p->nthreads], NULL, pool_main, p) != 0)
			break;
	if (p->nthreads == 0) {
		pool_stop(p);
		return NULL;
	}
	return p;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct pb_web *w = cls;

	(void)toe;
	free_req(*con_cls);
	*con_cls = NULL;
	pb_conn_in_request(&w->conn_count, c, 0);   /* waits for its next head */
}

/* The raw request target, before libmicrohttpd splits its query: with
 * more than PB_WEB_QUERY_PARAMS_MAX parameters the request is marked for
 * 414, and the query is cut at its first '&' so that libmicrohttpd does
 * not spend the connection's memory on the rest (it would then be left
 * unable to answer at all until the connection timed out). The string is
 * libmicrohttpd's own read buffer, writable, handed over as const. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct pb_req *r;
	const char *q = strchr(uri, '?');
	unsigned n = 0;

	(void)c;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->web = cls;                  /* on_completed may get r without on_request */
	r->target_len = strlen(uri);
	if (q == NULL)
		return r;
	for (const char *p = q; *p; p++)
		n += *p == '&';
	if (n + 1 > PB_WEB_QUERY_PARAMS_MAX) {
		r->too_many_params = 1;
		*(char *)(uintptr_t)strchr(q, '&') = '\0';
	}
	return r;
}

/* Content-Length given more than once, or beside Transfer-Encoding, or a
 * Transfer-Encoding other than one "chunked": the body's end is ambiguous
 * (a smuggled request behind a proxy). libmicrohttpd takes the first of
 * two Transfer-Encoding headers, and reads a body in a coding it does not
 * know ("gzip, chunked", "xchunked") until the client closes, so such a
 * request would never be answered. */
struct length_headers {
	unsigned lengths;
	unsigned codings;
	unsigned chunked;                /* codings that are exactly "chunked" */
};

static enum MHD_Result count_length(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	struct length_headers *n = cls;

	(void)kind;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
		n->lengths++;
	} else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
		n->codings++;
		n->chunked += value != NULL && strcasecmp(value, "chunked") == 0;
	}
	return MHD_YES;
}

static int length_ambiguous(struct MHD_Connection *c)
{
	struct length_headers n = { 0, 0, 0 };

	MHD_get_connection_values(c, MHD_HEADER_KIND, count_length, &n);
	return n.lengths > 1 || (n.lengths == 1 && n.codings > 0) || n.codings > 1 ||
	       n.codings != n.chunked;
}

/* The request head as [web] max_header_bytes counts it: the request line,
 * each header line as "Name: value" CRLF, and the blank line; and its
 * header lines and cookies, which cost libmicrohttpd memory of their own. */
struct head_size {
	size_t bytes;
	unsigned lines;
	unsigned cookies;
};

static enum MHD_Result count_head(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	struct head_size *h = cls;

	if (kind == MHD_COOKIE_KIND) {
		h->cookies++;
		return MHD_YES;
	}
	h->bytes += strlen(key) + 2 + (value != NULL ? strlen(value) : 0) + 2;
	h->lines++;
	return MHD_YES;
}

/* 0: the head is within the limits; else the status to answer: 414 when
 * the request line alone is too long, 431 otherwise. */
static unsigned head_over_limit(const struct pb_req *r, const char *version)
{
	struct head_size h = { 0, 0, 0 };
	size_t max = r->web->cfg.max_header_bytes;

	h.bytes = strlen(r->method) + 1 + r->target_len + 1 + strlen(version) + 2 + 2;
	if (h.bytes > max)
		return MHD_HTTP_URI_TOO_LONG;
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND | MHD_COOKIE_KIND, count_head, &h);
	if (h.bytes > max || h.lines > PB_WEB_HEADER_LINES_MAX || h.cookies > PB_WEB_COOKIES_MAX)
		return MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE;
	return 0;
}

static enum MHD_Result method_not_allowed(struct pb_req *r)
{
	char allow[PB_HTTP_ALLOW_MAX];

	pb_http_route_allow(pb_web_routes, r->url, allow, sizeof(allow));
	return pb_respond_json_with(r, MHD_HTTP_METHOD_NOT_ALLOWED,
		pb_http_error_object("method_not_allowed", "Metode tidak diizinkan"),
		(const char *const[]){ MHD_HTTP_HEADER_ALLOW, allow, NULL });
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size,
				  void **con_cls)
{
	struct pb_web *w = cls;
	struct pb_req *r = *con_cls;
	int path_matched;
	const char *cl;

	if (r == NULL || r->conn == NULL) {       /* the first call (on_uri made r) */
		if (pb_conn_refused(c))           /* over its address's limit */
			return MHD_NO;
		pb_conn_in_request(&w->conn_count, c, 1);   /* its head came */
		if (r == NULL)
			r = calloc(1, sizeof(*r));
		if (r == NULL)
			return MHD_NO;
		r->web = w;
		r->conn = c;
		r->method = method;
		r->url = url;
		r->is_head = strcmp(method, "HEAD") == 0;
		pb_http_client_addr(c, r->client, sizeof(r->client));
		*con_cls = r;
		switch (head_over_limit(r, version)) {
		case 0:
			break;
		case MHD_HTTP_URI_TOO_LONG:
			return pb_respond_error(r, MHD_HTTP_URI_TOO_LONG, "uri_too_long",
						"Alamat terlalu panjang");
		default:
			return pb_respond_error(r, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE,
						"header_too_large",
						"Kepala permintaan terlalu besar");
		}
		/* Nothing is served before pb-web is confined (main.c). */
		if (!__atomic_load_n(&w->serving, __ATOMIC_ACQUIRE))
			return pb_respond_starting(r);
		if (__atomic_load_n(&w->open_connections, __ATOMIC_RELAXED) >
		    (long)w->cfg.max_connections)
			return pb_respond_busy(r);
		if (r->too_many_params)
			return pb_respond_error(r, MHD_HTTP_URI_TOO_LONG, "too_many_params",
						"Alamat memuat terlalu banyak parameter");
		if (length_ambiguous(c))
			return pb_respond_error(r, MHD_HTTP_BAD_REQUEST, "bad_length",
						"Panjang data permintaan tidak jelas");
		if (pb_portal_foreign_host(r))      /* captive portal, before routing */
			return pb_portal_answer(r);
		r->route = pb_http_route_find(pb_web_routes, method, url, r->params, &path_matched);
		if (r->route == NULL)
			return path_matched ? method_not_allowed(r) :
				pb_respond_error(r, MHD_HTTP_NOT_FOUND, "not_found",
						 "Alamat tidak ditemukan");
		/* The body's size is checked before a byte of it is held:
		 * from Content-Length here, and chunk by chunk in pb_http_body_add. */
		r->body.max = pb_route_body_max(r->route, &w->cfg);
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && strtoull(cl, NULL, 10) > r->body.max)
			return r->body.max == 0 ?
				pb_respond_error(r, MHD_HTTP_BAD_REQUEST, "unexpected_body",
						 "Permintaan ini tidak menerima data") :
				pb_respond_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
						 "Data yang dikirim terlalu besar");
		/* A staff route answers a stranger 401/403 before it takes a
		 * byte of the body or of the budget. */
		if (r->route->flags & ROUTE_STAFF) {
			enum MHD_Result ret;
			enum pb_staff_need need = (r->route->flags & ROUTE_ADMIN) == ROUTE_ADMIN ?
				PB_NEED_ADMIN : (r->route->flags & ROUTE_LOGIN) == ROUTE_LOGIN ?
				PB_NEED_LOGIN : PB_NEED_STAFF;
			if (!pb_require_staff(r, need, 1, &r->login, &ret))
				return ret;
			r->login_checked = 1;   /* the handler's pb_require_staff uses it */
		}
		if (cl != NULL && budget_take(r, (size_t)strtoull(cl, NULL, 10) + 1) != 0)
			return pb_respond_body_budget(r);
		r->body.start_ms = pb_clock_mono_ms();
		return MHD_YES;
	}
	/* A half-sent body trickled a byte at a time would otherwise hold its
	 * share of the budget for as long as it likes (each byte restarts
	 * [web] connection_timeout): checked as each piece arrives; a body
	 * that stops altogether is left to connection_timeout. */
	if (*upload_size != 0) {
		if (pb_http_body_slow(&r->body, pb_clock_mono_ms(), w->cfg.body_rate_grace_s,
				      w->cfg.body_min_rate)) {
			pb_info("http: %s %s from %s: body slower than %u bytes/s, closed",
				r->method, r->url, r->client, w->cfg.body_min_rate);
			return MHD_NO;
		}
		/* up to the route's limit and within the memory budget (bytes
		 * announced by Content-Length were counted already) */
		if (pb_http_body_add(&r->body, upload_data, *upload_size, body_hold, r) != 0)
			body_drop(r);
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->body.no_room)
		return pb_respond_body_budget(r);
	if (r->body.too_big)
		return (r->route->flags & ROUTE_BODY) ?
			pb_respond_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "too_large",
					 "Data yang dikirim terlalu besar") :
			pb_respond_error(r, MHD_HTTP_BAD_REQUEST, "unexpected_body",
					 "Permintaan ini tidak menerima data");
	if (r->pool_done) {              /* resumed: queue what the pool made */
		enum MHD_Result ret = MHD_NO;
		if (r->answer != NULL) {
			ret = MHD_queue_response(c, r->answer_status, r->answer);
			MHD_destroy_response(r->answer);
			r->answer = NULL;
		}
		return ret;
	}
	if (!(r->route->flags & ROUTE_QUICK) && pool_submit(w->pool, r) == 0)
		return MHD_YES;
	return r->route->fn(r);
}

/* Count open connections, so a client over [web] max_connections gets a
 * quick 503 instead of waiting in the listen queue, and those of each
 * client address ([web] max_connections_per_ip, conncount.c). */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct pb_web *w = cls;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		__atomic_add_fetch(&w->open_connections, 1, __ATOMIC_RELAXED);
		pb_conn_started(&w->conn_count, c, socket_context);
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		__atomic_sub_fetch(&w->open_connections, 1, __ATOMIC_RELAXED);
		pb_conn_closed(&w->conn_count, socket_context);
	}
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	pb_info("http: %s", line);
}

/* The event-loop threads for [web] threads: 0 means one per online CPU
 * core, as many as can run at once (at most PB_WEB_LOOPS_MAX). */
static unsigned event_threads(const struct pb_web *w)
{
	long n = w->cfg.threads;

	if (n <= 0) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		if (n < 1)
			n = 1;
	}
	if (n > PB_WEB_LOOPS_MAX)
		n = PB_WEB_LOOPS_MAX;
	return (unsigned)n;
}

/* One libmicrohttpd daemon listening where `where` says, with `pool` event
 * loops sharing its socket (1: its own single loop), accepting at most
 * `limit` connections. Per-address limits are pb-web's own (conncount.c),
 * the same over every daemon. */
static struct MHD_Daemon *start_daemon(struct pb_web *w, unsigned flags,
				       const struct MHD_OptionItem *where, unsigned pool,
				       unsigned limit)
{
	struct MHD_OptionItem opts[3] = { where[0], { MHD_OPTION_END, 0, NULL },
					  { MHD_OPTION_END, 0, NULL } };

	if (pool > 1) {          /* 1 would only make libmicrohttpd warn */
		opts[1].option = MHD_OPTION_THREAD_POOL_SIZE;
		opts[1].value = pool;
	}
	return MHD_start_daemon(flags, (uint16_t)w->cfg.listen_port,
		pb_conn_accept, &w->conn_count, on_request, w,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, w,
		MHD_OPTION_ARRAY, opts,
		MHD_OPTION_CONNECTION_LIMIT, limit,
		MHD_OPTION_CONNECTION_TIMEOUT, w->cfg.connection_timeout,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		PB_WEB_CONN_MEMORY(w->cfg.max_header_bytes),
		MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, w,
		MHD_OPTION_UNESCAPE_CALLBACK, pb_http_unescape, w,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, w,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, w,
		MHD_OPTION_END);
}

/* With [web] listen_per_thread = yes each event loop is a daemon with a socket
 * of its own, all bound to the listening address with SO_REUSEPORT
 * (libmicrohttpd sets it for MHD_OPTION_LISTENING_ADDRESS_REUSE): the
 * kernel queues each new connection on one socket, and only that loop
 * wakes. (A pool sharing one socket has it in every loop's epoll set, and
 * libmicrohttpd 0.9.75 does not use EPOLLEXCLUSIVE: every loop wakes for
 * every connection.) The kernel picks the socket by the connection's
 * addresses, so the loops' shares are uneven: each daemon may accept its
 * share of [web] max_connections plus PB_WEB_CONN_HEADROOM, and the total
 * over max_connections still gets 503 (on_request). Not the default: no
 * loop takes over another's queue, and connections hashed to a busy loop
 * wait for it (docs/performance.md). */
static int start_daemons(struct pb_web *w, unsigned flags, struct MHD_OptionItem *where,
			 struct sockaddr_storage *ss, int shared, unsigned loops)
{
	unsigned i, n = shared ? 1 : loops;
	unsigned limit = shared ? w->cfg.max_connections + PB_WEB_CONN_HEADROOM :
		(w->cfg.max_connections + loops - 1) / loops + PB_WEB_CONN_HEADROOM;

	for (i = 0; i < n; i++) {
		w->mhd[i] = start_daemon(w, flags, where, shared ? loops : 1, limit);
		if (w->mhd[i] == NULL)
			return -1;
		w->n_mhd = i + 1;
		if (i == 0 && n > 1 && w->cfg.listen_port == 0) {
			/* port 0: the others join the port the first was given */
			const union MHD_DaemonInfo *di =
				MHD_get_daemon_info(w->mhd[0], MHD_DAEMON_INFO_BIND_PORT);
			if (di == NULL || di->port == 0)
				return -1;
			if (ss->ss_family == AF_INET6)
				((struct sockaddr_in6 *)(void *)ss)->sin6_port = htons(di->port);
			else
				((struct sockaddr_in *)(void *)ss)->sin_port = htons(di->port);
		}
	}
	return 0;
}

static void stop_daemons(struct pb_web *w)
{
	while (w->n_mhd > 0) {
		w->n_mhd--;
		MHD_stop_daemon(w->mhd[w->n_mhd]);
		w->mhd[w->n_mhd] = NULL;
	}
}

int pb_server_start(struct pb_web *w)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct MHD_OptionItem where[1] = { { MHD_OPTION_END, 0, NULL } };
	int family, lfd;
	unsigned threads = event_threads(w);
	int shared = !w->cfg.listen_per_thread || threads == 1;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
			 MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME;

	if (pthread_key_create(&w->db_key, close_thread_db) != 0)
		return -1;
	if (pb_stations_init(&w->cfg) != 0 ||
	    pb_conn_count_init(&w->conn_count, w->cfg.max_connections_per_ip) != 0) {
		pthread_key_delete(w->db_key);
		return -1;
	}
	lfd = pb_listen_inherited(&family);
	if (lfd < 0 && pb_listen_address(w->cfg.listen_host, w->cfg.listen_port, &ss, &sslen,
					   &family) != 0)
		goto fail;
	if (lfd >= 0) {
		pb_notice("serving the socket handed over (fd %d), not [web] listen", lfd);
		where[0].option = MHD_OPTION_LISTEN_SOCKET;
		where[0].value = lfd;
		shared = 1;                  /* one socket: the loops share it */
	} else {
		where[0].option = MHD_OPTION_SOCK_ADDR;
		where[0].ptr_value = &ss;
	}
	if (family == AF_INET6)
		flags |= MHD_USE_IPv6;
	w->pool = pool_start(w);
	if (w->pool == NULL) {
		pb_err("cannot start the handler threads");
		goto fail;
	}
	if (start_daemons(w, flags, where, &ss, shared, threads) != 0) {
		pb_err("cannot listen on %s:%u (in use, or no permission?)",
		       w->cfg.listen_host, w->cfg.listen_port);
		stop_daemons(w);
		pool_stop(w->pool);
		w->pool = NULL;
		goto fail;
	}
	pb_info("serving with %u event-loop threads, %s", threads,
		shared ? "sharing one listening socket" : "a listening socket each");
	return 0;
fail:
	pb_conn_count_free(&w->conn_count);
	pthread_key_delete(w->db_key);
	return -1;
}

void pb_server_stop(struct pb_web *w)
{
	if (w->n_mhd == 0)
		return;
	/* First the pool: every suspended connection is resumed before
	 * MHD_stop_daemon, which must find none. */
	pool_stop(w->pool);
	w->pool = NULL;
	stop_daemons(w);
	pb_conn_count_free(&w->conn_count);
	pb_modules_cache_free();
	pb_files_cache_free();
	pthread_key_delete(w->db_key);
}

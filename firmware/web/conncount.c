/* Open connections per client, over every event loop ([web]
 * max_connections_per_ip).
 *
 * A client is a station (all the addresses the DHCP lease file gives one
 * MAC), the hotspot's addresses without a lease together, or an address
 * alone (stations.c, pb_client_of). Counted by address, one phone holding
 * 16 leases filled [web] max_connections (16 x 64) by reconnecting, and
 * the box answered nobody else.
 *
 * With a listening socket per event loop each loop is a libmicrohttpd
 * daemon of its own, and libmicrohttpd's per-address limit would hold per
 * daemon only: a client could open the limit once on every loop. So the
 * count is kept here, shared, in a binary tree keyed by the client
 * (tsearch, as the clients are few and come and go).
 *
 * libmicrohttpd asks pb_conn_accept right after accept(); a connection
 * that passes may still fail to start inside libmicrohttpd, so it is
 * counted only once it has started (pb_conn_started), and uncounted when
 * it closes (pb_conn_closed, always paired with the start). Two loops may
 * accept from one client between the check and the count: the one that
 * finds the client already at its limit when counting is marked refused
 * and closed at its first request (pb_conn_refused), so no more than the
 * limit are ever served at once. A connection stays counted against the
 * client it started as, even if its address's lease changes meanwhile.
 *
 * Each connection also says since when it waits for a request head: from
 * its start, and again once an answer is done (keep-alive). libmicrohttpd
 * closes a connection only once it has been silent for [web]
 * connection_timeout, so a head trickled a byte every few seconds held its
 * connection for as long as the client liked (8 KiB at a byte per 29 s:
 * 66 hours), and a few addresses so held every connection the box has.
 * pb_conn_reap (called by server.c's handler pool once a second) shuts
 * the socket of a connection that has waited longer than that for a whole
 * head; libmicrohttpd then sees it end and closes it.
 *
 * The same holds for an answer taken a few bytes at a time: each byte the
 * client takes is activity to libmicrohttpd, so a client taking a large
 * module file a byte every 25 s kept its connection for good. No bound on
 * an answer's whole time is set (a phone on a bad link may take many
 * minutes for a 50 MB file); instead, while bytes of an answer wait for
 * the client in the socket (TCP_INFO: not sent, or sent and not yet
 * acknowledged), the client must acknowledge at least [web]
 * answer_min_rate bytes a second over each [web] answer_rate_window_s;
 * time in which nothing waits for it (the handler is still working, or it
 * keeps up) starts a new window. pb_conn_reap shuts it otherwise, with
 * SO_LINGER 0 so that its close resets it: a shut socket would still send
 * what it holds (hundreds of KiB) at the client's pace, and only then its
 * end.
 *
 * The socket is shut under the lock, and libmicrohttpd reports a
 * connection closed (pb_conn_closed, which takes the lock) before it
 * closes its socket, so the descriptor shut is always still that
 * connection's. */
#include "web.h"

#include "pb_clock.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <search.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct conn_client {
	struct pb_client who;            /* the key */
	unsigned count;                  /* open, counted connections */
};

/* One open connection: its socket context. */
struct pb_conn {
	struct conn_client *client;      /* counted against it; NULL: not */
	int refused;                     /* over its client's limit */
	int fd;                          /* its socket, for pb_conn_reap */
	int64_t head_wait_ms;            /* waiting for a request head since
					  * (monotonic); 0: in a request */
	int64_t rate_since_ms;           /* its answer's window began (0: none) */
	uint64_t rate_acked;             /* bytes the client had acknowledged then */
	struct pb_conn *prev, *next;     /* every open connection */
};

/* The socket context of a connection that could not be given one (out of
 * memory): closed at its first request. */
static char refused_marker;

static int client_cmp(const void *a, const void *b)
{
	const struct pb_client *x = &((const struct conn_client *)a)->who;
	const struct pb_client *y = &((const struct conn_client *)b)->who;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->bytes, y->bytes, x->len);
}

int pb_conn_count_init(struct pb_conn_count *cc, unsigned per_addr_max)
{
	memset(cc, 0, sizeof(*cc));
	cc->per_addr_max = per_addr_max;
	return pthread_mutex_init(&cc->lock, NULL) == 0 ? 0 : -1;
}

static void client_free(void *node)
{
	free(node);
}

void pb_conn_count_free(struct pb_conn_count *cc)
{
	if (cc == NULL || cc->per_addr_max == 0)
		return;
	tdestroy(cc->root, client_free);
	cc->root = NULL;
	pthread_mutex_destroy(&cc->lock);
	cc->per_addr_max = 0;
}

enum MHD_Result pb_conn_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct pb_conn_count *cc = cls;
	struct conn_client key;
	void *found;
	unsigned open = 0;

	(void)addrlen;
	if (pb_client_of(addr, &key.who) != 0)
		return MHD_YES;
	pthread_mutex_lock(&cc->lock);
	found = tfind(&key, &cc->root, client_cmp);
	if (found != NULL)
		open = (*(struct conn_client **)found)->count;
	pthread_mutex_unlock(&cc->lock);
	return open < cc->per_addr_max ? MHD_YES : MHD_NO;
}

void pb_conn_started(struct pb_conn_count *cc, struct MHD_Connection *c, void **socket_context)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const union MHD_ConnectionInfo *fi =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct conn_client key, *node = NULL;
	struct pb_conn *conn = calloc(1, sizeof(*conn));
	int keyed = ci != NULL && pb_client_of(ci->client_addr, &key.who) == 0;
	void *slot;

	*socket_context = &refused_marker;
	if (conn == NULL)
		return;
	conn->fd = fi != NULL ? fi->connect_fd : -1;
	conn->head_wait_ms = pb_clock_mono_ms();
	pthread_mutex_lock(&cc->lock);
	slot = keyed ? tfind(&key, &cc->root, client_cmp) : NULL;
	if (slot != NULL) {
		node = *(struct conn_client **)slot;
	} else if (keyed && (node = malloc(sizeof(*node))) != NULL) {
		*node = key;
		node->count = 0;
		if (tsearch(node, &cc->root, client_cmp) == NULL) {
			free(node);
			node = NULL;
		}
	}
	if (keyed && (node == NULL || node->count >= cc->per_addr_max)) {
		conn->refused = 1;                 /* out of memory, or over */
	} else if (node != NULL) {
		node->count++;
		conn->client = node;
	}
	conn->next = cc->conns;
	if (cc->conns != NULL)
		cc->conns->prev = conn;
	cc->conns = conn;
	pthread_mutex_unlock(&cc->lock);
	*socket_context = conn;
}

void pb_conn_closed(struct pb_conn_count *cc, void **socket_context)
{
	struct pb_conn *conn = *socket_context;

	*socket_context = NULL;
	if (conn == NULL || (void *)conn == (void *)&refused_marker)
		return;
	pthread_mutex_lock(&cc->lock);
	if (conn->prev != NULL)
		conn->prev->next = conn->next;
	else
		cc->conns = conn->next;
	if (conn->next != NULL)
		conn->next->prev = conn->prev;
	if (conn->client != NULL && --conn->client->count == 0) {
		tdelete(conn->client, &cc->root, client_cmp);
		free(conn->client);
	}
	pthread_mutex_unlock(&cc->lock);
	free(conn);
}

static struct pb_conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	if (ci == NULL || ci->socket_context == NULL ||
	    ci->socket_context == (void *)&refused_marker)
		return NULL;
	return ci->socket_context;
}

int pb_conn_refused(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct pb_conn *conn = conn_of(c);

	if (ci != NULL && ci->socket_context == (void *)&refused_marker)
		return 1;
	return conn != NULL && conn->refused;
}

void pb_conn_in_request(struct pb_conn_count *cc, struct MHD_Connection *c, int in)
{
	struct pb_conn *conn = c != NULL ? conn_of(c) : NULL;

	if (conn == NULL)
		return;
	pthread_mutex_lock(&cc->lock);
	conn->head_wait_ms = in ? 0 : pb_clock_mono_ms();
	pthread_mutex_unlock(&cc->lock);
}

/* Is the client of conn, taking its answer, slower than lim allows?
 * (under cc->lock; once a second) */
static int answer_too_slow(struct pb_conn *conn, int64_t now_ms, const struct pb_reap_limits *lim)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	uint64_t took;

	if (lim->window_ms <= 0 || conn->fd < 0 ||
	    getsockopt(conn->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
	    len < offsetof(struct tcp_info, tcpi_notsent_bytes) + sizeof(ti.tcpi_notsent_bytes) ||
	    (ti.tcpi_notsent_bytes == 0 && ti.tcpi_unacked == 0)) {
		conn->rate_since_ms = 0;           /* nothing waits for the client */
		return 0;
	}
	if (conn->rate_since_ms == 0) {
		conn->rate_since_ms = now_ms;
		conn->rate_acked = ti.tcpi_bytes_acked;
		return 0;
	}
	if (now_ms - conn->rate_since_ms < lim->window_ms)
		return 0;
	took = ti.tcpi_bytes_acked - conn->rate_acked;
	if (took * 1000 < (uint64_t)lim->min_rate * (uint64_t)(now_ms - conn->rate_since_ms))
		return 1;
	conn->rate_since_ms = now_ms;              /* fast enough: the next window */
	conn->rate_acked = ti.tcpi_bytes_acked;
	return 0;
}

void pb_conn_reap(struct pb_conn_count *cc, int64_t now_ms, const struct pb_reap_limits *lim,
		  struct pb_reaped *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&cc->lock);
	for (struct pb_conn *conn = cc->conns; conn != NULL; conn = conn->next) {
		if (conn->fd < 0)
			continue;
		if (conn->head_wait_ms == 0) {
			if (!answer_too_slow(conn, now_ms, lim))
				continue;
			conn->rate_since_ms = now_ms;  /* shut once a window at most */
			out->answers++;
			/* and reset when libmicrohttpd closes it: what waits for the
			 * client is dropped, not left to trickle out of the kernel */
			(void)setsockopt(conn->fd, SOL_SOCKET, SO_LINGER,
					 &(struct linger){ .l_onoff = 1, .l_linger = 0 },
					 sizeof(struct linger));
		} else {
			conn->rate_since_ms = 0;
			if (now_ms - conn->head_wait_ms <= lim->head_max_ms)
				continue;
			conn->head_wait_ms = now_ms;   /* shut once a period at most */
			out->heads++;
		}
		(void)shutdown(conn->fd, SHUT_RDWR);
	}
	pthread_mutex_unlock(&cc->lock);
}

/* Open connections per client address, over every event loop ([web]
 * max_connections_per_ip).
 *
 * With a listening socket per event loop each loop is a libmicrohttpd
 * daemon of its own, and libmicrohttpd's per-address limit would hold per
 * daemon only: a client could open the limit once on every loop. So the
 * count is kept here, shared, in a binary tree keyed by the address
 * (tsearch, as the addresses are few and come and go).
 *
 * libmicrohttpd asks pb_conn_accept right after accept(); a connection
 * that passes may still fail to start inside libmicrohttpd, so it is
 * counted only once it has started (pb_conn_started), and uncounted when
 * it closes (pb_conn_closed, always paired with the start). Two loops may
 * accept from one address between the check and the count: the one that
 * finds the address already at its limit when counting is marked refused
 * and closed at its first request (pb_conn_refused), so no more than the
 * limit are ever served at once.
 *
 * Each connection also says since when it waits for a request head: from
 * its start, and again once an answer is done (keep-alive). libmicrohttpd
 * closes a connection only once it has been silent for [web]
 * connection_timeout, so a head trickled a byte every few seconds held its
 * connection for as long as the client liked (8 KiB at a byte per 29 s:
 * 66 hours), and a few addresses so held every connection the box has.
 * pb_conn_reap (called by server.c's handler pool once a second) shuts
 * the socket of a connection that has waited longer than that for a whole
 * head; libmicrohttpd then sees it end and closes it. The socket is shut under the lock, and
 * libmicrohttpd reports a connection closed (pb_conn_closed, which takes
 * the lock) before it closes its socket, so the descriptor shut is always
 * still that connection's. */
#include "web.h"

#include "pb_clock.h"

#include <netinet/in.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct conn_addr {
	unsigned char len;               /* 4 (IPv4) or 16 (IPv6) */
	unsigned char bytes[16];
	unsigned count;                  /* open, counted connections */
};

/* One open connection: its socket context. */
struct pb_conn {
	struct conn_addr *addr;          /* counted against its address; NULL: not */
	int refused;                     /* over its address's limit */
	int fd;                          /* its socket, for pb_conn_reap */
	int64_t head_wait_ms;            /* waiting for a request head since
					  * (monotonic); 0: in a request */
	struct pb_conn *prev, *next;     /* every open connection */
};

/* The socket context of a connection that could not be given one (out of
 * memory): closed at its first request. */
static char refused_marker;

static int addr_cmp(const void *a, const void *b)
{
	const struct conn_addr *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->bytes, y->bytes, x->len);
}

/* The key of a client address; -1 for a family without one. */
static int addr_key(const struct sockaddr *sa, struct conn_addr *key)
{
	memset(key, 0, sizeof(*key));
	if (sa == NULL)
		return -1;
	if (sa->sa_family == AF_INET) {
		key->len = 4;
		memcpy(key->bytes, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		key->len = 16;
		memcpy(key->bytes, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		return 0;
	}
	return -1;
}

int pb_conn_count_init(struct pb_conn_count *cc, unsigned per_addr_max)
{
	memset(cc, 0, sizeof(*cc));
	cc->per_addr_max = per_addr_max;
	return pthread_mutex_init(&cc->lock, NULL) == 0 ? 0 : -1;
}

static void addr_free(void *node)
{
	free(node);
}

void pb_conn_count_free(struct pb_conn_count *cc)
{
	if (cc == NULL || cc->per_addr_max == 0)
		return;
	tdestroy(cc->root, addr_free);
	cc->root = NULL;
	pthread_mutex_destroy(&cc->lock);
	cc->per_addr_max = 0;
}

enum MHD_Result pb_conn_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct pb_conn_count *cc = cls;
	struct conn_addr key;
	void *found;
	unsigned open = 0;

	(void)addrlen;
	if (addr_key(addr, &key) != 0)
		return MHD_YES;
	pthread_mutex_lock(&cc->lock);
	found = tfind(&key, &cc->root, addr_cmp);
	if (found != NULL)
		open = (*(struct conn_addr **)found)->count;
	pthread_mutex_unlock(&cc->lock);
	return open < cc->per_addr_max ? MHD_YES : MHD_NO;
}

void pb_conn_started(struct pb_conn_count *cc, struct MHD_Connection *c, void **socket_context)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const union MHD_ConnectionInfo *fi =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct conn_addr key, *node = NULL;
	struct pb_conn *conn = calloc(1, sizeof(*conn));
	int keyed = ci != NULL && addr_key(ci->client_addr, &key) == 0;
	void *slot;

	*socket_context = &refused_marker;
	if (conn == NULL)
		return;
	conn->fd = fi != NULL ? fi->connect_fd : -1;
	conn->head_wait_ms = pb_clock_mono_ms();
	pthread_mutex_lock(&cc->lock);
	slot = keyed ? tfind(&key, &cc->root, addr_cmp) : NULL;
	if (slot != NULL) {
		node = *(struct conn_addr **)slot;
	} else if (keyed && (node = malloc(sizeof(*node))) != NULL) {
		*node = key;
		node->count = 0;
		if (tsearch(node, &cc->root, addr_cmp) == NULL) {
			free(node);
			node = NULL;
		}
	}
	if (keyed && (node == NULL || node->count >= cc->per_addr_max)) {
		conn->refused = 1;                 /* out of memory, or over */
	} else if (node != NULL) {
		node->count++;
		conn->addr = node;
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
	if (conn->addr != NULL && --conn->addr->count == 0) {
		tdelete(conn->addr, &cc->root, addr_cmp);
		free(conn->addr);
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

unsigned pb_conn_reap(struct pb_conn_count *cc, int64_t now_ms, int64_t head_max_ms)
{
	unsigned n = 0;

	pthread_mutex_lock(&cc->lock);
	for (struct pb_conn *conn = cc->conns; conn != NULL; conn = conn->next) {
		if (conn->head_wait_ms == 0 || now_ms - conn->head_wait_ms <= head_max_ms ||
		    conn->fd < 0)
			continue;
		(void)shutdown(conn->fd, SHUT_RDWR);
		conn->head_wait_ms = now_ms;      /* shut once a period at most */
		n++;
	}
	pthread_mutex_unlock(&cc->lock);
	return n;
}

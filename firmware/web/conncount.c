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
 * limit are ever served at once. */
#include "web.h"

#include <netinet/in.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

struct conn_addr {
	unsigned char len;               /* 4 (IPv4) or 16 (IPv6) */
	unsigned char bytes[16];
	unsigned count;                  /* open, counted connections */
};

/* The socket context of a connection counted over the limit. */
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
	struct conn_addr key, *node = NULL;
	void *slot;

	*socket_context = NULL;          /* not counted */
	if (ci == NULL || addr_key(ci->client_addr, &key) != 0)
		return;
	pthread_mutex_lock(&cc->lock);
	slot = tfind(&key, &cc->root, addr_cmp);
	if (slot != NULL) {
		node = *(struct conn_addr **)slot;
	} else if ((node = malloc(sizeof(*node))) != NULL) {
		*node = key;
		if (tsearch(node, &cc->root, addr_cmp) == NULL) {
			free(node);
			node = NULL;
		}
	}
	if (node == NULL || node->count >= cc->per_addr_max) {
		*socket_context = &refused_marker;     /* out of memory, or over */
	} else {
		node->count++;
		*socket_context = node;
	}
	pthread_mutex_unlock(&cc->lock);
}

void pb_conn_closed(struct pb_conn_count *cc, void **socket_context)
{
	struct conn_addr *node = *socket_context;

	*socket_context = NULL;
	if (node == NULL || (void *)node == (void *)&refused_marker)
		return;
	pthread_mutex_lock(&cc->lock);
	if (--node->count == 0) {
		tdelete(node, &cc->root, addr_cmp);
		free(node);
	}
	pthread_mutex_unlock(&cc->lock);
}

int pb_conn_refused(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL && ci->socket_context == (void *)&refused_marker;
}

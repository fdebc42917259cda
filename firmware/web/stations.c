/* Whose a client address is: what its connections ([web]
 * max_connections_per_ip, conncount.c) and its request bodies' bytes
 * ([web] body_budget_per_client_bytes, server.c) are counted against.
 *
 * - A station: the MAC that dnsmasq's lease file ([net] lease_file) gives
 *   the address. One phone may hold many leases (about 30 past the DHCP
 *   guard, docs/hotspot.md); counted by address, 16 of them filled
 *   [web] max_connections. Its addresses now count together, also after
 *   its lease moved to another address.
 * - The hotspot's addresses without a lease, together: when the box's DHCP
 *   serves the hotspot (the lease file exists and pb-web can read it), an address of the
 *   hotspot's network ([net] address and prefix) that has no lease was set
 *   by hand, and a phone may set as many as it likes. They share the
 *   limits of one client. The box's own address is not one of them;
 *   loopback and the uplink are other networks.
 * - Otherwise the address alone: a network whose DHCP is not the box's (no
 *   lease file) has every address count alone, as an address of another
 *   network (the admin's, or loopback) always does.
 *
 * The lease file is read once into a table of at most
 * PB_STATION_LEASES_MAX leases (from as many lines), and read again only
 * when it changed (its size, modification or change time, or inode; one
 * stat per look-up), or when it had been written less than
 * PB_STATION_RACY_MS before it was read (file times tick coarsely): a
 * connection costs a stat and a walk of the table, never a read of the
 * file. dnsmasq writes the file only as leases change, and the DHCP guard
 * limits that
 * per station. */
#include "web.h"

#include "pb_clock.h"
#include "pb_net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct lease_entry {
	unsigned char len;               /* 4 or 16 */
	unsigned char ip[16];
	unsigned char mac[6];
};

static struct {
	pthread_mutex_t lock;
	char path[PATH_MAX];             /* empty: no lease file (each address alone) */
	uint32_t net, mask, box;         /* the hotspot's network (host order) */
	int have_net;
	int serving;                     /* the lease file exists */
	struct stat seen;                /* the file as last read */
	int64_t read_ms;                 /* when (monotonic); 0: never */
	int racy;                        /* written just before it was read */
	unsigned n;
	struct lease_entry t[PB_STATION_LEASES_MAX];
} st = { .lock = PTHREAD_MUTEX_INITIALIZER };

int pb_stations_init(const struct pb_config *cfg)
{
	struct in_addr a;

	pthread_mutex_lock(&st.lock);
	snprintf(st.path, sizeof(st.path), "%s", cfg->net_lease_file);
	st.have_net = inet_pton(AF_INET, cfg->net_address, &a) == 1 &&
		cfg->net_prefix >= 1 && cfg->net_prefix <= 32;
	if (st.have_net) {
		st.box = ntohl(a.s_addr);
		st.mask = ~0u << (32 - cfg->net_prefix);
		st.net = st.box & st.mask;
	}
	st.read_ms = 0;
	st.serving = 0;
	st.n = 0;
	pthread_mutex_unlock(&st.lock);
	return 0;
}

static int parse_mac(const char *s, unsigned char mac[6])
{
	char end;

	return sscanf(s, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx%c", &mac[0], &mac[1], &mac[2],
		      &mac[3], &mac[4], &mac[5], &end) == 6 ? 0 : -1;
}

/* pb_leases_each: one lease into the table (a MAC other than Ethernet's,
 * or an address that is not one, leaves the address on its own). */
static int lease_add(const struct pb_lease *l, void *ctx)
{
	struct lease_entry *e = &st.t[st.n];

	(void)ctx;
	if (inet_pton(AF_INET, l->ip, e->ip) == 1)
		e->len = 4;
	else if (inet_pton(AF_INET6, l->ip, e->ip) == 1)
		e->len = 16;
	else
		return 0;
	if (parse_mac(l->mac, e->mac) != 0)
		return 0;
	return ++st.n >= PB_STATION_LEASES_MAX;
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
		a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
		a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Read the lease file again if it changed (under st.lock). */
static void refresh(void)
{
	struct stat now_st;
	struct timespec wall;

	if (st.path[0] == '\0')
		return;
	if (stat(st.path, &now_st) != 0 || !S_ISREG(now_st.st_mode)) {
		st.serving = 0;
		st.n = 0;
		st.read_ms = 0;
		return;
	}
	if (st.read_ms != 0 && !st.racy && same_file(&now_st, &st.seen))
		return;
	st.n = 0;
	/* A file there but unreadable says nothing of who has a lease: every
	 * address then counts alone, rather than every phone as hand-set. */
	st.serving = pb_leases_each(st.path, PB_STATION_LEASES_MAX, lease_add, NULL) >= 0;
	if (!st.serving)
		st.n = 0;
	st.seen = now_st;
	st.read_ms = pb_clock_mono_ms();
	if (st.read_ms == 0)
		st.read_ms = 1;
	/* File times tick coarsely (a few ms): a second write of the same size
	 * within one tick would look like no change. Read a file written that
	 * recently again next time. */
	clock_gettime(CLOCK_REALTIME, &wall);
	st.racy = (wall.tv_sec - now_st.st_mtim.tv_sec) * 1000 +
		(wall.tv_nsec - now_st.st_mtim.tv_nsec) / 1000000 < PB_STATION_RACY_MS;
}

/* The station of an address (under st.lock): 0 with its MAC, or -1. */
static int find(const unsigned char *ip, unsigned char len, unsigned char mac[6])
{
	for (unsigned i = 0; i < st.n; i++)
		if (st.t[i].len == len && memcmp(st.t[i].ip, ip, len) == 0) {
			memcpy(mac, st.t[i].mac, 6);
			return 0;
		}
	return -1;
}

/* An address (4 or 16 bytes; an IPv4-mapped one as IPv4) to its client. */
static void client_of(const unsigned char *ip, unsigned char len, struct pb_client *out)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	unsigned char mac[6];
	uint32_t v4;

	if (len == 16 && memcmp(ip, mapped, 12) == 0) {
		ip += 12;
		len = 4;
	}
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&st.lock);
	refresh();
	if (find(ip, len, mac) == 0) {
		out->kind = PB_CLIENT_STATION;
		out->len = 6;
		memcpy(out->bytes, mac, 6);
	} else if (st.serving && st.have_net && len == 4 &&
		   ((v4 = (uint32_t)ip[0] << 24 | (uint32_t)ip[1] << 16 |
		     (uint32_t)ip[2] << 8 | ip[3]) & st.mask) == st.net && v4 != st.box) {
		out->kind = PB_CLIENT_UNLEASED;
	} else {
		out->kind = PB_CLIENT_ADDRESS;
		out->len = len;
		memcpy(out->bytes, ip, len);
	}
	pthread_mutex_unlock(&st.lock);
}

int pb_client_of(const struct sockaddr *sa, struct pb_client *out)
{
	if (sa == NULL)
		return -1;
	if (sa->sa_family == AF_INET) {
		client_of((const unsigned char *)
			  &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4, out);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		client_of(((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr, 16,
			  out);
		return 0;
	}
	return -1;
}

int pb_client_of_text(const char *ip, struct pb_client *out)
{
	unsigned char b[16];

	if (inet_pton(AF_INET, ip, b) == 1)
		client_of(b, 4, out);
	else if (inet_pton(AF_INET6, ip, b) == 1)
		client_of(b, 16, out);
	else
		return -1;
	return 0;
}

void pb_client_name(const struct pb_client *c, char *out, size_t len)
{
	const unsigned char *m = c->bytes;

	if (c->kind == PB_CLIENT_STATION)
		snprintf(out, len, "station %02x:%02x:%02x:%02x:%02x:%02x",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
	else if (c->kind == PB_CLIENT_UNLEASED)
		snprintf(out, len, "the hotspot's addresses without a lease");
	else if (inet_ntop(c->len == 4 ? AF_INET : AF_INET6, c->bytes, out,
			   (socklen_t)len) == NULL)
		snprintf(out, len, "?");
}

int pb_station_mac(const char *ip, char mac[18])
{
	struct pb_client c;

	if (pb_client_of_text(ip, &c) != 0 || c.kind != PB_CLIENT_STATION)
		return -1;
	snprintf(mac, 18, "%02x:%02x:%02x:%02x:%02x:%02x", c.bytes[0], c.bytes[1],
		 c.bytes[2], c.bytes[3], c.bytes[4], c.bytes[5]);
	return 0;
}

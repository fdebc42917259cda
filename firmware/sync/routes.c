/* Routes: whether the box has a default route (a backhaul), and the
 * kernel's word when routes or links change (rtnetlink), so pb-sync starts
 * the moment a modem or DHCP client brings the backhaul up instead of
 * finding out at its next look. Without rtnetlink (an old kernel, a
 * sandbox without AF_NETLINK) pb-sync falls back to reading the table
 * every PB_SYNC_ROUTE_POLL_S. */
#include "sync.h"

#include "pb_log.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* /proc/self/… stays visible under systemd's ProcSubset=pid. */
#define PB_SYNC_ROUTE_FILE     "/proc/self/net/route"
#define PB_SYNC_ROUTE_MAX      (64 * 1024)

int sync_read_routes(char sig[PB_SYNC_ROUTE_SIG_LEN + 1])
{
	static char buf[PB_SYNC_ROUTE_MAX];
	FILE *f = fopen(PB_SYNC_ROUTE_FILE, "r");
	char line[512], ifname[32];
	unsigned long dest, gw, flags, mask;
	size_t len = 0;
	int has_default = 0;

	sig[0] = '\0';
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t n = strlen(line);
		if (len + n < sizeof(buf)) {
			memcpy(buf + len, line, n);
			len += n;
		}
		if (sscanf(line, "%31s %lx %lx %lx %*s %*s %*s %lx", ifname, &dest, &gw, &flags,
			   &mask) == 5 && dest == 0 && mask == 0 && (flags & 1))
			has_default = 1;
	}
	fclose(f);
	pb_sha256_hex(buf, len, sig);
	return has_default;
}

int sync_routes_open(struct pb_sync *s)
{
	struct sockaddr_nl sa;

	s->route_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (s->route_fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE | RTMGRP_LINK;
	if (bind(s->route_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(s->route_fd);
		s->route_fd = -1;
		return -1;
	}
	return 0;
}

void sync_routes_close(struct pb_sync *s)
{
	if (s->route_fd >= 0)
		close(s->route_fd);
	s->route_fd = -1;
}

int sync_routes_event(struct pb_sync *s)
{
	char buf[PB_SYNC_NETLINK_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	int changed = 0;

	for (;;) {
		ssize_t n = recv(s->route_fd, buf, sizeof(buf), MSG_DONTWAIT);
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			changed = 1;           /* messages were lost: something changed */
			continue;
		}
		if (n <= 0)
			break;
		for (size_t left = (size_t)n; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left))
			if (h->nlmsg_type == RTM_NEWROUTE || h->nlmsg_type == RTM_DELROUTE ||
			    h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK)
				changed = 1;
	}
	return changed;
}

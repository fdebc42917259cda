/* pb-nfq-delay: hold every packet of an NFQUEUE queue for a fixed time, in
 * order, then accept it: the delay half of a bad link for tests (this
 * kernel has no sch_netem). Runs until SIGTERM.
 *
 *   pb-nfq-delay QUEUE_NUM DELAY_MS
 *
 * Used with: iptables -A INPUT -i IF -j NFQUEUE --queue-num N --queue-bypass */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HELD_MAX   8192             /* packets held at once; more are accepted */
#define QUEUE_MAX  8192
#define RECV_BUF   (256 * 1024)

struct held {
	uint32_t id;
	int64_t due_ms;
};

static struct held ring[HELD_MAX];
static size_t head, count;
static int64_t delay_ms;
static struct nfq_q_handle *qh;
static volatile sig_atomic_t stop;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int on_packet(struct nfq_q_handle *q, struct nfgenmsg *msg, struct nfq_data *nfa,
		     void *data)
{
	struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
	uint32_t id;

	(void)msg;
	(void)data;
	if (ph == NULL)
		return 0;
	id = ntohl(ph->packet_id);
	if (count == HELD_MAX)
		return nfq_set_verdict(q, id, NF_ACCEPT, 0, NULL);
	ring[(head + count) % HELD_MAX].id = id;
	ring[(head + count) % HELD_MAX].due_ms = now_ms() + delay_ms;
	count++;
	return 0;
}

int main(int argc, char **argv)
{
	static char buf[RECV_BUF];
	struct nfq_handle *h;
	struct sigaction act;
	struct pollfd p;
	int fd, rc = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: pb-nfq-delay QUEUE_NUM DELAY_MS\n");
		return 2;
	}
	delay_ms = atol(argv[2]);
	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal;
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	h = nfq_open();
	if (h == NULL) {
		perror("nfq_open");
		return 1;
	}
	qh = nfq_create_queue(h, (uint16_t)atoi(argv[1]), on_packet, NULL);
	if (qh == NULL || nfq_set_mode(qh, NFQNL_COPY_META, 0) < 0) {
		perror("nfq_create_queue");
		goto out;
	}
	nfq_set_queue_maxlen(qh, QUEUE_MAX);
	fd = nfq_fd(h);
	p.fd = fd;
	p.events = POLLIN;
	fprintf(stderr, "pb-nfq-delay: queue %s, %lld ms\n", argv[1], (long long)delay_ms);
	while (!stop) {
		int timeout = -1;
		int64_t t = now_ms();

		while (count > 0 && ring[head].due_ms <= t) {
			nfq_set_verdict(qh, ring[head].id, NF_ACCEPT, 0, NULL);
			head = (head + 1) % HELD_MAX;
			count--;
		}
		if (count > 0)
			timeout = (int)(ring[head].due_ms - t);
		if (poll(&p, 1, timeout) > 0) {
			ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n > 0)
				nfq_handle_packet(h, buf, (int)n);
			else if (n < 0 && errno != EAGAIN && errno != EINTR && errno != ENOBUFS)
				break;
		}
	}
	while (count > 0) {
		nfq_set_verdict(qh, ring[head].id, NF_ACCEPT, 0, NULL);
		head = (head + 1) % HELD_MAX;
		count--;
	}
	rc = 0;
out:
	if (qh != NULL)
		nfq_destroy_queue(qh);
	nfq_close(h);
	return rc;
}

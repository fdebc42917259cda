/* pb-nfq-delay: hold every packet of an NFQUEUE queue for a fixed time, in
 * order, then accept it: the delay half of a bad link for tests (this
 * kernel has no sch_netem). Runs until SIGTERM.
 *
 *   pb-nfq-delay QUEUE_NUM DELAY_MS
 *
 * Used with: iptables -A INPUT -i IF -j NFQUEUE --queue-num N --queue-bypass
 *
 * The tool must not make the link worse than the one it stands for. A
 * packet the kernel cannot hand over (the queue full, or the netlink
 * socket's receive buffer full: recv then fails with ENOBUFS) is dropped,
 * not let through: the queue stays fail-closed so that such a loss is seen
 * and counted rather than turned into a packet that skipped the delay.
 * To keep it from happening the socket gets a receive buffer of
 * RECV_BUF_FORCE and the kernel queue room for QUEUE_MAX packets, and the
 * tool asks for real-time scheduling (SCHED_FIFO) so that a loaded
 * machine does not hold packets longer than asked. At exit it prints one
 * line of what it did not intend, for the tests to check:
 *
 *   pb-nfq-delay: queue N: P packets, unintended: D dropped (Q queue full,
 *   U undelivered, E ENOBUFS), A undelayed; late: M ms at most, L over LATE_MS
 *
 * Q and U are the kernel's own counters for this queue
 * (/proc/net/netfilter/nfnetlink_queue, this network namespace).
 *
 * With PB_NFQ_TRACE=1 in the environment it also prints one line for each
 * TCP packet it takes in (wall-clock ms, ports, flags, seq, ack, payload
 * bytes): a capture of what survived the loss and the cut on the way in,
 * where tcpdump is not installed. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <netinet/in.h>
#include <libnetfilter_queue/libnetfilter_queue.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HELD_MAX        8192             /* packets held at once; more are accepted */
#define QUEUE_MAX       8192             /* the kernel queue's length */
#define RECV_BUF        (256 * 1024)     /* one read */
#define RECV_BUF_FORCE  (8 * 1024 * 1024) /* the socket's receive buffer */
#define LATE_MS         20               /* released later than this: counted */
#define RT_PRIORITY     10               /* SCHED_FIFO priority asked for */
#define TRACE_COPY      60               /* IPv4 + TCP header bytes copied */
#define DELAY_MS_MAX    60000            /* the longest one-way delay taken */
#define PROC_QUEUES     "/proc/net/netfilter/nfnetlink_queue"

struct held {
	uint32_t id;
	int64_t due_ms;
};

static struct held ring[HELD_MAX];
static size_t head, count;
static int64_t delay_ms;
static struct nfq_q_handle *qh;
static volatile sig_atomic_t stop;
/* what happened that was not asked for */
static unsigned long long packets, undelayed, enobufs, late, late_max_ms;
static int trace;

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

static void trace_packet(struct nfq_data *nfa)
{
	unsigned char *d;
	int n = nfq_get_payload(nfa, &d), ihl, tcp_len;
	uint32_t seq, ack;

	if (n < 20 || (d[0] >> 4) != 4 || d[9] != IPPROTO_TCP)
		return;
	ihl = (d[0] & 0x0f) * 4;
	if (n < ihl + 20)
		return;
	tcp_len = (d[ihl + 12] >> 4) * 4;
	memcpy(&seq, d + ihl + 4, 4);
	memcpy(&ack, d + ihl + 8, 4);
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "trace %lld %u>%u %s%s%s%s%s seq %u ack %u len %d\n",
		(long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, (d[ihl] << 8) | d[ihl + 1],
		(d[ihl + 2] << 8) | d[ihl + 3], d[ihl + 13] & 0x02 ? "S" : "",
		d[ihl + 13] & 0x01 ? "F" : "", d[ihl + 13] & 0x04 ? "R" : "",
		d[ihl + 13] & 0x08 ? "P" : "", d[ihl + 13] & 0x10 ? "." : "", ntohl(seq),
		ntohl(ack), ((d[2] << 8) | d[3]) - ihl - tcp_len);
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
	packets++;
	if (trace)
		trace_packet(nfa);
	if (count == HELD_MAX) {
		undelayed++;
		return nfq_set_verdict(q, id, NF_ACCEPT, 0, NULL);
	}
	ring[(head + count) % HELD_MAX].id = id;
	ring[(head + count) % HELD_MAX].due_ms = now_ms() + delay_ms;
	count++;
	return 0;
}

static void release_due(int64_t t)
{
	while (count > 0 && ring[head].due_ms <= t) {
		int64_t behind = t - ring[head].due_ms;

		if (behind > LATE_MS)
			late++;
		if ((unsigned long long)behind > late_max_ms)
			late_max_ms = (unsigned long long)behind;
		nfq_set_verdict(qh, ring[head].id, NF_ACCEPT, 0, NULL);
		head = (head + 1) % HELD_MAX;
		count--;
	}
}

/* The kernel's drop counters of queue num in this network namespace:
 * queue full (queue_dropped) and not delivered to the socket
 * (queue_user_dropped). 0, or -1 when the table has no such queue. */
static int kernel_drops(unsigned num, unsigned long long *full, unsigned long long *undelivered)
{
	unsigned q, portid, total, mode, range, seq, one;
	unsigned long long d, u;
	FILE *f = fopen(PROC_QUEUES, "r");
	int rc = -1;

	if (f == NULL)
		return -1;
	while (fscanf(f, "%u %u %u %u %u %llu %llu %u %u", &q, &portid, &total, &mode, &range,
		      &d, &u, &seq, &one) == 9) {
		if (q == num) {
			*full = d;
			*undelivered = u;
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

static void report(unsigned num)
{
	unsigned long long full = 0, undelivered = 0;
	int known = kernel_drops(num, &full, &undelivered) == 0;

	fprintf(stderr, "pb-nfq-delay: queue %u: %llu packets, unintended: %llu dropped "
		"(%llu queue full, %llu undelivered, %llu ENOBUFS), %llu undelayed; "
		"late: %llu ms at most, %llu over %d ms%s\n", num, packets,
		full + undelivered, full, undelivered, enobufs, undelayed, late_max_ms, late,
		LATE_MS, known ? "" : " (kernel counters unreadable)");
}

/* ARG as a whole decimal number within LO..HI, or -1. */
static int number(const char *arg, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	static char buf[RECV_BUF];
	struct nfq_handle *h;
	struct sigaction act;
	struct sched_param sp;
	struct pollfd p;
	unsigned num;
	long qn, dl;
	int fd, rc = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: pb-nfq-delay QUEUE_NUM DELAY_MS\n");
		return 2;
	}
	if (number(argv[1], 0, 65535, &qn) != 0 || number(argv[2], 0, DELAY_MS_MAX, &dl) != 0) {
		fprintf(stderr, "pb-nfq-delay: QUEUE_NUM 0-65535, DELAY_MS 0-%d\n", DELAY_MS_MAX);
		return 2;
	}
	num = (unsigned)qn;
	delay_ms = dl;
	memset(&act, 0, sizeof(act));
	act.sa_handler = on_signal;
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	h = nfq_open();
	if (h == NULL) {
		perror("nfq_open");
		return 1;
	}
	qh = nfq_create_queue(h, (uint16_t)num, on_packet, NULL);
	trace = getenv("PB_NFQ_TRACE") != NULL && strcmp(getenv("PB_NFQ_TRACE"), "1") == 0;
	if (qh == NULL || nfq_set_mode(qh, trace ? NFQNL_COPY_PACKET : NFQNL_COPY_META,
				       trace ? TRACE_COPY : 0) < 0) {
		perror("nfq_create_queue");
		goto out;
	}
	if (nfq_set_queue_maxlen(qh, QUEUE_MAX) < 0)
		fprintf(stderr, "pb-nfq-delay: cannot set the queue length\n");
	fd = nfq_fd(h);
	{
		int size = RECV_BUF_FORCE;

		/* FORCE: past net.core.rmem_max (needs CAP_NET_ADMIN) */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0 &&
		    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) != 0)
			perror("pb-nfq-delay: receive buffer");
	}
	memset(&sp, 0, sizeof(sp));
	sp.sched_priority = RT_PRIORITY;
	if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
		perror("pb-nfq-delay: real-time scheduling (runs late under load)");
	p.fd = fd;
	p.events = POLLIN;
	fprintf(stderr, "pb-nfq-delay: queue %s, %lld ms\n", argv[1], (long long)delay_ms);
	while (!stop) {
		int timeout = -1;
		int64_t t = now_ms();

		release_due(t);
		if (count > 0)
			timeout = (int)(ring[head].due_ms - t);
		if (poll(&p, 1, timeout) > 0) {
			ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n > 0)
				nfq_handle_packet(h, buf, (int)n);
			else if (n < 0 && errno == ENOBUFS)
				enobufs++;     /* packets lost: the kernel counts them */
			else if (n < 0 && errno != EAGAIN && errno != EINTR)
				break;
		}
	}
	while (count > 0) {
		nfq_set_verdict(qh, ring[head].id, NF_ACCEPT, 0, NULL);
		head = (head + 1) % HELD_MAX;
		count--;
	}
	report(num);
	rc = 0;
out:
	if (qh != NULL)
		nfq_destroy_queue(qh);
	nfq_close(h);
	return rc;
}

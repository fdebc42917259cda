/* Rate limits: a token bucket per box and per client address, in the
 * memory of this process (docs/hub.md, "Rate limits").
 *
 * Each limit has a name, a refill rate per minute and a burst. Buckets
 * live in a fixed table indexed by SipHash (libsodium's
 * crypto_shorthash, random key per process) of the limit and the key,
 * looked up within a short probe window. When the window is full the
 * most refilled bucket is reused: a full bucket is the same as no
 * bucket, so nothing is lost unless more keys than the table holds are
 * all busy at once. */
#include "hub.h"

#include "pb_log.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HUB_RATE_SLOTS   16384      /* buckets kept, all limits together */
#define HUB_RATE_PROBE   8          /* slots searched per key */

struct bucket {
	uint64_t id;                /* 0: free */
	double tokens;
	int64_t at_ms;              /* when tokens was last brought up to date */
	unsigned refused;           /* refusals in a row (take) */
};

struct hub_rate {
	pthread_mutex_t lock;
	unsigned char key[crypto_shorthash_KEYBYTES];
	struct bucket slots[HUB_RATE_SLOTS];
};

/* The limits by name, with their defaults (0 per minute: no limit). */
const char *const hub_rate_names[HUB_RATE_KINDS] = {
	[HUB_RATE_BOX] = "box",
	[HUB_RATE_ENROL] = "enrol",
	[HUB_RATE_UNAUTH] = "unauth",
};

void hub_rate_defaults(struct hub *h)
{
	h->limits[HUB_RATE_BOX] = (struct hub_rate_limit){ HUB_RATE_BOX_PER_MIN,
							   HUB_RATE_BOX_BURST };
	h->limits[HUB_RATE_ENROL] = (struct hub_rate_limit){ HUB_RATE_ENROL_PER_MIN,
							     HUB_RATE_ENROL_BURST };
	h->limits[HUB_RATE_UNAUTH] = (struct hub_rate_limit){ HUB_RATE_UNAUTH_PER_MIN,
							      HUB_RATE_UNAUTH_BURST };
}

static int parse_uint(const char *s, const char *end, unsigned *out)
{
	unsigned long v = 0;

	if (s == end || end - s > 9)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*out = (unsigned)v;
	return 0;
}

int hub_rate_set(struct hub *h, const char *spec)
{
	const char *eq = strchr(spec, '='), *slash, *end;
	unsigned per_min, burst;

	if (eq == NULL)
		return -1;
	end = eq + strlen(eq);
	slash = strchr(eq, '/');
	if (parse_uint(eq + 1, slash != NULL ? slash : end, &per_min) != 0 ||
	    per_min > HUB_RATE_PER_MIN_MAX)
		return -1;
	burst = per_min;
	if (slash != NULL && (parse_uint(slash + 1, end, &burst) != 0 || burst < 1 ||
			      burst > HUB_RATE_PER_MIN_MAX))
		return -1;
	for (int k = 0; k < HUB_RATE_KINDS; k++)
		if (strlen(hub_rate_names[k]) == (size_t)(eq - spec) &&
		    strncmp(spec, hub_rate_names[k], (size_t)(eq - spec)) == 0) {
			h->limits[k].per_min = per_min;
			h->limits[k].burst = burst > 0 ? burst : 1;
			return 0;
		}
	return -1;
}

int hub_rate_init(struct hub *h)
{
	h->rate = calloc(1, sizeof(*h->rate));
	if (h->rate == NULL)
		return -1;
	crypto_shorthash_keygen(h->rate->key);
	if (pthread_mutex_init(&h->rate->lock, NULL) != 0) {
		free(h->rate);
		h->rate = NULL;
		return -1;
	}
	return 0;
}

void hub_rate_free(struct hub *h)
{
	if (h == NULL || h->rate == NULL)
		return;
	pthread_mutex_destroy(&h->rate->lock);
	free(h->rate);
	h->rate = NULL;
}

int64_t hub_rate_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Bring a bucket's tokens up to now. */
static void refill(struct bucket *b, const struct hub_rate_limit *l, int64_t now)
{
	b->tokens += (double)(now - b->at_ms) * l->per_min / 60000.0;
	if (b->tokens > l->burst)
		b->tokens = l->burst;
	b->at_ms = now;
}

/* The bucket of id, made full when new. Within the probe window a free
 * slot is taken first, else the one idle longest (the most refilled). */
static struct bucket *find(struct hub_rate *rt, const struct hub_rate_limit *l,
			   uint64_t id, int64_t now)
{
	size_t start = (size_t)(id % HUB_RATE_SLOTS), best = start;

	for (size_t i = 0; i < HUB_RATE_PROBE; i++) {
		size_t at = (start + i) % HUB_RATE_SLOTS;
		struct bucket *b = &rt->slots[at];

		if (b->id == id)
			return b;
		if (rt->slots[best].id != 0 && (b->id == 0 || b->at_ms < rt->slots[best].at_ms))
			best = at;
	}
	rt->slots[best].id = id;
	rt->slots[best].tokens = l->burst;
	rt->slots[best].at_ms = now;
	rt->slots[best].refused = 0;
	return &rt->slots[best];
}

/* Seconds until one token is there (at least 1). */
static unsigned wait_s(const struct bucket *b, const struct hub_rate_limit *l)
{
	double s = (1.0 - b->tokens) * 60.0 / l->per_min;
	unsigned w = s > (double)HUB_RATE_RETRY_MAX_S ? HUB_RATE_RETRY_MAX_S : (unsigned)s;

	if ((double)w < s && w < HUB_RATE_RETRY_MAX_S)
		w++;            /* rounded up */

	return w < 1 ? 1 : w;
}

enum use_mode { USE_PEEK, USE_TAKE, USE_CHARGE, USE_PEEK_COUNT };

/* Returns 0 when a token was there, else the seconds to wait. PEEK only
 * looks; TAKE takes a token when there is one; CHARGE always takes one
 * (a failure: the bucket may go below zero, down to minus one burst, so
 * that guessing on keeps it shut). */
static unsigned use(struct hub *h, enum hub_rate_kind kind, const char *key,
		    enum use_mode mode, unsigned *refused)
{
	const struct hub_rate_limit *l;
	unsigned char in[HUB_RATE_KEY_MAX + 1], out[crypto_shorthash_BYTES];
	size_t n = strlen(key);
	uint64_t id;
	struct bucket *b;
	unsigned w = 0;
	int64_t now;

	if (h->rate == NULL || kind >= HUB_RATE_KINDS || h->limits[kind].per_min == 0)
		return 0;
	l = &h->limits[kind];
	if (n > HUB_RATE_KEY_MAX)
		n = HUB_RATE_KEY_MAX;
	in[0] = (unsigned char)kind;
	memcpy(in + 1, key, n);
	crypto_shorthash(out, in, n + 1, h->rate->key);
	memcpy(&id, out, sizeof(id));
	if (id == 0)
		id = 1;
	now = hub_rate_now_ms();
	pthread_mutex_lock(&h->rate->lock);
	b = find(h->rate, l, id, now);
	refill(b, l, now);
	if (b->tokens < 1.0)
		w = wait_s(b, l);
	if ((mode == USE_TAKE && w == 0) || (mode == USE_CHARGE && b->tokens > -(double)l->burst))
		b->tokens -= 1.0;
	if (mode == USE_TAKE)
		b->refused = w > 0 ? b->refused + 1 : 0;
	if (mode == USE_PEEK_COUNT && w > 0)
		b->refused++;
	if (refused != NULL)
		*refused = b->refused;
	pthread_mutex_unlock(&h->rate->lock);
	return w;
}

unsigned hub_rate_take(struct hub *h, enum hub_rate_kind kind, const char *key,
		       unsigned *refused)
{
	if (refused != NULL)
		*refused = 0;
	return use(h, kind, key, USE_TAKE, refused);
}

unsigned hub_rate_peek(struct hub *h, enum hub_rate_kind kind, const char *key)
{
	return use(h, kind, key, USE_PEEK, NULL);
}

void hub_rate_charge(struct hub *h, enum hub_rate_kind kind, const char *key)
{
	use(h, kind, key, USE_CHARGE, NULL);
}

/* A box that waits as long as Retry-After says always finds a token:
 * one refused twice in a row came back too soon. */
static unsigned box_refused(const char *box, unsigned refused, unsigned w)
{
	if (refused > 1)
		pb_warn("box %s came back before its Retry-After (%u refusals in a row)", box,
			refused);
	return w;
}

unsigned hub_rate_box(struct hub *h, const char *box)
{
	unsigned refused, w = hub_rate_take(h, HUB_RATE_BOX, box, &refused);

	return box_refused(box, refused, w);
}

unsigned hub_rate_box_ready(struct hub *h, const char *box)
{
	unsigned refused = 0, w = use(h, HUB_RATE_BOX, box, USE_PEEK_COUNT, &refused);

	return box_refused(box, refused, w);
}

/* Wrong session codes: how many one client address, one device and one
 * session may send in [attendance] code_fail_window_s before they wait.
 *
 * The code of a session has 6 digits and about 1.5 of them are valid at a
 * time, so unanswered guessing finds one in minutes. An address or a
 * device that sent code_fail_max wrong codes in the window gets 429 with
 * Retry-After until its window ends. Past code_fail_max_session wrong
 * codes for one session (many addresses guessing), an address or device
 * that already sent a wrong code in the window waits as well: a stranger
 * can slow that session's check-in down to one try per phone, but a
 * teacher who types the code right the first time still gets in.
 *
 * That still leaves one try per address per window, and a phone can take
 * every address of the hotspot's network (a new MAC for each DHCP lease,
 * or addresses set by hand): about 350 tries in 300 s on a /24, 5 % of
 * finding a 6-digit code in a day of 8 hours. So past code_long_after
 * wrong codes box-wide within code_long_s (hours, so that keeping under
 * it per window gains little), the box shows and takes
 * PB_CODE_LONG_DIGITS codes for code_long_s: the same tries then find one
 * a thousand times less often, and a teacher who types the code on the
 * screen still gets in at once. A code of the other length is no guess:
 * it is answered (code_longer) without counting.
 *
 * Check and count are one step under one lock: an attempt counts as a
 * wrong code from the moment it is let through, and is given back when
 * the code turns out right (or not a guess at all), so parallel requests
 * never get more tries than the limit. The counts live in memory: a
 * restart of pb-web starts them afresh.
 *
 * NUPTKs without a check-in are counted the same way, in tables of their
 * own ([attendance] nuptk_miss_max in code_fail_window_s): with the code
 * on the projector, a stranger trying NUPTKs at the claims proof would
 * otherwise collect teachers' check-in ids, which open their claims, bank
 * details and learning. Past nuptk_miss_max_box misses from all phones in
 * the window, an address or device that already missed waits as well:
 * stepping through the hotspot's addresses then gives one try per
 * address, not nuptk_miss_max; a hit is never counted, so a teacher asking
 * for their own proof gets it.
 *
 * Lookups that pass the code make a check-in ticket, a row written to the
 * database and kept ticket_s: one address may make [attendance] lookup_max
 * of them in code_fail_window_s (a teacher needs one or two), so a phone
 * with the code on the projector cannot fill the database or wear the SD
 * card with them. */
#include "web.h"

#include "pb_clock.h"
#include "pb_code.h"
#include "pb_ids.h"
#include "pb_log.h"

#include <string.h>

struct entry {
	char key[PB_GUARD_KEY_MAX];
	unsigned fails;                  /* in the window, attempts let through included */
	int64_t since_ms;                /* the window's start (monotonic) */
	int warned;                      /* its refusal was logged in this window */
};

struct session_entry {
	int64_t id;
	struct entry e;
	unsigned wrong;                  /* wrong codes since pb-web started */
	unsigned refused;                /* attempts answered 429 since then */
};

static struct {
	pthread_mutex_t lock;
	struct entry clients[PB_GUARD_CLIENTS_MAX];
	struct entry devices[PB_GUARD_CLIENTS_MAX];
	struct session_entry sessions[PB_GUARD_SESSIONS_MAX];
	struct entry miss_clients[PB_GUARD_CLIENTS_MAX];   /* NUPTKs without a check-in */
	struct entry miss_devices[PB_GUARD_CLIENTS_MAX];
	struct entry lookups[PB_GUARD_CLIENTS_MAX];        /* tickets made */
	struct entry miss_box;           /* NUPTKs without a check-in, box-wide */
	struct entry box;                /* wrong codes box-wide */
	int64_t long_until_ms;           /* long codes until then (monotonic), 0: none */
} g = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void expire(struct entry *e, int64_t now, int64_t window)
{
	if (e->fails != 0 && now - e->since_ms >= window) {
		e->fails = 0;
		e->warned = 0;
	}
}

/* The entry for key: found, a free or expired one, else the one whose
 * window is oldest. */
static struct entry *find(struct entry *t, size_t n, const char *key, int64_t now,
			  int64_t window)
{
	struct entry *spare = NULL;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(t[i].key, key) == 0) {
			expire(&t[i], now, window);
			return &t[i];
		}
		expire(&t[i], now, window);
		if (spare == NULL || (spare->fails != 0 && (t[i].fails == 0 ||
							     t[i].since_ms < spare->since_ms)))
			spare = &t[i];
	}
	memset(spare, 0, sizeof(*spare));
	snprintf(spare->key, sizeof(spare->key), "%s", key);
	return spare;
}

static struct session_entry *find_session(int64_t id, int64_t now, int64_t window)
{
	struct session_entry *spare = NULL;

	for (size_t i = 0; i < PB_GUARD_SESSIONS_MAX; i++) {
		struct session_entry *s = &g.sessions[i];
		if (s->id == id) {
			expire(&s->e, now, window);
			return s;
		}
		if (spare == NULL || s->id == 0 || (spare->id != 0 && s->e.since_ms < spare->e.since_ms))
			spare = s;
	}
	memset(spare, 0, sizeof(*spare));
	spare->id = id;
	return spare;
}

static void count(struct entry *e, int64_t now)
{
	if (e == NULL)
		return;
	if (e->fails == 0)
		e->since_ms = now;
	e->fails++;
}

static void uncount(struct entry *e)
{
	if (e != NULL && e->fails > 0)
		e->fails--;
}

static unsigned wait_s(const struct entry *e, int64_t now, int64_t window)
{
	int64_t left = e->since_ms + window - now;

	return left < 1000 ? 1 : (unsigned)((left + 999) / 1000);
}

/* Under g.lock: the length of codes at now. */
static unsigned digits_at(int64_t now)
{
	return g.long_until_ms != 0 && now < g.long_until_ms ? PB_CODE_LONG_DIGITS : PB_CODE_DIGITS;
}

/* The box-wide count's window, code_long_s: a guesser who keeps under
 * code_long_after per code_fail_window_s still meets it. */
static int64_t box_window(const struct pb_web *w)
{
	return (int64_t)w->cfg.code_long_s * 1000;
}

/* Under g.lock: one more wrong code box-wide; past code_long_after within
 * code_long_s, long codes for code_long_s from now. */
static void count_box(struct pb_web *w, int64_t now)
{
	expire(&g.box, now, box_window(w));
	count(&g.box, now);
	if (g.box.fails < w->cfg.code_long_after || digits_at(now) == PB_CODE_LONG_DIGITS)
		return;
	g.long_until_ms = now + box_window(w);
	pb_warn("check-in: %u wrong session codes from all phones within %u s: codes have %u "
		"digits for the next %u s", g.box.fails, w->cfg.code_long_s, PB_CODE_LONG_DIGITS,
		w->cfg.code_long_s);
}

unsigned pb_guard_code_digits(struct pb_web *w)
{
	unsigned d;

	(void)w;
	pthread_mutex_lock(&g.lock);
	d = digits_at(pb_clock_mono_ms());
	pthread_mutex_unlock(&g.lock);
	return d;
}

unsigned pb_guard_code_try(struct pb_web *w, const char *client, const char *device,
			   int64_t session, unsigned *digits)
{
	int64_t now = pb_clock_mono_ms(), window = (int64_t)w->cfg.code_fail_window_s * 1000;
	unsigned max = w->cfg.code_fail_max, wait = 0;
	struct entry *a, *d = NULL, *why = NULL;
	struct session_entry *s;

	pthread_mutex_lock(&g.lock);
	*digits = digits_at(now);
	a = find(g.clients, PB_GUARD_CLIENTS_MAX, client, now, window);
	if (device != NULL && device[0] != '\0')
		d = find(g.devices, PB_GUARD_CLIENTS_MAX, device, now, window);
	s = find_session(session, now, window);
	if (a->fails >= max)
		why = a;
	else if (d != NULL && d->fails >= max)
		why = d;
	else if (s->e.fails >= w->cfg.code_fail_max_session && a->fails > 0)
		why = a;
	else if (s->e.fails >= w->cfg.code_fail_max_session && d != NULL && d->fails > 0)
		why = d;
	if (why != NULL) {
		wait = wait_s(why, now, window);
		s->refused++;
		if (!why->warned)
			pb_warn("check-in: %s %s waits %u s after wrong session codes "
				"(session %lld: %u wrong in the window)", why == a ? "client" : "device",
				why->key, wait, (long long)session, s->e.fails);
		why->warned = 1;
	} else {
		count(a, now);
		count(d, now);
		count(&s->e, now);
		s->wrong++;
		count_box(w, now);
	}
	pthread_mutex_unlock(&g.lock);
	return wait;
}

void pb_guard_code_ok(struct pb_web *w, const char *client, const char *device, int64_t session)
{
	int64_t now = pb_clock_mono_ms(), window = (int64_t)w->cfg.code_fail_window_s * 1000;
	struct session_entry *s;

	pthread_mutex_lock(&g.lock);
	uncount(find(g.clients, PB_GUARD_CLIENTS_MAX, client, now, window));
	if (device != NULL && device[0] != '\0')
		uncount(find(g.devices, PB_GUARD_CLIENTS_MAX, device, now, window));
	s = find_session(session, now, window);
	uncount(&s->e);
	if (s->wrong > 0)
		s->wrong--;
	expire(&g.box, now, box_window(w));
	uncount(&g.box);
	pthread_mutex_unlock(&g.lock);
}

const char *pb_guard_device(struct pb_req *r)
{
	const char *dev = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, PB_DEVICE_COOKIE);

	return pb_id_valid(dev) ? dev : NULL;
}

unsigned pb_guard_nuptk_try(struct pb_web *w, const char *client, const char *device)
{
	int64_t now = pb_clock_mono_ms(), window = (int64_t)w->cfg.code_fail_window_s * 1000;
	unsigned max = w->cfg.nuptk_miss_max, wait = 0;
	struct entry *a, *d = NULL, *why = NULL;
	int spent;

	pthread_mutex_lock(&g.lock);
	a = find(g.miss_clients, PB_GUARD_CLIENTS_MAX, client, now, window);
	if (device != NULL && device[0] != '\0')
		d = find(g.miss_devices, PB_GUARD_CLIENTS_MAX, device, now, window);
	expire(&g.miss_box, now, window);
	spent = g.miss_box.fails >= w->cfg.nuptk_miss_max_box;
	if (a->fails >= max || (spent && a->fails > 0))
		why = a;
	else if (d != NULL && (d->fails >= max || (spent && d->fails > 0)))
		why = d;
	if (why != NULL) {
		wait = wait_s(why, now, window);
		if (!why->warned)
			pb_warn("claims proof: %s %s waits %u s after %u NUPTKs without a check-in",
				why == a ? "client" : "device", why->key, wait, why->fails);
		why->warned = 1;
	} else {
		count(a, now);
		count(d, now);
		count(&g.miss_box, now);
	}
	pthread_mutex_unlock(&g.lock);
	return wait;
}

void pb_guard_nuptk_ok(struct pb_web *w, const char *client, const char *device)
{
	int64_t now = pb_clock_mono_ms(), window = (int64_t)w->cfg.code_fail_window_s * 1000;

	pthread_mutex_lock(&g.lock);
	uncount(find(g.miss_clients, PB_GUARD_CLIENTS_MAX, client, now, window));
	if (device != NULL && device[0] != '\0')
		uncount(find(g.miss_devices, PB_GUARD_CLIENTS_MAX, device, now, window));
	expire(&g.miss_box, now, window);
	uncount(&g.miss_box);
	pthread_mutex_unlock(&g.lock);
}

unsigned pb_guard_lookup_try(struct pb_web *w, const char *client)
{
	int64_t now = pb_clock_mono_ms(), window = (int64_t)w->cfg.code_fail_window_s * 1000;
	unsigned wait = 0;
	struct entry *a;

	pthread_mutex_lock(&g.lock);
	a = find(g.lookups, PB_GUARD_CLIENTS_MAX, client, now, window);
	if (a->fails >= w->cfg.lookup_max) {
		wait = wait_s(a, now, window);
		if (!a->warned)
			pb_warn("check-in: client %s waits %u s after %u lookups", a->key, wait,
				a->fails);
		a->warned = 1;
	} else {
		count(a, now);
	}
	pthread_mutex_unlock(&g.lock);
	return wait;
}

void pb_guard_code_stats(int64_t session, unsigned *wrong, unsigned *refused)
{
	*wrong = 0;
	*refused = 0;
	pthread_mutex_lock(&g.lock);
	for (size_t i = 0; i < PB_GUARD_SESSIONS_MAX; i++)
		if (g.sessions[i].id == session) {
			*wrong = g.sessions[i].wrong;
			*refused = g.sessions[i].refused;
		}
	pthread_mutex_unlock(&g.lock);
}

void pb_guard_reset(void)
{
	pthread_mutex_lock(&g.lock);
	memset(g.clients, 0, sizeof(g.clients));
	memset(g.devices, 0, sizeof(g.devices));
	memset(g.sessions, 0, sizeof(g.sessions));
	memset(g.miss_clients, 0, sizeof(g.miss_clients));
	memset(g.miss_devices, 0, sizeof(g.miss_devices));
	memset(g.lookups, 0, sizeof(g.lookups));
	memset(&g.miss_box, 0, sizeof(g.miss_box));
	memset(&g.box, 0, sizeof(g.box));
	g.long_until_ms = 0;
	pthread_mutex_unlock(&g.lock);
}

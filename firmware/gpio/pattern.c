/* The LED patterns and which state shows which pattern.
 *
 * A pattern is a repeating list of steps (lit or dark, for so many ms); a
 * solid pattern is one step of length 0. docs/gpio.md shows the same
 * table for people reading the lights. */
#include "gpio.h"

#include <string.h>

/* Wi-Fi phone count: the LED stays lit and goes dark briefly once per
 * phone, then rests lit. */
#define PB_COUNT_GAP_MS   200
#define PB_COUNT_LIT_MS   300
#define PB_COUNT_REST_MS  1500

struct fixed_pattern {
	const char *name;
	unsigned nsteps;
	struct pb_step steps[8];
};

static const struct fixed_pattern fixed[PB_PAT__COUNT] = {
	[PB_PAT_OFF]        = { "off", 1, { { 0, 0 } } },
	[PB_PAT_ON]         = { "on", 1, { { 1, 0 } } },
	[PB_PAT_BLINK]      = { "blink", 2, { { 1, 500 }, { 0, 500 } } },
	[PB_PAT_BLINK_SLOW] = { "slow-blink", 2, { { 1, 1000 }, { 0, 1000 } } },
	[PB_PAT_BLINK_FAST] = { "fast-blink", 2, { { 1, 125 }, { 0, 125 } } },
	[PB_PAT_ERROR]      = { "error", 6, { { 1, 100 }, { 0, 150 }, { 1, 100 },
					      { 0, 150 }, { 1, 100 }, { 0, 1400 } } },
	[PB_PAT_POWER]      = { "power", 4, { { 1, 100 }, { 0, 150 }, { 1, 100 },
					      { 0, 1650 } } },
	[PB_PAT_COUNT]      = { "count", 0, { { 0, 0 } } },   /* built */
	[PB_PAT_HOLD_1]     = { "hold-1", 2, { { 1, 150 }, { 0, 300 } } },
	[PB_PAT_HOLD_2]     = { "hold-2", 3, { { 0, 150 }, { 1, 150 }, { 0, 150 } } },
	[PB_PAT_HOLD_3]     = { "hold-3", 2, { { 0, 300 }, { 1, 150 } } },
};

const char *pb_pattern_name(enum pb_pattern_id id)
{
	if ((unsigned)id >= PB_PAT__COUNT)
		return "?";
	return fixed[id].name;
}

unsigned pb_pattern_count_shown(unsigned n)
{
	return n < PB_PATTERN_COUNT_MAX ? n : PB_PATTERN_COUNT_MAX;
}

int pb_pattern_build(enum pb_pattern_id id, unsigned count, struct pb_pattern *p)
{
	if ((unsigned)id >= PB_PAT__COUNT)
		return -1;
	memset(p, 0, sizeof(*p));
	p->id = id;
	if (id != PB_PAT_COUNT) {
		p->nsteps = fixed[id].nsteps;
		memcpy(p->steps, fixed[id].steps, sizeof(fixed[id].steps));
		return 0;
	}
	count = pb_pattern_count_shown(count);
	p->count = count;
	if (count == 0) {                    /* no phones: plain on */
		p->steps[0] = (struct pb_step){ 1, 0 };
		p->nsteps = 1;
		return 0;
	}
	p->steps[p->nsteps++] = (struct pb_step){ 1, PB_COUNT_REST_MS };
	for (unsigned i = 0; i < count; i++) {
		p->steps[p->nsteps++] = (struct pb_step){ 0, PB_COUNT_GAP_MS };
		p->steps[p->nsteps++] = (struct pb_step){ 1, PB_COUNT_LIT_MS };
	}
	return 0;
}

unsigned pb_pattern_period(const struct pb_pattern *p)
{
	unsigned sum = 0;

	for (unsigned i = 0; i < p->nsteps; i++) {
		if (p->steps[i].ms == 0)
			return 0;
		sum += p->steps[i].ms;
	}
	return sum;
}

int pb_pattern_level_at(const struct pb_pattern *p, uint64_t elapsed_ms)
{
	unsigned period = pb_pattern_period(p);
	uint64_t t;

	if (p->nsteps == 0)
		return 0;
	if (period == 0)
		return p->steps[0].level;
	t = elapsed_ms % period;
	for (unsigned i = 0; i < p->nsteps; i++) {
		if (t < p->steps[i].ms)
			return p->steps[i].level;
		t -= p->steps[i].ms;
	}
	return p->steps[p->nsteps - 1].level;
}

int64_t pb_pattern_next_step(const struct pb_pattern *p, uint64_t elapsed_ms)
{
	unsigned period = pb_pattern_period(p);
	uint64_t t, edge = 0;

	if (period == 0)
		return -1;
	t = elapsed_ms % period;
	for (unsigned i = 0; i < p->nsteps; i++) {
		edge += p->steps[i].ms;
		if (t < edge)
			return (int64_t)(edge - t);
	}
	return (int64_t)(period - t);
}

#define ON_LED(led, pat) .pattern[led] = pat, .applies[led] = 1
#define ROW(st, nm, ...) [st] = { .state = st, .name = nm, __VA_ARGS__ }

/* The state × pattern table: what each state shows on which LED. */
static const struct pb_light_row light_table[PB_LIGHT__COUNT] = {
	ROW(PB_READY_UP,        "ready-up",       ON_LED(PB_LED_READY, PB_PAT_ON)),
	ROW(PB_READY_STARTING,  "ready-starting", ON_LED(PB_LED_READY, PB_PAT_BLINK)),
	ROW(PB_READY_DOWN,      "ready-down",     ON_LED(PB_LED_READY, PB_PAT_OFF)),
	ROW(PB_READY_UNDERVOLT, "under-voltage",  ON_LED(PB_LED_READY, PB_PAT_POWER)),
	ROW(PB_WIFI_DOWN,       "wifi-down",      ON_LED(PB_LED_WIFI, PB_PAT_OFF)),
	ROW(PB_WIFI_UP,         "wifi-up",        ON_LED(PB_LED_WIFI, PB_PAT_ON)),
	ROW(PB_WIFI_PHONES,     "wifi-phones",    ON_LED(PB_LED_WIFI, PB_PAT_COUNT)),
	ROW(PB_SYNC_IDLE,       "sync-idle",      ON_LED(PB_LED_SYNC, PB_PAT_OFF)),
	ROW(PB_SYNC_WAITING,    "sync-waiting",   ON_LED(PB_LED_SYNC, PB_PAT_BLINK_SLOW)),
	ROW(PB_SYNC_UPLOADING,  "sync-uploading", ON_LED(PB_LED_SYNC, PB_PAT_BLINK_FAST)),
	ROW(PB_SYNC_DONE,       "sync-done",      ON_LED(PB_LED_SYNC, PB_PAT_ON)),
	ROW(PB_SYNC_REFUSED,    "sync-refused",   ON_LED(PB_LED_SYNC, PB_PAT_ERROR)),
	ROW(PB_HOLD_WARNING,    "hold-warning",   ON_LED(PB_LED_READY, PB_PAT_HOLD_1),
	    ON_LED(PB_LED_WIFI, PB_PAT_HOLD_2), ON_LED(PB_LED_SYNC, PB_PAT_HOLD_3)),
	ROW(PB_HOLD_SHUTDOWN,   "shutting-down",  ON_LED(PB_LED_READY, PB_PAT_ON),
	    ON_LED(PB_LED_WIFI, PB_PAT_ON), ON_LED(PB_LED_SYNC, PB_PAT_ON)),
};

const struct pb_light_row *pb_light_row(enum pb_light_state s)
{
	if ((unsigned)s >= PB_LIGHT__COUNT)
		return NULL;
	return &light_table[s];
}

const char *pb_light_state_name(enum pb_light_state s)
{
	const struct pb_light_row *r = pb_light_row(s);
	return r != NULL ? r->name : "?";
}

const char *pb_led_name(enum pb_led led)
{
	static const char *const names[PB_LED__COUNT] = { "ready", "wifi", "sync" };
	return (unsigned)led < PB_LED__COUNT ? names[led] : "?";
}

/* ---- which state each LED is in (pure: the status thread gathers the
 * facts, these decide) ---- */

enum pb_light_state pb_state_ready(const struct pb_status *st, int64_t since_start_ms,
				   unsigned startup_s)
{
	if (st->throttled >= 0 && ((unsigned long)st->throttled & PB_THROTTLED_UNDERVOLT_NOW))
		return PB_READY_UNDERVOLT;
	switch (st->health) {
	case PB_HEALTH_OK:
		return PB_READY_UP;
	case PB_HEALTH_UNAVAILABLE:          /* answers, but not ready yet */
		return PB_READY_STARTING;
	case PB_HEALTH_UNKNOWN:
	case PB_HEALTH_DOWN:
		break;
	}
	/* Not answering: starting while this boot is young and pb-web has not
	 * been seen up yet; down otherwise. */
	if (!st->ever_up && since_start_ms < (int64_t)startup_s * 1000)
		return PB_READY_STARTING;
	return PB_READY_DOWN;
}

enum pb_light_state pb_state_wifi(const struct pb_status *st)
{
	if (st->wifi_up != 1)
		return PB_WIFI_DOWN;
	return st->phones > 0 ? PB_WIFI_PHONES : PB_WIFI_UP;
}

enum pb_light_state pb_state_sync(const struct pb_status *st)
{
	if (st->sync_state == PB_SYNCM_REFUSED)
		return PB_SYNC_REFUSED;
	if (st->sync_state == PB_SYNCM_UPLOADING)
		return PB_SYNC_UPLOADING;
	if (!st->db_ok)
		return PB_SYNC_IDLE;
	if (st->unacked_old > 0)
		return PB_SYNC_WAITING;
	if (st->acked > 0)                   /* all acknowledged but the last hour */
		return PB_SYNC_DONE;
	if (st->unacked_new > 0)             /* nothing has gone up yet */
		return PB_SYNC_WAITING;
	return PB_SYNC_IDLE;
}

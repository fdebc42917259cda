/* The button: debounce, then a small state machine (a table).
 *
 *   IDLE     --down------------> PRESSED
 *   PRESSED  --up--------------> IDLE      run the sync command
 *   PRESSED  --short_ms passed-> HOLDING   LEDs show the hold warning
 *   HOLDING  --up--------------> IDLE      cancelled: nothing runs
 *   HOLDING  --hold_ms passed--> FIRED     run the shutdown command
 *   FIRED    --up--------------> IDLE
 *
 * Debounce: a level counts once the line has kept it for debounce_ms;
 * edges in between (contact bounce) only restart that wait. A button
 * already pressed when pb-gpio starts must be released first (FIRED), so
 * a stuck button never shuts the box down. Times are monotonic ms passed
 * in by the caller: these functions do no I/O. */
#include "gpio.h"

struct transition {
	unsigned char valid;
	enum pb_button_state next;
	enum pb_button_action action;
};

static const struct transition table[PB_BTN__COUNT][PB_BEV__COUNT] = {
	[PB_BTN_IDLE] = {
		[PB_BEV_DOWN]       = { 1, PB_BTN_PRESSED, PB_BACT_NONE },
	},
	[PB_BTN_PRESSED] = {
		[PB_BEV_UP]         = { 1, PB_BTN_IDLE, PB_BACT_SYNC },
		[PB_BEV_SHORT_OVER] = { 1, PB_BTN_HOLDING, PB_BACT_WARN },
	},
	[PB_BTN_HOLDING] = {
		[PB_BEV_UP]         = { 1, PB_BTN_IDLE, PB_BACT_CANCEL },
		[PB_BEV_HOLD_OVER]  = { 1, PB_BTN_FIRED, PB_BACT_SHUTDOWN },
	},
	[PB_BTN_FIRED] = {
		[PB_BEV_UP]         = { 1, PB_BTN_IDLE, PB_BACT_NONE },
	},
};

const char *pb_button_state_name(enum pb_button_state s)
{
	static const char *const names[PB_BTN__COUNT] = { "idle", "pressed", "holding",
							  "fired" };
	return (unsigned)s < PB_BTN__COUNT ? names[s] : "?";
}

const char *pb_button_action_name(enum pb_button_action a)
{
	static const char *const names[] = { "none", "sync", "warn", "cancel", "shutdown" };
	return (unsigned)a < sizeof(names) / sizeof(names[0]) ? names[a] : "?";
}

void pb_button_init(struct pb_button *b, unsigned debounce_ms, unsigned short_ms,
		    unsigned hold_ms, int level, int64_t now)
{
	b->debounce_ms = debounce_ms;
	b->short_ms = short_ms;
	b->hold_ms = hold_ms;
	b->raw = level ? 1 : 0;
	b->raw_since = now;
	b->stable = b->raw;
	b->state = b->raw ? PB_BTN_FIRED : PB_BTN_IDLE;
	b->pressed_at = now;
}

void pb_button_edge(struct pb_button *b, int level, int64_t now)
{
	level = level ? 1 : 0;
	/* Every edge restarts the wait, also one back to the stable level:
	 * a bounce must settle before anything counts. */
	b->raw = level;
	b->raw_since = now;
}

static enum pb_button_action fire(struct pb_button *b, enum pb_button_event ev)
{
	const struct transition *t = &table[b->state][ev];

	if (!t->valid)
		return PB_BACT_NONE;
	b->state = t->next;
	return t->action;
}

enum pb_button_action pb_button_tick(struct pb_button *b, int64_t now)
{
	enum pb_button_action a;

	if (b->raw != b->stable && now - b->raw_since >= (int64_t)b->debounce_ms) {
		b->stable = b->raw;
		if (b->stable)
			b->pressed_at = b->raw_since;
		a = fire(b, b->stable ? PB_BEV_DOWN : PB_BEV_UP);
		if (a != PB_BACT_NONE)
			return a;
	}
	if (b->state == PB_BTN_PRESSED && now - b->pressed_at >= (int64_t)b->short_ms)
		return fire(b, PB_BEV_SHORT_OVER);
	if (b->state == PB_BTN_HOLDING && now - b->pressed_at >= (int64_t)b->hold_ms)
		return fire(b, PB_BEV_HOLD_OVER);
	return PB_BACT_NONE;
}

int64_t pb_deadline_min(int64_t a, int64_t b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

int64_t pb_button_deadline(const struct pb_button *b)
{
	int64_t d = -1;

	if (b->raw != b->stable)
		d = b->raw_since + b->debounce_ms;
	if (b->state == PB_BTN_PRESSED)
		d = pb_deadline_min(d, b->pressed_at + b->short_ms);
	else if (b->state == PB_BTN_HOLDING)
		d = pb_deadline_min(d, b->pressed_at + b->hold_ms);
	return d;
}

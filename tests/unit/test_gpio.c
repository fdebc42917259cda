/* Unit tests: pb-gpio's pattern table, state choice and button machine
 * (firmware/gpio, the parts without I/O). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gpio.h"

/* ---- patterns ---- */

static void test_every_pattern_builds(void **state)
{
	struct pb_pattern p;
	(void)state;
	for (int id = 0; id < PB_PAT__COUNT; id++) {
		assert_int_equal(pb_pattern_build((enum pb_pattern_id)id, 3, &p), 0);
		assert_true(p.nsteps > 0 && p.nsteps <= PB_PATTERN_STEPS_MAX);
		assert_string_not_equal(pb_pattern_name((enum pb_pattern_id)id), "?");
		/* A blinking pattern must both light and go dark. */
		if (pb_pattern_period(&p) > 0) {
			int lit = 0, dark = 0;
			for (unsigned i = 0; i < p.nsteps; i++) {
				lit |= p.steps[i].level == 1;
				dark |= p.steps[i].level == 0;
				assert_true(p.steps[i].ms > 0);
			}
			assert_true(lit && dark);
		}
	}
	assert_int_equal(pb_pattern_build(PB_PAT__COUNT, 0, &p), -1);
}

static void test_blink_speeds_differ(void **state)
{
	struct pb_pattern fast, blink, slow;
	(void)state;
	pb_pattern_build(PB_PAT_BLINK_FAST, 0, &fast);
	pb_pattern_build(PB_PAT_BLINK, 0, &blink);
	pb_pattern_build(PB_PAT_BLINK_SLOW, 0, &slow);
	assert_true(pb_pattern_period(&fast) < pb_pattern_period(&blink));
	assert_true(pb_pattern_period(&blink) < pb_pattern_period(&slow));
}

static void test_level_at(void **state)
{
	static const struct { enum pb_pattern_id id; unsigned count; uint64_t t; int level; }
	cases[] = {
		{ PB_PAT_OFF, 0, 0, 0 }, { PB_PAT_OFF, 0, 123456, 0 },
		{ PB_PAT_ON, 0, 0, 1 }, { PB_PAT_ON, 0, 987654321, 1 },
		{ PB_PAT_BLINK, 0, 0, 1 }, { PB_PAT_BLINK, 0, 499, 1 },
		{ PB_PAT_BLINK, 0, 500, 0 }, { PB_PAT_BLINK, 0, 999, 0 },
		{ PB_PAT_BLINK, 0, 1000, 1 }, { PB_PAT_BLINK, 0, 10250, 1 },
		{ PB_PAT_BLINK_SLOW, 0, 1500, 0 }, { PB_PAT_BLINK_SLOW, 0, 2100, 1 },
		{ PB_PAT_BLINK_FAST, 0, 130, 0 }, { PB_PAT_BLINK_FAST, 0, 260, 1 },
		{ PB_PAT_ERROR, 0, 50, 1 }, { PB_PAT_ERROR, 0, 150, 0 },
		{ PB_PAT_ERROR, 0, 300, 1 }, { PB_PAT_ERROR, 0, 1000, 0 },
		{ PB_PAT_COUNT, 0, 5000, 1 },                /* no phones: on */
		{ PB_PAT_COUNT, 2, 100, 1 }, { PB_PAT_COUNT, 2, 1600, 0 },
		{ PB_PAT_COUNT, 2, 1800, 1 }, { PB_PAT_COUNT, 2, 2100, 0 },
		{ PB_PAT_HOLD_1, 0, 0, 1 }, { PB_PAT_HOLD_2, 0, 0, 0 }, { PB_PAT_HOLD_3, 0, 0, 0 },
		{ PB_PAT_HOLD_1, 0, 200, 0 }, { PB_PAT_HOLD_2, 0, 200, 1 }, { PB_PAT_HOLD_3, 0, 200, 0 },
		{ PB_PAT_HOLD_1, 0, 350, 0 }, { PB_PAT_HOLD_2, 0, 350, 0 }, { PB_PAT_HOLD_3, 0, 350, 1 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pb_pattern p;
		pb_pattern_build(cases[i].id, cases[i].count, &p);
		if (pb_pattern_level_at(&p, cases[i].t) != cases[i].level)
			fail_msg("case %zu: %s(%u) at %llu ms should be %d", i,
				 pb_pattern_name(cases[i].id), cases[i].count,
				 (unsigned long long)cases[i].t, cases[i].level);
	}
}

static void test_next_step(void **state)
{
	struct pb_pattern p;
	(void)state;
	pb_pattern_build(PB_PAT_ON, 0, &p);
	assert_int_equal(pb_pattern_next_step(&p, 42), -1);
	pb_pattern_build(PB_PAT_BLINK, 0, &p);
	assert_int_equal(pb_pattern_next_step(&p, 0), 500);
	assert_int_equal(pb_pattern_next_step(&p, 499), 1);
	assert_int_equal(pb_pattern_next_step(&p, 500), 500);
	assert_int_equal(pb_pattern_next_step(&p, 1999), 1);
}

/* The phone count is the number of dark gaps in one period, capped. */
static void test_count_gaps(void **state)
{
	(void)state;
	for (unsigned n = 0; n <= PB_PATTERN_COUNT_MAX + 3; n++) {
		struct pb_pattern p;
		unsigned gaps = 0;
		pb_pattern_build(PB_PAT_COUNT, n, &p);
		for (unsigned i = 0; i < p.nsteps; i++) {
			unsigned prev = (i + p.nsteps - 1) % p.nsteps;
			if (p.steps[i].level == 0 && p.steps[prev].level == 1)
				gaps++;
		}
		assert_int_equal(gaps, n < PB_PATTERN_COUNT_MAX ? n : PB_PATTERN_COUNT_MAX);
		/* the built pattern remembers what pb-gpio compares against */
		assert_int_equal(p.count, pb_pattern_count_shown(n));
	}
}

/* Every state has its row, and each row says something on some LED. */
static void test_light_table(void **state)
{
	(void)state;
	for (int s = 0; s < PB_LIGHT__COUNT; s++) {
		const struct pb_light_row *r = pb_light_row((enum pb_light_state)s);
		int any = 0;
		assert_non_null(r);
		assert_int_equal(r->state, s);
		assert_non_null(r->name);
		for (int l = 0; l < PB_LED__COUNT; l++)
			any += r->applies[l];
		assert_true(any > 0);
	}
	assert_null(pb_light_row(PB_LIGHT__COUNT));
	/* The hold warning is on all three LEDs, and each shows its own phase. */
	const struct pb_light_row *h = pb_light_row(PB_HOLD_WARNING);
	assert_true(h->applies[0] && h->applies[1] && h->applies[2]);
	assert_int_not_equal(h->pattern[0], h->pattern[1]);
	assert_int_not_equal(h->pattern[1], h->pattern[2]);
	assert_int_equal(pb_light_row(PB_SYNC_REFUSED)->pattern[PB_LED_SYNC], PB_PAT_ERROR);
	assert_int_equal(pb_light_row(PB_READY_UNDERVOLT)->pattern[PB_LED_READY], PB_PAT_POWER);
}

/* ---- which state ---- */

static struct pb_status base_status(void)
{
	struct pb_status st;
	memset(&st, 0, sizeof(st));
	st.throttled = -1;
	st.wifi_up = -1;
	st.db_ok = 1;
	return st;
}

static void test_state_ready(void **state)
{
	static const struct { enum pb_health h; int ever_up; long thr; int64_t since;
			      enum pb_light_state want; } cases[] = {
		{ PB_HEALTH_OK, 1, -1, 500000, PB_READY_UP },
		{ PB_HEALTH_OK, 1, 0x0, 0, PB_READY_UP },
		{ PB_HEALTH_OK, 1, 0x50000, 0, PB_READY_UP },      /* only happened before */
		{ PB_HEALTH_OK, 1, 0x50005, 0, PB_READY_UNDERVOLT },
		{ PB_HEALTH_UNKNOWN, 0, -1, 0, PB_READY_STARTING },
		{ PB_HEALTH_DOWN, 0, -1, 119999, PB_READY_STARTING },
		{ PB_HEALTH_DOWN, 0, -1, 120000, PB_READY_DOWN },
		{ PB_HEALTH_DOWN, 1, -1, 1000, PB_READY_DOWN },     /* was up: now down */
		{ PB_HEALTH_UNAVAILABLE, 1, -1, 999999, PB_READY_STARTING },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pb_status st = base_status();
		st.health = cases[i].h;
		st.ever_up = cases[i].ever_up;
		st.throttled = cases[i].thr;
		enum pb_light_state got = pb_state_ready(&st, cases[i].since, 120);
		if (got != cases[i].want)
			fail_msg("case %zu: %s, want %s", i, pb_light_state_name(got),
				 pb_light_state_name(cases[i].want));
	}
}

static void test_state_wifi_and_sync(void **state)
{
	static const struct { int up; unsigned phones; enum pb_light_state want; } wifi[] = {
		{ -1, 0, PB_WIFI_DOWN }, { 0, 3, PB_WIFI_DOWN }, { 1, 0, PB_WIFI_UP },
		{ 1, 4, PB_WIFI_PHONES },
	};
	static const struct { enum pb_sync_meta m; int db; long long old, young, acked;
			      enum pb_light_state want; } sync[] = {
		{ PB_SYNCM_UNKNOWN, 0, 0, 0, 0, PB_SYNC_IDLE },      /* no database yet */
		{ PB_SYNCM_UNKNOWN, 1, 0, 0, 0, PB_SYNC_IDLE },      /* nothing recorded */
		{ PB_SYNCM_IDLE, 1, 0, 3, 0, PB_SYNC_WAITING },      /* nothing has gone up */
		{ PB_SYNCM_OFFLINE, 1, 2, 0, 10, PB_SYNC_WAITING },  /* old records wait */
		{ PB_SYNCM_IDLE, 1, 0, 0, 10, PB_SYNC_DONE },
		{ PB_SYNCM_IDLE, 1, 0, 5, 10, PB_SYNC_DONE },        /* only the last hour waits */
		{ PB_SYNCM_UPLOADING, 1, 5, 5, 10, PB_SYNC_UPLOADING },
		{ PB_SYNCM_REFUSED, 1, 5, 5, 10, PB_SYNC_REFUSED },
		{ PB_SYNCM_REFUSED, 0, 0, 0, 0, PB_SYNC_REFUSED },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(wifi) / sizeof(wifi[0]); i++) {
		struct pb_status st = base_status();
		st.wifi_up = wifi[i].up;
		st.phones = wifi[i].phones;
		assert_int_equal(pb_state_wifi(&st), wifi[i].want);
	}
	for (size_t i = 0; i < sizeof(sync) / sizeof(sync[0]); i++) {
		struct pb_status st = base_status();
		st.sync_state = sync[i].m;
		st.db_ok = sync[i].db;
		st.unacked_old = sync[i].old;
		st.unacked_new = sync[i].young;
		st.acked = sync[i].acked;
		enum pb_light_state got = pb_state_sync(&st);
		if (got != sync[i].want)
			fail_msg("sync case %zu: %s, want %s", i, pb_light_state_name(got),
				 pb_light_state_name(sync[i].want));
	}
}

/* ---- the button ---- */

#define STEPS_MAX 16
#define NO_EDGE   -1

struct button_case {
	const char *name;
	struct { int64_t t; int level; } steps[STEPS_MAX];   /* level NO_EDGE: time only */
	enum pb_button_action want[STEPS_MAX];               /* actions in order */
	enum pb_button_state end;
};

/* debounce 30 ms, short press up to 1000 ms, hold 5000 ms */
static const struct button_case button_cases[] = {
	{ "short press", { { 0, 1 }, { 200, 0 }, { 400, NO_EDGE } },
	  { PB_BACT_SYNC }, PB_BTN_IDLE },
	{ "bounce is one press", { { 0, 1 }, { 5, 0 }, { 9, 1 }, { 14, 0 }, { 18, 1 },
				   { 300, 0 }, { 304, 1 }, { 310, 0 }, { 600, NO_EDGE } },
	  { PB_BACT_SYNC }, PB_BTN_IDLE },
	{ "a spike shorter than the debounce is nothing",
	  { { 0, 1 }, { 10, 0 }, { 500, NO_EDGE } }, { PB_BACT_NONE }, PB_BTN_IDLE },
	{ "hold 5 s shuts down", { { 0, 1 }, { 1100, NO_EDGE }, { 5100, NO_EDGE },
				  { 6000, 0 }, { 6100, NO_EDGE } },
	  { PB_BACT_WARN, PB_BACT_SHUTDOWN }, PB_BTN_IDLE },
	{ "early release cancels", { { 0, 1 }, { 1100, NO_EDGE }, { 3000, 0 },
				     { 3100, NO_EDGE }, { 9000, NO_EDGE } },
	  { PB_BACT_WARN, PB_BACT_CANCEL }, PB_BTN_IDLE },
	{ "bounce during the hold does not cancel",
	  { { 0, 1 }, { 2000, 0 }, { 2010, 1 }, { 5100, NO_EDGE } },
	  { PB_BACT_WARN, PB_BACT_SHUTDOWN }, PB_BTN_FIRED },
	{ "two presses, two syncs", { { 0, 1 }, { 100, 0 }, { 300, 1 }, { 400, 0 },
				      { 600, NO_EDGE } },
	  { PB_BACT_SYNC, PB_BACT_SYNC }, PB_BTN_IDLE },
};

static void run_button_case(const struct button_case *c)
{
	struct pb_button b;
	enum pb_button_action got[STEPS_MAX * 4];
	int ngot = 0, nwant = 0;

	pb_button_init(&b, 30, 1000, 5000, 0, -100);
	for (int i = 0; i < STEPS_MAX && (i == 0 || c->steps[i].t != 0); i++) {
		int64_t t = c->steps[i].t;
		enum pb_button_action a;
		/* The loop wakes at every deadline before t, as the timerfd would. */
		for (int64_t d = pb_button_deadline(&b); d >= 0 && d <= t;
		     d = pb_button_deadline(&b)) {
			int before = ngot;
			while ((a = pb_button_tick(&b, d)) != PB_BACT_NONE)
				got[ngot++] = a;
			if (ngot == before && pb_button_deadline(&b) == d)
				break;
		}
		if (c->steps[i].level != NO_EDGE)
			pb_button_edge(&b, c->steps[i].level, t);
		while ((a = pb_button_tick(&b, t)) != PB_BACT_NONE)
			got[ngot++] = a;
	}
	while (nwant < STEPS_MAX && c->want[nwant] != PB_BACT_NONE)
		nwant++;
	if (ngot != nwant)
		fail_msg("%s: %d actions, want %d (first: %s)", c->name, ngot, nwant,
			 ngot > 0 ? pb_button_action_name(got[0]) : "none");
	for (int i = 0; i < nwant; i++)
		if (got[i] != c->want[i])
			fail_msg("%s: action %d is %s, want %s", c->name, i,
				 pb_button_action_name(got[i]),
				 pb_button_action_name(c->want[i]));
	if (b.state != c->end)
		fail_msg("%s: ends %s, want %s", c->name, pb_button_state_name(b.state),
			 pb_button_state_name(c->end));
}

static void test_button_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(button_cases) / sizeof(button_cases[0]); i++)
		run_button_case(&button_cases[i]);
}

static void test_button_pressed_at_start(void **state)
{
	struct pb_button b;
	(void)state;
	/* A button already down when pb-gpio starts must be released first. */
	pb_button_init(&b, 30, 1000, 5000, 1, 0);
	assert_int_equal(pb_button_tick(&b, 60000), PB_BACT_NONE);
	assert_int_equal(pb_button_deadline(&b), -1);
	pb_button_edge(&b, 0, 60000);
	assert_int_equal(pb_button_tick(&b, 60040), PB_BACT_NONE);
	assert_int_equal(b.state, PB_BTN_IDLE);
	pb_button_edge(&b, 1, 61000);
	assert_int_equal(pb_button_deadline(&b), 61030);
	assert_int_equal(pb_button_tick(&b, 61030), PB_BACT_NONE);
	pb_button_edge(&b, 0, 61200);
	assert_int_equal(pb_button_tick(&b, 61230), PB_BACT_SYNC);
}

/* ---- small parsers ---- */

static void test_throttled_parse(void **state)
{
	unsigned long v = 0;
	(void)state;
	assert_int_equal(pb_throttled_parse("50005\n", &v), 0);
	assert_int_equal(v, 0x50005);
	assert_int_equal(pb_throttled_parse("throttled=0x50000\n", &v), 0);
	assert_int_equal(v, 0x50000);
	assert_int_equal(pb_throttled_parse("0x0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(pb_throttled_parse("", &v), -1);
	assert_int_equal(pb_throttled_parse("zz", &v), -1);
	assert_int_equal(pb_throttled_parse("5 junk", &v), -1);
}

static void test_sync_meta(void **state)
{
	(void)state;
	assert_int_equal(pb_sync_meta_parse("refused"), PB_SYNCM_REFUSED);
	assert_int_equal(pb_sync_meta_parse("uploading"), PB_SYNCM_UPLOADING);
	assert_int_equal(pb_sync_meta_parse("Uploading"), PB_SYNCM_UNKNOWN);
	assert_int_equal(pb_sync_meta_parse(NULL), PB_SYNCM_UNKNOWN);
}

static void test_wifi_check(void **state)
{
	static const struct { const char *check, *radio; enum pb_wifi_check want; } cases[] = {
		{ "auto", "onboard", PB_WIFI_CHECK_HOSTAPD },
		{ "auto", "usb", PB_WIFI_CHECK_HOSTAPD },
		{ "auto", "external", PB_WIFI_CHECK_OPERSTATE },   /* no hostapd on the box */
		{ "hostapd", "external", PB_WIFI_CHECK_HOSTAPD },
		{ "operstate", "onboard", PB_WIFI_CHECK_OPERSTATE },
		{ "none", "onboard", PB_WIFI_CHECK_NONE },
		{ "radio", "onboard", PB_WIFI_CHECK_INVALID },
	};
	struct pb_config *cfg = calloc(1, sizeof(*cfg));
	(void)state;
	assert_non_null(cfg);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pb_config_defaults(cfg);
		snprintf(cfg->gpio_wifi_check, sizeof(cfg->gpio_wifi_check), "%s", cases[i].check);
		snprintf(cfg->wifi_radio, sizeof(cfg->wifi_radio), "%s", cases[i].radio);
		if (pb_wifi_check_parse(cfg) != cases[i].want)
			fail_msg("wifi_check %s with a %s radio", cases[i].check, cases[i].radio);
	}
	pb_config_defaults(cfg);
	assert_string_equal(cfg->gpio_wifi_check, "auto");
	free(cfg);
}

static void test_command_parse(void **state)
{
	struct pb_command c;
	char many[PB_CONFIG_STR_LEN] = "";
	(void)state;
	assert_int_equal(pb_command_parse(&c, "sync", "pbctl  sync\tnow"), 0);
	assert_string_equal(c.argv[0], "pbctl");
	assert_string_equal(c.argv[1], "sync");
	assert_string_equal(c.argv[2], "now");
	assert_null(c.argv[3]);
	assert_int_equal(pb_command_parse(&c, "sync", "   "), -1);
	for (size_t i = 0, o = 0; i <= PB_COMMAND_ARGS_MAX && o + 3 <= sizeof(many); i++, o += 2)
		memcpy(many + o, "a ", 3);      /* each copy also ends the text */
	assert_int_equal(pb_command_parse(&c, "sync", many), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_pattern_builds),
		cmocka_unit_test(test_blink_speeds_differ),
		cmocka_unit_test(test_level_at),
		cmocka_unit_test(test_next_step),
		cmocka_unit_test(test_count_gaps),
		cmocka_unit_test(test_light_table),
		cmocka_unit_test(test_state_ready),
		cmocka_unit_test(test_state_wifi_and_sync),
		cmocka_unit_test(test_button_table),
		cmocka_unit_test(test_button_pressed_at_start),
		cmocka_unit_test(test_throttled_parse),
		cmocka_unit_test(test_sync_meta),
		cmocka_unit_test(test_wifi_check),
		cmocka_unit_test(test_command_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* pb-gpio private header: three status LEDs and one button on libgpiod v1.
 *
 * Parts, one file each:
 *   pattern.c  the LED patterns (step sequences) and the state × pattern
 *              table; pure functions
 *   button.c   the button: debounce and the press/hold state machine as a
 *              table; pure functions of (state, time, level)
 *   status.c   reads the box's state: pb-web /healthz (libcurl), hostapd or
 *              the interface state, dnsmasq leases, the database, the Pi
 *              firmware's throttled flags; runs in its own thread
 *   lines.c    the GPIO lines through libgpiod
 *   command.c  runs the sync and shutdown commands (fork/exec, no shell)
 *   main.c     options, configuration and the event loop */
#ifndef PB_GPIO_H
#define PB_GPIO_H

#include <stdint.h>
#include <sys/types.h>

#include "pb_config.h"

/* ---- patterns (pattern.c) ---- */

#define PB_PATTERN_STEPS_MAX  24      /* steps of one pattern */
#define PB_PATTERN_COUNT_MAX  9       /* Wi-Fi blinks at most this many phones */

enum pb_pattern_id {
	PB_PAT_OFF,
	PB_PAT_ON,
	PB_PAT_BLINK,          /* 0.5 s on, 0.5 s off: starting */
	PB_PAT_BLINK_SLOW,     /* 1 s on, 1 s off: records wait */
	PB_PAT_BLINK_FAST,     /* 0.125 s on, 0.125 s off: uploading */
	PB_PAT_ERROR,          /* three quick flashes, a long pause: refused */
	PB_PAT_POWER,          /* mostly on with two short dark gaps: under-voltage */
	PB_PAT_COUNT,          /* on, with one short dark gap per phone */
	PB_PAT_HOLD_1,         /* the three LEDs chase while the button is held */
	PB_PAT_HOLD_2,
	PB_PAT_HOLD_3,
	PB_PAT__COUNT
};

struct pb_step {
	unsigned char level;   /* 1 lit, 0 dark */
	unsigned ms;           /* 0: for ever (a solid pattern has one step) */
};

struct pb_pattern {
	enum pb_pattern_id id;
	unsigned count;                        /* PB_PAT_COUNT only */
	unsigned nsteps;
	struct pb_step steps[PB_PATTERN_STEPS_MAX];
};

const char *pb_pattern_name(enum pb_pattern_id id);

/* Fill p with the steps of pattern id (count: phones for PB_PAT_COUNT,
 * capped at PB_PATTERN_COUNT_MAX). Returns 0, -1 for an unknown id. */
int pb_pattern_build(enum pb_pattern_id id, unsigned count, struct pb_pattern *p);

/* How many phones PB_PAT_COUNT shows for n (capped). */
unsigned pb_pattern_count_shown(unsigned n);

/* Sum of the step lengths; 0 for a solid pattern. */
unsigned pb_pattern_period(const struct pb_pattern *p);

/* Level of the pattern elapsed_ms after it started (it repeats). */
int pb_pattern_level_at(const struct pb_pattern *p, uint64_t elapsed_ms);

/* ms from elapsed_ms until the pattern's next step begins; -1 for a solid
 * pattern (nothing ever changes). */
int64_t pb_pattern_next_step(const struct pb_pattern *p, uint64_t elapsed_ms);

/* What each LED can say: the rows of the state × pattern table. */
enum pb_led { PB_LED_READY, PB_LED_WIFI, PB_LED_SYNC, PB_LED__COUNT };

enum pb_light_state {
	PB_READY_UP, PB_READY_STARTING, PB_READY_DOWN, PB_READY_UNDERVOLT,
	PB_WIFI_DOWN, PB_WIFI_UP, PB_WIFI_PHONES,
	PB_SYNC_IDLE, PB_SYNC_WAITING, PB_SYNC_UPLOADING, PB_SYNC_DONE,
	PB_SYNC_REFUSED,
	PB_HOLD_WARNING,       /* the button is held: shutdown comes */
	PB_HOLD_SHUTDOWN,      /* the shutdown command has been started */
	PB_LIGHT__COUNT
};

struct pb_light_row {
	enum pb_light_state state;
	const char *name;
	enum pb_pattern_id pattern[PB_LED__COUNT];   /* per LED; ignored where n/a */
	unsigned char applies[PB_LED__COUNT];
};

/* The row of a state, or NULL. */
const struct pb_light_row *pb_light_row(enum pb_light_state s);
const char *pb_light_state_name(enum pb_light_state s);
const char *pb_led_name(enum pb_led led);

/* ---- the box's state, as pb-gpio sees it (status.c) ---- */

enum pb_health { PB_HEALTH_UNKNOWN, PB_HEALTH_OK, PB_HEALTH_UNAVAILABLE, PB_HEALTH_DOWN };

enum pb_sync_meta { PB_SYNCM_UNKNOWN, PB_SYNCM_IDLE, PB_SYNCM_UPLOADING,
		    PB_SYNCM_OFFLINE, PB_SYNCM_ERROR, PB_SYNCM_REFUSED };

struct pb_status {
	enum pb_health health;
	int ever_up;                  /* /healthz answered 200 since pb-gpio started */
	int wifi_up;                  /* -1 unknown (treated as down) */
	unsigned phones;
	enum pb_sync_meta sync_state;
	int db_ok;                    /* the database could be read */
	long long unacked_old;        /* unacknowledged, older than sync_grace_s */
	long long unacked_new;
	long long acked;
	long throttled;               /* -1 unknown */
};

#define PB_THROTTLED_UNDERVOLT_NOW   0x1UL
#define PB_THROTTLED_UNDERVOLT_SEEN  0x10000UL

/* The states the three LEDs show (pure). */
enum pb_light_state pb_state_ready(const struct pb_status *st, int64_t since_start_ms,
				   unsigned startup_s);
enum pb_light_state pb_state_wifi(const struct pb_status *st);
enum pb_light_state pb_state_sync(const struct pb_status *st);

enum pb_sync_meta pb_sync_meta_parse(const char *s);

/* Parse "0x50005", "50005" or "throttled=0x50005". Returns 0/-1. */
int pb_throttled_parse(const char *text, unsigned long *out);

enum pb_wifi_check { PB_WIFI_CHECK_HOSTAPD, PB_WIFI_CHECK_OPERSTATE, PB_WIFI_CHECK_NONE,
		     PB_WIFI_CHECK_INVALID };

/* [gpio] wifi_check, with auto resolved by the [wifi] radio. */
enum pb_wifi_check pb_wifi_check_parse(const struct pb_config *cfg);

struct pb_monitor;

/* Start the thread that polls the box's state and writes one byte to
 * notify_fd after each round. Returns NULL on failure (errno set). */
struct pb_monitor *pb_monitor_start(const struct pb_config *cfg, int notify_fd);
void pb_monitor_get(struct pb_monitor *m, struct pb_status *out);
void pb_monitor_stop(struct pb_monitor *m);     /* NULL-safe */

/* ---- the button (button.c) ---- */

enum pb_button_state { PB_BTN_IDLE, PB_BTN_PRESSED, PB_BTN_HOLDING, PB_BTN_FIRED,
		       PB_BTN__COUNT };
enum pb_button_event { PB_BEV_DOWN, PB_BEV_UP, PB_BEV_SHORT_OVER, PB_BEV_HOLD_OVER,
		       PB_BEV__COUNT };
enum pb_button_action { PB_BACT_NONE, PB_BACT_SYNC, PB_BACT_WARN, PB_BACT_CANCEL,
			PB_BACT_SHUTDOWN };

struct pb_button {
	unsigned debounce_ms, short_ms, hold_ms;
	int raw;                      /* last level read from the line (1 pressed) */
	int64_t raw_since;            /* when raw last changed */
	int stable;                   /* debounced level */
	enum pb_button_state state;
	int64_t pressed_at;           /* when the debounced press began */
};

void pb_button_init(struct pb_button *b, unsigned debounce_ms, unsigned short_ms,
		    unsigned hold_ms, int level, int64_t now);
/* A level read from the line at now (an edge, maybe a bounce). */
void pb_button_edge(struct pb_button *b, int level, int64_t now);
/* Advance to now; returns the action to take (at most one per call: call
 * again until PB_BACT_NONE). */
enum pb_button_action pb_button_tick(struct pb_button *b, int64_t now);
/* When pb_button_tick next has something to do; -1: nothing pending. */
int64_t pb_button_deadline(const struct pb_button *b);
/* The earlier of two deadlines, where -1 means none. */
int64_t pb_deadline_min(int64_t a, int64_t b);
const char *pb_button_state_name(enum pb_button_state s);
const char *pb_button_action_name(enum pb_button_action a);

/* ---- the lines (lines.c) ---- */

#define PB_GPIO_EDGES_MAX     64      /* edges read at one wake-up; more wait */
/* An edge stamped further back than this (an old kernel stamps with the
 * wall clock) is taken as happening when it is read. */
#define PB_GPIO_EDGE_AGE_MAX_MS 10000

/* CLOCK_MONOTONIC in ms: the clock of the event loop and of edge stamps. */
int64_t pb_gpio_now_ms(void);

struct pb_lines;

/* Open the chip, request the LEDs as outputs (dark) and the button for
 * both edges. Returns NULL and logs on failure. */
struct pb_lines *pb_lines_open(const struct pb_config *cfg);
/* 0 when the configured chip can be opened now, else -1 with errno. */
int pb_lines_chip_present(const struct pb_config *cfg);
int pb_lines_set(struct pb_lines *l, enum pb_led led, int lit);
int pb_lines_button_fd(const struct pb_lines *l);
int pb_lines_button_level(struct pb_lines *l);       /* 1 pressed, -1 error */
/* Read one pending edge: 1 pressed, 0 released, -1 error; *at_ms gets
 * the kernel's time stamp of the edge (CLOCK_MONOTONIC ms). */
int pb_lines_button_read(struct pb_lines *l, int64_t *at_ms);
/* Whether another edge is waiting to be read (0 or 1). */
int pb_lines_button_pending(const struct pb_lines *l);
/* LEDs dark, lines released, chip closed. NULL-safe. */
void pb_lines_close(struct pb_lines *l);

/* ---- commands (command.c) ---- */

#define PB_COMMAND_ARGS_MAX 16

struct pb_command {
	const char *what;              /* "sync" | "shutdown", for the log */
	char buf[PB_CONFIG_STR_LEN];
	char *argv[PB_COMMAND_ARGS_MAX + 1];
	pid_t pid;                     /* 0 when not running */
	int exit_code;                 /* of the last run; -1 killed by a signal */
};

/* Split line into words on blanks. Returns 0, -1 when empty or too many. */
int pb_command_parse(struct pb_command *c, const char *what, const char *line);
/* Start it unless it is already running. Returns 0/-1 (errno). */
int pb_command_start(struct pb_command *c);
/* Reap finished children, log how each ended. */
void pb_command_reap(struct pb_command *cmds, int n);

#endif

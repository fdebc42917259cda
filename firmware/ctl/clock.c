/* pbctl clock set ISO8601 | suspects | status: the box clock by hand. */
#include "ctl.h"

#include "pb_attendance.h"
#include "pb_clock.h"
#include "pb_timeset.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ISO_MAX 40   /* bytes of a time given on the command line */

/* YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM|-HH:MM]; without a zone, local time.
 * 0 and *ms on success. */
static int parse_iso(const char *s, int64_t *ms)
{
	struct tm tm;
	const char *rest;
	int zone = 0, sign = 1, zh, zm;
	time_t t;

	if (strlen(s) > ISO_MAX)
		return -1;
	memset(&tm, 0, sizeof(tm));
	rest = strptime(s, "%Y-%m-%dT%H:%M", &tm);
	if (rest == NULL)
		rest = strptime(s, "%Y-%m-%d %H:%M", &tm);
	if (rest == NULL || tm.tm_year < 70 || tm.tm_year > 8000)
		return -1;
	if (rest[0] == ':') {
		if (rest[1] < '0' || rest[1] > '5' || rest[2] < '0' || rest[2] > '9')
			return -1;
		tm.tm_sec = (rest[1] - '0') * 10 + (rest[2] - '0');
		rest += 3;
	}
	if (strcmp(rest, "Z") == 0) {
		zone = 1;
		zh = zm = 0;
	} else if ((rest[0] == '+' || rest[0] == '-') &&
		   sscanf(rest + 1, "%2d:%2d", &zh, &zm) == 2 && strlen(rest) == 6 &&
		   zh <= 14 && zm < 60) {
		zone = 1;
		sign = rest[0] == '-' ? -1 : 1;
	} else if (rest[0] != '\0') {
		return -1;
	}
	if (zone) {
		t = timegm(&tm);
		if (t == (time_t)-1)
			return -1;
		t -= sign * (zh * 3600 + zm * 60);
	} else {
		tm.tm_isdst = -1;
		t = mktime(&tm);
		if (t == (time_t)-1)
			return -1;
	}
	*ms = (int64_t)t * 1000;
	return 0;
}

static int clock_set(struct pb_ctl *c, const char *when)
{
	char max[32], why[ISO_MAX + 16];
	time_t mt = (time_t)(pb_clock_max_ms() / 1000);
	struct tm tm;
	int64_t target, now;
	enum pb_timeset_result tr;

	gmtime_r(&mt, &tm);
	strftime(max, sizeof(max), "%Y-%m-%d", &tm);
	if (parse_iso(when, &target) != 0) {
		fprintf(stderr, "pbctl: '%s' is not a time like 2026-12-05T08:00:00+07:00\n", when);
		return 1;
	}
	if (!pb_clock_in_range(target)) {
		fprintf(stderr, "pbctl: %s refused: the box accepts times from 2020-01-01 to %s\n",
			when, max);
		return 1;
	}
	(void)pb_timeset_restore(c->db, c->cfg.clock_adjust);
	now = pb_clock_wall_ms();
	snprintf(why, sizeof(why), "pbctl clock set %s", when);
	tr = pb_timeset_apply(c->db, c->cfg.clock_adjust, target - now, "pbctl", "", why);
	if (tr != PB_TIMESET_OK) {
		fprintf(stderr, "pbctl: clock not set: %s\n", pb_timeset_strerror(tr));
		return 1;
	}
	printf("clock set, moved %" PRId64 " ms (%s)\n", target - now, c->cfg.clock_adjust);
	return 0;
}

static int clock_suspects(struct pb_ctl *c)
{
	json_t *list = pb_att_clock_suspects(c->db), *o;
	size_t i;

	if (list == NULL) {
		fprintf(stderr, "pbctl: cannot read the database\n");
		return 1;
	}
	printf("record\tsession\tnuptk\tname\tday\twhy\tcorrected_day\tstep_ms\n");
	json_array_foreach(list, i, o) {
		printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%lld\n",
		       json_string_value(json_object_get(o, "id")),
		       json_string_value(json_object_get(o, "session")),
		       json_string_value(json_object_get(o, "nuptk")),
		       json_string_value(json_object_get(o, "name")),
		       json_string_value(json_object_get(o, "day")),
		       json_string_value(json_object_get(o, "why")),
		       json_is_string(json_object_get(o, "corrected_day")) ?
		       json_string_value(json_object_get(o, "corrected_day")) : "-",
		       (long long)json_integer_value(json_object_get(o, "step_ms")));
	}
	fprintf(stderr, "%zu record(s) to review\n", json_array_size(list));
	json_decref(list);
	return 0;
}

int cmd_clock(struct pb_ctl *c, int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "set") == 0)
		return clock_set(c, argv[2]);
	if (argc == 2 && strcmp(argv[1], "suspects") == 0)
		return clock_suspects(c);
	fprintf(stderr, "usage: pbctl clock set ISO8601 | suspects\n");
	return 2;
}

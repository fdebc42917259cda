/* The GPIO lines through libgpiod v1: three outputs and one input that
 * reports both edges. Active-low wiring is left to the kernel (request
 * flags), so "1" always means lit / pressed here. */
#include "gpio.h"

#include "pb_log.h"

#include <errno.h>
#include <gpiod.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PB_GPIO_CONSUMER "pb-gpio"

struct pb_lines {
	struct gpiod_chip *chip;
	struct gpiod_line *led[PB_LED__COUNT];
	struct gpiod_line *button;
	int lit[PB_LED__COUNT];
};

static int bias_flag(const char *bias)
{
	if (strcmp(bias, "pull-up") == 0)
		return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;
	if (strcmp(bias, "pull-down") == 0)
		return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;
	if (strcmp(bias, "disable") == 0)
		return GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE;
	return 0;                                /* as-is */
}

int pb_lines_chip_present(const struct pb_config *cfg)
{
	struct gpiod_chip *chip = gpiod_chip_open_lookup(cfg->gpio_chip);

	if (chip == NULL)
		return -1;
	gpiod_chip_close(chip);
	return 0;
}

struct pb_lines *pb_lines_open(const struct pb_config *cfg)
{
	const unsigned offsets[PB_LED__COUNT] = { cfg->gpio_ready_line, cfg->gpio_wifi_line,
						  cfg->gpio_sync_line };
	int led_flags = cfg->gpio_led_active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
	int btn_flags = bias_flag(cfg->gpio_button_bias) |
		(cfg->gpio_button_active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0);
	struct pb_lines *l = calloc(1, sizeof(*l));

	if (l == NULL) {
		pb_err("out of memory");
		return NULL;
	}
	l->chip = gpiod_chip_open_lookup(cfg->gpio_chip);
	if (l->chip == NULL) {
		pb_err("cannot open GPIO chip '%s': %s", cfg->gpio_chip, strerror(errno));
		goto fail;
	}
	for (int i = 0; i < PB_LED__COUNT; i++) {
		l->led[i] = gpiod_chip_get_line(l->chip, offsets[i]);
		if (l->led[i] == NULL) {
			pb_err("%s LED: no line %u on %s: %s", pb_led_name((enum pb_led)i),
			       offsets[i], cfg->gpio_chip, strerror(errno));
			goto fail;
		}
		if (gpiod_line_request_output_flags(l->led[i], PB_GPIO_CONSUMER, led_flags,
						    0) != 0) {
			pb_err("%s LED: cannot claim line %u: %s", pb_led_name((enum pb_led)i),
			       offsets[i], strerror(errno));
			l->led[i] = NULL;
			goto fail;
		}
	}
	l->button = gpiod_chip_get_line(l->chip, cfg->gpio_button_line);
	if (l->button == NULL) {
		pb_err("button: no line %u on %s: %s", cfg->gpio_button_line,
		       cfg->gpio_chip, strerror(errno));
		goto fail;
	}
	if (gpiod_line_request_both_edges_events_flags(l->button, PB_GPIO_CONSUMER,
						       btn_flags) != 0) {
		pb_err("button: cannot claim line %u: %s", cfg->gpio_button_line,
		       strerror(errno));
		l->button = NULL;
		goto fail;
	}
	return l;
fail:
	pb_lines_close(l);
	return NULL;
}

int pb_lines_set(struct pb_lines *l, enum pb_led led, int lit)
{
	lit = lit ? 1 : 0;
	if (l->lit[led] == lit)
		return 0;
	if (gpiod_line_set_value(l->led[led], lit) != 0)
		return -1;
	l->lit[led] = lit;
	return 0;
}

int pb_lines_button_fd(const struct pb_lines *l)
{
	return gpiod_line_event_get_fd(l->button);
}

int pb_lines_button_level(struct pb_lines *l)
{
	return gpiod_line_get_value(l->button);
}

int64_t pb_gpio_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int pb_lines_button_read(struct pb_lines *l, int64_t *at_ms)
{
	struct gpiod_line_event ev;
	int64_t now = pb_gpio_now_ms(), at;

	if (gpiod_line_event_read(l->button, &ev) != 0)
		return -1;
	at = (int64_t)ev.ts.tv_sec * 1000 + ev.ts.tv_nsec / 1000000;
	*at_ms = (at > now || at < now - PB_GPIO_EDGE_AGE_MAX_MS) ? now : at;
	return ev.event_type == GPIOD_LINE_EVENT_RISING_EDGE ? 1 : 0;
}

int pb_lines_button_pending(const struct pb_lines *l)
{
	struct pollfd p = { gpiod_line_event_get_fd(l->button), POLLIN, 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

void pb_lines_close(struct pb_lines *l)
{
	if (l == NULL)
		return;
	for (int i = 0; i < PB_LED__COUNT; i++) {
		if (l->led[i] == NULL)
			continue;
		if (gpiod_line_set_value(l->led[i], 0) != 0)
			pb_warn("%s LED: cannot switch off: %s", pb_led_name((enum pb_led)i),
				strerror(errno));
		gpiod_line_release(l->led[i]);
	}
	if (l->button != NULL)
		gpiod_line_release(l->button);
	if (l->chip != NULL)
		gpiod_chip_close(l->chip);
	free(l);
}

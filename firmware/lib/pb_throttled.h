/* pb_throttled: the Raspberry Pi firmware's under-voltage and throttling
 * flags (get_throttled), read by pb-gpio for its light and by pb-sync for
 * box.health. */
#ifndef PB_THROTTLED_H
#define PB_THROTTLED_H

#define PB_THROTTLED_UNDERVOLT_NOW   0x1UL
#define PB_THROTTLED_UNDERVOLT_SEEN  0x10000UL
#define PB_THROTTLED_TEXT_MAX        64

/* Parse "0x50005", "50005" or "throttled=0x50005". Returns 0/-1. */
int pb_throttled_parse(const char *text, unsigned long *out);

/* Read and parse the flags file at path. 0, or -1 when it is missing or odd. */
int pb_throttled_read(const char *path, unsigned long *out);

#endif

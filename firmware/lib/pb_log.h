/* pb_log: log lines to stderr with syslog priority prefixes ("<3>…"),
 * which journald turns into priorities. */
#ifndef PB_LOG_H
#define PB_LOG_H

#include <syslog.h>

void pb_log_init(const char *progname);
void pb_log_set_level(int max_prio);
void pb_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pb_err(...)    pb_log(LOG_ERR, __VA_ARGS__)
#define pb_warn(...)   pb_log(LOG_WARNING, __VA_ARGS__)
#define pb_notice(...) pb_log(LOG_NOTICE, __VA_ARGS__)
#define pb_info(...)   pb_log(LOG_INFO, __VA_ARGS__)
#define pb_debug(...)  pb_log(LOG_DEBUG, __VA_ARGS__)

#endif

#include "pb_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* One line is formatted into a fixed buffer and written with one call, so
 * lines from different threads never interleave. */
#define PB_LOG_LINE_MAX 1024

static const char *log_prog = "pb";
static int log_max = LOG_INFO;

void pb_log_init(const char *progname)
{
	if (progname != NULL)
		log_prog = progname;
}

void pb_log_set_level(int max_prio)
{
	log_max = max_prio;
}

void pb_log(int prio, const char *fmt, ...)
{
	char line[PB_LOG_LINE_MAX];
	int n;
	va_list ap;

	if (prio > log_max)
		return;
	n = snprintf(line, sizeof(line), "<%d>%s: ", prio, log_prog);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	n = (int)strlen(line);
	/* Strip newlines so one call is one journal entry. */
	for (int i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	if ((size_t)n + 1 < sizeof(line)) {
		line[n++] = '\n';
		line[n] = '\0';
	} else {
		line[sizeof(line) - 2] = '\n';
		n = (int)sizeof(line) - 1;
	}
	fwrite(line, 1, (size_t)n, stderr);
	fflush(stderr);
}

/* log.c - logging to a file. Each line is written with one write(2) on an
 * O_APPEND descriptor so concurrent processes do not interleave lines. */
#include "base/log.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/str.h"
#include "base/time.h"

static int log_fd = -1;
static enum tn_log_level log_min = TN_LOG_INFO;

static const char *const level_names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

int tn_log_open(const char *path, enum tn_log_level min)
{
	tn_log_close();
	if (path == NULL)
		return 0;
	log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	log_min = min;
	return log_fd < 0 ? -1 : 0;
}

int tn_log_open_env(void)
{
	const char *path = getenv("TARN_LOG");
	const char *lvl = getenv("TARN_LOG_LEVEL");
	enum tn_log_level min = TN_LOG_INFO;

	if (path == NULL || *path == '\0')
		return 0;
	if (lvl != NULL) {
		for (int i = 0; i < 4; i++)
			if (tn_str_ieq(lvl, level_names[i]))
				min = (enum tn_log_level)i;
	}
	return tn_log_open(path, min);
}

void tn_log_close(void)
{
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
}

void tn_log(enum tn_log_level level, const char *fmt, ...)
{
	char line[2048], ts[TN_TIME_BUFSZ];
	va_list ap;
	int n, m;

	if (log_fd < 0 || level < log_min)
		return;
	n = snprintf(line, sizeof(line), "%s %ld %s ",
		     tn_time_format(tn_time_now_us(), true, ts), (long)getpid(),
		     level_names[level]);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	/* A failed log write has nowhere to be reported; drop it. */
	if (write(log_fd, line, (size_t)n) < 0)
		return;
}

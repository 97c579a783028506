/* log.h - logging to a file named by $TARN_LOG; never to the terminal. */
#ifndef TN_LOG_H
#define TN_LOG_H

enum tn_log_level { TN_LOG_DEBUG, TN_LOG_INFO, TN_LOG_WARN, TN_LOG_ERROR };

/* Open the log named by $TARN_LOG (appending). Without $TARN_LOG logging is
 * off. $TARN_LOG_LEVEL (debug, info, warn, error) sets the lowest level
 * written; info by default. Returns 0, or -1 if the file cannot be opened
 * (logging stays off; the caller may tell the user). */
int tn_log_open_env(void);
/* Open a given path (NULL closes). */
int tn_log_open(const char *path, enum tn_log_level min);
void tn_log_close(void);
/* Write one line: "2026-11-21T14:00:00.000000Z pid LEVEL message". */
void tn_log(enum tn_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define tn_debug(...) tn_log(TN_LOG_DEBUG, __VA_ARGS__)
#define tn_info(...) tn_log(TN_LOG_INFO, __VA_ARGS__)
#define tn_warn(...) tn_log(TN_LOG_WARN, __VA_ARGS__)
#define tn_error(...) tn_log(TN_LOG_ERROR, __VA_ARGS__)

#endif

/* shareview.h - what the Shares pane computes without a screen or an
 * engine: token status words, the rows a shared table serves, the profile
 * a statement's message names. */
#ifndef TARN_TUI_SHAREVIEW_H
#define TARN_TUI_SHAREVIEW_H

#include <stddef.h>
#include <stdint.h>

/* A span of ms (>= 0) in its two largest units: "29d 23h", "4h 05m",
 * "12m 30s", "45s". */
const char *sv_span_text(int64_t ms, char *buf, size_t n);

/* A token's state at now (ms since the epoch) for an expiry time (ms, 0:
 * none): "no expiry", "expires in 29d 23h", "expired 2h 10m ago". */
const char *sv_expiry_text(int64_t expire_ms, int64_t now_ms, char *buf, size_t n);

/* When something last happened (ms, 0: never): "never", "5m 02s ago". */
const char *sv_ago_text(int64_t at_ms, int64_t now_ms, char *buf, size_t n);

/* An ISO-8601 time as ms since the epoch; 0 for NULL, "" or bad text. */
int64_t sv_time_ms(const char *iso);

/* DESCRIBE SHARE's partitions ("region = 'eu', day = '1'") as a WHERE
 * condition ("region = 'eu' AND day = '1'"): the commas between pairs
 * become AND, commas inside quoted values stay. NULL or "" gives NULL.
 * Caller frees. */
char *sv_where(const char *partitions);

/* The SELECT that shows what a shared table serves: the table's rows
 * within its partition filter (NULL: all), at most limit. Caller frees. */
char *sv_preview_sql(const char *table, const char *partitions, int limit);

/* The credential file a CREATE RECIPIENT or ROTATE TOKEN message names
 * ("...; its credential file is PATH (mode 0600; ..."). NULL when the
 * message names none. Caller frees. */
char *sv_profile_path(const char *message);

#endif

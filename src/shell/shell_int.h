/* shell_int.h - shared inside shell/ only: the history file. */
#ifndef TARN_SHELL_INT_H
#define TARN_SHELL_INT_H

#include <stddef.h>

#include "base/err.h"

/* The history file holds one entry a line, oldest first; a backslash and
 * a newline in an entry are written as \\ and \n, so a multi-line
 * statement stays one entry. */

/* The newest max entries of path (*out: caller frees each and the array;
 * none when the file is absent). A file of more than max entries is
 * rewritten with the newest max. */
int shell_hist_load(const char *path, size_t max, char ***out, size_t *n, struct tn_err *err);
/* Append one entry (one write(2), so that two shells on one lakehouse
 * do not mix their lines). */
int shell_hist_append(const char *path, const char *entry, struct tn_err *err);

#endif

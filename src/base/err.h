/* err.h - error values: a code, the errno behind it, and a message naming what failed. */
#ifndef TN_ERR_H
#define TN_ERR_H

#include <stdarg.h>

/* Status codes. Fallible functions return one of these (TN_OK is 0). */
enum tn_code {
	TN_OK = 0,
	TN_EINVAL,      /* bad argument or bad input from the user */
	TN_EIO,         /* an operating-system call failed (see sys_errno) */
	TN_ENOENT,      /* a file, table or object does not exist */
	TN_EEXIST,      /* it exists already (create-if-absent lost the race) */
	TN_ECORRUPT,    /* input is malformed: a file, log entry or message */
	TN_EUNSUPPORTED,/* valid input that uses a feature tarn does not have */
	TN_ETOOBIG,     /* a size or count is over a cap */
	TN_ECONFLICT,   /* a concurrent writer got there first */
	TN_ECANCELED,   /* the user cancelled the work */
	TN_EINTERNAL,   /* a bug in tarn */
	TN_EPERM,       /* the user lacks a privilege (names which, on what) */
	TN_CODE_COUNT
};

#define TN_ERR_MSG_MAX 512

/* An error value filled by fallible functions. Embed it or keep it on the
 * stack; it owns no memory. */
struct tn_err {
	int code;       /* enum tn_code */
	int sys_errno;  /* errno of the failing call, 0 when none */
	char msg[TN_ERR_MSG_MAX];
};

/* Short lower-case name of a code ("corrupt", "unsupported", ...). */
const char *tn_code_name(int code);

/* Reset to TN_OK with an empty message. err may be NULL. */
void tn_err_clear(struct tn_err *err);

/* Fill err (which may be NULL) with code and a formatted message.
 * Returns code so that callers can write `return tn_err_set(err, ...)`. */
int tn_err_set(struct tn_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int tn_err_vset(struct tn_err *err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Like tn_err_set for a failed system call: records errnum and appends
 * ": strerror(errnum)" to the message. The code is TN_ENOENT for ENOENT,
 * TN_EEXIST for EEXIST, TN_EIO otherwise. Returns that code. */
int tn_err_sys(struct tn_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Put context in front of an existing message: "ctx: old message".
 * Leaves the code alone. Does nothing when err is NULL or clear. */
void tn_err_prefix(struct tn_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif

/* err.c - error values. */
#include "base/err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const code_names[TN_CODE_COUNT] = {
	[TN_OK] = "ok",
	[TN_EINVAL] = "invalid",
	[TN_EIO] = "i/o error",
	[TN_ENOENT] = "not found",
	[TN_EEXIST] = "exists",
	[TN_ECORRUPT] = "corrupt",
	[TN_EUNSUPPORTED] = "unsupported",
	[TN_ETOOBIG] = "too big",
	[TN_ECONFLICT] = "conflict",
	[TN_ECANCELED] = "cancelled",
	[TN_EINTERNAL] = "internal error",
	[TN_EPERM] = "permission denied",
};

const char *tn_code_name(int code)
{
	if (code < 0 || code >= TN_CODE_COUNT)
		return "unknown error";
	return code_names[code];
}

void tn_err_clear(struct tn_err *err)
{
	if (err == NULL)
		return;
	err->code = TN_OK;
	err->sys_errno = 0;
	err->msg[0] = '\0';
}

int tn_err_vset(struct tn_err *err, int code, const char *fmt, va_list ap)
{
	if (err == NULL)
		return code;
	err->code = code;
	err->sys_errno = 0;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return code;
}

int tn_err_set(struct tn_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tn_err_vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int tn_err_sys(struct tn_err *err, int errnum, const char *fmt, ...)
{
	int code = errnum == ENOENT ? TN_ENOENT : errnum == EEXIST ? TN_EEXIST : TN_EIO;
	va_list ap;
	size_t n;

	if (err == NULL)
		return code;
	va_start(ap, fmt);
	tn_err_vset(err, code, fmt, ap);
	va_end(ap);
	err->sys_errno = errnum;
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(errnum));
	return code;
}

void tn_err_prefix(struct tn_err *err, const char *fmt, ...)
{
	char old[TN_ERR_MSG_MAX];
	va_list ap;
	size_t n;

	if (err == NULL || err->code == TN_OK)
		return;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", old);
}

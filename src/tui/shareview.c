/* shareview.c - the Shares pane's words and statements, without a screen
 * or an engine (shareview.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/time.h"
#include "tui/shareview.h"
#include "tui/tui_int.h"

const char *sv_span_text(int64_t ms, char *buf, size_t n)
{
	int64_t s = ms < 0 ? 0 : ms / 1000;

	if (s >= 86400)
		snprintf(buf, n, "%lldd %lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(buf, n, "%lldh %02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(buf, n, "%lldm %02llds", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(buf, n, "%llds", (long long)s);
	return buf;
}

const char *sv_expiry_text(int64_t expire_ms, int64_t now_ms, char *buf, size_t n)
{
	char span[32];

	if (expire_ms <= 0)
		snprintf(buf, n, "no expiry");
	else if (expire_ms > now_ms)
		snprintf(buf, n, "expires in %s", sv_span_text(expire_ms - now_ms, span, sizeof(span)));
	else
		snprintf(buf, n, "expired %s ago", sv_span_text(now_ms - expire_ms, span, sizeof(span)));
	return buf;
}

const char *sv_ago_text(int64_t at_ms, int64_t now_ms, char *buf, size_t n)
{
	char span[32];

	if (at_ms <= 0)
		snprintf(buf, n, "never");
	else
		snprintf(buf, n, "%s ago", sv_span_text(now_ms - at_ms, span, sizeof(span)));
	return buf;
}

int64_t sv_time_ms(const char *iso)
{
	int64_t us;

	if (iso == NULL || *iso == '\0' || tn_time_parse(iso, &us, NULL) != TN_OK)
		return 0;
	return us / 1000;
}

/* A quoted literal at s ('...' with '' for a quote): its length, 0 when s
 * does not start one or it does not end. */
static size_t literal_len(const char *s)
{
	size_t i = 1;

	if (*s != '\'')
		return 0;
	for (;;) {
		if (s[i] == '\0')
			return 0;
		if (s[i] == '\'' && s[i + 1] == '\'')
			i += 2;
		else if (s[i] == '\'')
			return i + 1;
		else
			i++;
	}
}

char *sv_where(const char *parts)
{
	struct tn_buf b;
	const char *p = parts;

	if (parts == NULL || *parts == '\0')
		return NULL;
	tn_buf_init(&b, 0);
	while (*p != '\0') {
		const char *eq = strstr(p, " = ");
		size_t lit;
		char *col, *q;

		if (eq == NULL)
			break;
		col = tn_strndup(p, (size_t)(eq - p));
		q = tui_quote_ident(col);
		p = eq + 3;
		lit = literal_len(p);
		if (lit == 0)
			lit = strcspn(p, ","); /* a number, as written */
		tn_buf_printf(&b, NULL, "%s%s = %.*s", b.len ? " AND " : "", q, (int)lit, p);
		free(q);
		free(col);
		p += lit;
		if (strncmp(p, ", ", 2) == 0)
			p += 2;
		else
			break;
	}
	tn_buf_putc(&b, '\0', NULL);
	return tn_buf_detach(&b, NULL);
}

char *sv_preview_sql(const char *table, const char *parts, int limit)
{
	char *where = sv_where(parts), *dot1 = strchr(table, '.');
	char *dot2 = dot1 != NULL ? strchr(dot1 + 1, '.') : NULL, *name, *sql;

	if (dot2 != NULL) {
		char *c = tn_strndup(table, (size_t)(dot1 - table));
		char *s = tn_strndup(dot1 + 1, (size_t)(dot2 - dot1 - 1));

		name = tui_quote_name3(c, s, dot2 + 1);
		free(c);
		free(s);
	} else {
		name = tn_strdup(table);
	}
	sql = tn_asprintf("SELECT * FROM %s%s%s LIMIT %d", name, where ? " WHERE " : "",
			  where ? where : "", limit);
	free(name);
	free(where);
	return sql;
}

char *sv_profile_path(const char *message)
{
	static const char lead[] = "its credential file is ";
	const char *p = message != NULL ? strstr(message, lead) : NULL, *end;

	if (p == NULL)
		return NULL;
	p += sizeof(lead) - 1;
	end = strstr(p, " (mode 0600");
	if (end == NULL || end == p)
		return NULL;
	return tn_strndup(p, (size_t)(end - p));
}

/* pane_util.c - what the Catalog and History panes share: jobs that may
 * outlive their pane, small result sets as text, and text panels. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "tui/tui_int.h"

/* ---- jobs ---- */

static void pjob_run(struct tui_job *tj, struct tarn_engine *e)
{
	struct tui_pjob *j = (struct tui_pjob *)tj;

	j->work(j, e);
}

static void pjob_done(struct tui_job *tj)
{
	struct tui_pjob *j = (struct tui_pjob *)tj;
	struct tui_pjobs *s = j->set;

	if (s != NULL) {
		for (struct tui_pjob **pp = &s->live; *pp != NULL; pp = &(*pp)->next_live)
			if (*pp == j) {
				*pp = j->next_live;
				break;
			}
		s->n--;
		if (j->finish != NULL)
			j->finish(j);
	}
	j->destroy(j);
}

void tui_pjob_submit(struct tui_pjobs *s, struct tui_worker *w, struct tui_pjob *j)
{
	j->job.run = pjob_run;
	j->job.done = pjob_done;
	j->set = s;
	j->next_live = s->live;
	s->live = j;
	s->n++;
	worker_submit(w, &j->job);
}

void tui_pjobs_orphan(struct tui_pjobs *s)
{
	for (struct tui_pjob *j = s->live; j != NULL; j = j->next_live)
		j->set = NULL;
	s->live = NULL;
	s->n = 0;
}

/* ---- lists ---- */

void tui_list_scroll(size_t cur, size_t *top, int h)
{
	if (h < 1)
		h = 1;
	if (cur < *top)
		*top = cur;
	if (cur >= *top + (size_t)h)
		*top = cur - (size_t)h + 1;
}

void tui_list_cursor(struct tui_grid *g, int x, int y, int w, bool here)
{
	if (here)
		grid_restyle(g, x, y, w, ST_CURSOR_LINE);
	else
		grid_puts(g, x, y, 1, ST_MATCH, g->ascii ? ">" : "▸");
}

void tui_free_secret(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

size_t tui_cursor_move(size_t cur, size_t n, long delta)
{
	if (n == 0)
		return 0;
	if (delta < 0 && (size_t)-delta > cur)
		return 0;
	if (delta > 0 && cur + (size_t)delta >= n)
		return n - 1;
	return (size_t)((long)cur + delta);
}

int tui_rows_col(const struct tui_rows *r, const char *name)
{
	for (size_t c = 0; c < r->ncols; c++)
		if (strcmp(r->names[c], name) == 0)
			return (int)c;
	return -1;
}

/* ---- text ---- */

const char *tui_size_text(int64_t bytes, char *buf, size_t n)
{
	static const char *const units[] = {"B", "KB", "MB", "GB", "TB"};
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 0) {
		snprintf(buf, n, "?");
		return buf;
	}
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(*units)) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%" PRId64 " B", bytes);
	else
		snprintf(buf, n, "%.1f %s", v, units[u]);
	return buf;
}

/* A cell as it shows in a text table: NULL, and one line. */
static void put_cell(struct tn_buf *b, const char *s, int width, bool last)
{
	int w = 0;

	if (s == NULL)
		s = "NULL";
	for (const char *p = s; *p != '\0';) {
		uint32_t cp;
		size_t k = tui_utf8_decode(p, strlen(p), &cp);
		int cw = tui_cp_width(cp);

		if (w + cw > width)
			break;
		if (cp < 0x20)
			tn_buf_putc(b, ' ', NULL);
		else
			tn_buf_append(b, p, k, NULL);
		w += cw;
		p += k;
	}
	if (!last)
		for (; w < width; w++)
			tn_buf_putc(b, ' ', NULL);
}

void tui_rows_text(struct tn_buf *b, const struct tui_rows *r, const char *indent, int maxcol)
{
	int *w = tn_calloc(r->ncols + 1, sizeof(int));

	for (size_t c = 0; c < r->ncols; c++) {
		w[c] = tui_text_width(r->names[c], strlen(r->names[c]));
		for (size_t i = 0; i < r->nrows; i++) {
			const char *s = tui_rows_get(r, i, c);
			int cw = s != NULL ? tui_text_width(s, strlen(s)) : 4;

			if (cw > w[c])
				w[c] = cw;
		}
		if (w[c] > maxcol)
			w[c] = maxcol;
	}
	for (size_t i = 0; i <= r->nrows; i++) {
		tn_buf_puts(b, indent, NULL);
		for (size_t c = 0; c < r->ncols; c++) {
			const char *s = i == 0 ? r->names[c] : tui_rows_get(r, i - 1, c);

			if (c > 0)
				tn_buf_puts(b, " | ", NULL);
			put_cell(b, s, w[c], c + 1 == r->ncols);
		}
		tn_buf_putc(b, '\n', NULL);
	}
	free(w);
}

/* How a line of a text panel looks: headers (an unindented line ending in
 * ':') and added (+) or removed (-) items stand out. */
static enum tui_style line_style(const char *s, size_t n)
{
	size_t i = 0;

	if (n > 0 && s[0] != ' ' && s[n - 1] == ':')
		return ST_HEADER;
	while (i < n && s[i] == ' ')
		i++;
	if (i > 0 && i + 1 < n && s[i + 1] == ' ') {
		if (s[i] == '+')
			return ST_OK;
		if (s[i] == '-')
			return ST_WARN;
	}
	return ST_DEFAULT;
}

int tui_text_draw(struct tui_grid *g, struct tui_rect r, const char *text, int skip)
{
	const char *p = text;
	int line = 0, y = r.y;

	while (p != NULL && *p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);

		if (line >= skip && y < r.y + r.h) {
			grid_putn(g, r.x, y, r.w, line_style(p, n), p, n);
			y++;
		}
		line++;
		p = nl != NULL ? nl + 1 : NULL;
	}
	return line;
}

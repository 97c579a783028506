/* grid.c - the off-screen cell grid panes draw into (tui_int.h). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "base/alloc.h"
#include "tui/tui_int.h"

void grid_init(struct tui_grid *g, int w, int h, bool ascii)
{
	memset(g, 0, sizeof(*g));
	g->ascii = ascii;
	grid_resize(g, w, h);
}

void grid_resize(struct tui_grid *g, int w, int h)
{
	if (w < 1)
		w = 1;
	if (h < 1)
		h = 1;
	free(g->cells);
	g->w = w;
	g->h = h;
	g->cells = tn_calloc((size_t)w * (size_t)h, sizeof(*g->cells));
	grid_fill(g, (struct tui_rect){0, 0, w, h}, ST_DEFAULT);
}

void grid_free(struct tui_grid *g)
{
	free(g->cells);
	g->cells = NULL;
	g->w = g->h = 0;
}

static struct tui_cell *cell_at(struct tui_grid *g, int x, int y)
{
	if (x < 0 || y < 0 || x >= g->w || y >= g->h)
		return NULL;
	return &g->cells[(size_t)y * (size_t)g->w + (size_t)x];
}

void grid_fill(struct tui_grid *g, struct tui_rect r, enum tui_style st)
{
	for (int y = r.y; y < r.y + r.h; y++)
		for (int x = r.x; x < r.x + r.w; x++) {
			struct tui_cell *c = cell_at(g, x, y);

			if (c != NULL)
				*c = (struct tui_cell){' ', (uint8_t)st, 0};
		}
}

size_t tui_utf8_decode(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c;
	size_t len;

	if (n == 0) {
		*cp = 0xfffd;
		return 1;
	}
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		c = s[0] & 0x1f;
		len = 2;
	} else if ((s[0] & 0xf0) == 0xe0) {
		c = s[0] & 0x0f;
		len = 3;
	} else if ((s[0] & 0xf8) == 0xf0) {
		c = s[0] & 0x07;
		len = 4;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	if (len > n) {
		*cp = 0xfffd;
		return 1;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
		*cp = 0xfffd;
		return 1;
	}
	*cp = c;
	return len;
}

int tui_cp_width(uint32_t cp)
{
	int w;

	if (cp < 0x20 || cp == 0x7f)
		return 1; /* shown as '?' */
	if (cp < 0x7f)
		return 1;
	w = wcwidth((wchar_t)cp);
	if (w < 0)
		return 1;
	return w > 2 ? 2 : w;
}

int tui_text_width(const char *s, size_t n)
{
	int w = 0;
	uint32_t cp;

	for (size_t i = 0; i < n;) {
		i += tui_utf8_decode(s + i, n - i, &cp);
		w += tui_cp_width(cp);
	}
	return w;
}

size_t tui_text_fit(const char *s, size_t n, int cols)
{
	int w = 0;
	size_t i = 0;
	uint32_t cp;

	while (i < n) {
		size_t len = tui_utf8_decode(s + i, n - i, &cp);
		int cw = tui_cp_width(cp);

		if (w + cw > cols)
			break;
		w += cw;
		i += len;
	}
	return i;
}

void grid_putch(struct tui_grid *g, int x, int y, uint32_t ch, enum tui_style st)
{
	struct tui_cell *c = cell_at(g, x, y);

	if (c != NULL)
		*c = (struct tui_cell){ch, (uint8_t)st, 0};
}

int grid_putn(struct tui_grid *g, int x, int y, int maxw, enum tui_style st, const char *s,
	      size_t n)
{
	int used = 0;
	uint32_t cp;

	if (y < 0 || y >= g->h)
		return 0;
	if (maxw > g->w - x)
		maxw = g->w - x;
	for (size_t i = 0; i < n && used < maxw;) {
		int cw;

		i += tui_utf8_decode(s + i, n - i, &cp);
		if (cp < 0x20 || cp == 0x7f)
			cp = '?';
		else if (g->ascii && cp > 0x7e)
			cp = '?';
		cw = tui_cp_width(cp);
		if (cw == 0)
			continue; /* combining marks: dropped rather than misplaced */
		if (used + cw > maxw) {
			/* a wide character that does not fit: pad */
			grid_putch(g, x + used, y, ' ', st);
			used++;
			break;
		}
		grid_putch(g, x + used, y, cp, st);
		if (cw == 2)
			grid_putch(g, x + used + 1, y, 0, st);
		used += cw;
	}
	return used;
}

int grid_puts(struct tui_grid *g, int x, int y, int maxw, enum tui_style st, const char *s)
{
	return grid_putn(g, x, y, maxw, st, s, strlen(s));
}

int grid_printf(struct tui_grid *g, int x, int y, int maxw, enum tui_style st, const char *fmt,
		...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return grid_puts(g, x, y, maxw, st, buf);
}

void grid_restyle(struct tui_grid *g, int x, int y, int w, enum tui_style st)
{
	for (int i = 0; i < w; i++) {
		struct tui_cell *c = cell_at(g, x + i, y);

		if (c != NULL)
			c->style = (uint8_t)st;
	}
}

void grid_secret(struct tui_grid *g, int x, int y, int w)
{
	for (int i = 0; i < w; i++) {
		struct tui_cell *c = cell_at(g, x + i, y);

		if (c != NULL)
			c->secret = 1;
	}
}

void grid_hline(struct tui_grid *g, int x, int y, int w, enum tui_style st)
{
	for (int i = 0; i < w; i++)
		grid_putch(g, x + i, y, g->ascii ? '-' : 0x2500, st);
}

void grid_vline(struct tui_grid *g, int x, int y, int h, enum tui_style st)
{
	for (int i = 0; i < h; i++)
		grid_putch(g, x, y + i, g->ascii ? '|' : 0x2502, st);
}

void grid_box(struct tui_grid *g, struct tui_rect r, enum tui_style border, const char *title,
	      enum tui_style title_style)
{
	int x1 = r.x + r.w - 1, y1 = r.y + r.h - 1;

	if (r.w < 2 || r.h < 2)
		return;
	grid_hline(g, r.x + 1, r.y, r.w - 2, border);
	grid_hline(g, r.x + 1, y1, r.w - 2, border);
	grid_vline(g, r.x, r.y + 1, r.h - 2, border);
	grid_vline(g, x1, r.y + 1, r.h - 2, border);
	grid_putch(g, r.x, r.y, g->ascii ? '+' : 0x250c, border);
	grid_putch(g, x1, r.y, g->ascii ? '+' : 0x2510, border);
	grid_putch(g, r.x, y1, g->ascii ? '+' : 0x2514, border);
	grid_putch(g, x1, y1, g->ascii ? '+' : 0x2518, border);
	if (title != NULL && *title != '\0' && r.w > 6) {
		int used = grid_putn(g, r.x + 2, r.y, r.w - 5, title_style, " ", 1);

		used += grid_puts(g, r.x + 2 + used, r.y, r.w - 5 - used, title_style, title);
		grid_putn(g, r.x + 2 + used, r.y, r.w - 4 - used, title_style, " ", 1);
	}
}

static void put_utf8(FILE *out, uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	fwrite(b, 1, n, out);
}

int grid_dump(const struct tui_grid *g, FILE *out)
{
	for (int y = 0; y < g->h; y++) {
		const struct tui_cell *row = &g->cells[(size_t)y * (size_t)g->w];
		int end = g->w;

		while (end > 0 && (row[end - 1].ch == ' ' || row[end - 1].ch == 0) &&
		       !row[end - 1].secret)
			end--;
		for (int x = 0; x < end; x++) {
			if (row[x].ch == 0)
				continue; /* right half of a wide character */
			put_utf8(out, row[x].secret ? '*' : row[x].ch);
		}
		fputc('\n', out);
	}
	return ferror(out) ? -1 : 0;
}

/* record.c - sessions as asciicast v2: the recorder (frames, action
 * markers, resizes, input) and the reader replay uses. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/time.h"
#include "tui/tui_int.h"

struct tui_recorder {
	FILE *f;
	int64_t t0;
	bool with_input;
	struct tui_cell *prev; /* the last frame written, NULL: none */
	int pw, ph;
};

/* Recordings hold screens and markers, not data dumps: a cap on what
 * replay_load reads keeps a bad file from eating memory. */
#define REPLAY_MAX_BYTES (256u << 20)

static double elapsed(const struct tui_recorder *r)
{
	return (double)(tn_time_mono_us() - r->t0) / 1e6;
}

/* One event line: [t, "code", "data"]. */
static void event(struct tui_recorder *r, const char *code, const char *data, size_t n)
{
	cJSON *s;
	char *json, *copy = tn_strndup(data, n);

	s = cJSON_CreateString(copy);
	json = s != NULL ? cJSON_PrintUnformatted(s) : NULL;
	if (json == NULL)
		tn_fatal("out of memory writing a recording");
	fprintf(r->f, "[%.6f, \"%s\", %s]\n", elapsed(r), code, json);
	fflush(r->f);
	cJSON_free(json);
	cJSON_Delete(s);
	free(copy);
}

int rec_open(const char *path, int w, int h, bool with_input, struct tui_recorder **out,
	     struct tn_err *err)
{
	struct tui_recorder *r;
	cJSON *hdr = cJSON_CreateObject(), *env;
	const char *term = getenv("TERM");
	char *json;
	FILE *f;

	*out = NULL;
	f = fopen(path, "w");
	if (f == NULL) {
		cJSON_Delete(hdr);
		return tn_err_sys(err, errno, "cannot write the recording %s", path);
	}
	if (hdr == NULL)
		tn_fatal("out of memory");
	cJSON_AddNumberToObject(hdr, "version", 2);
	cJSON_AddNumberToObject(hdr, "width", w);
	cJSON_AddNumberToObject(hdr, "height", h);
	cJSON_AddNumberToObject(hdr, "timestamp", (double)time(NULL));
	env = cJSON_AddObjectToObject(hdr, "env");
	cJSON_AddStringToObject(env, "TERM", term != NULL && *term ? term : "xterm-256color");
	json = cJSON_PrintUnformatted(hdr);
	if (json == NULL)
		tn_fatal("out of memory");
	fprintf(f, "%s\n", json);
	cJSON_free(json);
	cJSON_Delete(hdr);
	r = tn_calloc(1, sizeof(*r));
	r->f = f;
	r->t0 = tn_time_mono_us();
	r->with_input = with_input;
	*out = r;
	return TN_OK;
}

void rec_close(struct tui_recorder *r)
{
	if (r == NULL)
		return;
	fclose(r->f);
	free(r->prev);
	free(r);
}

void rec_action(struct tui_recorder *r, const struct tui_action *a, const char *arg)
{
	char *s;

	if (r == NULL)
		return;
	if (arg != NULL && !a->secret_arg)
		s = tn_asprintf("%s\t%s", a->name, arg);
	else
		s = tn_strdup(a->name);
	event(r, "m", s, strlen(s));
	free(s);
}

void rec_resize(struct tui_recorder *r, int w, int h)
{
	char s[32];

	if (r == NULL)
		return;
	snprintf(s, sizeof(s), "%dx%d", w, h);
	event(r, "r", s, strlen(s));
	free(r->prev);
	r->prev = NULL; /* the next frame is written whole */
}

void rec_input(struct tui_recorder *r, int key)
{
	char b[16];
	size_t n;

	if (r == NULL || !r->with_input)
		return;
	n = key_encode(key, b, sizeof(b));
	if (n > 0)
		event(r, "i", b, n);
}

static void put_cp(struct tn_buf *b, uint32_t cp)
{
	char s[4];

	tn_buf_append(b, s, tui_utf8_encode(cp, s), NULL);
}

static void put_sgr(struct tn_buf *b, const struct tui_style_def *d)
{
	tn_buf_puts(b, "\033[0", NULL);
	if (d->attrs & TA_BOLD)
		tn_buf_puts(b, ";1", NULL);
	if (d->attrs & TA_DIM)
		tn_buf_puts(b, ";2", NULL);
	if (d->attrs & TA_ITALIC)
		tn_buf_puts(b, ";3", NULL);
	if (d->attrs & TA_UNDERLINE)
		tn_buf_puts(b, ";4", NULL);
	if (d->attrs & TA_REVERSE)
		tn_buf_puts(b, ";7", NULL);
	if (d->fg >= 0)
		tn_buf_printf(b, NULL, ";38;5;%d", d->fg);
	if (d->bg >= 0)
		tn_buf_printf(b, NULL, ";48;5;%d", d->bg);
	tn_buf_putc(b, 'm', NULL);
}

void rec_frame(struct tui_recorder *r, const struct tui_grid *g, const struct tui_theme *t)
{
	struct tn_buf b = TN_BUF_INIT;
	size_t ncells = (size_t)g->w * (size_t)g->h;
	bool whole;
	int style = -1;

	if (r == NULL)
		return;
	whole = r->prev == NULL || r->pw != g->w || r->ph != g->h;
	if (whole)
		tn_buf_puts(&b, "\033[0m\033[H\033[2J", NULL);
	for (int y = 0; y < g->h; y++) {
		const struct tui_cell *row = &g->cells[(size_t)y * (size_t)g->w];
		const struct tui_cell *old = whole ? NULL : &r->prev[(size_t)y * (size_t)g->w];
		int a = 0, z = g->w - 1;

		if (old != NULL) {
			while (a < g->w && memcmp(&row[a], &old[a], sizeof(*row)) == 0)
				a++;
			if (a == g->w)
				continue;
			while (z > a && memcmp(&row[z], &old[z], sizeof(*row)) == 0)
				z--;
		}
		while (a > 0 && row[a].ch == 0)
			a--; /* start at the left half of a wide character */
		tn_buf_printf(&b, NULL, "\033[%d;%dH", y + 1, a + 1);
		for (int x = a; x <= z; x++) {
			const struct tui_cell *c = &row[x];

			if (c->ch == 0)
				continue;
			if (c->style != style) {
				style = c->style;
				put_sgr(&b, &t->st[style < ST_COUNT ? style : 0]);
			}
			put_cp(&b, c->secret ? '*' : c->ch);
		}
	}
	if (b.len > 0 || whole) {
		tn_buf_printf(&b, NULL, "\033[0m\033[%d;%dH\033[?25%c", g->cur_y + 1, g->cur_x + 1,
			      g->cur_visible ? 'h' : 'l');
		event(r, "o", b.data, b.len);
	}
	tn_buf_done(&b);
	if (whole) {
		free(r->prev);
		r->prev = tn_calloc(ncells, sizeof(*r->prev));
		r->pw = g->w;
		r->ph = g->h;
	}
	memcpy(r->prev, g->cells, ncells * sizeof(*r->prev));
}

/* ---------------------------------------------------------------- replay */

static void add_step(struct tui_replay *rp, const struct tui_step *s)
{
	rp->steps = tn_reallocarray(rp->steps, rp->n + 1, sizeof(*rp->steps));
	rp->steps[rp->n++] = *s;
}

static void step_free(struct tui_step *s)
{
	free(s->action);
	free(s->arg);
	free(s->input);
}

/* One event line into a step (kind 0: an event replay does not use). */
static int parse_event(const char *line, const char *path, int lineno, struct tui_step *s,
		       struct tn_err *err)
{
	cJSON *j = cJSON_Parse(line), *t, *code, *data;
	int rc = TN_OK;

	memset(s, 0, sizeof(*s));
	if (j == NULL || !cJSON_IsArray(j) || cJSON_GetArraySize(j) != 3 ||
	    !cJSON_IsNumber(t = cJSON_GetArrayItem(j, 0)) ||
	    !cJSON_IsString(code = cJSON_GetArrayItem(j, 1)) ||
	    !cJSON_IsString(data = cJSON_GetArrayItem(j, 2)) || t->valuedouble < 0) {
		rc = tn_err_set(err, TN_EINVAL, "%s:%d: expected an event [time, code, data]", path,
				lineno);
		goto out;
	}
	s->time = t->valuedouble;
	if (strcmp(code->valuestring, "m") == 0) {
		const char *tab = strchr(data->valuestring, '\t');

		if (*data->valuestring == '\0' || tab == data->valuestring) {
			rc = tn_err_set(err, TN_EINVAL, "%s:%d: a marker without an action name",
					path, lineno);
			goto out;
		}
		s->kind = 'm';
		s->action = tab ? tn_strndup(data->valuestring, (size_t)(tab - data->valuestring))
				: tn_strdup(data->valuestring);
		s->arg = tab ? tn_strdup(tab + 1) : NULL;
	} else if (strcmp(code->valuestring, "i") == 0) {
		s->kind = 'i';
		s->input = tn_strdup(data->valuestring);
	} else if (strcmp(code->valuestring, "r") == 0) {
		char x;

		if (sscanf(data->valuestring, "%d%c%d", &s->w, &x, &s->h) != 3 || x != 'x' ||
		    s->w < 1 || s->h < 1 || s->w > 10000 || s->h > 10000) {
			rc = tn_err_set(err, TN_EINVAL, "%s:%d: a resize needs WxH, not '%s'", path,
					lineno, data->valuestring);
			goto out;
		}
		s->kind = 'r';
	}
out:
	cJSON_Delete(j);
	return rc;
}

static int parse_header(const char *line, const char *path, struct tui_replay *out,
			struct tn_err *err)
{
	cJSON *j = cJSON_Parse(line), *v, *w, *h;
	int rc = TN_OK;

	if (j == NULL || !cJSON_IsObject(j) || !cJSON_IsNumber(v = cJSON_GetObjectItem(j, "version")) ||
	    v->valueint != 2)
		rc = tn_err_set(err, TN_EINVAL,
				"%s:1: not an asciicast v2 recording (expected a header with "
				"\"version\": 2)",
				path);
	else if (!cJSON_IsNumber(w = cJSON_GetObjectItem(j, "width")) ||
		 !cJSON_IsNumber(h = cJSON_GetObjectItem(j, "height")) || w->valueint < 1 ||
		 h->valueint < 1 || w->valueint > 10000 || h->valueint > 10000)
		rc = tn_err_set(err, TN_EINVAL, "%s:1: the header needs a width and a height", path);
	else {
		out->w = w->valueint;
		out->h = h->valueint;
	}
	cJSON_Delete(j);
	return rc;
}

int replay_load(const char *path, struct tui_replay *out, struct tn_err *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, total = 0;
	ssize_t len;
	int lineno = 0, rc = TN_OK;
	bool markers = false;

	memset(out, 0, sizeof(*out));
	if (f == NULL)
		return tn_err_sys(err, errno, "cannot open the recording %s", path);
	while (rc == TN_OK && (len = getline(&line, &cap, f)) >= 0) {
		struct tui_step s;

		lineno++;
		total += (size_t)len;
		if (total > REPLAY_MAX_BYTES) {
			rc = tn_err_set(err, TN_ETOOBIG, "%s: a recording over %u MiB", path,
					REPLAY_MAX_BYTES >> 20);
			break;
		}
		if (lineno == 1) {
			rc = parse_header(line, path, out, err);
			continue;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
				   line[len - 1] == ' '))
			line[--len] = '\0';
		if (len == 0)
			continue;
		rc = parse_event(line, path, lineno, &s, err);
		if (rc == TN_OK && s.kind != 0) {
			markers |= s.kind == 'm';
			add_step(out, &s);
		}
	}
	if (rc == TN_OK && lineno == 0)
		rc = tn_err_set(err, TN_EINVAL, "%s: an empty recording", path);
	free(line);
	fclose(f);
	if (rc != TN_OK) {
		replay_free(out);
		return rc;
	}
	/* With markers, the 'i' events are the same keys again: drop them. */
	if (markers) {
		size_t k = 0;

		for (size_t i = 0; i < out->n; i++) {
			if (out->steps[i].kind == 'i')
				step_free(&out->steps[i]);
			else
				out->steps[k++] = out->steps[i];
		}
		out->n = k;
	}
	return TN_OK;
}

void replay_free(struct tui_replay *r)
{
	for (size_t i = 0; i < r->n; i++)
		step_free(&r->steps[i]);
	free(r->steps);
	memset(r, 0, sizeof(*r));
}

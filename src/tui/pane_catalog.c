/* pane_catalog.c - the Catalog pane: a lazy tree of catalogs, schemas,
 * tables and their columns, fuzzy jump across three-part names, and a
 * table's details. Every listing is a job on the metadata worker. */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "tui/tui_int.h"

enum node_kind { NK_ROOT, NK_CATALOG, NK_SCHEMA, NK_TABLE, NK_VIEW, NK_COLUMN };

struct node {
	enum node_kind kind;
	unsigned id;
	char *name;
	char *extra; /* a column's type */
	struct node *parent;
	struct node **kids;
	size_t nkids;
	bool loaded, loading, open;
	char *error;   /* why the last listing failed */
	char *details; /* a table's details as text, once loaded */
	bool details_loading;
};

/* What a line of the tree shows: a node, or a note under an open one. */
enum row_what { ROW_NODE, ROW_LOADING, ROW_ERROR, ROW_EMPTY };

struct row {
	struct node *n;
	int depth;
	enum row_what what;
};

struct catalog_pane {
	struct tui_pane base;
	struct node root;
	unsigned next_id;
	struct tui_pjobs jobs;
	struct row *rows; /* the visible lines */
	size_t nrows;
	bool dirty;       /* rows must be rebuilt */
	size_t cur, top;
	unsigned cur_id;  /* the cursor's node, kept across rebuilds */
	int page;         /* tree lines at the last draw */
	bool room;        /* the last draw had room for details */
	bool names_loading;
	char *jump;       /* a jump waiting for all names */
};

static const struct tui_pane_ops catalog_ops;

static struct catalog_pane *pane_of(struct tui_app *app)
{
	struct tui_pane *p = app->pane[PANE_CATALOG];

	return p != NULL && p->ops == &catalog_ops ? (struct catalog_pane *)p : NULL;
}

/* ---- the tree ---- */

static void node_free(struct node *n)
{
	for (size_t i = 0; i < n->nkids; i++) {
		node_free(n->kids[i]);
		free(n->kids[i]);
	}
	free(n->kids);
	free(n->name);
	free(n->extra);
	free(n->error);
	free(n->details);
	n->kids = NULL;
	n->nkids = 0;
}

static struct node *node_find(struct node *n, unsigned id)
{
	if (n->id == id)
		return n;
	for (size_t i = 0; i < n->nkids; i++) {
		struct node *f = node_find(n->kids[i], id);

		if (f != NULL)
			return f;
	}
	return NULL;
}

static bool expandable(const struct node *n)
{
	return n->kind != NK_COLUMN;
}

static bool is_table(const struct node *n)
{
	return n->kind == NK_TABLE || n->kind == NK_VIEW;
}

/* The table a node is or belongs to (a column's), or NULL. */
static struct node *table_of(struct node *n)
{
	if (n != NULL && n->kind == NK_COLUMN)
		n = n->parent;
	return n != NULL && is_table(n) ? n : NULL;
}

/* The node's name as SQL takes it: c, c.s or c.s.t, quoted as needed. */
static char *node_sql_name(const struct node *n)
{
	const struct node *t = n->kind == NK_COLUMN ? n->parent : n;

	switch (t->kind) {
	case NK_CATALOG:
		return tui_quote_ident(t->name);
	case NK_SCHEMA: {
		char *c = tui_quote_ident(t->parent->name), *s = tui_quote_ident(t->name);
		char *r = tn_asprintf("%s.%s", c, s);

		free(c);
		free(s);
		return r;
	}
	case NK_TABLE:
	case NK_VIEW:
		return tui_quote_name3(t->parent->parent->name, t->parent->name, t->name);
	default:
		return tn_strdup("");
	}
}

/* The node's name for people: c.s.t unquoted. */
static char *node_path(const struct node *n)
{
	struct tn_buf b;
	const struct node *chain[4];
	size_t k = 0;

	for (const struct node *x = n; x != NULL && x->kind != NK_ROOT && k < 4; x = x->parent)
		chain[k++] = x;
	tn_buf_init(&b, 0);
	tn_buf_puts(&b, "", NULL);
	while (k-- > 0)
		tn_buf_printf(&b, NULL, "%s%s", b.len ? "." : "", chain[k]->name);
	return tn_buf_detach(&b, NULL);
}

/* A listing's result as children: nodes of the same name and kind keep
 * their state (open, loaded, children, details); others go. */
static void merge_kids(struct catalog_pane *p, struct node *n, enum node_kind *kinds,
		       char **names, char **extras, size_t count)
{
	struct node **kids = tn_calloc(count + 1, sizeof(*kids));

	for (size_t i = 0; i < count; i++) {
		for (size_t k = 0; k < n->nkids && kids[i] == NULL; k++) {
			struct node *o = n->kids[k];

			if (o != NULL && o->kind == kinds[i] && strcmp(o->name, names[i]) == 0) {
				kids[i] = o;
				n->kids[k] = NULL;
			}
		}
		if (kids[i] == NULL) {
			kids[i] = tn_calloc(1, sizeof(struct node));
			kids[i]->kind = kinds[i];
			kids[i]->id = ++p->next_id;
			kids[i]->name = tn_strdup(names[i]);
			kids[i]->parent = n;
		}
		free(kids[i]->extra);
		kids[i]->extra = extras != NULL && extras[i] != NULL ? tn_strdup(extras[i]) : NULL;
	}
	for (size_t k = 0; k < n->nkids; k++) {
		if (n->kids[k] == NULL)
			continue;
		/* The cursor's node goes: the cursor stays on its parent. */
		if (node_find(n->kids[k], p->cur_id) != NULL)
			p->cur_id = n->id;
		node_free(n->kids[k]);
		free(n->kids[k]);
	}
	free(n->kids);
	n->kids = kids;
	n->nkids = count;
	n->loaded = true;
	p->dirty = true;
}

static void add_rows(struct catalog_pane *p, struct node *n, int depth, size_t *cap)
{
	for (size_t i = 0; i < n->nkids; i++) {
		struct node *k = n->kids[i];

		if (p->nrows + 2 > *cap) {
			*cap = *cap ? *cap * 2 : 64;
			p->rows = tn_reallocarray(p->rows, *cap, sizeof(*p->rows));
		}
		p->rows[p->nrows++] = (struct row){k, depth, ROW_NODE};
		if (!k->open)
			continue;
		if (k->loading && k->nkids == 0)
			p->rows[p->nrows++] = (struct row){k, depth + 1, ROW_LOADING};
		else if (k->error != NULL)
			p->rows[p->nrows++] = (struct row){k, depth + 1, ROW_ERROR};
		else if (k->loaded && k->nkids == 0)
			p->rows[p->nrows++] = (struct row){k, depth + 1, ROW_EMPTY};
		else
			add_rows(p, k, depth + 1, cap);
	}
}

static void rebuild(struct catalog_pane *p)
{
	size_t cap = 0;

	if (!p->dirty)
		return;
	free(p->rows);
	p->rows = NULL;
	p->nrows = 0;
	add_rows(p, &p->root, 0, &cap);
	p->dirty = false;
	for (size_t i = 0; i < p->nrows; i++)
		if (p->rows[i].what == ROW_NODE && p->rows[i].n->id == p->cur_id) {
			p->cur = i;
			return;
		}
	if (p->cur >= p->nrows)
		p->cur = p->nrows ? p->nrows - 1 : 0;
	if (p->nrows > 0)
		p->cur_id = p->rows[p->cur].n->id;
}

static struct node *cursor_node(struct catalog_pane *p)
{
	rebuild(p);
	return p->cur < p->nrows ? p->rows[p->cur].n : NULL;
}

/* ---- listing jobs ---- */

struct list_job {
	struct tui_pjob pj;
	struct catalog_pane *p;
	unsigned id;   /* the node listed */
	char *sql;
	struct tui_rows rows;
	int rc;
	struct tn_err err;
};

static void list_work(struct tui_pjob *pj, struct tarn_engine *e)
{
	struct list_job *j = (struct list_job *)pj;

	j->rc = tui_query_rows(e, j->sql, 100000, &j->rows, &j->err);
}

static void want_details(struct catalog_pane *p);

/* Rows of a listing as children of n. */
static void list_merge(struct catalog_pane *p, struct node *n, const struct tui_rows *r)
{
	enum node_kind *kinds = tn_calloc(r->nrows + 1, sizeof(*kinds));
	char **names = tn_calloc(r->nrows + 1, sizeof(char *));
	char **extras = tn_calloc(r->nrows + 1, sizeof(char *));
	size_t k = 0;
	int cn, ct = -1;

	switch (n->kind) {
	case NK_ROOT:
		cn = tui_rows_col(r, "catalog");
		break;
	case NK_CATALOG:
		cn = tui_rows_col(r, "schema");
		break;
	case NK_SCHEMA:
		cn = tui_rows_col(r, "table");
		ct = tui_rows_col(r, "type");
		break;
	default:
		cn = tui_rows_col(r, "col_name");
		ct = tui_rows_col(r, "data_type");
		break;
	}
	for (size_t i = 0; cn >= 0 && i < r->nrows; i++) {
		const char *name = tui_rows_get(r, i, (size_t)cn);
		const char *type = ct >= 0 ? tui_rows_get(r, i, (size_t)ct) : NULL;

		if (name == NULL || *name == '\0') {
			if (is_table(n))
				break; /* DESCRIBE: partition and detail sections follow */
			continue;
		}
		names[k] = (char *)name;
		if (n->kind == NK_ROOT)
			kinds[k] = NK_CATALOG;
		else if (n->kind == NK_CATALOG)
			kinds[k] = NK_SCHEMA;
		else if (n->kind == NK_SCHEMA)
			kinds[k] = type != NULL && strcmp(type, "VIEW") == 0 ? NK_VIEW : NK_TABLE;
		else {
			kinds[k] = NK_COLUMN;
			extras[k] = (char *)type;
		}
		k++;
	}
	merge_kids(p, n, kinds, names, extras, k);
	free(kinds);
	free(names);
	free(extras);
}

static void list_finish(struct tui_pjob *pj)
{
	struct list_job *j = (struct list_job *)pj;
	struct catalog_pane *p = j->p;
	struct node *n = node_find(&p->root, j->id);

	if (n != NULL) {
		n->loading = false;
		free(n->error);
		n->error = NULL;
		if (j->rc != TN_OK)
			n->error = tn_strdup(j->err.msg);
		else
			list_merge(p, n, &j->rows);
		p->dirty = true;
	}
	want_details(p);
	app_redraw(p->base.app);
}

static void list_destroy(struct tui_pjob *pj)
{
	struct list_job *j = (struct list_job *)pj;

	tui_rows_free(&j->rows);
	free(j->sql);
	free(j);
}

/* List n's children (again). */
static void load(struct catalog_pane *p, struct node *n)
{
	struct list_job *j;
	char *name;

	if (n->loading || p->base.app->meta == NULL)
		return;
	j = tn_calloc(1, sizeof(*j));
	j->p = p;
	j->id = n->id;
	name = node_sql_name(n);
	switch (n->kind) {
	case NK_ROOT:
		j->sql = tn_strdup("SHOW CATALOGS");
		break;
	case NK_CATALOG:
		j->sql = tn_asprintf("SHOW SCHEMAS IN %s", name);
		break;
	case NK_SCHEMA:
		j->sql = tn_asprintf("SHOW TABLES IN %s", name);
		break;
	default:
		j->sql = tn_asprintf("DESCRIBE TABLE %s", name);
		break;
	}
	free(name);
	j->pj.work = list_work;
	j->pj.finish = list_finish;
	j->pj.destroy = list_destroy;
	n->loading = true;
	p->dirty = true;
	tui_pjob_submit(&p->jobs, p->base.app->meta, &j->pj);
}

/* ---- details ---- */

struct details_job {
	struct tui_pjob pj;
	struct catalog_pane *p;
	unsigned id;
	char *name;  /* quoted three-part name */
	char *path;  /* for people */
	bool show;   /* open the text overlay when done */
	char *text;
};

/* Run one statement of the details; a failure becomes a line of text. */
static bool detail_query(struct tarn_engine *e, struct tn_buf *b, const char *sql, size_t max,
			 struct tui_rows *r)
{
	struct tn_err err;

	if (tui_query_rows(e, sql, max, r, &err) == TN_OK)
		return true;
	tn_buf_printf(b, NULL, "  (%s)\n", err.msg);
	return false;
}

/* Columns and the detail rows of DESCRIBE TABLE EXTENDED. */
static void details_describe(struct tn_buf *b, const struct tui_rows *r, const char **provider)
{
	bool cols = true, parts = false;

	*provider = NULL;
	tn_buf_puts(b, "columns:\n", NULL);
	for (size_t i = 0; i < r->nrows; i++) {
		const char *k = tui_rows_get(r, i, 0), *v = tui_rows_get(r, i, 1);
		const char *c = tui_rows_get(r, i, 2);

		if (k == NULL || *k == '\0') {
			cols = false;
			continue;
		}
		if (k[0] == '#') {
			parts = strstr(k, "Partition") != NULL;
			if (parts)
				tn_buf_puts(b, "partitioned by:\n", NULL);
			else
				tn_buf_puts(b, "table:\n", NULL);
			continue;
		}
		if (cols)
			tn_buf_printf(b, NULL, "  %-16s %s%s%s\n", k, v ? v : "", c ? "  " : "",
				      c ? c : "");
		else if (parts)
			tn_buf_printf(b, NULL, "  %s\n", k);
		else {
			if (strcmp(k, "Provider") == 0)
				*provider = v;
			if (strcmp(k, "Catalog") != 0 && strcmp(k, "Database") != 0 &&
			    strcmp(k, "Table") != 0)
				tn_buf_printf(b, NULL, "  %s: %s\n", k, v ? v : "");
		}
	}
}

static void details_work(struct tui_pjob *pj, struct tarn_engine *e)
{
	struct details_job *j = (struct details_job *)pj;
	struct tn_buf b, d;
	struct tui_rows desc, r;
	const char *provider = NULL;
	bool delta = false, described;
	char *sql;

	tn_buf_init(&b, 0);
	tn_buf_init(&d, 0);
	tn_buf_printf(&b, NULL, "%s\n", j->path);
	sql = tn_asprintf("DESCRIBE TABLE EXTENDED %s", j->name);
	described = detail_query(e, &b, sql, 10000, &desc);
	free(sql);
	if (described) {
		details_describe(&d, &desc, &provider);
		delta = provider != NULL && strcmp(provider, "delta") == 0;
	}
	sql = tn_asprintf("DESCRIBE DETAIL %s", j->name);
	if (delta && detail_query(e, &b, sql, 1, &r)) {
		int f = tui_rows_col(&r, "numFiles"), s = tui_rows_col(&r, "sizeInBytes");
		int v = tui_rows_col(&r, "version");
		const char *nf = f >= 0 ? tui_rows_get(&r, 0, (size_t)f) : NULL;
		const char *ns = s >= 0 ? tui_rows_get(&r, 0, (size_t)s) : NULL;
		const char *nv = v >= 0 ? tui_rows_get(&r, 0, (size_t)v) : NULL;
		char size[32];

		tn_buf_printf(&b, NULL, "%s files, %s, version %s\n", nf ? nf : "?",
			      tui_size_text(ns ? strtoll(ns, NULL, 10) : -1, size, sizeof(size)),
			      nv ? nv : "?");
		tui_rows_free(&r);
	}
	free(sql);
	sql = tn_asprintf("DESCRIBE HISTORY %s LIMIT 1", j->name);
	if (delta && detail_query(e, &b, sql, 1, &r)) {
		const char *v[4];

		for (size_t c = 0; c < 4; c++)
			v[c] = tui_rows_get(&r, 0, c) ? tui_rows_get(&r, 0, c) : "?";
		tn_buf_printf(&b, NULL, "last change: v%s %s by %s at %.19s\n", v[0], v[3], v[2],
			      v[1]);
		tui_rows_free(&r);
	}
	free(sql);
	tn_buf_append(&b, d.data, d.len, NULL);
	tn_buf_done(&d);
	if (described)
		tui_rows_free(&desc);
	sql = tn_asprintf("SHOW TBLPROPERTIES %s", j->name);
	if (delta) {
		tn_buf_puts(&b, "properties:\n", NULL);
		if (detail_query(e, &b, sql, 1000, &r)) {
			for (size_t i = 0; i < r.nrows; i++)
				tn_buf_printf(&b, NULL, "  %s = %s\n",
					      tui_rows_get(&r, i, 0) ? tui_rows_get(&r, i, 0) : "",
					      tui_rows_get(&r, i, 1) ? tui_rows_get(&r, i, 1) : "NULL");
			tui_rows_free(&r);
		}
	}
	free(sql);
	sql = tn_asprintf("SELECT * FROM %s LIMIT 5", j->name);
	tn_buf_puts(&b, "sample rows:\n", NULL);
	if (detail_query(e, &b, sql, 5, &r)) {
		tui_rows_text(&b, &r, "  ", 24);
		tui_rows_free(&r);
	}
	free(sql);
	j->text = tn_buf_detach(&b, NULL);
}

static void details_finish(struct tui_pjob *pj)
{
	struct details_job *j = (struct details_job *)pj;
	struct catalog_pane *p = j->p;
	struct node *n = node_find(&p->root, j->id);

	if (n != NULL) {
		n->details_loading = false;
		free(n->details);
		n->details = j->text;
		j->text = NULL;
		if (j->show)
			app_show_text(p->base.app, j->path, n->details);
	}
	want_details(p);
	app_redraw(p->base.app);
}

static void details_destroy(struct tui_pjob *pj)
{
	struct details_job *j = (struct details_job *)pj;

	free(j->name);
	free(j->path);
	free(j->text);
	free(j);
}

static void load_details(struct catalog_pane *p, struct node *t, bool show)
{
	struct details_job *j;

	if (p->base.app->meta == NULL)
		return;
	j = tn_calloc(1, sizeof(*j));
	j->p = p;
	j->id = t->id;
	j->name = node_sql_name(t);
	j->path = node_path(t);
	j->show = show;
	j->pj.work = details_work;
	j->pj.finish = details_finish;
	j->pj.destroy = details_destroy;
	t->details_loading = true;
	tui_pjob_submit(&p->jobs, p->base.app->meta, &j->pj);
}

static bool details_in_flight(struct node *n)
{
	if (n->details_loading)
		return true;
	for (size_t i = 0; i < n->nkids; i++)
		if (details_in_flight(n->kids[i]))
			return true;
	return false;
}

/* Details for the lower part of the pane follow the cursor, one job at a
 * time: moving fast over many tables loads only where the cursor stops. */
static void want_details(struct catalog_pane *p)
{
	struct node *t = table_of(cursor_node(p));

	if (!p->room || t == NULL || t->details != NULL || details_in_flight(&p->root))
		return;
	load_details(p, t, false);
}

/* ---- fuzzy jump ---- */

static bool word_start(const char *s, size_t j)
{
	if (j == 0)
		return true;
	return strchr("._- `", s[j - 1]) != NULL ||
	       (islower((unsigned char)s[j - 1]) && isupper((unsigned char)s[j]));
}

/* How well q matches s as a subsequence (case-insensitive), or INT_MIN.
 * Letters at word starts and runs of adjacent letters score more; gaps
 * and letters before the last part (the table's name) less. */
static int fuzzy_score(const char *q, const char *s)
{
	size_t m = strlen(q), n = strlen(s);
	const char *last = strrchr(s, '.');
	size_t tail = last != NULL ? (size_t)(last - s) + 1 : 0;
	int *prev, *cur, best = INT_MIN;

	if (m == 0 || m > n)
		return m == 0 ? 0 : INT_MIN;
	prev = tn_calloc(n, sizeof(int));
	cur = tn_calloc(n, sizeof(int));
	for (size_t i = 0; i < m; i++) {
		int run = INT_MIN; /* best of prev[0 .. j-2] */

		for (size_t j = 0; j < n; j++) {
			int bonus, from = INT_MIN;

			if (j >= 2 && prev[j - 2] > run)
				run = prev[j - 2];
			cur[j] = INT_MIN;
			if (tolower((unsigned char)q[i]) != tolower((unsigned char)s[j]))
				continue;
			bonus = 1 + (word_start(s, j) ? 8 : 0) + (j >= tail ? 2 : 0);
			if (i == 0) {
				cur[j] = bonus - (j > 0 && !word_start(s, j) ? 1 : 0);
				continue;
			}
			if (j >= 1 && prev[j - 1] != INT_MIN)
				from = prev[j - 1] + 5;
			if (run != INT_MIN && run - 2 > from)
				from = run - 2;
			if (from != INT_MIN)
				cur[j] = from + bonus;
		}
		memcpy(prev, cur, n * sizeof(int));
	}
	for (size_t j = 0; j < n; j++)
		if (prev[j] > best)
			best = prev[j];
	free(prev);
	free(cur);
	return best;
}

struct jump_best {
	struct node *n;
	int score;
	size_t len;
	size_t matches;
};

static void jump_rank(struct node *n, const char *q, struct jump_best *b)
{
	for (size_t i = 0; i < n->nkids; i++) {
		struct node *k = n->kids[i];

		if (k->kind == NK_SCHEMA || is_table(k)) {
			char *path = node_path(k);
			int s = fuzzy_score(q, path);
			size_t len = strlen(path);

			if (s != INT_MIN) {
				b->matches++;
				if (b->n == NULL || s > b->score || (s == b->score && len < b->len)) {
					b->n = k;
					b->score = s;
					b->len = len;
				}
			}
			free(path);
		}
		if (k->kind != NK_COLUMN)
			jump_rank(k, q, b);
	}
}

static void move_to(struct catalog_pane *p, struct node *n)
{
	for (struct node *a = n->parent; a != NULL; a = a->parent)
		a->open = true;
	p->cur_id = n->id;
	p->dirty = true;
	rebuild(p);
	want_details(p);
}

static void jump_now(struct catalog_pane *p, const char *q)
{
	struct jump_best b = {0};
	char *path, *letters = tn_strdup(q), *o = letters;

	/* Blanks separate words for people; the match ignores them. */
	for (const char *c = q; *c != '\0'; c++)
		if (*c != ' ')
			*o++ = *c;
	*o = '\0';
	jump_rank(&p->root, letters, &b);
	free(letters);
	if (b.n == NULL) {
		app_error(p->base.app, "no catalog name matches '%s'", q);
		return;
	}
	move_to(p, b.n);
	path = node_path(b.n);
	app_status(p->base.app, "%s (%zu match%s)", path, b.matches, b.matches == 1 ? "" : "es");
	free(path);
}

/* Every catalog, schema and table name, listed in one job. */
struct names_job {
	struct tui_pjob pj;
	struct catalog_pane *p;
	struct tui_rows cats;
	struct tui_rows *schemas; /* per catalog */
	struct tui_rows **tables; /* per catalog, per schema */
	int rc;
	struct tn_err err;
};

static void names_work(struct tui_pjob *pj, struct tarn_engine *e)
{
	struct names_job *j = (struct names_job *)pj;

	j->rc = tui_query_rows(e, "SHOW CATALOGS", 100000, &j->cats, &j->err);
	if (j->rc != TN_OK)
		return;
	j->schemas = tn_calloc(j->cats.nrows + 1, sizeof(*j->schemas));
	j->tables = tn_calloc(j->cats.nrows + 1, sizeof(*j->tables));
	for (size_t c = 0; c < j->cats.nrows && j->rc == TN_OK; c++) {
		const char *cn = tui_rows_get(&j->cats, c, 0);
		char *qc = tui_quote_ident(cn ? cn : "");
		char *sql = tn_asprintf("SHOW SCHEMAS IN %s", qc);
		struct tui_rows *s = &j->schemas[c];

		j->rc = tui_query_rows(e, sql, 100000, s, &j->err);
		free(sql);
		if (j->rc == TN_OK)
			j->tables[c] = tn_calloc(s->nrows + 1, sizeof(struct tui_rows));
		for (size_t k = 0; j->rc == TN_OK && k < s->nrows; k++) {
			const char *sn = tui_rows_get(s, k, (size_t)tui_rows_col(s, "schema"));
			char *qs = tui_quote_ident(sn ? sn : "");

			sql = tn_asprintf("SHOW TABLES IN %s.%s", qc, qs);
			j->rc = tui_query_rows(e, sql, 100000, &j->tables[c][k], &j->err);
			free(sql);
			free(qs);
		}
		free(qc);
	}
}

static void names_finish(struct tui_pjob *pj)
{
	struct names_job *j = (struct names_job *)pj;
	struct catalog_pane *p = j->p;

	p->names_loading = false;
	if (j->rc != TN_OK) {
		app_error(p->base.app, "cannot list the catalog: %s", j->err.msg);
	} else {
		list_merge(p, &p->root, &j->cats);
		for (size_t c = 0; c < p->root.nkids && c < j->cats.nrows; c++) {
			struct node *cn = p->root.kids[c];

			list_merge(p, cn, &j->schemas[c]);
			for (size_t k = 0; k < cn->nkids && k < j->schemas[c].nrows; k++)
				list_merge(p, cn->kids[k], &j->tables[c][k]);
		}
	}
	if (p->jump != NULL) {
		if (j->rc == TN_OK)
			jump_now(p, p->jump);
		free(p->jump);
		p->jump = NULL;
	}
	app_redraw(p->base.app);
}

static void names_destroy(struct tui_pjob *pj)
{
	struct names_job *j = (struct names_job *)pj;

	for (size_t c = 0; j->schemas != NULL && c < j->cats.nrows; c++) {
		for (size_t k = 0; j->tables[c] != NULL && k < j->schemas[c].nrows; k++)
			tui_rows_free(&j->tables[c][k]);
		free(j->tables[c]);
		tui_rows_free(&j->schemas[c]);
	}
	free(j->schemas);
	free(j->tables);
	tui_rows_free(&j->cats);
	free(j);
}

/* Are all catalogs and schemas listed? */
static bool all_loaded(const struct node *n)
{
	if (n->kind == NK_SCHEMA || n->kind == NK_ROOT || n->kind == NK_CATALOG) {
		if (!n->loaded)
			return false;
		for (size_t i = 0; i < n->nkids; i++)
			if (!all_loaded(n->kids[i]))
				return false;
	}
	return true;
}

/* ---- drawing ---- */

static void draw_row(struct catalog_pane *p, struct tui_grid *g, struct tui_rect r, int y,
		     const struct row *row)
{
	const struct node *n = row->n;
	int indent = row->depth * 2, x = r.x, end = r.x + r.w;
	enum tui_style st = ST_DEFAULT;

	(void)p;
	if (indent > r.w / 3)
		indent = r.w / 3;
	x += indent;
	if (row->what != ROW_NODE) {
		const char *msg = row->what == ROW_LOADING ? "loading..."
				  : row->what == ROW_EMPTY ? "(empty)"
							   : n->error;

		/* Only an error's first line: a caret display follows it. */
		grid_putn(g, x + 2, y, end - x - 2, row->what == ROW_ERROR ? ST_ERROR : ST_DIM, msg,
			  strcspn(msg, "\n"));
		return;
	}
	if (expandable(n))
		grid_putch(g, x, y, g->ascii ? (n->open ? '-' : '+') : (n->open ? 0x25be : 0x25b8),
			   ST_DIM);
	x += 2;
	switch (n->kind) {
	case NK_CATALOG:
		st = ST_KEYWORD;
		break;
	case NK_SCHEMA:
		st = ST_IDENT;
		break;
	case NK_VIEW:
		st = ST_STRING;
		break;
	default:
		break;
	}
	x += grid_puts(g, x, y, end - x, st, n->name);
	if (n->kind == NK_VIEW)
		grid_puts(g, x + 1, y, end - x - 1, ST_DIM, "view");
	else if (n->kind == NK_COLUMN && n->extra != NULL)
		grid_puts(g, x + 1, y, end - x - 1, ST_DIM, n->extra);
}

static void catalog_draw(struct tui_pane *pane, struct tui_grid *g, struct tui_rect r,
			 bool focused)
{
	struct catalog_pane *p = (struct catalog_pane *)pane;
	struct node *cn, *t;
	int tree_h = r.h;

	(void)focused;
	if (r.w <= 0 || r.h <= 0)
		return;
	if (!p->root.loaded && !p->root.loading && p->root.error == NULL)
		load(p, &p->root);
	grid_fill(g, r, ST_DEFAULT);
	cn = cursor_node(p);
	t = table_of(cn);
	/* The lower part shows the table's details when there is room. */
	p->room = r.h >= 14;
	if (p->room && t != NULL)
		tree_h = r.h - r.h * 2 / 5;
	p->page = tree_h > 1 ? tree_h : 1;
	if (p->nrows == 0) {
		const char *msg = p->root.error != NULL ? p->root.error
				  : p->root.loaded     ? "no catalogs"
						       : "loading...";

		grid_putn(g, r.x, r.y, r.w, p->root.error ? ST_ERROR : ST_DIM, msg,
			  strcspn(msg, "\n"));
		return;
	}
	if (p->cur < p->top)
		p->top = p->cur;
	if (p->cur >= p->top + (size_t)tree_h)
		p->top = p->cur - (size_t)tree_h + 1;
	if (p->top + (size_t)tree_h > p->nrows)
		p->top = p->nrows > (size_t)tree_h ? p->nrows - (size_t)tree_h : 0;
	for (int i = 0; i < tree_h && p->top + (size_t)i < p->nrows; i++) {
		size_t k = p->top + (size_t)i;

		draw_row(p, g, r, r.y + i, &p->rows[k]);
		if (k == p->cur)
			grid_restyle(g, r.x, r.y + i, r.w, focused ? ST_CURSOR_LINE : ST_SELECTION);
	}
	if (tree_h < r.h && t != NULL) {
		struct tui_rect d = {r.x, r.y + tree_h + 1, r.w, r.h - tree_h - 1};

		grid_hline(g, r.x, r.y + tree_h, r.w, ST_BORDER);
		grid_putch(g, r.x + 1, r.y + tree_h, ' ', ST_BORDER);
		grid_printf(g, r.x + 2, r.y + tree_h, r.w - 4, ST_TITLE, "%s ", t->name);
		if (t->details != NULL)
			tui_text_draw(g, d, strchr(t->details, '\n') ? strchr(t->details, '\n') + 1
								    : t->details, 0);
		else
			grid_puts(g, d.x, d.y, d.w, ST_DIM,
				  t->details_loading ? "loading details..." : "D: details");
	}
}

static bool catalog_busy(struct tui_pane *pane)
{
	return ((struct catalog_pane *)pane)->jobs.n > 0;
}

static void catalog_free(struct tui_pane *pane)
{
	struct catalog_pane *p = (struct catalog_pane *)pane;

	tui_pjobs_orphan(&p->jobs);
	node_free(&p->root);
	free(p->rows);
	free(p->jump);
	free(p);
}

static const struct tui_pane_ops catalog_ops = {
	.draw = catalog_draw,
	.busy = catalog_busy,
	.save = NULL,
	.free = catalog_free,
};

/* ---- actions ---- */

#define PANE_OR_FAIL(p, app, err)                                                       \
	struct catalog_pane *p = pane_of(app);                                          \
	if (p == NULL)                                                                  \
		return tn_err_set(err, TN_EINVAL, "the Catalog pane is not open")

static int move_by(struct tui_app *app, long delta, struct tn_err *err)
{
	PANE_OR_FAIL(p, app, err);
	rebuild(p);
	if (p->nrows == 0)
		return TN_OK;
	p->cur = tui_cursor_move(p->cur, p->nrows, delta);
	p->cur_id = p->rows[p->cur].n->id;
	/* A note row (loading, error) has its parent's id: stay on it. */
	if (p->rows[p->cur].what != ROW_NODE)
		p->cur_id = 0;
	want_details(p);
	return TN_OK;
}

static int a_up(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	return move_by(app, -1, err);
}

static int a_down(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	return move_by(app, 1, err);
}

static int a_page_up(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct catalog_pane *p = pane_of(app);

	(void)arg;
	return move_by(app, -(long)(p != NULL ? p->page : 1), err);
}

static int a_page_down(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct catalog_pane *p = pane_of(app);

	(void)arg;
	return move_by(app, p != NULL ? p->page : 1, err);
}

static int a_top(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	return move_by(app, -(long)INT_MAX, err);
}

static int a_bottom(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	return move_by(app, INT_MAX, err);
}

/* Called directly, not through app_action: a replay runs only the action
 * the user started. */
static int a_details(struct tui_app *app, const char *arg, struct tn_err *err);

static void open_node(struct catalog_pane *p, struct node *n)
{
	n->open = true;
	p->dirty = true;
	if (!n->loaded)
		load(p, n);
}

static int a_expand(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct node *n;

	(void)arg;
	PANE_OR_FAIL(p, app, err);
	n = cursor_node(p);
	if (n == NULL || p->rows[p->cur].what != ROW_NODE)
		return TN_OK;
	if (!expandable(n))
		return TN_OK;
	if (n->open && is_table(n)) {
		/* l again on an open table: its details. */
		return a_details(app, NULL, err);
	}
	if (n->open && n->nkids > 0)
		return move_by(app, 1, err);
	open_node(p, n);
	return TN_OK;
}

static int a_collapse(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct node *n;

	(void)arg;
	PANE_OR_FAIL(p, app, err);
	n = cursor_node(p);
	if (n == NULL)
		return TN_OK;
	if (p->rows[p->cur].what == ROW_NODE && n->open) {
		n->open = false;
	} else {
		/* On a closed node or a note: go to the parent. */
		struct node *up = p->rows[p->cur].what == ROW_NODE ? n->parent : n;

		if (up == NULL || up->kind == NK_ROOT)
			return TN_OK;
		p->cur_id = up->id;
	}
	p->dirty = true;
	rebuild(p);
	want_details(p);
	return TN_OK;
}

static int a_toggle(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct node *n;

	(void)arg;
	PANE_OR_FAIL(p, app, err);
	n = cursor_node(p);
	if (n == NULL || p->rows[p->cur].what != ROW_NODE)
		return TN_OK;
	if (table_of(n) != NULL)
		return a_details(app, NULL, err);
	if (n->open) {
		n->open = false;
		p->dirty = true;
	} else {
		open_node(p, n);
	}
	return TN_OK;
}

/* The table under the cursor (or whose column it is on); an error
 * otherwise. */
static struct node *cursor_table(struct catalog_pane *p, const char *what, struct tn_err *err)
{
	struct node *t = table_of(cursor_node(p));

	if (t == NULL)
		tn_err_set(err, TN_EINVAL, "%s: put the cursor on a table", what);
	return t;
}

static int a_details(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct node *t;
	char *path;

	(void)arg;
	PANE_OR_FAIL(p, app, err);
	if ((t = cursor_table(p, "details", err)) == NULL)
		return err->code;
	if (t->details == NULL) {
		load_details(p, t, true);
		return TN_OK;
	}
	path = node_path(t);
	app_show_text(app, path, t->details);
	free(path);
	return TN_OK;
}

/* Run a statement on a table into Results: before, the name, after. */
static int table_to_results(struct tui_app *app, const char *what, const char *before,
			    const char *after, struct tn_err *err)
{
	struct node *t;
	char *name, *path, *sql, *title;

	PANE_OR_FAIL(p, app, err);
	if ((t = cursor_table(p, what, err)) == NULL)
		return err->code;
	if (app->pane[PANE_RESULTS] == NULL)
		return tn_err_set(err, TN_EINVAL, "%s: the Results pane is not open", what);
	name = node_sql_name(t);
	path = node_path(t);
	sql = tn_asprintf("%s%s%s", before, name, after);
	title = tn_asprintf("%s %s", what, path);
	results_run(app->pane[PANE_RESULTS], sql, title);
	free(name);
	free(path);
	free(sql);
	free(title);
	return TN_OK;
}

static int a_preview(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	return table_to_results(app, "preview", "SELECT * FROM ", " LIMIT 1000", err);
}

static int a_describe(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	return table_to_results(app, "describe", "DESCRIBE TABLE EXTENDED ", "", err);
}

static int a_insert_name(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct node *n;
	char *text;

	(void)arg;
	PANE_OR_FAIL(p, app, err);
	n = cursor_node(p);
	if (n == NULL || p->rows[p->cur].what != ROW_NODE)
		return tn_err_set(err, TN_EINVAL, "insert name: put the cursor on a name");
	if (app->pane[PANE_EDITOR] == NULL)
		return tn_err_set(err, TN_EINVAL, "insert name: the Editor pane is not open");
	text = n->kind == NK_COLUMN ? tui_quote_ident(n->name) : node_sql_name(n);
	editor_insert_text(app->pane[PANE_EDITOR], text);
	app_status(app, "inserted %s", text);
	free(text);
	return TN_OK;
}

static int a_history(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct node *t;
	char *name;

	(void)arg;
	PANE_OR_FAIL(p, app, err);
	if ((t = cursor_table(p, "history", err)) == NULL)
		return err->code;
	if (t->kind == NK_VIEW)
		return tn_err_set(err, TN_EINVAL, "history: %s is a view; views have no history",
				  t->name);
	if (app->pane[PANE_HISTORY] == NULL)
		return tn_err_set(err, TN_EINVAL, "history: the History pane is not open");
	name = node_sql_name(t);
	history_open(app->pane[PANE_HISTORY], name, -1);
	free(name);
	app_view(app, VIEW_HISTORY);
	app_focus(app, PANE_HISTORY);
	return TN_OK;
}

static void refresh_open(struct catalog_pane *p, struct node *n)
{
	for (size_t i = 0; i < n->nkids; i++) {
		struct node *k = n->kids[i];

		free(k->details);
		k->details = NULL;
		if (k->loaded && k->open)
			load(p, k);
		else
			k->loaded = false; /* listed again when next opened */
		refresh_open(p, k);
	}
}

static int a_refresh(struct tui_app *app, const char *arg, struct tn_err *err)
{
	(void)arg;
	PANE_OR_FAIL(p, app, err);
	load(p, &p->root);
	refresh_open(p, &p->root);
	app_status(app, "reloading the catalog");
	return TN_OK;
}

static int a_jump(struct tui_app *app, const char *arg, struct tn_err *err)
{
	struct catalog_pane *p = pane_of(app);

	if (p == NULL)
		return tn_err_set(err, TN_EINVAL, "the Catalog pane is not open");
	if (arg == NULL || *arg == '\0')
		return app_ask(app, "catalog.jump", "jump to", "");
	if (all_loaded(&p->root)) {
		jump_now(p, arg);
		return TN_OK;
	}
	free(p->jump);
	p->jump = tn_strdup(arg);
	if (!p->names_loading && app->meta != NULL) {
		struct names_job *j = tn_calloc(1, sizeof(*j));

		j->p = p;
		j->pj.work = names_work;
		j->pj.finish = names_finish;
		j->pj.destroy = names_destroy;
		p->names_loading = true;
		tui_pjob_submit(&p->jobs, app->meta, &j->pj);
	}
	return TN_OK;
}

static const struct tui_action catalog_actions[] = {
	{"catalog.up", "Move up the catalog tree", CTX_CATALOG, "k, Up", a_up, false},
	{"catalog.down", "Move down the catalog tree", CTX_CATALOG, "j, Down", a_down, false},
	{"catalog.page_up", "Move a page up the catalog tree", CTX_CATALOG, "PgUp", a_page_up,
	 false},
	{"catalog.page_down", "Move a page down the catalog tree", CTX_CATALOG, "PgDn",
	 a_page_down, false},
	{"catalog.top", "Go to the first catalog", CTX_CATALOG, "g g, Home", a_top, false},
	{"catalog.bottom", "Go to the last line of the catalog tree", CTX_CATALOG, "G, End",
	 a_bottom, false},
	{"catalog.expand",
	 "Open a catalog, schema or table (its columns); on an open table, its details",
	 CTX_CATALOG, "l, Right", a_expand, false},
	{"catalog.collapse", "Close the node under the cursor, or go to its parent", CTX_CATALOG,
	 "h, Left", a_collapse, false},
	{"catalog.toggle", "Open or close a catalog or schema; on a table, its details",
	 CTX_CATALOG, "Enter", a_toggle, false},
	{"catalog.details",
	 "A table's columns, properties, size, files, last change and sample rows",
	 CTX_CATALOG, "D", a_details, false},
	{"catalog.preview", "Preview the table's first 1000 rows in Results", CTX_CATALOG, "p",
	 a_preview, false},
	{"catalog.insert_name", "Insert the name under the cursor into the editor", CTX_CATALOG,
	 "i", a_insert_name, false},
	{"catalog.describe", "DESCRIBE TABLE EXTENDED the table into Results", CTX_CATALOG, "d",
	 a_describe, false},
	{"catalog.history", "Open the table's history (versions, diff, restore)", CTX_CATALOG,
	 "H", a_history, false},
	{"catalog.refresh", "Reload the catalog tree", CTX_CATALOG, "R", a_refresh, false},
	{"catalog.jump", "Jump to a catalog.schema.table by fuzzy name", CTX_CATALOG, "/, f",
	 a_jump, false},
};

struct tui_pane *catalog_pane_new(struct tui_app *app)
{
	static bool registered;
	struct catalog_pane *p = tn_calloc(1, sizeof(*p));

	if (!registered) {
		action_register(catalog_actions, sizeof(catalog_actions) / sizeof(*catalog_actions));
		registered = true;
	}
	p->base.ops = &catalog_ops;
	p->base.app = app;
	p->base.ctx = CTX_CATALOG;
	p->base.title = "Catalog";
	p->root.kind = NK_ROOT;
	p->root.name = tn_strdup("");
	p->root.open = true;
	p->page = 10;
	p->room = true; /* until a draw says otherwise */
	p->dirty = true;
	load(p, &p->root);
	return &p->base;
}

/* dag.c - a pipeline's dependency graph: the names each dataset reads
 * (FROM, JOIN, STREAM, APPLY CHANGES' source) matched to the pipeline's
 * datasets, the checks made before anything runs (a dataset defined
 * twice, APPLY CHANGES into an undeclared table, cycles) and the order
 * the runner follows. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_int.h"

/* A name's three parts, filled from the pipeline's catalog and schema. */
static bool full_match(const struct pipeline *p, char **a, size_t na, char **b, size_t nb)
{
	const char *fa[3], *fb[3];

	if (p->catalog == NULL || p->schema == NULL)
		return false;
	for (int side = 0; side < 2; side++) {
		char **v = side ? b : a;
		size_t n = side ? nb : na;
		const char **f = side ? fb : fa;

		f[0] = n == 3 ? v[0] : p->catalog;
		f[1] = n == 3 ? v[1] : n == 2 ? v[0] : p->schema;
		f[2] = v[n - 1];
	}
	return tn_str_ieq(fa[0], fb[0]) && tn_str_ieq(fa[1], fb[1]) && tn_str_ieq(fa[2], fb[2]);
}

/* Whether ref names the dataset written as name: the same parts, ref is
 * name's last part, or both are the same table once unqualified parts
 * take the pipeline's catalog and schema. ASCII case ignored. */
static bool name_matches(const struct pipeline *p, const char *name, const char *ref)
{
	char *a[3], *b[3];
	size_t na = pl_name_parts(name, a), nb = pl_name_parts(ref, b);
	bool m = false;

	if (na && nb) {
		if (nb == 1) {
			m = tn_str_ieq(b[0], a[na - 1]);
		} else if (na == nb) {
			m = true;
			for (size_t i = 0; i < na; i++)
				m = m && tn_str_ieq(a[i], b[i]);
		} else {
			m = full_match(p, a, na, b, nb);
		}
	}
	pl_parts_free(a, na);
	pl_parts_free(b, nb);
	return m;
}

int pipeline_find(const struct pipeline *p, const char *name)
{
	if (strncasecmp(name, "LIVE.", 5) == 0 && name[5])
		name += 5;
	for (size_t i = 0; i < p->n; i++)
		if (p->ds[i].kind != PL_APPLY_CHANGES && name_matches(p, p->ds[i].name, name))
			return (int)i;
	return -1;
}

/* ------------------------------------------------------ a query's names */

struct names {
	char **v;
	size_t n;
};

static bool names_has(const struct names *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (tn_str_ieq(s->v[i], name))
			return true;
	return false;
}

/* Adds name (taking it) unless there. */
static void names_add(struct names *s, char *name)
{
	if (names_has(s, name)) {
		free(name);
		return;
	}
	s->v = tn_reallocarray(s->v, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = name;
}

static void names_done(struct names *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/* The token after the ')' closing the '(' at open. */
static size_t after_parens(const struct pl_toks *tk, size_t open)
{
	for (size_t k = open + 1; k < tk->n; k++)
		if (pl_tok_op(tk, k, tk->n, ")") && tk->t[k].depth == tk->t[open].depth)
			return k + 1;
	return tk->n;
}

/* The names WITH defines: WITH [RECURSIVE] a [(cols)] AS (...), b AS (...) */
static void cte_names(const struct pl_toks *tk, size_t k, struct names *ctes)
{
	size_t j = k + 1, n = tk->n;

	if (pl_tok_is(tk, j, n, "RECURSIVE"))
		j++;
	while (pl_tok_word(tk, j, n)) {
		size_t name = j++;

		if (pl_tok_op(tk, j, n, "("))
			j = after_parens(tk, j);
		if (!pl_tok_is(tk, j, n, "AS") || !pl_tok_op(tk, j + 1, n, "("))
			return;
		names_add(ctes, pl_unquote_ident(tk->text + tk->t[name].start, tk->t[name].len));
		j = after_parens(tk, j + 1);
		if (!pl_tok_op(tk, j, n, ","))
			return;
		j++;
	}
}

/* A FROM that reads tables: one in the same parentheses as a SELECT
 * (not EXTRACT(x FROM y), TRIM(... FROM s)). */
static bool from_of_select(const struct pl_toks *tk, size_t k)
{
	for (size_t m = k; m-- > 0;) {
		if (tk->t[m].depth < tk->t[k].depth)
			return false;
		if (tk->t[m].depth == tk->t[k].depth && pl_tok_is(tk, m, tk->n, "SELECT"))
			return true;
	}
	return false;
}

static void add_ref(struct names *refs, const struct names *ctes, char *name)
{
	char *parts[3];
	size_t n = pl_name_parts(name, parts);
	bool cte = n == 1 && names_has(ctes, parts[0]);

	pl_parts_free(parts, n);
	if (cte)
		free(name);
	else
		names_add(refs, name);
}

/* The tables after FROM or JOIN at j: a, b AS x, c y (not subqueries,
 * table functions or STREAM, which has its own case). */
static void from_list(const struct pl_toks *tk, size_t j, struct names *refs,
		      const struct names *ctes)
{
	static const char *const not_tables[] = {"STREAM", "LATERAL", "VALUES",
						 "SELECT", "WITH",    NULL};
	size_t n = tk->n;

	for (;;) {
		char *name;

		for (const char *const *w = not_tables; *w; w++)
			if (pl_tok_is(tk, j, n, *w))
				return;
		name = pl_name_read(tk, &j, n);
		if (name == NULL)
			return;
		if (pl_tok_op(tk, j, n, "(")) { /* read_files(...), range(...) */
			free(name);
			return;
		}
		add_ref(refs, ctes, name);
		if (pl_tok_is(tk, j, n, "AS"))
			j++;
		if (j < n && tk->t[j].kind == TARN_TOK_IDENT)
			j++;
		if (!pl_tok_op(tk, j, n, ","))
			return;
		j++;
	}
}

/* The tables query reads, in order of appearance, without CTE names. */
static void query_refs(const char *query, struct names *refs)
{
	struct names ctes = {NULL, 0};
	struct pl_toks tk;

	pl_toks_scan(&tk, query, strlen(query));
	for (size_t k = 0; k < tk.n; k++)
		if (pl_tok_is(&tk, k, tk.n, "WITH"))
			cte_names(&tk, k, &ctes);
	for (size_t k = 0; k < tk.n; k++) {
		if ((pl_tok_is(&tk, k, tk.n, "FROM") && from_of_select(&tk, k)) ||
		    pl_tok_is(&tk, k, tk.n, "JOIN")) {
			from_list(&tk, k + 1, refs, &ctes);
		} else if (pl_tok_is(&tk, k, tk.n, "STREAM")) {
			size_t j = k + 1;
			char *name;

			if (pl_tok_op(&tk, j, tk.n, "("))
				j++;
			name = pl_name_read(&tk, &j, tk.n);
			if (name && pl_tok_op(&tk, j, tk.n, "(")) /* STREAM read_files(...) */
				free(name);
			else if (name)
				add_ref(refs, &ctes, name);
		}
	}
	names_done(&ctes);
	pl_toks_done(&tk);
}

/* ---------------------------------------------------------------- graph */

static void add_dep(struct pl_dataset *ds, size_t dep)
{
	for (size_t i = 0; i < ds->ndeps; i++)
		if (ds->deps[i] == dep)
			return;
	ds->deps = tn_reallocarray(ds->deps, ds->ndeps + 1, sizeof(*ds->deps));
	ds->deps[ds->ndeps++] = dep;
}

static void reset(struct pipeline *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct pl_dataset *ds = &p->ds[i];

		for (size_t k = 0; k < ds->nexternal; k++)
			free(ds->external[k]);
		free(ds->external);
		free(ds->deps);
		ds->external = NULL;
		ds->deps = NULL;
		ds->nexternal = ds->ndeps = 0;
	}
	free(p->order);
	p->order = NULL;
}

static int check_names(const struct pipeline *p, struct tn_err *err)
{
	for (size_t j = 0; j < p->n; j++) {
		const struct pl_dataset *b = &p->ds[j];

		if (b->kind == PL_APPLY_CHANGES)
			continue;
		for (size_t i = 0; i < j; i++) {
			const struct pl_dataset *a = &p->ds[i];

			if (a->kind != PL_APPLY_CHANGES && (name_matches(p, a->name, b->name) ||
							    name_matches(p, b->name, a->name)))
				return tn_err_set(err, TN_EINVAL,
						  "%s:%u: %s is defined twice (also "
						  "at %s:%u)",
						  b->file, b->line, b->name, a->file, a->line);
		}
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct pl_dataset *a = &p->ds[i];
		int t;

		if (a->kind != PL_APPLY_CHANGES)
			continue;
		t = pipeline_find(p, a->name);
		if (t < 0)
			return tn_err_set(err, TN_EINVAL,
					  "%s:%u: APPLY CHANGES INTO %s: no CREATE "
					  "OR REFRESH STREAMING TABLE %s declares the target",
					  a->file, a->line, a->name, a->name);
		if (p->ds[t].kind != PL_STREAMING_TABLE || p->ds[t].query)
			return tn_err_set(err, TN_EINVAL,
					  "%s:%u: APPLY CHANGES INTO %s: the target "
					  "must be a streaming table declared without AS, not the "
					  "%s at %s:%u",
					  a->file, a->line, a->name,
					  p->ds[t].kind == PL_STREAMING_TABLE
						  ? "streaming table with a query"
						  : "materialized view",
					  p->ds[t].file, p->ds[t].line);
	}
	return TN_OK;
}

static void link_deps(struct pipeline *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct pl_dataset *ds = &p->ds[i];
		struct names refs = {NULL, 0}, ext = {NULL, 0};

		if (ds->query)
			query_refs(ds->query, &refs);
		if (ds->kind == PL_APPLY_CHANGES)
			names_add(&refs, tn_strdup(ds->apply.source));
		for (size_t k = 0; k < refs.n; k++) {
			int d = pipeline_find(p, refs.v[k]);

			if (d >= 0)
				add_dep(ds, (size_t)d);
			else
				names_add(&ext, tn_strdup(refs.v[k]));
		}
		ds->external = ext.v;
		ds->nexternal = ext.n;
		names_done(&refs);
	}
	/* the target's declaration comes after every flow into it, so that
	 * its readers (whose deps name the declaration) follow the flows */
	for (size_t i = 0; i < p->n; i++)
		if (p->ds[i].kind == PL_APPLY_CHANGES)
			add_dep(&p->ds[pipeline_find(p, p->ds[i].name)], i);
}

static bool ready(const struct pipeline *p, size_t i, const bool *done)
{
	for (size_t k = 0; k < p->ds[i].ndeps; k++)
		if (!done[p->ds[i].deps[k]])
			return false;
	return true;
}

/* Name a cycle among the datasets not done (each has a dep not done). */
static int cycle_error(const struct pipeline *p, const bool *done, struct tn_err *err)
{
	size_t *path = tn_calloc(p->n + 1, sizeof(*path)), *pos = tn_calloc(p->n, sizeof(*pos));
	size_t len = 0, u = 0, from, first = SIZE_MAX, firstpos = 0;
	struct tn_buf b = TN_BUF_INIT;
	int rc;

	while (done[u])
		u++;
	for (;;) {
		size_t next = SIZE_MAX;

		pos[u] = ++len; /* 1-based: 0 is "not on the path" */
		path[len - 1] = u;
		for (size_t k = 0; k < p->ds[u].ndeps; k++)
			if (!done[p->ds[u].deps[k]] && p->ds[u].deps[k] < next)
				next = p->ds[u].deps[k];
		u = next;
		if (pos[u])
			break;
	}
	from = pos[u] - 1;
	/* start at the member first in file order; flows are not named */
	for (size_t k = from; k < len; k++) {
		if (p->ds[path[k]].kind != PL_APPLY_CHANGES && path[k] < first) {
			first = path[k];
			firstpos = k;
		}
	}
	for (size_t k = 0; k <= len - from; k++) {
		size_t v = path[from + (firstpos - from + k) % (len - from)];

		if (p->ds[v].kind != PL_APPLY_CHANGES)
			tn_buf_printf(&b, NULL, "%s%s", b.len ? " -> " : "", p->ds[v].name);
	}
	rc = tn_err_set(err, TN_EINVAL, "%s:%u: dependency cycle: %s (each reads the next)",
			p->ds[first].file, p->ds[first].line, b.data);
	tn_buf_done(&b);
	free(path);
	free(pos);
	return rc;
}

int pipeline_resolve(struct pipeline *p, struct tn_err *err)
{
	bool *done;
	size_t n = 0;
	int rc;

	reset(p);
	if ((rc = check_names(p, err)) != TN_OK)
		return rc;
	link_deps(p);
	done = tn_calloc(p->n + 1, sizeof(*done));
	p->order = tn_calloc(p->n + 1, sizeof(*p->order));
	/* Kahn's algorithm taking the first ready dataset in file order */
	while (n < p->n) {
		size_t i = 0;

		while (i < p->n && (done[i] || !ready(p, i, done)))
			i++;
		if (i == p->n)
			break;
		done[i] = true;
		p->order[n++] = i;
	}
	if (n < p->n) {
		rc = cycle_error(p, done, err);
		free(p->order);
		p->order = NULL;
	}
	free(done);
	return rc;
}

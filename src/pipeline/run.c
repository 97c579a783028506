/* run.c - pipeline_run: a pipeline's datasets in dependency order on the
 * engine, with expectations, exactly-once streaming batches (the batch's
 * progress rides in its Delta commit as a txn action) and the event log. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "base/time.h"
#include "base/valfmt.h"
#include "pipeline/cdc.h"
#include "pipeline/pipeline.h"
#include "pipeline/run_int.h"
#include "sql/sql.h"
#include "store/store.h"

/* ------------------------------------------------ engine helpers */

int pl_sql(struct tarn_engine *e, const char *sql, int64_t *rows, struct tn_err *err)
{
	return tarn_exec_script(e, sql, strlen(sql), rows, err);
}

int pl_sql_row(struct tarn_engine *e, const char *sql, char ***vals, size_t *n,
	       struct tn_err *err)
{
	struct tarn_result *res = NULL;
	const struct tn_schema *s;
	struct tn_batch b;
	size_t used = 0;
	int rc = tarn_exec(e, sql, strlen(sql), &used, &res, err);

	*vals = NULL;
	*n = 0;
	if (rc != TN_OK || res == NULL)
		return rc;
	s = tarn_result_schema(res);
	if (s != NULL && s->ncols > 0) {
		tn_batch_init(&b, s, 0);
		rc = tarn_result_next(res, &b, err);
		if (rc == TN_OK && b.nrows > 0) {
			*vals = tn_calloc(s->ncols + 1, sizeof(char *));
			for (size_t c = 0; c < s->ncols; c++) {
				struct tn_buf t;

				if (tn_vec_is_null(&b.cols[c], 0))
					continue;
				tn_buf_init(&t, 0);
				tn_value_text(&t, &b.cols[c], 0, 1, NULL);
				tn_buf_putc(&t, '\0', NULL);
				(*vals)[c] = tn_buf_detach(&t, NULL);
			}
			*n = s->ncols;
		}
		while (rc == TN_OK && b.nrows > 0) /* drain: the result must end */
			rc = tarn_result_next(res, &b, err);
		tn_batch_done(&b);
	}
	tarn_result_free(res);
	if (rc != TN_OK) {
		pl_strv_free(*vals, *n);
		*vals = NULL;
		*n = 0;
	}
	return rc;
}

void pl_strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void pl_quote(struct tn_buf *b, const char *s)
{
	tn_buf_putc(b, '\'', NULL);
	for (; s && *s; s++) {
		if (*s == '\'')
			tn_buf_putc(b, '\'', NULL);
		if (*s == '\\')
			tn_buf_putc(b, '\\', NULL);
		tn_buf_putc(b, *s, NULL);
	}
	tn_buf_putc(b, '\'', NULL);
}

/* The text of b as a C string; b keeps owning it. */
static const char *buf_str(struct tn_buf *b)
{
	tn_buf_putc(b, '\0', NULL);
	b->len--;
	return (const char *)b->data;
}

/* ------------------------------------------------------- a run */

struct run {
	struct tarn_engine *e;
	const struct pipeline *p;
	const struct pl_run_opts *o;
	struct pl_run_result *out;
	struct pl_eventlog *log;
	struct store *st;
	bool *bad;        /* per dataset: failed, or skipped for a failure */
};

/* Dots outside `quotes` in a name. */
static int name_parts(const char *name)
{
	int n = 1;
	bool q = false;

	for (const char *c = name; *c; c++) {
		if (*c == '`')
			q = !q;
		else if (*c == '.' && !q)
			n++;
	}
	return n;
}

/* A name as written, qualified under the pipeline's catalog and schema. */
static char *qualify(const struct pipeline *p, const char *name)
{
	switch (name_parts(name)) {
	case 1: return tn_asprintf("`%s`.`%s`.%s", p->catalog, p->schema, name);
	case 2: return tn_asprintf("`%s`.%s", p->catalog, name);
	default: return tn_strdup(name);
	}
}

/* The directory of a table, or NULL when there is no such table. */
static char *table_root(struct tarn_engine *e, const char *table)
{
	char *q = tn_asprintf("DESCRIBE DETAIL %s", table), **row = NULL, *root = NULL;
	size_t n = 0;
	struct tn_err err;

	if (pl_sql_row(e, q, &row, &n, &err) == TN_OK && n > 4 && row[4])
		root = tn_strdup(row[4]);
	pl_strv_free(row, n);
	free(q);
	return root;
}

static int64_t table_latest(struct tarn_engine *e, const char *table)
{
	struct tarn_table_version v;
	struct tn_err err;

	return tarn_table_version_info(e, table, -1, &v, &err) == TN_OK ? v.latest : -1;
}

/* "COMMENT '...' TBLPROPERTIES (...) PARTITIONED BY (...)" of a dataset. */
static void table_extras(struct tn_buf *b, const struct pl_dataset *d)
{
	if (d->comment) {
		tn_buf_puts(b, " COMMENT ", NULL);
		pl_quote(b, d->comment);
	}
	if (d->nprops > 0) {
		tn_buf_puts(b, " TBLPROPERTIES (", NULL);
		for (size_t i = 0; i < d->nprops; i++) {
			if (i)
				tn_buf_puts(b, ", ", NULL);
			pl_quote(b, d->props[i].name);
			tn_buf_puts(b, " = ", NULL);
			pl_quote(b, d->props[i].value);
		}
		tn_buf_putc(b, ')', NULL);
	}
	if (d->npartition_by > 0) {
		tn_buf_puts(b, " PARTITIONED BY (", NULL);
		for (size_t i = 0; i < d->npartition_by; i++)
			tn_buf_printf(b, NULL, "%s%s", i ? ", " : "", d->partition_by[i]);
		tn_buf_putc(b, ')', NULL);
	}
}

/* A relative source path is relative to the pipeline's folder. */
static char *source_path(const struct pipeline *p, const struct pl_dataset *d)
{
	if (d->source.path[0] == '/')
		return tn_strdup(d->source.path);
	return tn_path_join(p->dir, d->source.path);
}

/* CSV and JSON sources get a rescued data column unless their options
 * say otherwise (Parquet files carry their own schema). */
static bool rescue_default(const struct pl_dataset *d)
{
	const char *fmt = NULL;

	for (size_t i = 0; i < d->source.nopts; i++) {
		const char *k = d->source.opts[i].name;

		if (tn_str_ieq(k, "rescuedDataColumn") || tn_str_ieq(k, "rescue"))
			return false;
		if (tn_str_ieq(k, "format"))
			fmt = d->source.opts[i].value;
	}
	return fmt == NULL || tn_str_ieq(fmt, "csv") || tn_str_ieq(fmt, "json");
}

/* read_files over exactly these files (files => 'a,b': absolute paths), with
 * the source's options. hints (may be NULL): the columns earlier batches
 * read, as schemaHints (the source's own hints after them win). */
static void files_relation(struct tn_buf *b, const struct pl_dataset *d, const char *root,
			   char **files, size_t n, const char *hints)
{
	size_t rl = strlen(root);
	struct tn_buf list;
	const char *own = NULL;

	tn_buf_puts(b, "read_files(", NULL);
	pl_quote(b, root);
	for (size_t i = 0; i < d->source.nopts; i++) {
		if (tn_str_ieq(d->source.opts[i].name, "files"))
			continue;
		if (tn_str_ieq(d->source.opts[i].name, "schemaHints")) {
			own = d->source.opts[i].value;
			continue;
		}
		tn_buf_printf(b, NULL, ", %s => ", d->source.opts[i].name);
		pl_quote(b, d->source.opts[i].value);
	}
	if (hints || own) {
		char *all = tn_asprintf("%s%s%s", hints ? hints : "", hints && own ? ", " : "",
					own ? own : "");

		tn_buf_puts(b, ", schemaHints => ", NULL);
		pl_quote(b, all);
		free(all);
	}
	/* As Auto Loader: values that do not fit the inferred schema go to
	 * _rescued_data rather than failing the batch or getting lost. */
	if (rescue_default(d))
		tn_buf_puts(b, ", rescuedDataColumn => '_rescued_data'", NULL);
	tn_buf_init(&list, 0);
	for (size_t i = 0; i < n; i++) {
		const char *f = files[i];

		if (strncmp(f, root, rl) == 0 && f[rl] == '/')
			f += rl + 1; /* relative: the engine's option text is short */
		tn_buf_printf(&list, NULL, "%s%s", i ? "," : "", f);
	}
	tn_buf_puts(b, ", files => ", NULL);
	pl_quote(b, buf_str(&list));
	tn_buf_putc(b, ')', NULL);
	tn_buf_done(&list);
}

/* The source table's columns, `quoted` and comma-separated. */
static int table_columns(struct tarn_engine *e, const char *table, char **out,
			 struct tn_err *err)
{
	char *q = tn_asprintf("SELECT * FROM %s LIMIT 0", table);
	struct tarn_result *res = NULL;
	struct tn_buf b;
	size_t used;
	int rc = tarn_exec(e, q, strlen(q), &used, &res, err);

	free(q);
	*out = NULL;
	if (rc != TN_OK)
		return rc;
	tn_buf_init(&b, 0);
	for (size_t i = 0; res && i < tarn_result_schema(res)->ncols; i++)
		tn_buf_printf(&b, NULL, "%s`%s`", i ? ", " : "", tarn_result_schema(res)->cols[i].name);
	tarn_result_free(res);
	*out = tn_strdup(buf_str(&b));
	tn_buf_done(&b);
	return TN_OK;
}

/* The rows a table source added in versions (from, to]: its inserts. */
static char *changes_relation(const char *table, const char *cols, int64_t from, int64_t to)
{
	struct tn_buf b;
	char *s;

	tn_buf_init(&b, 0);
	if (from < 0) {
		/* from the start: the table as of `to`, not every insert ever
		 * made (rows that later commits deleted or rewrote) */
		tn_buf_printf(&b, NULL, "(SELECT %s FROM %s VERSION AS OF %lld)", cols, table,
			      (long long)to);
		s = tn_strdup(buf_str(&b));
		tn_buf_done(&b);
		return s;
	}
	tn_buf_printf(&b, NULL, "(SELECT %s FROM table_changes(", cols);
	pl_quote(&b, table);
	tn_buf_printf(&b, NULL, ", %lld, %lld) WHERE _change_type = 'insert')", (long long)from + 1,
		      (long long)to);
	s = tn_strdup(buf_str(&b));
	tn_buf_done(&b);
	return s;
}

/* The dataset's query with its source replaced by rel. */
static char *subst_query(const struct pl_dataset *d, const char *rel)
{
	const char *q = d->query;

	if (d->source.kind == PL_SRC_NONE || rel == NULL)
		return tn_strdup(q);
	return tn_asprintf("%.*s%s%s", (int)d->source.start, q, rel,
			   q + d->source.start + d->source.len);
}

/* " WHERE" the rows that pass every DROP ROW expectation, or "". */
static void drop_filter(struct tn_buf *b, const struct pl_dataset *d)
{
	bool any = false;

	for (size_t i = 0; i < d->nexpects; i++) {
		if (d->expects[i].on != PL_DROP)
			continue;
		tn_buf_printf(b, NULL, "%s coalesce((%s), false)", any ? " AND" : " WHERE",
			      d->expects[i].expr);
		any = true;
	}
}

/* Count the batch's rows and each expectation's passes and failures in
 * one query; a FAIL UPDATE expectation that fails is an error. */
static int check_batch(struct run *r, const struct pl_dataset *d, const char *query,
		       struct pl_flow_result *f, struct tn_err *err)
{
	struct tn_buf q;
	char **row = NULL;
	size_t n = 0;
	bool drops = false;
	int64_t rows;
	int rc;

	tn_buf_init(&q, 0);
	tn_buf_puts(&q, "SELECT count(*)", NULL);
	for (size_t i = 0; i < d->nexpects; i++) {
		tn_buf_printf(&q, NULL, ", sum(CASE WHEN coalesce((%s), false) THEN 0 ELSE 1 END)",
			      d->expects[i].expr);
		drops |= d->expects[i].on == PL_DROP;
	}
	if (drops) {
		tn_buf_puts(&q, ", sum(CASE WHEN true", NULL);
		for (size_t i = 0; i < d->nexpects; i++)
			if (d->expects[i].on == PL_DROP)
				tn_buf_printf(&q, NULL, " AND coalesce((%s), false)", d->expects[i].expr);
		tn_buf_puts(&q, " THEN 0 ELSE 1 END)", NULL);
	}
	tn_buf_printf(&q, NULL, " FROM (%s) AS _pl_batch", query);
	rc = pl_sql_row(r->e, buf_str(&q), &row, &n, err);
	tn_buf_done(&q);
	if (rc != TN_OK)
		return rc;
	rows = n > 0 && row[0] ? strtoll(row[0], NULL, 10) : 0;
	f->rows_read += rows; /* a run may take several batches */
	if (f->expects == NULL && d->nexpects > 0) {
		f->expects = tn_calloc(d->nexpects, sizeof(*f->expects));
		f->nexpects = d->nexpects;
		for (size_t i = 0; i < d->nexpects; i++)
			f->expects[i].name = tn_strdup(d->expects[i].name);
	}
	for (size_t i = 0; i < d->nexpects && i + 1 < n; i++) {
		int64_t bad = row[i + 1] ? strtoll(row[i + 1], NULL, 10) : 0;

		f->expects[i].failed += bad;
		f->expects[i].passed += rows - bad;
		if (d->expects[i].on == PL_FAIL && bad > 0 && rc == TN_OK)
			rc = tn_err_set(err, TN_EINVAL,
					"expectation '%s' failed on %lld rows (FAIL UPDATE)",
					d->expects[i].name, (long long)bad);
	}
	if (drops && n == d->nexpects + 2 && row[n - 1])
		f->rows_dropped += strtoll(row[n - 1], NULL, 10);
	pl_strv_free(row, n);
	return rc;
}

static int set_txn(struct run *r, const char *app_id, int64_t version, struct tn_err *err)
{
	struct tn_buf q;
	int rc;

	tn_buf_init(&q, 0);
	tn_buf_puts(&q, "SET spark.databricks.delta.write.txnAppId = ", NULL);
	pl_quote(&q, app_id);
	rc = pl_sql(r->e, buf_str(&q), NULL, err);
	tn_buf_reset(&q);
	tn_buf_printf(&q, NULL, "SET spark.databricks.delta.write.txnVersion = %lld",
		      (long long)version);
	if (rc == TN_OK)
		rc = pl_sql(r->e, buf_str(&q), NULL, err);
	tn_buf_done(&q);
	return rc;
}

static void reset_txn(struct run *r)
{
	struct tn_err err;

	pl_sql(r->e, "RESET spark.databricks.delta.write.txnAppId", NULL, &err);
	pl_sql(r->e, "RESET spark.databricks.delta.write.txnVersion", NULL, &err);
}

static int committed_version(struct run *r, const char *table, const char *app_id,
			     int64_t *v, struct tn_err *err)
{
	int rc = tarn_table_txn_version(r->e, table, app_id, v, err);

	if (rc == TN_OK && *v < 0)
		*v = -1;
	return rc;
}

/* One planned batch of a streaming table: check, then INSERT with its
 * progress. */
static int stream_batch(struct run *r, const struct pl_dataset *d, const char *target,
			const char *app_id, const char *query, int64_t batch,
			struct pl_flow_result *f, struct tn_err *err)
{
	struct tn_buf q;
	int64_t rows = 0;
	/* without expectations the INSERT's count is the rows read: the
	 * input is not read twice */
	int rc = d->nexpects > 0 ? check_batch(r, d, query, f, err) : TN_OK;

	if (rc != TN_OK)
		return rc;
	tn_buf_init(&q, 0);
	tn_buf_printf(&q, NULL, "INSERT INTO %s BY NAME SELECT * FROM (%s) AS _pl_batch", target, query);
	drop_filter(&q, d);
	rc = pl_sql(r->e, "SET spark.databricks.delta.schema.autoMerge.enabled = true", NULL, err);
	if (rc == TN_OK)
		rc = set_txn(r, app_id, batch, err);
	if (rc == TN_OK)
		rc = pl_sql(r->e, buf_str(&q), &rows, err);
	reset_txn(r);
	pl_sql(r->e, "RESET spark.databricks.delta.schema.autoMerge.enabled", NULL, NULL);
	tn_buf_done(&q);
	if (rc == TN_OK && rows > 0) {
		f->rows_written += rows;
		if (d->nexpects == 0)
			f->rows_read += rows;
	}
	return rc;
}

/* The relation of a planned batch (NULL: nothing new). */
static char *batch_relation(struct run *r, const struct pl_dataset *d, const char *src,
			    const char *cols, const char *path, const struct pl_batch *b,
			    const char *hints)
{
	struct tn_buf t;
	char *s, *root;

	if (src != NULL)
		return b->to > b->from ? changes_relation(src, cols, b->from, b->to) : NULL;
	if (b->nfiles == 0)
		return NULL;
	root = pl_files_root(r->st, path);
	tn_buf_init(&t, 0);
	files_relation(&t, d, root, b->files, b->nfiles, hints);
	free(root);
	s = tn_strdup(buf_str(&t));
	tn_buf_done(&t);
	return s;
}

/* Where a streaming flow reads from: the source path (files) or table. */
struct flow_src {
	char *path;   /* files */
	char *table;  /* a table source, qualified */
	char *cols;   /* its columns */
	char *first;  /* a fetched source: the relation of its first batch,
			 which a new target takes its columns from */
};

static void flow_src_done(struct flow_src *s)
{
	free(s->first);
	free(s->path);
	free(s->table);
	free(s->cols);
}

static int flow_src_init(struct run *r, const struct pl_dataset *d, struct flow_src *s,
			 struct tn_err *err)
{
	memset(s, 0, sizeof(*s));
	if (d->kind == PL_APPLY_CHANGES)
		s->table = qualify(r->p, d->apply.source);
	else if (d->source.kind == PL_SRC_TABLE)
		s->table = qualify(r->p, d->source.table);
	else if (d->source.kind == PL_SRC_FILES)
		s->path = source_path(r->p, d);
	else if (d->source.kind != PL_SRC_KAFKA && d->source.kind != PL_SRC_HTTP)
		return tn_err_set(err, TN_EUNSUPPORTED, "%s:%u: %s: this source is not supported yet",
				  d->file, d->line, d->name);
	return s->table ? table_columns(r->e, s->table, &s->cols, err) : TN_OK;
}

/* The declaration (CREATE OR REFRESH STREAMING TABLE without AS) of an
 * APPLY CHANGES target, or NULL. */
static const struct pl_dataset *declaration(const struct pipeline *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->ds[i].kind == PL_STREAMING_TABLE && p->ds[i].query == NULL &&
		    tn_str_ieq(p->ds[i].name, name))
			return &p->ds[i];
	return NULL;
}

/* Create a flow's target when it does not exist; *root: its directory. */
static int ensure_target(struct run *r, const struct pl_dataset *d, const char *target,
			 const struct flow_src *src, const char *app_id, char **root,
			 struct tn_err *err)
{
	struct tn_buf q;
	char *rel = NULL, *query = NULL, *dir;
	int rc = TN_OK;

	*root = table_root(r->e, target);
	if (*root != NULL)
		return TN_OK;
	tn_buf_init(&q, 0);
	if (src->table)
		rel = tn_asprintf("(SELECT %s FROM %s)", src->cols, src->table);
	if (d->kind == PL_APPLY_CHANGES) {
		const struct pl_dataset *decl = declaration(r->p, d->name);
		bool created;

		if (decl)
			table_extras(&q, decl);
		rc = cdc_target_create(r->e, &d->apply, target, rel, q.len ? buf_str(&q) : NULL,
				       &created, err);
		goto made;
	}
	if (d->columns != NULL) {
		tn_buf_printf(&q, NULL, "CREATE TABLE IF NOT EXISTS %s (%s)", target, d->columns);
		table_extras(&q, d);
	} else {
		if (src->path) {
			char **files;
			size_t n;

			rc = store_glob(r->st, src->path, &files, &n, err);
			if (rc == TN_OK && n > 0) {
				struct tn_buf t;

				char *top = pl_files_root(r->st, src->path);

				tn_buf_init(&t, 0);
				files_relation(&t, d, top, files, n, NULL);
				free(top);
				rel = tn_strdup(buf_str(&t));
				tn_buf_done(&t);
			}
			pl_strv_free(files, n);
			if (rc != TN_OK || rel == NULL)
				goto out; /* no input yet: nothing to take a schema from */
		} else if (src->first) {
			rel = tn_strdup(src->first);
		} else if (!src->table) {
			goto out; /* a fetched source with nothing fetched yet */
		}
		query = subst_query(d, rel);
		tn_buf_printf(&q, NULL, "CREATE TABLE IF NOT EXISTS %s", target);
		table_extras(&q, d);
		tn_buf_printf(&q, NULL, " AS SELECT * FROM (%s) AS _pl_q LIMIT 0", query);
	}
	rc = pl_sql(r->e, buf_str(&q), NULL, err);
made:
	if (rc == TN_OK)
		*root = table_root(r->e, target);
	if (rc == TN_OK && *root == NULL)
		rc = tn_err_set(err, TN_EINTERNAL, "%s: created but not found", target);
	if (rc == TN_OK) {
		/* a new table has read nothing: forget a dropped one's progress */
		dir = pl_offsets_dir(*root, app_id);
		rc = pl_offsets_clear(r->st, dir, err);
		free(dir);
	}
out:
	free(rel);
	free(query);
	tn_buf_done(&q);
	return rc;
}

/* A full refresh: empty the table in a commit that carries batch N's txn,
 * N's offsets saying "refresh", so what was read before no longer counts
 * exactly when the rows are gone. */
static int refresh_stream(struct run *r, const char *target, const char *app_id,
			  const char *dir, struct tn_err *err)
{
	struct pl_batch b = {0};
	int64_t committed;
	char *q;
	int rc = committed_version(r, target, app_id, &committed, err);

	if (rc != TN_OK)
		return rc;
	b.batch = committed + 1;
	b.refresh = true;
	rc = pl_offsets_trim(r->st, dir, committed, err);
	if (rc == TN_OK)
		rc = pl_offsets_write(r->st, dir, &b, err);
	if (rc == TN_OK)
		rc = set_txn(r, app_id, b.batch, err);
	q = tn_asprintf("DELETE FROM %s", target);
	if (rc == TN_OK)
		rc = pl_sql(r->e, q, NULL, err);
	reset_txn(r);
	free(q);
	return rc;
}

/* ------------------------------------------------ fetched sources */

/* Records in one batch of a fetched source (a source option may ask for
 * fewer). */
#define PL_FETCH_MAX 200000

static bool cancelled(const struct run *r)
{
	return r->o->cancel != NULL && *r->o->cancel != 0;
}

/* Move a staged file into place (a copy when rename cannot: another file
 * system). */
static int move_file(struct store *st, const char *from, const char *to, struct tn_err *err)
{
	struct tn_buf b;
	int rc;

	if (rename(from, to) == 0)
		return TN_OK;
	if (errno != EXDEV)
		return tn_err_sys(err, errno, "rename %s to %s", from, to);
	tn_buf_init(&b, 0);
	rc = store_read_all(st, from, &b, err);
	if (rc == TN_OK)
		rc = store_write(st, to, b.data, b.len, err);
	if (rc == TN_OK)
		unlink(from);
	tn_buf_done(&b);
	return rc;
}

/* Fetch what follows `from` into the file tmp. */
static int fetch(struct run *r, const struct pl_dataset *d, const char *from, const char *tmp,
		 char **to, int64_t *rows, struct tn_err *err)
{
	struct pl_fetch f = {
		.d = d, .from = from, .staged = tmp, .max_records = PL_FETCH_MAX,
		.cancel = r->o->cancel,
	};
	char *dir = tn_strdup(tmp), *slash = strrchr(dir, '/');
	int rc;

	*to = NULL;
	*rows = 0;
	if (slash)
		*slash = '\0';
	rc = tn_mkdirs(dir, 0777, err);
	free(dir);
	if (rc != TN_OK)
		return rc;
	rc = d->source.kind == PL_SRC_KAFKA ? pl_kafka_fetch(&f, to, rows, err)
					    : pl_http_fetch(&f, to, rows, err);
	if (rc != TN_OK || *rows == 0) {
		unlink(tmp);
		free(*to);
		*to = NULL;
		*rows = 0;
	}
	return rc;
}

static char *fetched_relation(const struct pl_dataset *d, const char *staged)
{
	return d->source.kind == PL_SRC_KAFKA ? pl_kafka_relation(d, staged)
					      : pl_http_relation(d, staged);
}

/* A streaming table reading Kafka or an HTTP API: each batch is fetched
 * into a staged file named by its offsets file before it runs, so a batch
 * killed before its commit runs again on exactly the same records. */
static int run_fetched(struct run *r, const struct pl_dataset *d, const char *target,
		       struct pl_flow_result *f, struct tn_err *err)
{
	struct flow_src src = {0};
	char *app_id = pl_app_id(r->p->name, d->name), *root = table_root(r->e, target);
	char *dir = NULL, *sdir = NULL, *first = NULL, *first_state = NULL;
	int64_t rows = 0;
	bool created = root == NULL;
	int rc = TN_OK;

	if (created) {
		/* A new table takes its columns from the first batch, which is
		 * fetched before the table (and its staged directory) exists. */
		char *top = tn_path_join(tarn_engine_lakehouse(r->e), ".tarn/pipeline-staging");
		char *tdir = pl_staged_dir(top, app_id);

		first = tn_path_join(tdir, "first.jsonl");
		free(top);
		free(tdir);
		rc = fetch(r, d, NULL, first, &first_state, &rows, err);
		if (rc != TN_OK || rows == 0)
			goto out;
		src.first = fetched_relation(d, first);
		rc = ensure_target(r, d, target, &src, app_id, &root, err);
		if (rc != TN_OK)
			goto out;
	}
	dir = pl_offsets_dir(root, app_id);
	sdir = pl_staged_dir(root, app_id);
	if (r->o->full_refresh && !created)
		rc = refresh_stream(r, target, app_id, dir, err);
	while (rc == TN_OK) {
		struct pl_batch b;
		int64_t committed;
		bool reused;
		char *from = NULL, *staged, *rel, *query;

		if (cancelled(r)) {
			rc = tn_err_set(err, TN_ECANCELED, "%s: cancelled", d->name);
			break;
		}
		rc = committed_version(r, target, app_id, &committed, err);
		if (rc == TN_OK)
			rc = pl_plan_fetch(r->st, dir, sdir, committed, &b, &from, &reused, err);
		if (rc != TN_OK)
			break;
		if (!reused) {
			char *tmp = tn_asprintf("%s/%lld.jsonl.tmp", sdir, (long long)b.batch);

			b.staged = tn_asprintf("%lld.jsonl", (long long)b.batch);
			staged = tn_path_join(sdir, b.staged);
			if (first != NULL) {
				/* the batch fetched to make the table */
				rc = tn_mkdirs(sdir, 0777, err);
				if (rc == TN_OK)
					rc = move_file(r->st, first, staged, err);
				b.state = first_state;
				first_state = NULL;
			} else {
				rc = fetch(r, d, from, tmp, &b.state, &rows, err);
				if (rc == TN_OK && rows > 0)
					rc = move_file(r->st, tmp, staged, err);
			}
			free(first);
			first = NULL;
			free(tmp);
			if (rc == TN_OK && b.state != NULL)
				rc = pl_offsets_write(r->st, dir, &b, err);
		} else {
			staged = tn_path_join(sdir, b.staged);
		}
		free(from);
		if (rc != TN_OK || b.state == NULL) {
			free(staged);
			pl_batch_done(&b);
			break; /* failed, or nothing new */
		}
		rel = fetched_relation(d, staged);
		query = subst_query(d, rel);
		rc = stream_batch(r, d, target, app_id, query, b.batch, f, err);
		if (rc == TN_OK) {
			unlink(staged); /* committed: never read again */
			f->version = table_latest(r->e, target);
		}
		free(query);
		free(rel);
		free(staged);
		pl_batch_done(&b);
		if (d->source.kind == PL_SRC_HTTP && !reused)
			break; /* an HTTP fetch takes everything new at once */
	}
out:
	if (first != NULL)
		unlink(first);
	flow_src_done(&src);
	free(first);
	free(first_state);
	free(app_id);
	free(root);
	free(dir);
	free(sdir);
	return rc;
}

/* The columns a file source's relation has, as schemaHints text
 * ("`a` bigint, `b` string"; not the rescued data column, nor nested
 * columns, which hints cannot state), or NULL. */
static char *source_columns(struct run *r, const char *rel)
{
	char *q = tn_asprintf("SELECT * FROM %s AS _pl_s LIMIT 0", rel);
	struct tarn_result *res = NULL;
	const struct tn_schema *sch;
	struct tn_buf t;
	struct tn_err err;
	size_t used;
	char *out = NULL;

	tn_buf_init(&t, 0);
	if (tarn_exec(r->e, q, strlen(q), &used, &res, &err) == TN_OK && res != NULL &&
	    (sch = tarn_result_schema(res)) != NULL) {
		for (size_t i = 0; i < sch->ncols; i++) {
			char ty[128];

			if (strcmp(sch->cols[i].name, "_rescued_data") == 0 ||
			    tn_type_is_nested(&sch->cols[i].type) ||
			    strchr(sch->cols[i].name, '`') != NULL)
				continue;
			tn_buf_printf(&t, NULL, "%s`%s` %s", t.len ? ", " : "", sch->cols[i].name,
				      tn_type_name(&sch->cols[i].type, ty, sizeof(ty)));
		}
		if (t.len > 0)
			out = tn_strdup(buf_str(&t));
	}
	tarn_result_free(res);
	tn_buf_done(&t);
	free(q);
	return out;
}

/* A file source's schema location (as Auto Loader's): the columns and
 * types its batches have read so far, so a later file whose values do not
 * fit them (a column inferred as bigint, then "n/a") has them rescued
 * instead of changing the column's type or failing the flow. New columns
 * are added as they appear. */
static char *schema_read(struct run *r, const char *file)
{
	struct tn_buf b;
	struct tn_err err;
	char *s = NULL;

	tn_buf_init(&b, 1u << 20);
	if (store_read_all(r->st, file, &b, &err) == TN_OK && b.len > 0)
		s = tn_strndup((const char *)b.data, b.len);
	tn_buf_done(&b);
	return s;
}

/* A streaming table or an APPLY CHANGES flow: batches of new input. */
static int run_stream(struct run *r, const struct pl_dataset *d, const char *target,
		      struct pl_flow_result *f, struct tn_err *err)
{
	struct flow_src src;
	char *app_id = pl_app_id(r->p->name, d->name), *root = NULL, *dir = NULL;
	char *schema_file = NULL, *hints = NULL;
	int rc = flow_src_init(r, d, &src, err);

	if (rc == TN_OK)
		rc = ensure_target(r, d, target, &src, app_id, &root, err);
	if (rc != TN_OK || root == NULL)
		goto out;
	dir = pl_offsets_dir(root, app_id);
	if (src.path) {
		schema_file = pl_schema_file(root, app_id);
		if (r->o->full_refresh)
			store_remove(r->st, schema_file, NULL); /* everything is read again */
		hints = schema_read(r, schema_file);
	}
	if (r->o->full_refresh)
		rc = refresh_stream(r, target, app_id, dir, err);
	/* a batch planned by a killed run first, then what is new */
	for (;;) {
		struct pl_batch b;
		int64_t committed, latest = -1;
		bool reused;
		char *rel, *query, *seen = NULL;

		if (cancelled(r)) {
			rc = tn_err_set(err, TN_ECANCELED, "%s: cancelled", d->name);
			break;
		}
		rc = committed_version(r, target, app_id, &committed, err);
		if (rc == TN_OK && src.table)
			latest = table_latest(r->e, src.table);
		if (rc == TN_OK)
			rc = pl_plan(r->st, dir, committed, src.path, latest, &b, &reused, err);
		if (rc != TN_OK)
			break;
		rel = batch_relation(r, d, src.table, src.cols, src.path, &b, hints);
		if (rel == NULL) {
			pl_batch_done(&b);
			break;
		}
		if (src.path)
			seen = source_columns(r, rel);
		if (!reused)
			rc = pl_offsets_write(r->st, dir, &b, err);
		if (rc == TN_OK && d->kind == PL_APPLY_CHANGES) {
			struct cdc_stats cs = {0};

			rc = set_txn(r, app_id, b.batch, err);
			if (rc == TN_OK)
				rc = cdc_apply(r->e, &d->apply, target, rel, &cs, err);
			reset_txn(r);
			f->rows_read += cs.rows_read;
			f->rows_written += cs.inserted + cs.updated + cs.deleted;
		} else if (rc == TN_OK) {
			query = subst_query(d, rel);
			rc = stream_batch(r, d, target, app_id, query, b.batch, f, err);
			free(query);
		}
		free(rel);
		pl_batch_done(&b);
		if (rc == TN_OK)
			f->version = table_latest(r->e, target);
		if (rc == TN_OK && seen && (hints == NULL || strcmp(seen, hints) != 0)) {
			/* after the commit: a kill in between only re-infers
			 * the new columns' types next time */
			rc = store_write(r->st, schema_file, seen, strlen(seen), err);
			free(hints);
			hints = seen;
			seen = NULL;
		}
		free(seen);
		if (rc != TN_OK || (src.table != NULL && !reused))
			break; /* a table source's batch takes every new version */
	}
out:
	flow_src_done(&src);
	free(app_id);
	free(root);
	free(dir);
	free(schema_file);
	free(hints);
	return rc;
}

/* A materialized view: recomputed into a Delta table that keeps its history. */
static int run_mv(struct run *r, const struct pl_dataset *d, const char *target,
		  struct pl_flow_result *f, struct tn_err *err)
{
	struct tn_buf q, extras;
	int rc = check_batch(r, d, d->query, f, err);

	if (rc != TN_OK)
		return rc;
	tn_buf_init(&q, 0);
	tn_buf_init(&extras, 0);
	table_extras(&extras, d);
	tn_buf_printf(&q, NULL, "CREATE OR REPLACE TABLE %s%s AS SELECT * FROM (%s) AS _pl_batch",
		      target, buf_str(&extras), d->query);
	drop_filter(&q, d);
	rc = pl_sql(r->e, buf_str(&q), NULL, err);
	if (rc == TN_OK) {
		f->rows_written = f->rows_read - f->rows_dropped;
		f->version = table_latest(r->e, target);
	}
	tn_buf_done(&q);
	tn_buf_done(&extras);
	return rc;
}

static const char *state_name(enum pl_flow_state s)
{
	static const char *const names[] = {"QUEUED", "RUNNING", "COMPLETED",
					    "FAILED", "SKIPPED", "CANCELLED"};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "UNKNOWN";
}

static void log_flow(struct run *r, const struct pl_dataset *d, const struct pl_flow_result *f)
{
	struct tn_buf j, msg;

	tn_buf_init(&j, 0);
	tn_buf_init(&msg, 0);
	tn_buf_printf(&j, NULL,
		      "{\"flow_progress\":{\"status\":\"%s\",\"metrics\":{\"num_input_rows\":%lld,"
		      "\"num_output_rows\":%lld},\"data_quality\":{\"dropped_records\":%lld,"
		      "\"expectations\":[",
		      state_name(f->state), (long long)f->rows_read, (long long)f->rows_written,
		      (long long)f->rows_dropped);
	for (size_t i = 0; i < f->nexpects; i++) {
		tn_buf_puts(&j, i ? ",{\"name\":" : "{\"name\":", NULL);
		tn_json_string(&j, f->expects[i].name, strlen(f->expects[i].name), NULL);
		tn_buf_puts(&j, ",\"dataset\":", NULL);
		tn_json_string(&j, d->name, strlen(d->name), NULL);
		tn_buf_printf(&j, NULL, ",\"passed_records\":%lld,\"failed_records\":%lld}",
			      (long long)f->expects[i].passed, (long long)f->expects[i].failed);
	}
	tn_buf_printf(&j, NULL, "]},\"table_version\":");
	if (f->version >= 0)
		tn_buf_printf(&j, NULL, "%lld", (long long)f->version);
	else
		tn_buf_puts(&j, "null", NULL);
	tn_buf_printf(&j, NULL, ",\"duration_ms\":%lld", (long long)(f->ms + 0.5));
	if (f->error) {
		tn_buf_puts(&j, ",\"error\":", NULL);
		tn_json_string(&j, f->error, strlen(f->error), NULL);
	}
	tn_buf_puts(&j, "}}", NULL);
	if (f->state == PL_FLOW_FAILED)
		tn_buf_printf(&msg, NULL, "Flow '%s' has FAILED: %s", d->name, f->error);
	else
		tn_buf_printf(&msg, NULL, "Flow '%s' is %s.", d->name, state_name(f->state));
	pl_eventlog_add(r->log, f->state == PL_FLOW_FAILED ? "ERROR" : "INFO", "flow_progress",
			d->name, buf_str(&msg), buf_str(&j));
	tn_buf_done(&j);
	tn_buf_done(&msg);
}

static void progress(struct run *r, const struct pl_flow_result *f)
{
	if (r->o->progress)
		r->o->progress(r->o->ctx, r->p, f);
}

static void run_flow(struct run *r, size_t di)
{
	const struct pl_dataset *d = &r->p->ds[di];
	struct pl_flow_result *f = &r->out->flows[di];
	char *target = qualify(r->p, d->name);
	int64_t t0 = tn_time_mono_us();
	struct tn_err err;
	int rc = TN_OK;

	tn_err_clear(&err);
	f->state = PL_FLOW_RUNNING;
	progress(r, f);
	if (d->kind == PL_MATERIALIZED_VIEW)
		rc = run_mv(r, d, target, f, &err);
	else if (d->kind != PL_APPLY_CHANGES &&
		 (d->source.kind == PL_SRC_KAFKA || d->source.kind == PL_SRC_HTTP))
		rc = run_fetched(r, d, target, f, &err);
	else if (d->kind == PL_APPLY_CHANGES || d->query != NULL)
		rc = run_stream(r, d, target, f, &err);
	else if (d->columns != NULL && declaration(r->p, d->name) == d) {
		/* a declared table: made now so that readers find it */
		struct tn_buf q;

		tn_buf_init(&q, 0);
		tn_buf_printf(&q, NULL, "CREATE TABLE IF NOT EXISTS %s (%s)", target, d->columns);
		table_extras(&q, d);
		rc = pl_sql(r->e, buf_str(&q), NULL, &err);
		tn_buf_done(&q);
	}
	f->ms = (double)(tn_time_mono_us() - t0) / 1000.0;
	if (rc == TN_ECANCELED) {
		f->state = PL_FLOW_CANCELLED;
		f->error = tn_strdup(err.msg);
	} else if (rc != TN_OK) {
		f->state = PL_FLOW_FAILED;
		f->error = tn_asprintf("%s: %s", d->name, err.msg);
	} else {
		f->state = PL_FLOW_COMPLETED;
	}
	free(target);
	log_flow(r, d, f);
	progress(r, f);
}

/* ------------------------------------------------- before running */

static int validate(struct run *r, struct tn_err *err)
{
	const struct pipeline *p = r->p;

	for (size_t i = 0; i < p->n; i++) {
		const struct pl_dataset *d = &p->ds[i];

		for (size_t k = 0; k < d->nexternal; k++) {
			char *q = qualify(p, d->external[k]), *sql = tn_asprintf("DESCRIBE TABLE %s", q);
			struct tn_err e2;
			int rc = pl_sql(r->e, sql, NULL, &e2);

			free(q);
			free(sql);
			if (rc != TN_OK)
				return tn_err_set(err, TN_ENOENT, "%s:%u: unknown table or dataset '%s'",
						  d->file, d->line, d->external[k]);
		}
		if (d->source.kind == PL_SRC_FILES && d->source.path != NULL) {
			char *path = source_path(p, d), *dir = tn_strdup(path), *glob;
			struct store_stat ss;
			struct tn_err e2;
			int rc;

			/* a glob's directory must exist */
			glob = strpbrk(dir, "*?[");
			if (glob) {
				char *slash = strrchr(dir, '/');

				if (slash)
					*slash = '\0';
			}
			rc = store_stat(r->st, dir, &ss, &e2);
			free(dir);
			if (rc != TN_OK) {
				rc = tn_err_set(err, TN_ENOENT, "%s:%u: source path '%s' does not exist",
						d->file, d->line, path);
				free(path);
				return rc;
			}
			free(path);
		}
	}
	return TN_OK;
}

void pl_run_result_free(struct pl_run_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++) {
		struct pl_flow_result *f = &r->flows[i];

		for (size_t k = 0; k < f->nexpects; k++)
			free(f->expects[k].name);
		free(f->expects);
		free(f->error);
	}
	free(r->flows);
	free(r->update_id);
	memset(r, 0, sizeof(*r));
}

static void use_schema(struct tarn_engine *e, const char *catalog, const char *schema)
{
	char *q = tn_asprintf("USE `%s`.`%s`", catalog, schema);
	struct tn_err err;

	pl_sql(e, q, NULL, &err);
	free(q);
}

int pipeline_run(struct tarn_engine *e, const struct pipeline *p, const struct pl_run_opts *o,
		 struct pl_run_result *out, struct tn_err *err)
{
	static const struct pl_run_opts none = {0};
	struct run r = {.e = e, .p = p, .o = o ? o : &none, .out = out};
	char id[37], *old_cat = tn_strdup(tarn_engine_catalog(e));
	char *old_schema = tn_strdup(tarn_engine_schema(e)), *log_path = NULL, *q;
	int64_t t0 = tn_time_mono_us();
	int sel = -1, rc;
	struct tn_err first;

	memset(out, 0, sizeof(*out));
	tn_err_clear(&first);
	pl_uuid(id);
	out->update_id = tn_strdup(id);
	out->n = p->n;
	out->flows = tn_calloc(p->n + 1, sizeof(*out->flows));
	for (size_t i = 0; i < p->n; i++) {
		out->flows[i].dataset = i;
		out->flows[i].version = -1;
	}
	r.st = store_local_new("");
	r.bad = tn_calloc(p->n + 1, sizeof(bool));
	if (r.o->dataset) {
		sel = pipeline_find(p, r.o->dataset);
		if (sel < 0) {
			rc = tn_err_set(err, TN_ENOENT, "pipeline %s has no dataset '%s'", p->name,
					r.o->dataset);
			goto out;
		}
	}
	rc = validate(&r, err);
	if (rc != TN_OK)
		goto out;
	q = tn_asprintf("CREATE SCHEMA IF NOT EXISTS `%s`.`%s`", p->catalog, p->schema);
	rc = pl_sql(e, q, NULL, err);
	free(q);
	if (rc != TN_OK)
		goto out;
	log_path = tn_path_join(p->dir, "_event_log"); /* pipeline_event_log_path's place */
	rc = pl_eventlog_open(e, log_path, p->name, id, &r.log, err);
	if (rc != TN_OK)
		goto out;
	use_schema(e, p->catalog, p->schema);
	{
		char *msg = tn_asprintf("Update %s started%s.", id,
					r.o->full_refresh ? " (full refresh)" : "");
		char *det = tn_asprintf("{\"create_update\":{\"full_refresh\":%s,\"dataset\":%s%s%s}}",
					r.o->full_refresh ? "true" : "false", r.o->dataset ? "\"" : "",
					r.o->dataset ? r.o->dataset : "null", r.o->dataset ? "\"" : "");

		pl_eventlog_add(r.log, "INFO", "create_update", NULL, msg, det);
		free(msg);
		free(det);
	}
	for (size_t k = 0; k < p->n; k++) {
		size_t i = p->order[k];
		struct pl_flow_result *f = &out->flows[i];
		bool upstream_bad = false, stopped = false;

		for (size_t j = 0; j < p->n; j++)
			stopped |= out->flows[j].state == PL_FLOW_CANCELLED;
		for (size_t j = 0; j < p->ds[i].ndeps; j++)
			upstream_bad |= r.bad[p->ds[i].deps[j]];
		if (sel >= 0 && (int)i != sel) {
			f->state = PL_FLOW_SKIPPED;
			continue;
		}
		if (cancelled(&r) && first.code == TN_OK)
			tn_err_set(&first, TN_ECANCELED, "pipeline %s: cancelled", p->name);
		stopped |= first.code == TN_ECANCELED;
		if (upstream_bad || stopped) {
			f->state = PL_FLOW_SKIPPED;
			r.bad[i] = true;
			log_flow(&r, &p->ds[i], f);
			progress(&r, f);
			continue;
		}
		run_flow(&r, i);
		if (f->state != PL_FLOW_COMPLETED) {
			r.bad[i] = true;
			if (first.code == TN_OK)
				tn_err_set(&first,
					   f->state == PL_FLOW_CANCELLED ? TN_ECANCELED : TN_EINVAL,
					   "%s", f->error ? f->error : "failed");
		}
		pl_eventlog_flush(r.log, NULL);
	}
	out->ok = first.code == TN_OK;
	{
		const char *state = out->ok			    ? "COMPLETED"
				    : first.code == TN_ECANCELED ? "CANCELED"
								 : "FAILED";
		char *det = tn_asprintf("{\"update_progress\":{\"state\":\"%s\"}}", state);
		char *msg = tn_asprintf("Update %s.", state);

		pl_eventlog_add(r.log, out->ok ? "INFO" : first.code == TN_ECANCELED ? "WARN" : "ERROR",
				"update_progress", NULL, msg, det);
		free(msg);
		free(det);
	}
	rc = pl_eventlog_flush(r.log, err);
	if (!out->ok) {
		rc = first.code;
		if (err)
			*err = first;
	}
out:
	out->ms = (double)(tn_time_mono_us() - t0) / 1000.0;
	if (r.log && old_cat && old_schema)
		use_schema(e, old_cat, old_schema);
	pl_eventlog_close(r.log);
	store_free(r.st);
	free(r.bad);
	free(log_path);
	free(old_cat);
	free(old_schema);
	return rc;
}

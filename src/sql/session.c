/* session.c - the engine (sql.h): open a lakehouse, split SQL text into
 * statements, send each to its handler or, rewritten, to SQLite; the
 * statement's and explicit transactions' Delta transactions; the audit
 * log. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "base/time.h"
#include "sql/session.h"
#include "sql/value.h"

char *tarn_lakehouse_default(void)
{
	const char *v = getenv("TARN_HOME");
	char *p;

	if (v && *v)
		return tn_strdup(v);
	v = getenv("XDG_DATA_HOME");
	if (v && *v)
		return tn_path_join(v, "tarn");
	v = getenv("HOME");
	if (v == NULL || *v == '\0') {
		struct passwd *pw = getpwuid(getuid());

		v = pw ? pw->pw_dir : "/tmp";
	}
	p = tn_path_join(v, ".local/share/tarn");
	return p;
}

/* ---- host callbacks for the virtual tables ---- */

static int host_tx_for(void *ctx, const char *root, struct delta_tx **tx, struct tn_err *err)
{
	struct sess_tx *s;
	int rc = sess_tx_for(ctx, root, NULL, &s, err);

	if (rc == TN_OK) {
		s->changed = true;
		*tx = s->tx;
	}
	return rc;
}

static struct delta_snapshot *host_tx_view(void *ctx, const char *root)
{
	struct tarn_engine *e = ctx;

	for (size_t i = 0; i < e->ntxs; i++) {
		struct sess_tx *s = &e->txs[i];
		struct tn_err err;

		if (strcmp(s->root, root) != 0 || !s->changed)
			continue;
		if (s->view) {
			delta_snapshot_free(s->view);
			s->view = NULL;
		}
		if (delta_tx_view(s->tx, &s->view, &err) != TN_OK)
			return NULL;
		return s->view;
	}
	return NULL;
}

static void host_scan_done(void *ctx, const char *what, const struct delta_scan_metrics *m)
{
	struct tarn_engine *e = ctx;

	if (!e->keep_scans)
		return;
	e->scans = tn_realloc(e->scans, (e->nscans + 1) * sizeof(*e->scans));
	e->scans[e->nscans].what = tn_strdup(what);
	e->scans[e->nscans].m = *m;
	e->nscans++;
}

/* ---- opening ---- */

static char *abs_dir(const char *dir)
{
	char cwd[4096];

	if (dir[0] == '/')
		return tn_strdup(dir);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return tn_strdup(dir);
	return tn_path_join(cwd, dir);
}

int tarn_engine_open(const struct tarn_engine_opts *o, struct tarn_engine **out,
		     struct tn_err *err)
{
	struct tarn_engine *e = tn_calloc(1, sizeof(*e));
	char *dir = o && o->lakehouse ? tn_strdup(o->lakehouse) : tarn_lakehouse_default();
	const struct cat_principal *me = cat_principal_current();
	int rc;

	e->lakehouse = abs_dir(dir);
	free(dir);
	rc = cat_open(e->lakehouse, &e->cat, err);
	if (rc != TN_OK) {
		free(e->lakehouse);
		free(e);
		return rc;
	}
	e->st = store_local_new("");
	if ((o && o->user) || (getenv("TARN_USER") && *getenv("TARN_USER"))) {
		/* another principal (a service account, or tests of grants):
		 * privileges guard against mistakes, not against someone who
		 * can write tarn.db anyway */
		e->user = tn_strdup(o && o->user ? o->user : getenv("TARN_USER"));
		e->who.user = e->user;
	} else {
		e->user = tn_strdup(me->user);
		e->who = *me;
		e->who.user = e->user;
	}
	e->no_audit = o && o->no_audit;
	e->catalog = tn_strdup("main");
	e->schema = tn_strdup("default");
	if (sqlite3_open_v2(":memory:", &e->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		tn_err_set(err, TN_EINTERNAL, "cannot open the SQL engine: %s", sqlite3_errmsg(e->db));
		tarn_engine_close(e);
		return TN_EINTERNAL;
	}
	e->host.st = e->st;
	e->host.ctx = e;
	e->host.tx_for = host_tx_for;
	e->host.tx_view = host_tx_view;
	e->host.scan_done = host_scan_done;
	rc = sql_vtab_register(e->db, &e->host, err);
	if (rc == TN_OK)
		rc = sql_funcs_register(e->db, err);
	if (rc != TN_OK) {
		tarn_engine_close(e);
		return rc;
	}
	*out = e;
	return TN_OK;
}

void tarn_engine_close(struct tarn_engine *e)
{
	if (e == NULL)
		return;
	if (e->active)
		tarn_result_free(e->active);
	sess_tx_end(e, false, NULL, NULL);
	sess_drop_temps(e);
	if (e->db)
		sqlite3_close(e->db);
	cat_close(e->cat);
	store_free(e->st);
	free(e->temps);
	free(e->txs);
	for (size_t i = 0; i < e->nscans; i++)
		free(e->scans[i].what);
	free(e->scans);
	sess_settings_clear(e);
	free(e->settings);
	free(e->idem_skipped);
	free(e->catalog);
	free(e->schema);
	free(e->user);
	free(e->lakehouse);
	free(e);
}

const char *tarn_engine_lakehouse(const struct tarn_engine *e)
{
	return e->lakehouse;
}

const char *tarn_engine_catalog(const struct tarn_engine *e)
{
	return e->catalog;
}

const char *tarn_engine_schema(const struct tarn_engine *e)
{
	return e->schema;
}

bool tarn_engine_in_transaction(const struct tarn_engine *e)
{
	return e->in_txn;
}

void tarn_engine_interrupt(struct tarn_engine *e)
{
	e->interrupted = 1;
	if (e->db)
		sqlite3_interrupt(e->db);
}

/* ---- names ---- */

void sess_table_done(struct sess_table *t)
{
	free(t->catalog);
	free(t->schema);
	free(t->name);
	free(t->display);
	free(t->root);
	free(t->format);
	free(t->view_sql);
	free(t->comment);
	free(t->owner);
	memset(t, 0, sizeof(*t));
}

int sess_check(struct tarn_engine *e, unsigned priv, int kind, const char *catalog,
	       const char *schema, const char *name, struct tn_err *err)
{
	return cat_check(e->cat, &e->who, priv, kind, catalog, schema, name, err);
}

static char *expand_home(const char *p)
{
	if (p[0] == '~' && (p[1] == '/' || p[1] == '\0')) {
		const char *h = getenv("HOME");

		return tn_path_join(h ? h : "", p + 1);
	}
	return abs_dir(p);
}

int sess_resolve(struct tarn_engine *e, const struct qname *q, unsigned priv,
		 struct sess_table *t, struct tn_err *err)
{
	struct cat_object o;
	const char *c, *s, *n;
	int rc;

	memset(t, 0, sizeof(*t));
	if (q->path) {
		char *root = expand_home(q->part[1]);

		if (strcmp(q->part[0], "delta") == 0 && !delta_is_table(e->st, root)) {
			rc = tn_err_set(err, TN_ENOENT, "delta.`%s`: no Delta table there (no _delta_log)",
					q->part[1]);
			free(root);
			return rc;
		}
		t->root = root;
		t->format = tn_strdup(q->part[0]);
		t->display = tn_strdup(q->part[1]);
		t->type = CAT_EXTERNAL;
		return TN_OK;
	}
	c = q->n == 3 ? q->part[0] : e->catalog;
	s = q->n == 3 ? q->part[1] : q->n == 2 ? q->part[0] : e->schema;
	n = q->part[q->n - 1];
	rc = cat_table_get(e->cat, c, s, n, &o, err);
	if (rc != TN_OK)
		return rc;
	rc = sess_check(e, priv, CAT_KIND_TABLE, o.catalog, o.schema, o.name, err);
	if (rc != TN_OK) {
		cat_object_done(&o);
		return rc;
	}
	t->catalog = tn_strdup(o.catalog);
	t->schema = tn_strdup(o.schema);
	t->name = tn_strdup(o.name);
	t->type = o.type;
	t->display = tn_malloc(strlen(o.catalog) + strlen(o.schema) + strlen(o.name) + 3);
	sprintf(t->display, "%s.%s.%s", o.catalog, o.schema, o.name);
	if (o.type == CAT_VIEW) {
		t->format = tn_strdup("view");
		t->view_sql = tn_strdup(o.view_sql ? o.view_sql : "SELECT NULL");
	} else {
		t->format = tn_strdup(o.format ? o.format : "delta");
		t->root = tn_strdup(o.location);
	}
	t->comment = o.comment ? tn_strdup(o.comment) : NULL;
	t->owner = o.owner ? tn_strdup(o.owner) : NULL;
	cat_object_done(&o);
	return TN_OK;
}

/* ---- temp virtual tables ---- */

int sess_temp_vtab(struct tarn_engine *e, const char *module, const char *args, char **name,
		   struct tn_err *err)
{
	char nm[32];
	char *sql;
	size_t n;
	int rc;

	snprintf(nm, sizeof(nm), "\"__t%d\"", ++e->next_tab);
	n = strlen(nm) + strlen(module) + strlen(args) + 64;
	sql = tn_malloc(n);
	snprintf(sql, n, "CREATE VIRTUAL TABLE temp.%s USING %s(%s)", nm, module, args);
	tn_err_clear(&e->host.last_err);
	rc = sqlite3_exec(e->db, sql, NULL, NULL, NULL);
	free(sql);
	if (rc != SQLITE_OK)
		return sess_sqlite_error(e, rc, NULL, err);
	e->temps = tn_realloc(e->temps, (e->ntemps + 1) * sizeof(char *));
	e->temps[e->ntemps++] = tn_strdup(nm);
	*name = tn_strdup(nm);
	return TN_OK;
}

void sess_drop_temps(struct tarn_engine *e)
{
	for (size_t i = 0; i < e->ntemps; i++) {
		char sql[96];

		snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS temp.%s", e->temps[i]);
		sqlite3_exec(e->db, sql, NULL, NULL, NULL);
		free(e->temps[i]);
	}
	e->ntemps = 0;
}

int sess_sqlite_error(struct tarn_engine *e, int rc, const char *what, struct tn_err *err)
{
	if (rc == SQLITE_INTERRUPT || e->interrupted)
		return tn_err_set(err, TN_ECANCELED, "cancelled");
	if (e->host.last_err.code != TN_OK) {
		if (err)
			*err = e->host.last_err;
		tn_err_clear(&e->host.last_err);
		if (what)
			tn_err_prefix(err, "%s", what);
		return err ? err->code : TN_EINVAL;
	}
	return tn_err_set(err, TN_EINVAL, "%s%s%s", what ? what : "", what ? ": " : "",
			  sqlite3_errmsg(e->db));
}

int sess_exec(struct tarn_engine *e, const char *sql, struct tn_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	tn_err_clear(&e->host.last_err);
	rc = sqlite3_prepare_v2(e->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sess_sqlite_error(e, rc, NULL, err);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE) {
		rc = sess_sqlite_error(e, rc, NULL, err);
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_finalize(st);
	return TN_OK;
}

/* ---- settings ---- */

/* The canonical spelling of a key: the settings the engine acts on by
 * their Delta names (the short forms are DataFrame writer options that
 * Spark users know), others as given. */
static const char *setting_key(const char *key)
{
	static const char *const known[] = {SESS_TXN_APP_ID, SESS_TXN_VERSION, SESS_AUTO_MERGE};

	if (strcasecmp(key, "txnAppId") == 0)
		return SESS_TXN_APP_ID;
	if (strcasecmp(key, "txnVersion") == 0)
		return SESS_TXN_VERSION;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcasecmp(key, known[i]) == 0)
			return known[i];
	return key;
}

static struct sess_setting *setting_find(const struct tarn_engine *e, const char *key)
{
	key = setting_key(key);
	for (size_t i = 0; i < e->nsettings; i++)
		if (strcasecmp(e->settings[i].key, key) == 0)
			return &e->settings[i];
	return NULL;
}

const char *sess_setting(const struct tarn_engine *e, const char *key)
{
	const struct sess_setting *s = setting_find(e, key);

	return s ? s->value : NULL;
}

bool sess_setting_on(const struct tarn_engine *e, const char *key)
{
	const char *v = sess_setting(e, key);

	return v && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

int sess_setting_set(struct tarn_engine *e, const char *key, const char *value,
		     struct tn_err *err)
{
	struct sess_setting *s;

	key = setting_key(key);
	if (value && strcmp(key, SESS_TXN_VERSION) == 0) {
		int64_t v;

		if (tn_parse_i64(value, &v, key, err) != TN_OK)
			return TN_EINVAL;
		if (v < 0)
			return tn_err_set(err, TN_EINVAL, "%s: %s is negative", key, value);
	}
	if (value && strcmp(key, SESS_TXN_APP_ID) == 0 && *value == '\0')
		return tn_err_set(err, TN_EINVAL, "%s: the application id is empty", key);
	if (value && strcmp(key, SESS_AUTO_MERGE) == 0 && strcasecmp(value, "true") != 0 &&
	    strcasecmp(value, "false") != 0)
		return tn_err_set(err, TN_EINVAL, "%s: '%s' is not true or false", key, value);
	s = setting_find(e, key);
	if (value == NULL) {
		if (s) {
			free(s->key);
			free(s->value);
			*s = e->settings[--e->nsettings];
		}
		return TN_OK;
	}
	if (s == NULL) {
		e->settings = tn_realloc(e->settings, (e->nsettings + 1) * sizeof(*e->settings));
		s = &e->settings[e->nsettings++];
		s->key = tn_strdup(key);
	} else {
		free(s->value);
	}
	s->value = tn_strdup(value);
	return TN_OK;
}

void sess_settings_clear(struct tarn_engine *e)
{
	for (size_t i = 0; i < e->nsettings; i++) {
		free(e->settings[i].key);
		free(e->settings[i].value);
	}
	e->nsettings = 0;
}

/* ---- idempotent writes ---- */

int sess_idem_begin(struct tarn_engine *e, struct delta_tx *tx, const char *name, bool *skip,
		    struct tn_err *err)
{
	const char *app = sess_setting(e, SESS_TXN_APP_ID), *ver = sess_setting(e, SESS_TXN_VERSION);
	struct delta_snapshot *snap = delta_tx_snapshot(tx);
	int64_t want;

	*skip = false;
	if (!e->idem_stmt || (app == NULL && ver == NULL))
		return TN_OK;
	e->idem_used = true;
	if (app == NULL || ver == NULL)
		return tn_err_set(err, TN_EINVAL,
				  "idempotent writes need both %s and %s; only %s is set",
				  SESS_TXN_APP_ID, SESS_TXN_VERSION, app ? "txnAppId" : "txnVersion");
	if (tn_parse_i64(ver, &want, SESS_TXN_VERSION, err) != TN_OK)
		return TN_EINVAL;
	for (size_t i = 0; snap && i < delta_snapshot_num_txns(snap); i++) {
		const struct delta_txn *t = delta_snapshot_txn(snap, i);

		if (strcmp(t->app_id, app) != 0 || t->version < want)
			continue;
		/* Delta's rule: a version not above the last committed one
		 * was written already */
		free(e->idem_skipped);
		e->idem_skipped = tn_asprintf("skipped: %s has version %lld of application %s "
					      "already (txnVersion %lld); nothing written",
					      name, (long long)t->version, app, (long long)want);
		*skip = true;
		return tn_err_set(err, SESS_SKIPPED, "%s", e->idem_skipped);
	}
	delta_tx_set_app_txn(tx, app, want);
	return TN_OK;
}

/* sess_idem_begin for a statement's transaction on a table: once skipped,
 * every later write of it in the explicit transaction is skipped too. */
static int tx_idem(struct tarn_engine *e, struct sess_tx *s, struct tn_err *err)
{
	if (!e->idem_stmt)
		return TN_OK;
	if (s->skipped) {
		free(e->idem_skipped);
		e->idem_skipped = tn_asprintf("skipped: the transaction skips %s (it has the "
					      "application's version already); nothing written",
					      s->name);
		return tn_err_set(err, SESS_SKIPPED, "%s", e->idem_skipped);
	}
	return sess_idem_begin(e, s->tx, s->name, &s->skipped, err);
}

/* ---- transactions ---- */

int sess_tx_for(struct tarn_engine *e, const char *root, const char *name, struct sess_tx **out,
		struct tn_err *err)
{
	struct sess_tx *s;
	struct delta_tx *tx;
	int rc;

	for (size_t i = 0; i < e->ntxs; i++) {
		if (strcmp(e->txs[i].root, root) == 0) {
			*out = &e->txs[i];
			if (name && e->txs[i].name == NULL)
				e->txs[i].name = tn_strdup(name);
			return tx_idem(e, &e->txs[i], err);
		}
	}
	rc = delta_tx_begin(e->st, root, &tx, err);
	if (rc != TN_OK)
		return rc;
	delta_tx_set_check(tx, sess_check_hook, e);
	e->txs = tn_realloc(e->txs, (e->ntxs + 1) * sizeof(*e->txs));
	s = &e->txs[e->ntxs++];
	memset(s, 0, sizeof(*s));
	s->root = tn_strdup(root);
	s->name = tn_strdup(name ? name : root);
	s->tx = tx;
	*out = s;
	return tx_idem(e, s, err);
}

int sess_tx_end(struct tarn_engine *e, bool ok, struct tn_buf *msg, struct tn_err *err)
{
	int rc = TN_OK;

	if (ok && e->db) {
		rc = sql_vtab_flush(e->db, err);
		ok = rc == TN_OK;
	}
	for (size_t i = 0; i < e->ntxs; i++) {
		struct sess_tx *s = &e->txs[i];

		if (s->view)
			delta_snapshot_free(s->view);
		if (s->skipped) {
			delta_tx_abort(s->tx);
			if (msg && e->ntxs > 1)
				tn_buf_printf(msg, NULL, "%s%s skipped", msg->len ? "; " : "", s->name);
		} else if (ok && rc == TN_OK && s->changed) {
			int64_t v;

			rc = delta_tx_commit(s->tx, &v, err);
			if (rc != TN_OK)
				tn_err_prefix(err, "%s", s->name);
			else if (msg && e->ntxs == 1)
				tn_buf_printf(msg, NULL, "version %lld", (long long)v);
			else if (msg)
				tn_buf_printf(msg, NULL, "%s%s version %lld", msg->len ? "; " : "",
					      s->name, (long long)v);
		} else {
			delta_tx_abort(s->tx);
		}
		free(s->root);
		free(s->name);
	}
	e->ntxs = 0;
	return rc;
}

int sess_put(sqlite3_value *val, struct tn_vec *v, size_t i, struct tn_arena *a,
	     const char *column, int64_t row, struct tn_err *err)
{
	int rc = sql_value_to_vec(val, v, i, a, column, row, err);

	if (rc == TN_OK && v->nulls != NULL && sqlite3_value_type(val) != SQLITE_NULL)
		v->nulls[i] = 0;
	return rc;
}

int sess_find_col(const struct tn_schema *s, const char *name)
{
	for (size_t i = 0; i < s->ncols; i++)
		if (strcasecmp(s->cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

int sess_no_column(const struct tn_schema *s, const char *what, const char *name,
		   struct tn_err *err)
{
	const char **names = tn_malloc(s->ncols * sizeof(char *) + 1);
	const char *near;
	int rc;

	for (size_t i = 0; i < s->ncols; i++)
		names[i] = s->cols[i].name;
	near = tn_str_nearest(name, names, s->ncols);
	rc = tn_err_set(err, TN_ENOENT, "%s has no column %s%s%s%s", what, name,
			near ? "; did you mean " : "", near ? near : "", near ? "?" : "");
	free(names);
	return rc;
}

/* ---- results ---- */

struct res_cell {
	bool null;
	int64_t i;
	char *s;
};

struct tarn_result *res_new(struct tarn_engine *e)
{
	struct tarn_result *r = tn_calloc(1, sizeof(*r));

	r->e = e;
	r->affected = -1;
	return r;
}

struct res_rows {
	struct res_cell *cells;
	size_t n, cap;
};

static struct res_rows *rows_of(struct tarn_result *r)
{
	return r->cells;
}

void res_columns(struct tarn_result *r, const char *const *cols, size_t n)
{
	r->kind = RES_ROWS;
	r->schema.ncols = n;
	r->schema.cols = tn_calloc(n, sizeof(struct tn_field));
	for (size_t i = 0; i < n; i++) {
		const char *colon = strchr(cols[i], ':');
		const char *ty = colon ? colon + 1 : "string";
		struct tn_field *f = &r->schema.cols[i];

		f->name = colon ? tn_strndup(cols[i], (size_t)(colon - cols[i])) : tn_strdup(cols[i]);
		f->nullable = true;
		f->type.kind = strcmp(ty, "bigint") == 0    ? TN_INT64
			       : strcmp(ty, "double") == 0  ? TN_DOUBLE
			       : strcmp(ty, "boolean") == 0 ? TN_BOOL
							    : TN_STRING;
	}
	r->cells = tn_calloc(1, sizeof(struct res_rows));
}

static void add_cell(struct tarn_result *r, struct res_cell c)
{
	struct res_rows *rr = rows_of(r);

	if (rr->n == rr->cap) {
		rr->cap = rr->cap ? 2 * rr->cap : 64;
		rr->cells = tn_realloc(rr->cells, rr->cap * sizeof(*rr->cells));
	}
	rr->cells[rr->n++] = c;
}

void res_add_str(struct tarn_result *r, const char *s)
{
	struct res_cell c = {s == NULL, 0, s ? tn_strdup(s) : NULL};

	add_cell(r, c);
}

void res_add_int(struct tarn_result *r, int64_t v)
{
	struct res_cell c = {false, v, NULL};

	add_cell(r, c);
}

void res_add_null(struct tarn_result *r)
{
	struct res_cell c = {true, 0, NULL};

	add_cell(r, c);
}

static void rows_free(struct tarn_result *r)
{
	struct res_rows *rr = rows_of(r);

	if (rr == NULL)
		return;
	for (size_t i = 0; i < rr->n; i++)
		free(rr->cells[i].s);
	free(rr->cells);
	free(rr);
	r->cells = NULL;
}

/* Build the in-memory rows as one batch. */
static void rows_batch(struct tarn_result *r, struct tn_batch *b)
{
	struct res_rows *rr = rows_of(r);
	size_t nc = r->schema.ncols, nrows = nc ? rr->n / nc : 0;

	tn_batch_init(b, &r->schema, nrows ? nrows : 1);
	for (size_t j = 0; j < nc; j++) {
		struct tn_vec *v = &b->cols[j];

		for (size_t i = 0; i < nrows; i++) {
			struct res_cell *c = &rr->cells[i * nc + j];

			if (c->null) {
				tn_vec_need_nulls(v, nrows, &b->arena);
				v->nulls[i] = 1;
				continue;
			}
			switch (v->type->kind) {
			case TN_INT64: ((int64_t *)v->values)[i] = c->i; break;
			case TN_DOUBLE: ((double *)v->values)[i] = (double)c->i; break;
			case TN_BOOL: ((uint8_t *)v->values)[i] = c->i != 0; break;
			default: {
				struct tn_bytes *s = &((struct tn_bytes *)v->values)[i];
				size_t n = strlen(c->s);

				s->ptr = (const uint8_t *)tn_arena_strdup(&b->arena, c->s);
				s->len = (uint32_t)n;
			}
			}
		}
		v->len = nrows;
	}
	b->nrows = nrows;
}

#define RES_BATCH 1024

/* The type of an expression column from values of its first rows. */
static void infer_type(struct tn_type *t, sqlite3_value **vals, size_t n, size_t stride)
{
	bool any_text = false, any_blob = false, any_real = false, any_int = false;

	for (size_t i = 0; i < n; i++) {
		switch (sqlite3_value_type(vals[i * stride])) {
		case SQLITE_TEXT: any_text = true; break;
		case SQLITE_BLOB: any_blob = true; break;
		case SQLITE_FLOAT: any_real = true; break;
		case SQLITE_INTEGER: any_int = true; break;
		default: break;
		}
	}
	memset(t, 0, sizeof(*t));
	t->kind = any_text ? TN_STRING : any_blob ? TN_BINARY : any_real ? TN_DOUBLE
				     : any_int	       ? TN_INT64
							 : TN_STRING;
}

/* Put a value into an inferred column leniently (SQLite's dynamic types). */
static int put_loose(sqlite3_value *val, struct tn_vec *v, size_t i,
		     struct tn_arena *a, const char *col, int64_t row, struct tn_err *err)
{
	int ty = sqlite3_value_type(val);

	if (ty == SQLITE_NULL) {
		tn_vec_need_nulls(v, RES_BATCH, a);
		v->nulls[i] = 1;
		return TN_OK;
	}
	switch (v->type->kind) {
	case TN_INT64:
		if (ty == SQLITE_FLOAT) {
			double d = sqlite3_value_double(val);

			if (d != (double)(int64_t)d)
				return tn_err_set(err, TN_EINVAL,
						  "column %s, row %lld: %g does not fit the integer column "
						  "(its first rows were integers); CAST it to DOUBLE",
						  col, (long long)row, d);
		}
		((int64_t *)v->values)[i] = sqlite3_value_int64(val);
		return TN_OK;
	case TN_DOUBLE:
		((double *)v->values)[i] = sqlite3_value_double(val);
		return TN_OK;
	case TN_BINARY: {
		struct tn_bytes *b = &((struct tn_bytes *)v->values)[i];
		int n = sqlite3_value_bytes(val);
		void *p = tn_arena_alloc(a, (size_t)n + 1);

		memcpy(p, sqlite3_value_blob(val), (size_t)n);
		b->ptr = p;
		b->len = (uint32_t)n;
		return TN_OK;
	}
	default: {
		struct tn_bytes *b = &((struct tn_bytes *)v->values)[i];
		const unsigned char *s = sqlite3_value_text(val);
		int n = sqlite3_value_bytes(val);

		b->ptr = (const uint8_t *)tn_arena_strndup(a, (const char *)s, (size_t)n);
		b->len = (uint32_t)n;
		return TN_OK;
	}
	}
}

static int put_value(struct tarn_result *r, sqlite3_value *val, struct tn_batch *b, size_t col,
		     size_t i, struct tn_err *err)
{
	struct tn_vec *v = &b->cols[col];
	const char *name = r->schema.cols[col].name;
	int64_t row = r->nrows_out + (int64_t)i + 1;

	if (r->loose[col])
		return put_loose(val, v, i, &b->arena, name, row, err);
	return sql_value_to_vec(val, v, i, &b->arena, name, row, err);
}

int res_query(struct tarn_result *r, const char *sql, struct tn_err *err)
{
	struct tarn_engine *e = r->e;
	int rc, ncols;

	r->kind = RES_STMT;
	tn_err_clear(&e->host.last_err);
	rc = sqlite3_prepare_v2(e->db, sql, -1, &r->stmt, NULL);
	if (rc != SQLITE_OK)
		return sess_sqlite_error(e, rc, NULL, err);
	ncols = sqlite3_column_count(r->stmt);
	r->schema.ncols = (size_t)ncols;
	r->schema.cols = tn_calloc((size_t)ncols ? (size_t)ncols : 1, sizeof(struct tn_field));
	r->loose = tn_calloc((size_t)ncols + 1, sizeof(bool));
	/* the first rows, to type the columns that declare nothing */
	{
		sqlite3_value **first = NULL;
		size_t nfirst = 0, cap = 0;
		bool need = false;

		for (int j = 0; j < ncols; j++) {
			struct tn_field *f = &r->schema.cols[j];
			const char *nm = sqlite3_column_name(r->stmt, j);

			f->name = tn_strdup(nm ? nm : "?");
			f->nullable = true;
			if (sql_decltype_parse(sqlite3_column_decltype(r->stmt, j), &f->type) != 0) {
				r->loose[j] = true;
				need = true;
			}
		}
		if (need) {
			while (nfirst < RES_BATCH) {
				rc = sqlite3_step(r->stmt);
				if (rc != SQLITE_ROW)
					break;
				if (nfirst == cap) {
					cap = cap ? 2 * cap : 64;
					first = tn_realloc(first, cap * (size_t)ncols * sizeof(*first));
				}
				for (int j = 0; j < ncols; j++)
					first[nfirst * (size_t)ncols + (size_t)j] =
						sqlite3_value_dup(sqlite3_column_value(r->stmt, j));
				nfirst++;
			}
			/* the statement must hold a row not yet taken, or be done */
			if (rc == SQLITE_ROW)
				rc = sqlite3_step(r->stmt);
			for (int j = 0; j < ncols; j++)
				if (r->loose[j])
					infer_type(&r->schema.cols[j].type, first + j, nfirst, (size_t)ncols);
			if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
				for (size_t i = 0; i < nfirst * (size_t)ncols; i++)
					sqlite3_value_free(first[i]);
				free(first);
				return sess_sqlite_error(e, rc, NULL, err);
			}
			r->done = rc == SQLITE_DONE;
			r->have_row = rc == SQLITE_ROW;
			r->first = first;
			r->nfirst = nfirst;
		} else {
			rc = sqlite3_step(r->stmt);
			if (rc != SQLITE_ROW && rc != SQLITE_DONE)
				return sess_sqlite_error(e, rc, NULL, err);
			r->done = rc == SQLITE_DONE;
			r->have_row = rc == SQLITE_ROW;
		}
	}
	return TN_OK;
}

int tarn_result_next(void *rp, struct tn_batch *b, struct tn_err *err)
{
	struct tarn_result *r = rp;
	struct tarn_engine *e = r->e;
	size_t n = 0;
	int rc = TN_OK;

	tn_batch_done(b);
	memset(b, 0, sizeof(*b));
	if (r->kind == RES_ROWS) {
		if (r->rows_given) {
			tn_batch_init(b, &r->schema, 1);
			return TN_OK;
		}
		r->rows_given = true;
		rows_batch(r, b);
		r->nrows_out += (int64_t)b->nrows;
		return TN_OK;
	}
	tn_batch_init(b, &r->schema, RES_BATCH);
	if (r->kind != RES_STMT)
		return TN_OK;
	/* the capacity while filling: sql_value_to_vec sizes a nulls array it
	 * starts from len, and a too short one was read past (random NULLs) */
	for (size_t j = 0; j < r->schema.ncols; j++)
		b->cols[j].len = RES_BATCH;
	/* rows read ahead to type the columns */
	for (size_t i = 0; rc == TN_OK && i < r->nfirst; i++) {
		for (size_t j = 0; rc == TN_OK && j < r->schema.ncols; j++)
			rc = put_value(r, r->first[i * r->schema.ncols + j], b, j, n, err);
		n++;
	}
	for (size_t i = 0; i < r->nfirst * r->schema.ncols; i++)
		sqlite3_value_free(r->first[i]);
	free(r->first);
	r->first = NULL;
	r->nfirst = 0;
	while (rc == TN_OK && n < RES_BATCH && r->have_row) {
		for (size_t j = 0; rc == TN_OK && j < r->schema.ncols; j++)
			rc = put_value(r, sqlite3_column_value(r->stmt, (int)j), b, j, n, err);
		n++;
		if (rc != TN_OK)
			break;
		int s = sqlite3_step(r->stmt);

		if (s == SQLITE_ROW)
			continue;
		r->have_row = false;
		r->done = true;
		if (s != SQLITE_DONE)
			rc = sess_sqlite_error(e, s, NULL, err);
	}
	for (size_t j = 0; j < r->schema.ncols; j++)
		b->cols[j].len = n;
	b->nrows = rc == TN_OK ? n : 0;
	if (rc != TN_OK) {
		r->failed = true;
		r->have_row = false;
	}
	r->nrows_out += (int64_t)b->nrows;
	return rc;
}

const struct tn_schema *tarn_result_schema(const struct tarn_result *r)
{
	return &r->schema;
}

const char *tarn_result_message(const struct tarn_result *r)
{
	return r->message;
}

int64_t tarn_result_rows_affected(const struct tarn_result *r)
{
	return r->affected;
}

static void audit(struct tarn_result *r)
{
	struct tarn_engine *e = r->e;
	struct cat_audit a;

	if (e->no_audit || r->text == NULL)
		return;
	memset(&a, 0, sizeof(a));
	a.ts_ms = r->started_ms;
	a.user = e->user;
	a.statement = r->text;
	a.operation = r->operation;
	a.object = r->object;
	a.rows = r->affected >= 0 ? r->affected : r->kind == RES_NONE ? -1 : r->nrows_out;
	a.duration_us = tn_time_mono_us() - r->started_us;
	a.outcome = r->outcome ? (char *)r->outcome : r->failed ? (char *)"error" : (char *)"ok";
	a.error = r->error;
	cat_audit_add(e->cat, &a, NULL);
	cat_history_add(e->cat, &a, NULL);
}

void res_release(struct tarn_result *r)
{
	if (r->stmt)
		sqlite3_finalize(r->stmt);
	for (size_t i = 0; i < r->nfirst * r->schema.ncols; i++)
		sqlite3_value_free(r->first[i]);
	free(r->first);
	rows_free(r);
	free(r->loose);
	tn_schema_done(&r->schema);
	free(r->message);
	free(r->text);
	free(r->operation);
	free(r->object);
	free(r->error);
	free(r);
}

int tarn_exec_script(struct tarn_engine *e, const char *sql, size_t len, int64_t *rows,
		     struct tn_err *err)
{
	size_t off = 0;

	if (rows != NULL)
		*rows = -1;
	while (off < len) {
		struct tarn_result *r = NULL;
		struct tn_batch b = {0};
		size_t used = 0;
		int rc = tarn_exec(e, sql + off, len - off, &used, &r, err);

		if (rc == TN_OK && r != NULL && tarn_result_schema(r) != NULL &&
		    tarn_result_schema(r)->ncols > 0)
			do
				rc = tarn_result_next(r, &b, err);
			while (rc == TN_OK && b.nrows > 0);
		tn_batch_done(&b);
		if (rc == TN_OK && r != NULL && rows != NULL)
			*rows = tarn_result_rows_affected(r);
		tarn_result_free(r);
		if (rc != TN_OK)
			return rc;
		if (used == 0)
			break;
		off += used;
	}
	return TN_OK;
}

void tarn_result_free(struct tarn_result *r)
{
	struct tarn_engine *e;

	if (r == NULL)
		return;
	e = r->e;
	audit(r);
	if (e->active == r)
		e->active = NULL;
	res_release(r);
	sess_drop_temps(e);
}

/* ---- statements ---- */

/* The end of the first statement: its ';' (or the end). */
static size_t statement_end(const char *sql, size_t len, size_t *next)
{
	struct sql_lexer lx;

	sql_lex_init(&lx, sql, len);
	for (;;) {
		struct sql_token t = sql_lex_next(&lx);

		if (t.kind == SQL_TOK_END) {
			*next = len;
			return len;
		}
		if (t.kind == SQL_TOK_OP && t.len == 1 && sql[t.start] == ';') {
			size_t n = t.start + 1;

			while (n < len && (sql[n] == ' ' || sql[n] == '\t' || sql[n] == '\r' ||
					   sql[n] == '\n'))
				n++;
			*next = n;
			return t.start;
		}
	}
}

bool tarn_sql_complete(const char *sql, size_t len)
{
	struct sql_lexer lx;
	bool ended = false;

	sql_lex_init(&lx, sql, len);
	for (;;) {
		struct sql_token t = sql_lex_next(&lx);

		if (t.kind == SQL_TOK_END)
			return ended;
		if (t.kind == SQL_TOK_SPACE || t.kind == SQL_TOK_COMMENT)
			continue;
		if (t.kind == SQL_TOK_ERROR)
			return false; /* an unterminated string or comment */
		ended = t.kind == SQL_TOK_OP && t.len == 1 && sql[t.start] == ';';
	}
}

/* Forget txnAppId and txnVersion (Spark resets them after the write
 * they served). */
static void idem_clear(struct tarn_engine *e)
{
	sess_setting_set(e, SESS_TXN_APP_ID, NULL, NULL);
	sess_setting_set(e, SESS_TXN_VERSION, NULL, NULL);
	e->idem_used = false;
}

static int stmt_txn(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
		    struct tn_err *err)
{
	if (tk_accept_kw(ts, "BEGIN") || tk_accept_kw(ts, "START")) {
		tk_accept_kw(ts, "TRANSACTION");
		if (!tk_at_end(ts))
			return tk_error(ts, err, "expected the end of BEGIN");
		if (e->in_txn)
			return tn_err_set(err, TN_EINVAL, "a transaction is open already (COMMIT or ROLLBACK it first)");
		e->in_txn = true;
		r->message = tn_strdup("transaction started");
		return TN_OK;
	}
	if (tk_accept_kw(ts, "COMMIT") || tk_accept_kw(ts, "END")) {
		struct tn_buf msg;
		int rc;

		tk_accept_kw(ts, "TRANSACTION");
		if (!tk_at_end(ts))
			return tk_error(ts, err, "expected the end of COMMIT");
		if (!e->in_txn)
			return tn_err_set(err, TN_EINVAL, "COMMIT: no transaction is open");
		e->in_txn = false;
		tn_buf_init(&msg, 0);
		rc = sess_tx_end(e, true, &msg, err);
		idem_clear(e);
		if (rc == TN_OK) {
			tn_buf_putc(&msg, '\0', NULL);
			r->message = tn_malloc(msg.len + 32);
			snprintf(r->message, msg.len + 32, "committed%s%s", msg.len > 1 ? ": " : "",
				 (char *)msg.data);
		}
		tn_buf_done(&msg);
		return rc;
	}
	if (tk_accept_kw(ts, "ROLLBACK") || tk_accept_kw(ts, "ABORT")) {
		tk_accept_kw(ts, "TRANSACTION");
		if (!e->in_txn)
			return tn_err_set(err, TN_EINVAL, "ROLLBACK: no transaction is open");
		e->in_txn = false;
		sess_tx_end(e, false, NULL, NULL);
		idem_clear(e);
		r->message = tn_strdup("rolled back");
		return TN_OK;
	}
	return tk_error(ts, err, "expected BEGIN, COMMIT or ROLLBACK");
}

static char *upper_word(const struct toks *ts)
{
	const struct sql_token *t = tk_peek(ts, 0);
	char *w = tn_strndup(ts->text + t->start, t->len > 32 ? 32 : t->len);

	for (char *c = w; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 32);
	return w;
}

static bool first_is(const struct toks *ts, const char *const *words)
{
	for (size_t i = 0; words[i]; i++)
		if (tk_is_kw(ts, 0, words[i]))
			return true;
	return false;
}

/* "no such column: pricee" gets "; did you mean price?" from the columns
 * of the statement's tables. */
static void suggest_column(struct tarn_engine *e, struct tn_err *err)
{
	char want[128];
	const char *dot;
	char **names = NULL;
	size_t n = 0;
	const char *near;

	snprintf(want, sizeof(want), "%s", err->msg + 16);
	dot = strrchr(want, '.');
	for (size_t i = 0; i < e->ntemps; i++) {
		char q[128];
		sqlite3_stmt *st;

		snprintf(q, sizeof(q), "SELECT name FROM pragma_table_info('%.*s', 'temp')",
			 (int)strlen(e->temps[i]) - 2, e->temps[i] + 1);
		if (sqlite3_prepare_v2(e->db, q, -1, &st, NULL) != SQLITE_OK)
			continue;
		while (sqlite3_step(st) == SQLITE_ROW) {
			names = tn_realloc(names, (n + 1) * sizeof(char *));
			names[n++] = tn_strdup((const char *)sqlite3_column_text(st, 0));
		}
		sqlite3_finalize(st);
	}
	near = tn_str_nearest(dot ? dot + 1 : want, (const char *const *)names, n);
	if (near) {
		size_t l = strlen(err->msg);

		snprintf(err->msg + l, sizeof(err->msg) - l, "; did you mean %s?", near);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int run_query(struct tarn_engine *e, struct toks *ts, struct tarn_result *r,
		     struct tn_err *err)
{
	struct sess_rw rw;
	int rc = sess_rewrite(e, ts->text, ts->len, &rw, err);

	if (rc != TN_OK)
		return rc;
	rc = res_query(r, rw.sql, err);
	if (rc == TN_EINVAL && strncmp(err->msg, "no such column: ", 16) == 0)
		suggest_column(e, err);
	if (rc != TN_OK && rc != TN_ECANCELED && e->host.last_err.code == TN_OK) {
		int off = sqlite3_error_offset(e->db);

		if (off >= 0 && strstr(err->msg, "\n  ") == NULL) {
			size_t o = sess_rw_origin(&rw, (size_t)off);
			unsigned line = 1, col = 1;
			char msg[TN_ERR_MSG_MAX];

			for (size_t i = 0; i < o && i < ts->len; i++) {
				if (ts->text[i] == '\n') {
					line++;
					col = 1;
				} else {
					col++;
				}
			}
			snprintf(msg, sizeof(msg), "line %u, column %u: %.440s", line, col, err->msg);
			memcpy(err->msg, msg, sizeof(msg));
			sess_caret(err, ts->text, ts->len, o);
		}
	}
	sess_rw_done(&rw);
	return rc;
}

int tarn_exec(struct tarn_engine *e, const char *sql, size_t len, size_t *used,
	      struct tarn_result **out, struct tn_err *err)
{
	static const char *const queries[] = {"SELECT", "WITH", "VALUES", "FROM", "TABLE", NULL};
	static const char *const dml[] = {"INSERT", "UPDATE", "DELETE", "COPY", NULL};
	static const char *const ddl[] = {"CREATE", "DROP", "ALTER", "COMMENT", "GRANT", "REVOKE",
					  "OPTIMIZE", "VACUUM", "RESTORE", NULL};
	static const char *const meta[] = {"SHOW", "DESCRIBE", "DESC", "USE", "EXPLAIN",
					   "SET", "RESET", NULL};
	static const char *const txn[] = {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", NULL};
	struct tarn_result *r;
	struct toks ts;
	size_t lead = 0, end, next;
	bool query = false, skipped = false;
	int rc;

	*out = NULL;
	if (e->active)
		return tn_err_set(err, TN_EINVAL, "the previous statement's result is still open");
	while (lead < len && (sql[lead] == ' ' || sql[lead] == '\t' || sql[lead] == '\n' ||
			      sql[lead] == '\r'))
		lead++;
	end = statement_end(sql + lead, len - lead, &next);
	*used = lead + next;
	toks_init(&ts, sql + lead, end);
	if (ts.n == 0) {
		toks_done(&ts);
		return TN_OK;
	}
	e->interrupted = 0;
	tn_err_clear(&e->host.last_err);
	for (size_t i = 0; i < e->nscans; i++)
		free(e->scans[i].what);
	e->nscans = 0;
	r = res_new(e);
	r->text = tn_strndup(sql + lead, end);
	r->operation = upper_word(&ts);
	r->started_ms = tn_time_now_us() / 1000;
	r->started_us = tn_time_mono_us();
	free(e->idem_skipped);
	e->idem_skipped = NULL;
	/* the statements that honour txnAppId/txnVersion (CREATE: only CTAS
	 * writes rows) */
	e->idem_stmt = first_is(&ts, dml) || tk_is_kw(&ts, 0, "MERGE") || tk_is_kw(&ts, 0, "CREATE");
	if (first_is(&ts, queries) || tk_is_op(&ts, 0, "(")) {
		query = true;
		rc = run_query(e, &ts, r, err);
	} else if (share_sql_match(&ts)) {
		rc = stmt_share(e, &ts, r, err);
	} else if (first_is(&ts, dml)) {
		rc = stmt_dml(e, &ts, r, err);
	} else if (tk_is_kw(&ts, 0, "MERGE")) {
		rc = stmt_merge(e, &ts, r, err);
	} else if (first_is(&ts, ddl)) {
		rc = stmt_ddl(e, &ts, r, err);
	} else if (first_is(&ts, meta)) {
		rc = stmt_meta(e, &ts, r, err);
	} else if (first_is(&ts, txn)) {
		rc = stmt_txn(e, &ts, r, err);
		query = true; /* no statement transaction to end */
	} else {
		rc = tk_error(&ts, err, "expected a statement (SELECT, INSERT, CREATE, SHOW, ...)");
	}
	if (rc != TN_OK && e->idem_skipped != NULL) {
		/* an idempotent write whose version the table has: not an error */
		rc = TN_OK;
		tn_err_clear(err);
		free(r->message);
		r->message = e->idem_skipped;
		e->idem_skipped = NULL;
		r->affected = 0;
		skipped = true;
	}
	if (!query && !e->in_txn) {
		struct tn_buf msg;
		int crc;

		tn_buf_init(&msg, 0);
		crc = sess_tx_end(e, rc == TN_OK, &msg, rc == TN_OK ? err : NULL);
		if (rc == TN_OK && crc != TN_OK)
			rc = crc;
		if (rc == TN_OK && msg.len > 0 && r->message != NULL && !skipped) {
			char *m;

			tn_buf_putc(&msg, '\0', NULL);
			m = tn_malloc(strlen(r->message) + msg.len + 4);
			sprintf(m, "%s (%s)", r->message, (char *)msg.data);
			free(r->message);
			r->message = m;
		}
		tn_buf_done(&msg);
	} else if (!query && rc != TN_OK && e->in_txn) {
		/* a failing statement inside a transaction: nothing of it commits */
		e->in_txn = false;
		sess_tx_end(e, false, NULL, NULL);
		idem_clear(e);
		tn_err_prefix(err, "the transaction was rolled back");
	}
	/* txnAppId/txnVersion apply to one write, or to one transaction */
	e->idem_stmt = false;
	if (e->idem_used && !e->in_txn)
		idem_clear(e);
	toks_done(&ts);
	if (rc != TN_OK) {
		r->failed = true;
		r->error = tn_strdup(err ? err->msg : "");
		r->outcome = rc == TN_EPERM ? "denied" : rc == TN_ECANCELED ? "cancelled" : "error";
		if (r->stmt == NULL)
			r->kind = RES_NONE;
		tarn_result_free(r);
		return rc;
	}
	e->active = r;
	*out = r;
	return TN_OK;
}

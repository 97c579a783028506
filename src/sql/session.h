/* session.h - the engine's insides, shared by the files of sql/ (not a
 * public header: layers above use sql.h). */
#ifndef TARN_SQL_SESSION_H
#define TARN_SQL_SESSION_H

#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/vec.h"
#include "catalog/catalog.h"
#include "delta/delta.h"
#include "sql/lex.h"
#include "sql/sql.h"
#include "sql/vtab.h"
#include "store/store.h"

/* An open Delta transaction of the current statement or explicit
 * transaction, one per table. */
struct sess_tx {
	char *root;
	char *name;                 /* the table's name for messages */
	struct delta_tx *tx;
	struct delta_snapshot *view; /* the table as tx leaves it (reads), or NULL */
	bool changed;               /* tx holds changes since view was made */
	int64_t rows;               /* rows written or changed */
	/* the table has the session's txnAppId at txnVersion or later
	 * already: statements writing it are skipped, nothing commits */
	bool skipped;
};

/* A session setting (SET key = value). */
struct sess_setting {
	char *key, *value;
};

/* Settings the engine acts on (Spark/Databricks names). */
#define SESS_TXN_APP_ID "spark.databricks.delta.write.txnAppId"
#define SESS_TXN_VERSION "spark.databricks.delta.write.txnVersion"
#define SESS_AUTO_MERGE "spark.databricks.delta.schema.autoMerge.enabled"

/* A scan's metrics, kept for EXPLAIN. */
struct sess_scan {
	char *what;
	struct delta_scan_metrics m;
};

struct tarn_engine {
	char *lakehouse;
	struct store *st;
	struct cat *cat;
	sqlite3 *db;
	struct sql_vtab_host host;
	char *catalog, *schema;     /* USE CATALOG / USE SCHEMA */
	char *user;
	struct cat_principal who;
	bool admin;                 /* checks are skipped */
	bool no_audit;
	bool in_txn;                /* BEGIN ... COMMIT */
	struct sess_tx *txs;
	size_t ntxs;
	int next_tab;               /* temp table names __t<N> */
	char **temps;               /* temp tables of the current statement */
	size_t ntemps;
	struct sess_scan *scans;    /* scans of the current statement */
	size_t nscans;
	bool keep_scans;
	volatile sig_atomic_t interrupted;
	struct tarn_result *active;
	struct sess_setting *settings; /* SET key = value */
	size_t nsettings;
	/* Idempotent writes (SET ...txnAppId / ...txnVersion): */
	bool idem_stmt;             /* the running statement writes data (INSERT,
				       UPDATE, DELETE, MERGE, COPY INTO, CTAS) */
	bool idem_used;             /* a write used the settings: they are cleared
				       after the statement (or the transaction) */
	char *idem_skipped;         /* why the running statement was skipped */
};

/* A result under construction: rows of a statement. */
enum res_kind { RES_NONE, RES_STMT, RES_ROWS };

struct tarn_result {
	struct tarn_engine *e;
	int kind;                   /* enum res_kind */
	struct tn_schema schema;
	/* RES_STMT: a prepared SQLite statement, stepped on demand */
	sqlite3_stmt *stmt;
	bool done;                  /* no more rows */
	bool have_row;              /* stmt holds a row not yet taken */
	sqlite3_value **first;      /* rows read ahead to type the columns */
	size_t nfirst;
	bool *loose;                /* columns typed from values, not declared */
	/* RES_ROWS: rows built in memory */
	void *cells;
	bool rows_given;
	int64_t nrows_out;
	char *message;
	int64_t affected;
	/* audit */
	char *text, *operation, *object, *error;
	const char *outcome;
	int64_t started_ms, started_us;
	bool failed;
};

/* ---- tokens ---- */

/* A statement as tokens without blanks and comments. */
struct toks {
	const char *text;
	size_t len;
	struct sql_token *t;
	size_t n;
	size_t pos;                 /* the parser's cursor */
};

void toks_init(struct toks *ts, const char *text, size_t len);
void toks_done(struct toks *ts);
const struct sql_token *tk_peek(const struct toks *ts, size_t ahead);
bool tk_is_kw(const struct toks *ts, size_t ahead, const char *kw);
bool tk_is_op(const struct toks *ts, size_t ahead, const char *op);
bool tk_accept_kw(struct toks *ts, const char *kw);
bool tk_accept_op(struct toks *ts, const char *op);
bool tk_at_end(const struct toks *ts);
/* A syntax error at the current token: TN_EINVAL "line L, column C:
 * expected WHAT near 'tok'" with the line and a caret. */
int tk_error(const struct toks *ts, struct tn_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Add "\n  <line>\n  <caret>" for byte offset off of text to err. */
void sess_caret(struct tn_err *err, const char *text, size_t len, size_t off);
int tk_expect_kw(struct toks *ts, const char *kw, struct tn_err *err);
int tk_expect_op(struct toks *ts, const char *op, struct tn_err *err);
/* A name (identifier, quoted or not, or a non-reserved keyword). */
int tk_name(struct toks *ts, char **out, struct tn_err *err);
/* A dotted name of 1..3 parts. */
struct qname {
	char *part[3];
	size_t n;
	bool path;                  /* delta.`/p`, parquet.`/p`: part[0] the format, part[1] the path */
	size_t start, end;          /* bytes of the text */
};
int tk_qname(struct toks *ts, struct qname *q, struct tn_err *err);
void qname_done(struct qname *q);
/* A string literal's value (Spark escapes). */
int tk_string(struct toks *ts, char **out, struct tn_err *err);
char *tk_string_value(const char *text, const struct sql_token *t);
int tk_int(struct toks *ts, int64_t *out, struct tn_err *err);
/* The text of tokens [from, to) (bytes from the first's start to the last's end). */
char *tk_text(const struct toks *ts, size_t from, size_t to);
/* Skip an expression: tokens up to (not including) one of the stop
 * keywords or ops at depth 0 (parentheses and CASE ... END nest), or the
 * end. Returns the token index where it stopped. */
size_t tk_skip_expr(struct toks *ts, const char *const *stop_kws, const char *const *stop_ops);

/* ---- names and tables ---- */

/* A resolved table. */
struct sess_table {
	char *catalog, *schema, *name; /* NULL for path tables */
	char *display;              /* catalog.schema.name or the path */
	char *root;                 /* the data's directory or file */
	char *format;               /* "delta", "parquet", "csv", "json", "view" */
	char *view_sql;             /* views */
	char *comment, *owner;
	int type;                   /* enum cat_table_type */
};
void sess_table_done(struct sess_table *t);
/* Resolve q (1..3 parts with the current catalog and schema, or a path
 * table), check priv, fill t. */
int sess_resolve(struct tarn_engine *e, const struct qname *q, unsigned priv,
		 struct sess_table *t, struct tn_err *err);
/* Check priv on an object (a no-op for the administrator). */
int sess_check(struct tarn_engine *e, unsigned priv, int kind, const char *catalog,
	       const char *schema, const char *name, struct tn_err *err);

/* Rewrite a query (SELECT/WITH/VALUES or an expression list) for SQLite:
 * table references become temp virtual tables (created now), strings are
 * re-quoted, Spark operators translated. Caller frees *out. */
struct sess_rw {
	char *sql;                  /* the rewritten text */
	size_t *out_off, *in_off;   /* where each emitted token came from */
	size_t nmap;
};
int sess_rewrite(struct tarn_engine *e, const char *text, size_t len, struct sess_rw *rw,
		 struct tn_err *err);
void sess_rw_done(struct sess_rw *rw);
/* Rewrite the tokens [from, to) of ts; *text (when not NULL) gets their
 * original text. Caller frees both. */
int sess_rewrite_tokens(struct tarn_engine *e, struct toks *ts, size_t from, size_t to,
			char **out, char **text, struct tn_err *err);
/* The offset in the original text of offset off of the rewritten one. */
size_t sess_rw_origin(const struct sess_rw *rw, size_t off);
/* Quote s as an SQL string literal into b. */
void sess_quote(struct tn_buf *b, const char *s);
/* Create a temp virtual table (dropped when the statement ends) over a
 * module with arguments; *name gets its quoted name. */
int sess_temp_vtab(struct tarn_engine *e, const char *module, const char *args, char **name,
		   struct tn_err *err);
void sess_drop_temps(struct tarn_engine *e);

/* ---- transactions ---- */

/* The statement's (or explicit transaction's) transaction on root. */
int sess_tx_for(struct tarn_engine *e, const char *root, const char *name, struct sess_tx **out,
		struct tn_err *err);
/* Commit (ok) or drop every open transaction; messages go to *msg. */
int sess_tx_end(struct tarn_engine *e, bool ok, struct tn_buf *msg, struct tn_err *err);

/* Idempotent writes: when the running statement writes data and the
 * session has txnAppId and txnVersion set, tx (which is about to write
 * the table called name) commits a txn action for them, unless the table
 * it read has a txn of that application at that version or later: then
 * *skip is set, e->idem_skipped says why, and the caller writes nothing
 * (the statement succeeds with a message). TN_EINVAL when only one of
 * the two is set. */
int sess_idem_begin(struct tarn_engine *e, struct delta_tx *tx, const char *name, bool *skip,
		    struct tn_err *err);
/* The code statements return when sess_idem_begin skipped them:
 * tarn_exec turns it into success when e->idem_skipped is set. */
#define SESS_SKIPPED TN_ECANCELED

/* ---- settings (SET / RESET) ---- */

/* A setting's value, or NULL when unset. Keys match ignoring ASCII case;
 * the short forms txnAppId and txnVersion name the Delta ones. */
const char *sess_setting(const struct tarn_engine *e, const char *key);
/* Set (value NULL: unset) a setting; the keys the engine acts on are
 * checked (a txnVersion is a non-negative integer, autoMerge a boolean). */
int sess_setting_set(struct tarn_engine *e, const char *key, const char *value,
		     struct tn_err *err);
/* A boolean setting: true for "true" or "1" (any case). */
bool sess_setting_on(const struct tarn_engine *e, const char *key);
void sess_settings_clear(struct tarn_engine *e);

/* ---- results ---- */

struct tarn_result *res_new(struct tarn_engine *e);
/* Rows in memory: columns are "name:type" with type bigint, string,
 * double, boolean; then res_add_* in row order, column by column. */
void res_columns(struct tarn_result *r, const char *const *cols, size_t n);
void res_add_str(struct tarn_result *r, const char *s);   /* NULL: null */
void res_add_int(struct tarn_result *r, int64_t v);
void res_add_null(struct tarn_result *r);
/* A SELECT: prepares sql (already rewritten), reads the first rows to
 * know the column types. */
int res_query(struct tarn_result *r, const char *sql, struct tn_err *err);
/* Error from SQLite: its message, or the vtab's fuller one. */
int sess_sqlite_error(struct tarn_engine *e, int rc, const char *what, struct tn_err *err);
/* Run SQL that returns no rows (or ignore them). */
int sess_exec(struct tarn_engine *e, const char *sql, struct tn_err *err);

/* ---- statements (each parses from ts->pos at the statement's first token) ---- */
int stmt_ddl(struct tarn_engine *e, struct toks *ts, struct tarn_result *r, struct tn_err *err);
int stmt_dml(struct tarn_engine *e, struct toks *ts, struct tarn_result *r, struct tn_err *err);
int stmt_meta(struct tarn_engine *e, struct toks *ts, struct tarn_result *r, struct tn_err *err);
int stmt_merge(struct tarn_engine *e, struct toks *ts, struct tarn_result *r, struct tn_err *err);
/* Delta Sharing (share_sql.c): whether the statement at ts is one of
 * CREATE/ALTER/DROP/DESCRIBE SHARE|RECIPIENT, GRANT|REVOKE SELECT ON
 * SHARE, SHOW SHARES|RECIPIENTS|ALL IN SHARE|GRANTS ON SHARE|GRANTS TO
 * RECIPIENT; and running it. */
bool share_sql_match(const struct toks *ts);
int stmt_share(struct tarn_engine *e, struct toks *ts, struct tarn_result *r, struct tn_err *err);
/* share_audit(): the sharing server's access log as a temp table of the
 * statement (dropped with its other tables); *name its quoted name. */
int share_sql_audit_table(struct tarn_engine *e, char **name, struct tn_err *err);
/* Where the files of a mounted share's tables are cached:
 * LAKEHOUSE/.tarn/share-cache/<catalog, lower-cased>. Caller frees. */
char *sess_share_cache(struct tarn_engine *e, const char *catalog);

/* Run a query (rewritten) and hand its batches to fn (schema inferred as
 * for results). */
typedef int (*sess_batch_fn)(void *ctx, const struct tn_batch *b, struct tn_err *err);
int sess_query_each(struct tarn_engine *e, const char *sql, sess_batch_fn fn, void *ctx,
		    struct tn_schema *schema_out, struct tn_err *err);
/* Free a result without auditing it or dropping the statement's tables. */
void res_release(struct tarn_result *r);

/* sql_value_to_vec into a vector that may hold a null at i already (an
 * updated row): the null flag follows the new value. */
int sess_put(sqlite3_value *val, struct tn_vec *v, size_t i, struct tn_arena *a,
	     const char *column, int64_t row, struct tn_err *err);

/* The column named name (ASCII case ignored), or -1. */
int sess_find_col(const struct tn_schema *s, const char *name);
/* TN_ENOENT "<what> has no column x; did you mean y?". */
int sess_no_column(const struct tn_schema *s, const char *what, const char *name,
		   struct tn_err *err);

/* Spark SQL functions SQLite lacks (funcs.c). */
int sql_funcs_register(sqlite3 *db, struct tn_err *err);

/* The row evaluator: prepared SQL over a batch table. */
int sess_check_hook(void *ctx, const char *name, const char *expr, const struct tn_batch *b,
		    uint8_t *bad, struct tn_err *err);

#endif

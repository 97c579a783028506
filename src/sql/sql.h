/* sql.h - the engine: one object that opens a lakehouse and runs
 * Databricks-style SQL on it (ARCHITECTURE "Layers": the facade that
 * cli/, shell/, tui/ and share/ use). Statements are parsed by tarn
 * (lakehouse statements) or handed to SQLite with their table references
 * rewritten to virtual tables over Delta snapshots. */
#ifndef TARN_SQL_H
#define TARN_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/vec.h"

struct tarn_engine;
struct tarn_result;

struct tarn_engine_opts {
	const char *lakehouse; /* NULL: tarn_lakehouse_default() */
	const char *user;      /* who runs statements; NULL: the OS user */
	bool no_audit;         /* do not write the audit log or query history */
};

/* The lakehouse directory when none is given: $TARN_HOME, else
 * $XDG_DATA_HOME/tarn, else ~/.local/share/tarn. Caller frees. */
char *tarn_lakehouse_default(void);

/* Open the lakehouse (created when absent) and its catalog. */
int tarn_engine_open(const struct tarn_engine_opts *o, struct tarn_engine **out,
		     struct tn_err *err);
/* Rolls back an open explicit transaction. */
void tarn_engine_close(struct tarn_engine *e);
const char *tarn_engine_lakehouse(const struct tarn_engine *e);
/* The current catalog and schema (USE CATALOG / USE SCHEMA). */
const char *tarn_engine_catalog(const struct tarn_engine *e);
const char *tarn_engine_schema(const struct tarn_engine *e);
/* True inside BEGIN ... COMMIT/ROLLBACK. */
bool tarn_engine_in_transaction(const struct tarn_engine *e);

/* Run the first statement of sql[0..len) (statements end with ';' or the
 * end of the text); *used is the bytes it took (through its ';' and
 * trailing blanks), so a script runs by calling again on the rest. Text
 * of only blanks and comments: TN_OK with *out NULL. Errors (nothing
 * committed): TN_EINVAL "line 2, column 7: syntax error near 'FORM'"
 * followed by the line and a caret; TN_ENOENT naming the table or column
 * with a near name; TN_EPERM naming the privilege and the object;
 * TN_ECANCELED after tarn_engine_interrupt. The result must be freed
 * before the next tarn_exec. */
int tarn_exec(struct tarn_engine *e, const char *sql, size_t len, size_t *used,
	      struct tarn_result **out, struct tn_err *err);

/* Run every statement of sql[0..len) in turn, reading and dropping their
 * rows; stop at the first error (the statements before it stay done).
 * *rows (may be NULL): rows the last statement changed, -1 when it is not
 * DML. For scripts and statements whose rows nobody reads. */
int tarn_exec_script(struct tarn_engine *e, const char *sql, size_t len, int64_t *rows,
		     struct tn_err *err);

/* A result's columns. Statements that return no rows have none. Valid
 * from tarn_exec on (the first rows are read then). */
const struct tn_schema *tarn_result_schema(const struct tarn_result *r);
/* The next batch of rows (b is reset by the call; b->nrows == 0 at the
 * end). The signature fits cli_next_fn. Errors end the result. */
int tarn_result_next(void *r, struct tn_batch *b, struct tn_err *err);
/* What a statement without rows did ("inserted 3 rows into
 * main.default.t (version 4)"), or NULL. */
const char *tarn_result_message(const struct tarn_result *r);
/* Rows changed by DML, -1 for other statements. */
int64_t tarn_result_rows_affected(const struct tarn_result *r);
/* Finish: the audit log and query history get the statement. */
void tarn_result_free(struct tarn_result *r);

/* Make the running statement stop soon with TN_ECANCELED (its changes
 * are not committed). Safe from a signal handler or another thread. */
void tarn_engine_interrupt(struct tarn_engine *e);

/* True when sql[0..len) ends a statement: a ';' outside strings, quoted
 * names and comments, followed only by blanks and comments. */
bool tarn_sql_complete(const char *sql, size_t len);

/* Completion candidates for the word that ends at byte pos of text:
 * keywords, catalogs, schemas, tables (after FROM, JOIN, INTO, TABLE,
 * UPDATE, ... or a 'x.' prefix) and columns of the tables the statement
 * names. Sorted, unique; *start is where the replaced word starts. Free
 * with tarn_strv_free. e may be NULL: keywords only, nothing from the
 * catalog (an editor whose engine is busy). */
int tarn_complete(struct tarn_engine *e, const char *text, size_t pos, size_t *start,
		  char ***out, size_t *n);
void tarn_strv_free(char **v, size_t n);

/* ---- the engine's lexer, for editors (highlighting, statement bounds,
 * guardrails) ---- */

enum tarn_tok {
	TARN_TOK_SPACE,   /* blanks and newlines */
	TARN_TOK_COMMENT, /* -- line or block comment */
	TARN_TOK_KEYWORD,
	TARN_TOK_IDENT,   /* names, `quoted` names */
	TARN_TOK_STRING,
	TARN_TOK_NUMBER,
	TARN_TOK_PARAM,   /* ?, :name, $name */
	TARN_TOK_OP,      /* operators and punctuation */
	TARN_TOK_ERROR,   /* unterminated string, name or comment; stray byte */
};

struct tarn_token {
	enum tarn_tok kind;
	size_t start, len; /* bytes of the text */
};

/* Call fn for each token of text[0..len), in order, until it returns
 * false. Never fails: what the lexer cannot read is a TARN_TOK_ERROR. */
void tarn_sql_tokens(const char *text, size_t len,
		     bool (*fn)(void *ctx, const struct tarn_token *t), void *ctx);

/* The statement that byte pos of text[0..len) is in: [*start, *end),
 * without its ';' and the blanks around it. Statements are split at ';'
 * outside strings, names and comments; a pos just after a ';' or in the
 * blanks after it belongs to the statement before when nothing but blanks
 * follow on that line. *start == *end when there is none. */
void tarn_sql_statement_at(const char *text, size_t len, size_t pos, size_t *start,
			   size_t *end);

/* What a statement does, for read-only mode and confirmations. */
struct tarn_stmt_info {
	bool writes;      /* changes data or the catalog (not SELECT, WITH ...
			     SELECT, VALUES, SHOW, DESCRIBE, EXPLAIN, USE) */
	bool destructive; /* DROP, TRUNCATE, DELETE or UPDATE without WHERE,
			     VACUUM, RESTORE, INSERT OVERWRITE, CREATE OR REPLACE */
	char what[96];    /* "DROP TABLE", "DELETE without WHERE", ... or the
			     first keyword(s) */
};
void tarn_sql_classify(const char *sql, size_t len, struct tarn_stmt_info *out);

/* ---- a table's versions, for the workbench's History pane ---- */

/* A data file that a commit added or removed. */
struct tarn_commit_file {
	char *path;   /* as the log has it (relative to the table root); owned */
	int64_t size; /* bytes */
	int64_t rows; /* live rows: records less those a deletion vector
			 drops; -1 when the file has no statistics */
	bool added;   /* false: removed */
	bool has_dv;  /* carries a deletion vector */
};

/* The data files that version `version` of table (a name as SQL takes it:
 * one to three parts, or a path table such as delta.`/dir`) added and
 * removed, added files first, each group sorted by path: the difference
 * between the active files of version - 1 (none for version 0) and of
 * version. A file whose deletion vector changed is both removed (with its
 * old vector) and added (with its new one), as the commit records it.
 * Needs SELECT on the table. TN_ENOENT for an unknown table; TN_EINVAL for
 * a table that is not Delta, or a version (or its predecessor) the log no
 * longer holds. Free with tarn_commit_files_free. */
int tarn_table_commit_files(struct tarn_engine *e, const char *table, int64_t version,
			    struct tarn_commit_file **out, size_t *n, struct tn_err *err);
void tarn_commit_files_free(struct tarn_commit_file *f, size_t n);

/* What a version of a table holds, from the log alone (no data is read). */
struct tarn_table_version {
	int64_t version; /* the version described (the latest when asked for -1) */
	int64_t latest;  /* the table's latest version */
	int64_t files;   /* active data files */
	int64_t bytes;   /* their sizes */
	int64_t rows;    /* live rows, -1 when a file has no statistics */
};
/* Describe version `version` (-1: the latest) of table (named as for
 * tarn_table_commit_files). Errors as tarn_table_commit_files. */
int tarn_table_version_info(struct tarn_engine *e, const char *table, int64_t version,
			    struct tarn_table_version *out, struct tn_err *err);

/* The latest version of application app_id's transactions (the txn
 * actions that idempotent writes commit: SET ...txnAppId / ...txnVersion)
 * in the current snapshot of table (named as for tarn_table_commit_files),
 * or -1 when it has none. Errors as tarn_table_commit_files. */
int tarn_table_txn_version(struct tarn_engine *e, const char *table, const char *app_id,
			   int64_t *version, struct tn_err *err);

#endif

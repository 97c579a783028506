/* test_sql_lexapi.c - the lexer facade for editors (sql.h): tokens,
 * the statement around a cursor, and classification of statements. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sql/sql.h"

struct collect {
	char out[1024];
	size_t n, stop_after, seen;
	size_t covered; /* bytes the tokens cover, in order */
	bool contiguous;
};

static bool collect_tok(void *ctx, const struct tarn_token *t)
{
	static const char *const names[] = {"SP", "COMMENT", "KW", "ID", "STR",
					    "NUM", "PARAM", "OP", "ERR"};
	struct collect *c = ctx;

	if (t->start != c->covered)
		c->contiguous = false;
	c->covered = t->start + t->len;
	c->seen++;
	if (t->kind != TARN_TOK_SPACE)
		c->n += (size_t)snprintf(c->out + c->n, sizeof(c->out) - c->n, "%s%s",
					 c->n ? " " : "", names[t->kind]);
	return c->stop_after == 0 || c->seen < c->stop_after;
}

static const char *kinds(const char *text, size_t stop_after, size_t *seen)
{
	static struct collect c;

	memset(&c, 0, sizeof(c));
	c.contiguous = true;
	c.stop_after = stop_after;
	tarn_sql_tokens(text, strlen(text), collect_tok, &c);
	if (stop_after == 0) {
		assert_true(c.contiguous);
		assert_int_equal(c.covered, strlen(text));
	}
	if (seen)
		*seen = c.seen;
	return c.out;
}

static void test_tokens(void **state)
{
	size_t seen;

	(void)state;
	assert_string_equal(kinds("SELECT a, 'x;y' FROM t -- c\nWHERE b = ?", 0, NULL),
			    "KW ID OP STR KW ID COMMENT KW ID OP PARAM");
	assert_string_equal(kinds("1.5 `q` /* b */ ;", 0, NULL), "NUM ID COMMENT OP");
	assert_string_equal(kinds("'open", 0, NULL), "ERR");
	assert_string_equal(kinds("", 0, NULL), "");
	/* fn returning false stops */
	assert_string_equal(kinds("a b c d", 2, &seen), "ID");
	assert_int_equal(seen, 2);
}

/* The statement at the cursor '|' in text (the '|' is removed). */
static const char *stmt_at(const char *marked)
{
	static char out[256];
	char text[256];
	const char *bar = strchr(marked, '|');
	size_t pos = (size_t)(bar - marked), len, s, e;

	assert_non_null(bar);
	memcpy(text, marked, pos);
	strcpy(text + pos, bar + 1);
	len = strlen(text);
	tarn_sql_statement_at(text, len, pos, &s, &e);
	assert_true(s <= e);
	assert_true(e <= len);
	snprintf(out, sizeof(out), "%.*s", (int)(e - s), text + s);
	return out;
}

static void test_statement_at(void **state)
{
	(void)state;
	assert_string_equal(stmt_at("SELECT 1;\nSELECT| 2;\nSELECT 3"), "SELECT 2");
	assert_string_equal(stmt_at("|SELECT 1;\nSELECT 2"), "SELECT 1");
	assert_string_equal(stmt_at("SELECT 1;\nSELECT 2;\nSELECT 3|"), "SELECT 3");
	/* the cursor at the end, after the last ';' */
	assert_string_equal(stmt_at("SELECT 1;\nSELECT 2;|"), "SELECT 2");
	assert_string_equal(stmt_at("SELECT 1;\nSELECT 2;  |"), "SELECT 2");
	assert_string_equal(stmt_at("SELECT 1;\nSELECT 2;\n  |"), "SELECT 2");
	/* just after ';' with more on the line: the next statement */
	assert_string_equal(stmt_at("SELECT 1;| SELECT 2"), "SELECT 2");
	assert_string_equal(stmt_at("SELECT 1;|\nSELECT 2"), "SELECT 1");
	/* just before ';' */
	assert_string_equal(stmt_at("SELECT 1|;\nSELECT 2"), "SELECT 1");
	/* ';' in strings, names and comments does not split */
	assert_string_equal(stmt_at("SELECT 'a;b', `c;d` -- e;f\n, 1|; SELECT 2"),
			    "SELECT 'a;b', `c;d` -- e;f\n, 1");
	assert_string_equal(stmt_at("SELECT /* ; */ 1; SELECT |2"), "SELECT 2");
	/* multi-line statements, blanks trimmed */
	assert_string_equal(stmt_at("\n\n  SELECT a\n  FROM t|\n  WHERE b\n;\n"),
			    "SELECT a\n  FROM t\n  WHERE b");
	/* empty text, only blanks, an empty statement */
	assert_string_equal(stmt_at("|"), "");
	assert_string_equal(stmt_at("  \n |  "), "");
	assert_string_equal(stmt_at("SELECT 1;\n;|"), "");
	assert_string_equal(stmt_at("SELECT 1;\n\n|\nSELECT 2"), "SELECT 1");
	/* an unterminated string runs to the end */
	assert_string_equal(stmt_at("SELECT 1; SELECT 'x;| y"), "SELECT 'x; y");
}

static void test_statement_at_bounds(void **state)
{
	size_t s = 99, e = 99;

	(void)state;
	tarn_sql_statement_at("", 0, 0, &s, &e);
	assert_int_equal(s, 0);
	assert_int_equal(e, 0);
	/* pos past the end counts as the end */
	tarn_sql_statement_at("SELECT 1", 8, 100, &s, &e);
	assert_int_equal(s, 0);
	assert_int_equal(e, 8);
}

struct want {
	const char *sql;
	bool writes, destructive;
	const char *what;
};

static void test_classify(void **state)
{
	static const struct want cases[] = {
		{"SELECT * FROM t", false, false, "SELECT"},
		{"  -- hi\n select 1", false, false, "SELECT"},
		{"WITH x AS (SELECT 1) SELECT * FROM x", false, false, "WITH ... SELECT"},
		{"WITH x AS (DELETE FROM t) SELECT 1", false, false, "WITH ... SELECT"},
		{"WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", true, false, "INSERT"},
		{"WITH x AS (SELECT 1) INSERT OVERWRITE t SELECT * FROM x", true, true,
		 "INSERT OVERWRITE"},
		{"(SELECT 1) UNION (SELECT 2)", false, false, "SELECT"},
		{"VALUES (1), (2)", false, false, "VALUES"},
		{"FROM t SELECT a", false, false, "FROM"},
		{"TABLE t", false, false, "TABLE"},
		{"EXPLAIN DELETE FROM t", false, false, "EXPLAIN"},
		{"DESCRIBE HISTORY t", false, false, "DESCRIBE"},
		{"desc t", false, false, "DESC"},
		{"SHOW TABLES IN s", false, false, "SHOW TABLES"},
		{"SHOW CREATE TABLE t", false, false, "SHOW CREATE TABLE"},
		{"USE main.s", false, false, "USE"},
		{"BEGIN", false, false, "BEGIN"},
		{"COMMIT", false, false, "COMMIT"},
		{"INSERT INTO t VALUES (1)", true, false, "INSERT"},
		{"insert overwrite t select 1", true, true, "INSERT OVERWRITE"},
		{"DELETE FROM t", true, true, "DELETE without WHERE"},
		{"DELETE FROM t WHERE a = 1", true, false, "DELETE"},
		{"delete from t where a in (select b from u)", true, false, "DELETE"},
		{"DELETE FROM t WHERE_x", true, true, "DELETE without WHERE"},
		/* WHERE only inside a subquery: still all rows */
		{"DELETE FROM t AS x USING (SELECT k FROM u WHERE (k > 1)) s", true, true,
		 "DELETE without WHERE"},
		{"UPDATE t SET a = (SELECT max(b) FROM u WHERE u.k = 1)", true, true,
		 "UPDATE without WHERE"},
		{"UPDATE t SET a = (SELECT max(b) FROM u WHERE (u.k = 1)) WHERE a > 2", true, false,
		 "UPDATE"},
		{"UPDATE t SET a = 1 -- WHERE a = 2", true, true, "UPDATE without WHERE"},
		{"UPDATE t SET a = 'WHERE'", true, true, "UPDATE without WHERE"},
		{"UPDATE t SET `where` = 1", true, true, "UPDATE without WHERE"},
		{"DELETE FROM t; DELETE FROM u WHERE x", true, true, "DELETE without WHERE"},
		{"MERGE INTO t USING s ON t.k = s.k WHEN MATCHED THEN DELETE", true, false,
		 "MERGE"},
		{"CREATE TABLE t (a INT)", true, false, "CREATE TABLE"},
		{"CREATE OR REPLACE TABLE t AS SELECT 1", true, true, "CREATE OR REPLACE TABLE"},
		{"create or replace temporary view v as select 1", true, true,
		 "CREATE OR REPLACE TEMPORARY VIEW"},
		{"CREATE SCHEMA IF NOT EXISTS s", true, false, "CREATE SCHEMA"},
		{"DROP TABLE t", true, true, "DROP TABLE"},
		{"DROP SCHEMA s CASCADE", true, true, "DROP SCHEMA"},
		{"TRUNCATE TABLE t", true, true, "TRUNCATE TABLE"},
		{"VACUUM t RETAIN 0 HOURS", true, true, "VACUUM"},
		{"RESTORE TABLE t TO VERSION AS OF 1", true, true, "RESTORE TABLE"},
		{"ALTER TABLE t ADD COLUMN b INT", true, false, "ALTER TABLE"},
		{"OPTIMIZE t", true, false, "OPTIMIZE"},
		{"GRANT SELECT ON TABLE t TO bob", true, false, "GRANT"},
		{"COPY INTO t FROM 'x.csv'", true, false, "COPY INTO"},
		{"FROBNICATE t", true, false, "FROBNICATE"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct tarn_stmt_info info;

		tarn_sql_classify(cases[i].sql, strlen(cases[i].sql), &info);
		if (info.writes != cases[i].writes || info.destructive != cases[i].destructive ||
		    strcmp(info.what, cases[i].what) != 0)
			fail_msg("%s: writes %d destructive %d what '%s'", cases[i].sql,
				 info.writes, info.destructive, info.what);
	}
}

static void test_classify_empty(void **state)
{
	struct tarn_stmt_info info;

	(void)state;
	tarn_sql_classify("", 0, &info);
	assert_false(info.writes);
	assert_false(info.destructive);
	assert_string_equal(info.what, "");
	tarn_sql_classify("  /* c */ -- d\n", 15, &info);
	assert_false(info.writes);
	assert_string_equal(info.what, "");
	/* only the first len bytes count */
	tarn_sql_classify("DELETE FROM t WHERE a", 13, &info);
	assert_true(info.destructive);
}

/* Without an engine, completion offers keywords only. */
static void test_complete_keywords(void **state)
{
	char **v = NULL;
	size_t n = 0, start = 99;
	const char *text = "SELECT 1; sel";

	(void)state;
	assert_int_equal(tarn_complete(NULL, text, strlen(text), &start, &v, &n), TN_OK);
	assert_int_equal(start, 10);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], "SELECT");
	tarn_strv_free(v, n);
	text = "SELECT * FROM ";
	assert_int_equal(tarn_complete(NULL, text, strlen(text), &start, &v, &n), TN_OK);
	assert_int_equal(n, 0);
	tarn_strv_free(v, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_statement_at),
		cmocka_unit_test(test_statement_at_bounds),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_classify_empty),
		cmocka_unit_test(test_complete_keywords),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

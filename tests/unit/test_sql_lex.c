/* test_sql_lex.c - the SQL lexer: every kind of token, positions, Spark's
 * quoting and number rules, and text it cannot read (never a failure). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql/lex.h"

/* The non-space tokens of text as "KIND:text" joined by spaces. */
static const char *lex_all(const char *text)
{
	static char out[1024];
	static const char *const names[] = {"END", "SP", "COMMENT", "KW", "ID", "STR",
					    "NUM", "PARAM", "OP", "ERR"};
	struct sql_lexer lx;
	size_t n = 0;

	sql_lex_init(&lx, text, strlen(text));
	out[0] = '\0';
	for (;;) {
		struct sql_token t = sql_lex_next(&lx);

		if (t.kind == SQL_TOK_END)
			break;
		if (t.kind == SQL_TOK_SPACE)
			continue;
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s:%.*s", n ? " " : "",
				      names[t.kind], (int)t.len, text + t.start);
	}
	return out;
}

static void test_kinds(void **state)
{
	(void)state;
	assert_string_equal(lex_all("SELECT a, `b c` FROM t WHERE x >= 1.5e3"),
			    "KW:SELECT ID:a OP:, ID:`b c` KW:FROM ID:t KW:WHERE ID:x OP:>= NUM:1.5e3");
	assert_string_equal(lex_all("select 'it''s', \"dq\", 'a\\'b', r'c:\\d'"),
			    "KW:select STR:'it''s' OP:, STR:\"dq\" OP:, STR:'a\\'b' OP:, STR:r'c:\\d'");
	assert_string_equal(lex_all("10L 2BD .5 0x1F 3.d 7e"), "NUM:10L NUM:2BD NUM:.5 NUM:0x1F NUM:3.d NUM:7 ID:e");
	assert_string_equal(lex_all("a <=> b || c :: int -> d != e <> f"),
			    "ID:a OP:<=> ID:b OP:|| ID:c OP::: KW:int OP:-> ID:d OP:!= ID:e OP:<> ID:f");
	assert_string_equal(lex_all("x = ? AND y = :name AND z = $v"),
			    "ID:x OP:= PARAM:? KW:AND ID:y OP:= PARAM::name KW:AND ID:z OP:= PARAM:$v");
	assert_string_equal(lex_all("t@v3 VERSION AS OF 3"), "ID:t OP:@ ID:v3 KW:VERSION KW:AS KW:OF NUM:3");
	assert_string_equal(lex_all("delta.`/data/t`"), "ID:delta OP:. ID:`/data/t`");
}

static void test_comments(void **state)
{
	(void)state;
	assert_string_equal(lex_all("a -- note\nb /* x /* nested */ y */ c"),
			    "ID:a COMMENT:-- note ID:b COMMENT:/* x /* nested */ y */ ID:c");
}

static void test_errors_do_not_stop(void **state)
{
	(void)state;
	assert_string_equal(lex_all("a 'open"), "ID:a ERR:'open");
	assert_string_equal(lex_all("a `open"), "ID:a ERR:`open");
	assert_string_equal(lex_all("a /* open"), "ID:a ERR:/* open");
	assert_string_equal(lex_all("a # b"), "ID:a ERR:# ID:b");
	assert_string_equal(lex_all(""), "");
}

static void test_positions(void **state)
{
	struct sql_lexer lx;
	struct sql_token t;
	const char *text = "SELECT\n  x,\n  'a\nb' y";

	(void)state;
	sql_lex_init(&lx, text, strlen(text));
	t = sql_lex_next(&lx);
	assert_int_equal(t.line, 1);
	assert_int_equal(t.col, 1);
	sql_lex_next(&lx); /* space */
	t = sql_lex_next(&lx);
	assert_int_equal(t.kind, SQL_TOK_IDENT);
	assert_int_equal(t.line, 2);
	assert_int_equal(t.col, 3);
	sql_lex_next(&lx); /* , */
	sql_lex_next(&lx); /* space */
	t = sql_lex_next(&lx);
	assert_int_equal(t.kind, SQL_TOK_STRING);
	assert_int_equal(t.line, 3);
	sql_lex_next(&lx);
	t = sql_lex_next(&lx);
	assert_int_equal(t.kind, SQL_TOK_IDENT);
	assert_int_equal(t.line, 4);
	assert_int_equal(t.col, 4);
	assert_int_equal(sql_lex_next(&lx).kind, SQL_TOK_END);
	assert_int_equal(sql_lex_next(&lx).kind, SQL_TOK_END);
}

static void test_keywords(void **state)
{
	(void)state;
	for (size_t i = 1; sql_keywords[i]; i++)
		assert_true(strcasecmp(sql_keywords[i - 1], sql_keywords[i]) < 0);
	assert_true(sql_is_keyword("merge", 5));
	assert_true(sql_is_keyword("ZOrder", 6));
	assert_false(sql_is_keyword("mergex", 6));
	assert_false(sql_is_keyword("", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_errors_do_not_stop),
		cmocka_unit_test(test_positions),
		cmocka_unit_test(test_keywords),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

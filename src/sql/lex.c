/* lex.c - the SQL lexer (see lex.h). Spark's lexical rules: strings in
 * single or double quotes with backslash escapes and doubled quotes, raw
 * strings r'...', names in backticks (`` for one), -- and nested block
 * comments, numeric literals with Spark's suffixes (L, S, Y, D, F, BD). */
#include "sql/lex.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Sorted (strcasecmp order: all upper case) for bsearch. */
const char *const sql_keywords[] = {
	"ADD", "ALL", "ALTER", "ANALYZE", "AND", "ANTI", "ANY", "APPLY", "ARRAY", "AS", "ASC",
	"AT", "BETWEEN", "BIGINT", "BINARY", "BOOLEAN", "BOTH", "BY", "CACHE", "CASCADE",
	"CASE", "CAST", "CATALOG", "CATALOGS", "CHANGES", "CHECK", "CLUSTER", "COLUMN",
	"COLUMNS", "COMMENT", "COMMIT", "CONSTRAINT", "COPY", "CREATE", "CROSS", "CUBE",
	"CURRENT", "DATA", "DATABASE", "DATE", "DECIMAL", "DELETE", "DESC", "DESCRIBE",
	"DETAIL", "DISTINCT", "DOUBLE", "DROP", "DRY", "ELSE", "END", "ESCAPE", "EXCEPT",
	"EXISTS", "EXPECT", "EXPLAIN", "EXTENDED", "EXTERNAL", "FALSE", "FIRST", "FLOAT",
	"FOLLOWING", "FOR", "FROM", "FULL", "FUNCTION", "GRANT", "GRANTS", "GROUP", "GROUPING",
	"HAVING", "HISTORY", "HOURS", "IF", "IGNORE", "ILIKE", "IN", "INNER", "INSERT", "INT",
	"INTEGER", "INTERSECT", "INTERVAL", "INTO", "IS", "JOIN", "KEYS", "LAST", "LATERAL",
	"LEFT", "LIKE", "LIMIT", "LOCATION", "MAP", "MATCHED", "MATERIALIZED", "MERGE", "MINUS",
	"NATURAL", "NOT", "NULL", "NULLS", "OF", "OFFSET", "ON", "OPTIMIZE", "OR", "ORDER",
	"OUTER", "OVER", "OVERWRITE", "PARTITION", "PARTITIONED", "PRECEDING", "PRIVILEGES",
	"PROPERTIES", "QUALIFY", "RANGE", "RECIPIENT", "REFRESH", "RENAME", "REPLACE",
	"RESTORE", "RETAIN", "REVOKE", "RIGHT", "RLIKE", "ROLLUP", "ROW", "ROWS", "SCHEMA",
	"SCHEMAS", "SELECT", "SEMI", "SET", "SHARE", "SHARES", "SHOW", "SMALLINT", "SOURCE",
	"STREAM", "STREAMING", "STRING", "STRUCT", "TABLE", "TABLES", "TBLPROPERTIES", "THEN",
	"TIMESTAMP", "TIMESTAMP_NTZ", "TINYINT", "TO", "TRUE", "TRUNCATE", "UNBOUNDED", "UNION",
	"UNSET", "UPDATE", "USE", "USING", "VACUUM", "VALUES", "VERSION", "VIEW", "VIEWS",
	"WHEN", "WHERE", "WINDOW", "WITH", "WITHOUT", "ZORDER", NULL,
};

static int cmp_kw(const void *key, const void *elem)
{
	return strcasecmp(key, *(const char *const *)elem);
}

bool sql_is_keyword(const char *word, size_t n)
{
	char buf[32];

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, word, n);
	buf[n] = '\0';
	return bsearch(buf, sql_keywords, sizeof(sql_keywords) / sizeof(*sql_keywords) - 1,
		       sizeof(*sql_keywords), cmp_kw) != NULL;
}

void sql_lex_init(struct sql_lexer *lx, const char *text, size_t len)
{
	lx->text = text;
	lx->len = len;
	lx->pos = 0;
	lx->line = 1;
	lx->col = 1;
}

static int peek(const struct sql_lexer *lx, size_t ahead)
{
	return lx->pos + ahead < lx->len ? (unsigned char)lx->text[lx->pos + ahead] : -1;
}

static void advance(struct sql_lexer *lx, size_t n)
{
	while (n-- > 0 && lx->pos < lx->len) {
		if (lx->text[lx->pos++] == '\n') {
			lx->line++;
			lx->col = 1;
		} else {
			lx->col++;
		}
	}
}

static bool word_start(int c)
{
	return c == '_' || isalpha(c) || c >= 0x80;
}

static bool word_char(int c)
{
	return word_start(c) || isdigit(c);
}

/* A quoted run ending at the quote q (doubled q is one; with backslash
 * escapes unless raw). False when the text ends first. */
static bool quoted(struct sql_lexer *lx, int q, bool escapes)
{
	advance(lx, 1);
	for (;;) {
		int c = peek(lx, 0);

		if (c < 0)
			return false;
		if (escapes && c == '\\' && peek(lx, 1) >= 0) {
			advance(lx, 2);
			continue;
		}
		if (c == q) {
			if (peek(lx, 1) == q) {
				advance(lx, 2);
				continue;
			}
			advance(lx, 1);
			return true;
		}
		advance(lx, 1);
	}
}

static void number(struct sql_lexer *lx)
{
	static const char *const suffixes[] = {"BD", "L", "S", "Y", "D", "F"};
	bool digits = false;

	if (peek(lx, 0) == '0' && (peek(lx, 1) == 'x' || peek(lx, 1) == 'X') && isxdigit(peek(lx, 2))) {
		advance(lx, 2);
		while (isxdigit(peek(lx, 0)))
			advance(lx, 1);
		return;
	}
	while (isdigit(peek(lx, 0)))
		advance(lx, 1), digits = true;
	if (peek(lx, 0) == '.' && (digits || isdigit(peek(lx, 1)))) {
		advance(lx, 1);
		while (isdigit(peek(lx, 0)))
			advance(lx, 1);
	}
	if ((peek(lx, 0) == 'e' || peek(lx, 0) == 'E') &&
	    (isdigit(peek(lx, 1)) ||
	     ((peek(lx, 1) == '+' || peek(lx, 1) == '-') && isdigit(peek(lx, 2))))) {
		advance(lx, 2);
		while (isdigit(peek(lx, 0)))
			advance(lx, 1);
	}
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(*suffixes); i++) {
		size_t n = strlen(suffixes[i]);

		if (lx->pos + n <= lx->len && strncasecmp(lx->text + lx->pos, suffixes[i], n) == 0 &&
		    !word_char(peek(lx, n))) {
			advance(lx, n);
			break;
		}
	}
}

/* A block comment; Spark nests them. False when unterminated. */
static bool block_comment(struct sql_lexer *lx)
{
	int depth = 0;

	while (peek(lx, 0) >= 0) {
		if (peek(lx, 0) == '/' && peek(lx, 1) == '*') {
			depth++;
			advance(lx, 2);
		} else if (peek(lx, 0) == '*' && peek(lx, 1) == '/') {
			advance(lx, 2);
			if (--depth == 0)
				return true;
		} else {
			advance(lx, 1);
		}
	}
	return false;
}

static size_t operator_len(const struct sql_lexer *lx)
{
	static const char *const ops[] = {"<=>", "<>", "!=", "<=", ">=", "==", "||", "::", "->",
					  "=>", "<<", ">>", "&&"};
	size_t rest = lx->len - lx->pos;

	for (size_t i = 0; i < sizeof(ops) / sizeof(*ops); i++) {
		size_t n = strlen(ops[i]);

		if (rest >= n && memcmp(lx->text + lx->pos, ops[i], n) == 0)
			return n;
	}
	return strchr("()[]{},;.=<>+-*/%&|^~!@:", peek(lx, 0)) != NULL ? 1 : 0;
}

struct sql_token sql_lex_next(struct sql_lexer *lx)
{
	struct sql_token t = {SQL_TOK_END, lx->pos, 0, lx->line, lx->col, false};
	int c = peek(lx, 0), d = peek(lx, 1);

	if (c < 0)
		return t;
	if (isspace(c)) {
		t.kind = SQL_TOK_SPACE;
		while (isspace(peek(lx, 0)))
			advance(lx, 1);
	} else if (c == '-' && d == '-') {
		t.kind = SQL_TOK_COMMENT;
		while (peek(lx, 0) >= 0 && peek(lx, 0) != '\n')
			advance(lx, 1);
	} else if (c == '/' && d == '*') {
		t.kind = block_comment(lx) ? SQL_TOK_COMMENT : SQL_TOK_ERROR;
	} else if (c == '\'' || c == '"') {
		t.kind = quoted(lx, c, true) ? SQL_TOK_STRING : SQL_TOK_ERROR;
	} else if ((c == 'r' || c == 'R') && (d == '\'' || d == '"')) {
		advance(lx, 1);
		t.kind = quoted(lx, d, false) ? SQL_TOK_STRING : SQL_TOK_ERROR;
	} else if (c == '`') {
		t.kind = quoted(lx, '`', false) ? SQL_TOK_IDENT : SQL_TOK_ERROR;
		t.quoted = true;
	} else if (isdigit(c) || (c == '.' && isdigit(d))) {
		t.kind = SQL_TOK_NUMBER;
		number(lx);
	} else if (word_start(c)) {
		while (word_char(peek(lx, 0)))
			advance(lx, 1);
		t.kind = sql_is_keyword(lx->text + t.start, lx->pos - t.start) ? SQL_TOK_KEYWORD
									       : SQL_TOK_IDENT;
	} else if (c == '?' || ((c == ':' || c == '$') && word_start(d))) {
		t.kind = SQL_TOK_PARAM;
		advance(lx, 1);
		while (c != '?' && word_char(peek(lx, 0)))
			advance(lx, 1);
	} else {
		size_t n = operator_len(lx);

		t.kind = n ? SQL_TOK_OP : SQL_TOK_ERROR;
		advance(lx, n ? n : 1);
	}
	t.len = lx->pos - t.start;
	return t;
}

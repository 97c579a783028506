/* lex.h - the SQL lexer: Spark/Databricks SQL split into tokens with their
 * byte positions. One lexer serves the statement parser, the shell's
 * completion and the editor's highlighting, so it never fails: text it
 * cannot read becomes an error token and lexing goes on. */
#ifndef TARN_SQL_LEX_H
#define TARN_SQL_LEX_H

#include <stdbool.h>
#include <stddef.h>

enum sql_tok {
	SQL_TOK_END,        /* the end of the text */
	SQL_TOK_SPACE,      /* blanks and newlines */
	SQL_TOK_COMMENT,    /* -- to the end of the line, or a (nested) block comment */
	SQL_TOK_KEYWORD,    /* a word of the keyword list (any case) */
	SQL_TOK_IDENT,      /* another word, or a `quoted` name */
	SQL_TOK_STRING,     /* 'text' or "text" (Spark: both are strings), r'raw' */
	SQL_TOK_NUMBER,     /* 12, 1.5, .5, 1e9, 12L, 1.5BD, 0x1F ... */
	SQL_TOK_PARAM,      /* ?, :name, $name */
	SQL_TOK_OP,         /* operators and punctuation: ( ) , ; . = <=> || :: -> ... */
	SQL_TOK_ERROR,      /* an unterminated string, name or comment, or a stray byte */
};

struct sql_token {
	enum sql_tok kind;
	size_t start, len;  /* bytes of the text */
	unsigned line, col; /* where it starts: 1-based line, 1-based byte column */
	bool quoted;        /* SQL_TOK_IDENT: a `quoted` name */
};

struct sql_lexer {
	const char *text;
	size_t len, pos;
	unsigned line, col;
};

void sql_lex_init(struct sql_lexer *lx, const char *text, size_t len);
/* The next token (SQL_TOK_END, again and again, at the end). */
struct sql_token sql_lex_next(struct sql_lexer *lx);
/* Whether word[0..n) is a keyword (ASCII case ignored). */
bool sql_is_keyword(const char *word, size_t n);
/* The keywords, sorted, NULL-terminated (for completion). */
extern const char *const sql_keywords[];

#endif

/* pipeline_int.h - shared inside src/pipeline: the tokens of a pipeline
 * file or query (the engine's lexer through sql.h) and the name helpers
 * that parse.c and dag.c both use. */
#ifndef TARN_PIPELINE_INT_H
#define TARN_PIPELINE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "pipeline/pipeline.h"
#include "sql/sql.h"

/* A token other than blanks and comments. */
struct pl_tok {
	enum tarn_tok kind;
	size_t start, len;
	unsigned line;	/* 1-based, counted from the text's start */
	unsigned depth; /* parentheses open before it ('(' has the outer depth) */
};

struct pl_toks {
	const char *text;
	struct pl_tok *t; /* owned */
	size_t n, cap;
	/* while scanning */
	size_t pos;
	unsigned line, depth;
};

/* Split text[0..len) into tokens. Never fails. */
void pl_toks_scan(struct pl_toks *tk, const char *text, size_t len);
void pl_toks_done(struct pl_toks *tk);

/* Token i is a word (keyword or unquoted name) equal to word, ASCII case
 * ignored; false past n. */
bool pl_tok_is(const struct pl_toks *tk, size_t i, size_t n, const char *word);
/* Token i is the punctuation op (one or two characters). */
bool pl_tok_op(const struct pl_toks *tk, size_t i, size_t n, const char *op);
/* Token i is a keyword or a name, quoted or not. */
bool pl_tok_word(const struct pl_toks *tk, size_t i, size_t n);

/* Read a one- to three-part name at *i (tokens before n), leaving *i after
 * it; a leading LIVE. is dropped. The result is the parts as written
 * (backticks kept) joined by '.'; caller frees. NULL (and *i unchanged)
 * when no name starts there. */
char *pl_name_read(const struct pl_toks *tk, size_t *i, size_t n);

/* The unquoted parts of a name as pl_name_read writes it: at most 3, each
 * owned by the caller (free with pl_parts_free). Returns the count (0 for
 * more than 3 parts). */
size_t pl_name_parts(const char *name, char *parts[3]);
void pl_parts_free(char *parts[3], size_t n);

/* An identifier's text without backticks (`` is one); caller frees. */
char *pl_unquote_ident(const char *s, size_t len);

#endif

/* value.h - tarn values <-> SQLite values (internal to sql/).
 *
 * The mapping (ARCHITECTURE "SQL"): integers to INTEGER; float and double
 * to REAL; decimal to REAL (its exact text comes back through the declared
 * type); string to TEXT; binary and uuid to BLOB; boolean to 0/1; date to
 * TEXT YYYY-MM-DD; timestamp to TEXT YYYY-MM-DDTHH:MM:SS.ffffffZ (_ntz
 * without Z; nanosecond units with 9 digits); time to TEXT HH:MM:SS.ffffff;
 * struct, array and map to JSON TEXT (the canonical JSON of the value). */
#ifndef TARN_SQL_VALUE_H
#define TARN_SQL_VALUE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/vec.h"

/* Set the SQLite result of ctx to value i of v. */
void sql_value_result(sqlite3_context *ctx, const struct tn_vec *v, size_t i);

/* Store val, cast to v's type, as value i of v (v has room for it; nulls
 * are allocated on demand; strings are copied into a). A value that does
 * not fit (text that is no number, an integer out of range, a fraction
 * for an integer column, a malformed date, ...) is TN_EINVAL naming the
 * column and the row (1-based): "column qty, row 3: 'abc' is not a
 * bigint". Nested columns take JSON text of their shape; their values go
 * in row order (a list's elements follow those of row i - 1). */
int sql_value_to_vec(sqlite3_value *val, struct tn_vec *v, size_t i, struct tn_arena *a,
		     const char *column, int64_t row, struct tn_err *err);

/* The type to declare for a column of type t in a virtual table: a Spark
 * type name for SQLite's affinity and for sql_decltype_parse, e.g.
 * "BIGINT", "DOUBLE", "DECIMAL(10,2)", "STRING TEXT", "DATE TEXT",
 * "TIMESTAMP TEXT", "TIMESTAMP_NTZ TEXT", "BOOLEAN", "BINARY BLOB",
 * "JSON TEXT" for nested types. Returns buf. */
char *sql_decltype(const struct tn_type *t, char *buf, size_t n);
/* The tarn type of a declared type (as sql_decltype writes them, and
 * common SQL names: INTEGER, INT, REAL, TEXT, VARCHAR(n), BLOB, NUMERIC,
 * DATE, TIMESTAMP, BOOLEAN, DECIMAL(p,s)). Returns 0, or -1 when decl says
 * nothing usable (NULL, empty, unknown). Nested types come back as
 * TN_STRING with json set. */
int sql_decltype_parse(const char *decl, struct tn_type *out);

/* Parse a date 'YYYY-MM-DD' or a timestamp ('YYYY-MM-DD[ T]HH:MM[:SS[.f]]'
 * with an optional 'Z' or +HH:MM offset; a date alone is midnight) into
 * days / microseconds since the epoch (UTC). -1 when malformed. */
int sql_parse_date(const char *s, size_t n, int32_t *days);
int sql_parse_timestamp(const char *s, size_t n, int64_t *micros);

#endif

/* demo.h - the SQL script `tarn demo` runs (demo_sql.c), step by step. */
#ifndef TARN_CLI_DEMO_H
#define TARN_CLI_DEMO_H

#include <stddef.h>

/* One step of the script: what it does (for the progress line) and its
 * statements, run in order through the engine. */
struct demo_step {
	const char *what;
	const char *sql;
};

/* The steps, in order; *n is how many. */
const struct demo_step *demo_steps(size_t *n);

/* A table the demo makes, for the summary: its name and what it holds. */
struct demo_table {
	const char *name; /* catalog.schema.table */
	const char *what;
};
const struct demo_table *demo_tables(size_t *n);

#endif

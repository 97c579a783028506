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

/* The demo's pipeline (demo_pipeline.c): write LAKEHOUSE/pipelines/retail
 * (its .sql files and the first wave of landing files). */
struct tn_err;
int demo_pipeline_write(const char *lakehouse, struct tn_err *err);
/* Land wave 1 or 2 of the pipeline's input files. */
int demo_pipeline_land(const char *lakehouse, int wave, struct tn_err *err);

#endif

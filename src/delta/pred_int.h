/* pred_int.h - filters bound to a scan's schema (inside src/delta). */
#ifndef DELTA_PRED_INT_H
#define DELTA_PRED_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "delta/delta.h"

struct bpred;

/* Bind p to the columns of schema s (the scan's output). TN_EINVAL for a
 * column that is not there or a literal that is not of its type. */
int delta_bpred_bind(const struct delta_pred *p, const struct tn_schema *s, struct bpred **out,
		     struct tn_err *err);
void delta_bpred_free(struct bpred *b);
/* True when the file's partition values or statistics prove that no row
 * of it passes b. physical: statistics and partition values are keyed by
 * physical column names (column mapping). */
bool delta_bpred_skip_file(const struct bpred *b, const struct delta_file *f,
			   char *const *partition_columns, size_t npart, bool physical);
struct pq_reader;
/* The row groups of f's open Parquet file pr that may hold rows passing b
 * (by their chunk statistics): keep[i] for each; returns how many not. */
size_t delta_bpred_row_groups(const struct bpred *b, const struct delta_file *f,
			      char *const *partition_columns, size_t npart, bool physical,
			      const struct pq_reader *pr, bool *keep);
/* drop[i] = 1 for the rows of batch for which b is not true; returns the
 * rows kept. */
size_t delta_bpred_rows(const struct bpred *b, const struct tn_batch *batch, uint8_t *drop);

#endif

/* cmd_dml.c - row-level changes from the command line: `tarn update` sets
 * columns of the rows a filter picks, `tarn merge` merges a Parquet file
 * or a Delta table into a table by key. Each run is one commit. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "cli/cli.h"
#include "cli/cmds.h"
#include "delta/delta.h"
#include "parquet/parquet.h"
#include "store/store.h"

/* ---- update ---- */

/* "COL=VALUE": VALUE is a literal's text; 'quoted' ('' for a quote) keeps
 * it as it is, a bare NULL is SQL NULL. The strings live in spec. */
static int parse_assign(char *spec, struct delta_assign *a, struct tn_err *err)
{
	char *eq = strchr(spec, '='), *v;

	memset(a, 0, sizeof(*a));
	if (eq == NULL || eq == spec)
		return tn_err_set(err, TN_EINVAL, "--set '%s': want COLUMN=VALUE", spec);
	*eq = '\0';
	a->column = tn_str_trim(spec);
	v = eq + 1;
	if (*v == '\'') {
		char *r = v + 1, *w = v;

		for (;; r++) {
			if (*r == '\0')
				return tn_err_set(err, TN_EINVAL, "--set %s: unterminated 'string'",
						  a->column);
			if (*r == '\'' && r[1] == '\'')
				r++;
			else if (*r == '\'')
				break;
			*w++ = *r;
		}
		if (r[1] != '\0')
			return tn_err_set(err, TN_EINVAL, "--set %s: text after the 'string'",
					  a->column);
		*w = '\0';
		a->value = v;
	} else {
		a->value = tn_str_ieq(v, "null") ? NULL : v;
	}
	return TN_OK;
}

int cli_cmd_update(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"set", required_argument, NULL, 's'},
		{"where", required_argument, NULL, 'w'},
		{NULL, 0, NULL, 0},
	};
	const struct cli_cmd *self = cli_find("update");
	struct delta_assign *set = tn_calloc((size_t)argc, sizeof(*set));
	size_t nset = 0;
	const char *where = NULL;
	struct delta_pred *p = NULL;
	struct delta_tx *tx;
	struct delta_rewrite_result res;
	struct store *st = NULL;
	struct tn_err err;
	int64_t version;
	int c, rc = TN_OK;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+s:w:", longopts, NULL)) != -1) {
		if (c == 'w') {
			where = optarg;
		} else if (c == 's') {
			if (parse_assign(optarg, &set[nset++], &err) != TN_OK) {
				free(set);
				return cli_usage_error(self, "%s", err.msg);
			}
		} else {
			free(set);
			return cli_usage_error(self, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1 || nset == 0) {
		free(set);
		return cli_usage_error(self, nset ? "want one table directory"
						  : "give at least one --set COLUMN=VALUE");
	}
	if (where != NULL && delta_pred_parse(where, &p, &err) != TN_OK) {
		free(set);
		return cli_usage_error(self, "--where: %s", err.msg);
	}
	st = store_local_new("");
	rc = delta_tx_begin(st, argv[optind], &tx, &err);
	if (rc == TN_OK)
		rc = cli_tx_finish(tx, delta_tx_update(tx, p, set, nset, &res, &err), &version,
				   &err);
	delta_pred_free(p);
	store_free(st);
	free(set);
	if (rc != TN_OK)
		return cli_fail("update", &err);
	{
		char what[96];

		snprintf(what, sizeof(what), "%lld rows updated", (long long)res.rows_updated);
		return cli_commit_report("update", argv[optind], version, what);
	}
}

/* ---- merge ---- */

/* The rows of a Parquet file or a Delta table, copied into memory. */
struct source {
	struct tn_schema schema;
	struct tn_batch *batches;
	size_t n;
};

static void source_done(struct source *src)
{
	for (size_t i = 0; i < src->n; i++)
		tn_batch_done(&src->batches[i]);
	free(src->batches);
	tn_schema_done(&src->schema);
}

static void source_add(struct source *src, const struct tn_batch *b)
{
	struct tn_batch view = *b;

	view.schema = &src->schema; /* the copy's types are src's, which stay */
	src->batches = tn_reallocarray(src->batches, src->n + 1, sizeof(*src->batches));
	tn_batch_copy(&src->batches[src->n++], &view);
}

static int source_read(struct store *st, const char *path, struct source *src, struct tn_err *err)
{
	struct tn_batch b = {0};
	int rc;

	memset(src, 0, sizeof(*src));
	if (delta_is_table(st, path)) {
		struct delta_table *t = NULL;
		struct delta_snapshot *s = NULL;
		struct delta_scan *sc = NULL;
		struct delta_scan_opts o = {NULL, 0, 0, NULL};

		rc = delta_table_open(st, path, &t, err);
		if (rc == TN_OK)
			rc = delta_snapshot_open(t, -1, &s, err);
		if (rc == TN_OK)
			rc = delta_scan_open(s, &o, &sc, err);
		if (rc == TN_OK)
			tn_schema_copy(&src->schema, delta_scan_schema(sc));
		while (rc == TN_OK && (rc = delta_scan_next(sc, &b, err)) == TN_OK && b.nrows > 0)
			source_add(src, &b);
		delta_scan_close(sc);
		delta_snapshot_free(s);
		delta_table_close(t);
	} else {
		struct pq_reader *r = NULL;

		rc = pq_reader_open(st, path, NULL, &r, err);
		if (rc == TN_OK)
			tn_schema_copy(&src->schema, pq_reader_schema(r));
		while (rc == TN_OK && (rc = pq_reader_next(r, &b, err)) == TN_OK && b.nrows > 0)
			source_add(src, &b);
		pq_reader_close(r);
	}
	if (b.cols != NULL)
		tn_batch_done(&b);
	return rc;
}

/* "a,b" or "a=x,b=y" (target=source). The strings live in list. */
static size_t split_keys(char *list, const char **tk, const char **sk)
{
	size_t n = 0;

	for (char *save = NULL, *k = strtok_r(list, ",", &save); k;
	     k = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(k, '=');

		if (eq)
			*eq = '\0';
		tk[n] = tn_str_trim(k);
		sk[n++] = tn_str_trim(eq ? eq + 1 : k);
	}
	return n;
}

/* One --when-... option: which of the words it is (index), or -1. */
static int choice(const char *arg, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (strcmp(arg, words[i]) == 0)
			return i;
	return -1;
}

int cli_cmd_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"on", required_argument, NULL, 'o'},
		{"when-matched", required_argument, NULL, 'm'},
		{"when-not-matched", required_argument, NULL, 'n'},
		{"when-not-matched-by-source", required_argument, NULL, 'b'},
		{"matched-where", required_argument, NULL, 'M'},
		{"not-matched-where", required_argument, NULL, 'N'},
		{"not-matched-by-source-where", required_argument, NULL, 'B'},
		{NULL, 0, NULL, 0},
	};
	static const char *const matched_words[] = {"update", "delete", "ignore", NULL};
	static const char *const insert_words[] = {"insert", "ignore", NULL};
	static const char *const by_source_words[] = {"delete", "ignore", NULL};
	const struct cli_cmd *self = cli_find("merge");
	/* the defaults: update matched rows, insert the others */
	int matched = 0, not_matched = 0, by_source = 1;
	const char *cond_text[3] = {NULL, NULL, NULL};
	struct delta_pred *cond[3] = {NULL, NULL, NULL};
	char *on = NULL;
	const char **tk, **sk;
	struct delta_merge_clause cl[3];
	struct delta_merge_opts mo;
	struct delta_merge_result res;
	struct delta_tx *tx;
	struct source src;
	struct store *st;
	struct tn_err err;
	int64_t version;
	size_t ncl = 0;
	int c, li = 0, rc = TN_OK;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, &li)) != -1) {
		switch (c) {
		case 'o':
			on = optarg;
			break;
		case 'm':
			matched = choice(optarg, matched_words);
			break;
		case 'n':
			not_matched = choice(optarg, insert_words);
			break;
		case 'b':
			by_source = choice(optarg, by_source_words);
			break;
		case 'M':
			cond_text[0] = optarg;
			break;
		case 'N':
			cond_text[1] = optarg;
			break;
		case 'B':
			cond_text[2] = optarg;
			break;
		default:
			return cli_usage_error(self, "unknown option '%s'", argv[optind - 1]);
		}
		if (matched < 0 || not_matched < 0 || by_source < 0)
			return cli_usage_error(self, "--%s: '%s' is not one of the choices",
					       longopts[li].name, optarg);
	}
	if (argc - optind != 2)
		return cli_usage_error(self,
				       "want a source (Parquet file or Delta table) and a table");
	if (on == NULL)
		return cli_usage_error(self, "give the key columns: --on KEY[,KEY...]");
	for (int i = 0; i < 3; i++)
		if (cond_text[i] != NULL &&
		    delta_pred_parse(cond_text[i], &cond[i], &err) != TN_OK) {
			for (int j = 0; j < i; j++)
				delta_pred_free(cond[j]);
			return cli_usage_error(self, "%s", err.msg);
		}
	on = tn_strdup(on);
	tk = tn_calloc(strlen(on) + 1, sizeof(*tk));
	sk = tn_calloc(strlen(on) + 1, sizeof(*sk));
	memset(cl, 0, sizeof(cl));
	if (matched != 2)
		cl[ncl++] = (struct delta_merge_clause){
			DELTA_WHEN_MATCHED, matched ? DELTA_MERGE_DELETE : DELTA_MERGE_UPDATE,
			cond[0], NULL, 0};
	if (not_matched == 0)
		cl[ncl++] = (struct delta_merge_clause){DELTA_WHEN_NOT_MATCHED, DELTA_MERGE_INSERT,
							cond[1], NULL, 0};
	if (by_source == 0)
		cl[ncl++] = (struct delta_merge_clause){DELTA_WHEN_NOT_MATCHED_BY_SOURCE,
							DELTA_MERGE_DELETE, cond[2], NULL, 0};
	memset(&mo, 0, sizeof(mo));
	mo.nkeys = split_keys(on, tk, sk);
	mo.target_keys = tk;
	mo.source_keys = sk;
	mo.clauses = cl;
	mo.nclauses = ncl;
	st = store_local_new("");
	rc = source_read(st, argv[optind], &src, &err);
	if (rc != TN_OK)
		tn_err_prefix(&err, "source %s", argv[optind]);
	mo.source_schema = &src.schema;
	mo.source = src.batches;
	mo.nsource = src.n;
	if (rc == TN_OK)
		rc = delta_tx_begin(st, argv[optind + 1], &tx, &err);
	if (rc == TN_OK)
		rc = cli_tx_finish(tx, delta_tx_merge(tx, &mo, &res, &err), &version, &err);
	source_done(&src);
	store_free(st);
	for (int i = 0; i < 3; i++)
		delta_pred_free(cond[i]);
	free(on);
	free(tk);
	free(sk);
	if (rc != TN_OK)
		return cli_fail("merge", &err);
	{
		char what[160];

		snprintf(what, sizeof(what), "%lld rows inserted, %lld updated, %lld deleted",
			 (long long)res.rows_inserted, (long long)res.rw.rows_updated,
			 (long long)res.rw.rows_deleted);
		return cli_commit_report("merge", argv[optind + 1], version, what);
	}
}

/* sql_vtab.c - benchmark: SQLite queries through the tarn_delta virtual
 * table against the same rows in a native (in-memory) SQLite table.
 * Writes a Delta table of N rows (id bigint, x double, g int 0..99) in 20
 * commits (20 files), loads the rows into a native table, then times
 *   SELECT count(*), sum(x) FROM t
 *   SELECT g, count(*), sum(x) FROM t GROUP BY g
 * on both (best of 3 runs) and prints the times and tarn/native ratios.
 *   bench/sql_vtab [ROWS [DIR]]   (default 10000000 rows, a temporary DIR) */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "base/time.h"
#include "delta/delta.h"
#include "sql/vtab.h"

#define NFILES 20
#define BATCH 65536

static const char *schema_json =
	"{\"type\":\"struct\",\"fields\":["
	"{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"x\",\"type\":\"double\",\"nullable\":true,\"metadata\":{}},"
	"{\"name\":\"g\",\"type\":\"integer\",\"nullable\":true,\"metadata\":{}}]}";

static double xval(int64_t id)
{
	return (double)((id * 2654435761LL) % 1000003) / 7.0;
}

static int write_table(struct store *st, const char *root, int64_t rows, struct tn_err *err)
{
	struct tn_schema s;
	struct delta_create_opts o = {0};
	struct delta_tx *tx;
	int64_t v, per = (rows + NFILES - 1) / NFILES, id = 0;
	int rc = delta_schema_parse(schema_json, &s, err);

	if (rc != TN_OK)
		return rc;
	o.schema = &s;
	rc = delta_tx_create(st, root, &o, &tx, err);
	if (rc == TN_OK)
		rc = delta_tx_commit(tx, &v, err);
	for (int f = 0; rc == TN_OK && f < NFILES; f++) {
		int64_t end = id + per < rows ? id + per : rows;

		rc = delta_tx_begin(st, root, &tx, err);
		while (rc == TN_OK && id < end) {
			struct tn_batch b;
			size_t n = (size_t)(end - id < BATCH ? end - id : BATCH);

			tn_batch_init(&b, &s, n);
			for (size_t i = 0; i < n; i++, id++) {
				((int64_t *)b.cols[0].values)[i] = id;
				((double *)b.cols[1].values)[i] = xval(id);
				((int32_t *)b.cols[2].values)[i] = (int32_t)(id % 100);
			}
			b.cols[0].len = b.cols[1].len = b.cols[2].len = b.nrows = n;
			rc = delta_tx_write(tx, &b, err);
			tn_batch_done(&b);
		}
		if (rc == TN_OK)
			rc = delta_tx_commit(tx, &v, err);
		else
			delta_tx_abort(tx);
	}
	tn_schema_done(&s);
	return rc;
}

static int load_native(sqlite3 *db, int64_t rows)
{
	sqlite3_stmt *ins;

	if (sqlite3_exec(db, "CREATE TABLE n(id INTEGER, x REAL, g INT); BEGIN", NULL, NULL, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO n VALUES (?, ?, ?)", -1, &ins, NULL) != SQLITE_OK)
		return -1;
	for (int64_t id = 0; id < rows; id++) {
		sqlite3_bind_int64(ins, 1, id);
		sqlite3_bind_double(ins, 2, xval(id));
		sqlite3_bind_int(ins, 3, (int)(id % 100));
		if (sqlite3_step(ins) != SQLITE_DONE)
			return -1;
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	return sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* Best of 3 runs in ms; *check gets a digest of the rows. */
static double timed(sqlite3 *db, const char *sql, double *check)
{
	double best = 1e30;

	for (int run = 0; run < 3; run++) {
		sqlite3_stmt *s;
		int64_t t0 = tn_time_mono_us();
		double sum = 0;

		if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
			fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
			exit(1);
		}
		while (sqlite3_step(s) == SQLITE_ROW)
			for (int c = 0; c < sqlite3_column_count(s); c++)
				sum += sqlite3_column_double(s, c);
		if (sqlite3_finalize(s) != SQLITE_OK) {
			fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
			exit(1);
		}
		double ms = (double)(tn_time_mono_us() - t0) / 1000.0;

		if (ms < best)
			best = ms;
		*check = sum;
	}
	return best;
}

int main(int argc, char **argv)
{
	int64_t rows = argc > 1 ? strtoll(argv[1], NULL, 10) : 10000000;
	char tmpl[] = "/tmp/tarn-bench-vtab-XXXXXX";
	const char *dir = argc > 2 ? argv[2] : mkdtemp(tmpl);
	struct store *st = store_local_new("");
	struct sql_vtab_host host = {0};
	char *root, *sql;
	struct tn_err err;
	sqlite3 *db;
	int64_t t0;
	static const char *queries[] = {
		"SELECT count(*), sum(x) FROM %s",
		"SELECT g, count(*), sum(x) FROM %s GROUP BY g",
	};

	if (dir == NULL || rows <= 0) {
		fprintf(stderr, "usage: sql_vtab [ROWS [DIR]]\n");
		return 2;
	}
	root = tn_path_join(dir, "t");
	host.st = st;
	t0 = tn_time_mono_us();
	if (!delta_is_table(st, root) && write_table(st, root, rows, &err) != TN_OK) {
		fprintf(stderr, "sql_vtab: %s\n", err.msg);
		return 1;
	}
	fprintf(stderr, "delta table %s: %.1f s\n", root, (double)(tn_time_mono_us() - t0) / 1e6);
	sqlite3_open(":memory:", &db);
	t0 = tn_time_mono_us();
	if (load_native(db, rows) != 0) {
		fprintf(stderr, "sql_vtab: native load: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	fprintf(stderr, "native table: %.1f s\n", (double)(tn_time_mono_us() - t0) / 1e6);
	if (sql_vtab_register(db, &host, &err) != TN_OK) {
		fprintf(stderr, "sql_vtab: %s\n", err.msg);
		return 1;
	}
	sql = sqlite3_mprintf("CREATE VIRTUAL TABLE temp.t USING tarn_delta(%Q)", root);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "sql_vtab: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	sqlite3_free(sql);
	printf("rows %lld files %d\n", (long long)rows, NFILES);
	for (size_t q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
		char *qt = sqlite3_mprintf(queries[q], "t"), *qn = sqlite3_mprintf(queries[q], "n");
		double ct, cn, mt = timed(db, qt, &ct), mn = timed(db, qn, &cn);

		printf("%-48s tarn %8.1f ms  native %8.1f ms  ratio %.2f%s\n", qn, mt, mn, mt / mn,
		       fabs(ct - cn) <= 1e-9 * fabs(cn) ? "" : "  (results differ!)");
		sqlite3_free(qt);
		sqlite3_free(qn);
	}
	sqlite3_close(db);
	store_free(st);
	free(root);
	return 0;
}

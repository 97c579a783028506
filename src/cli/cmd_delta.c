/* cmd_delta.c - Delta tables on the command line: rows (`tarn cat DIR`),
 * the snapshot (`tarn inspect DIR`) and `tarn history`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base/alloc.h"
#include "base/str.h"
#include "base/time.h"
#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/format.h"
#include "delta/delta.h"
#include "io/textio.h"
#include "parquet/parquet.h"

/* Files the text form of inspect lists. */
#define TEXT_FILES 50

static int next_delta(void *sc, struct tn_batch *b, struct tn_err *err)
{
	return delta_scan_next(sc, b, err);
}

/* Open dir's snapshot as of version or timestamp (either may be NULL). */
static int open_snapshot(struct store *st, const char *dir, const char *version,
			 const char *timestamp, bool lenient, struct delta_table **t,
			 struct delta_snapshot **s, struct tn_err *err)
{
	int rc = delta_table_open(st, dir, t, err);

	*s = NULL;
	if (rc != TN_OK)
		return rc;
	if (timestamp != NULL) {
		int64_t us;

		rc = tn_time_parse(timestamp, &us, err);
		if (rc == TN_OK)
			rc = delta_snapshot_open_at(*t, us, s, err);
	} else {
		int64_t v = -1;

		if (version != NULL)
			rc = tn_parse_i64(version, &v, "--version", err);
		if (rc == TN_OK && version != NULL && v < 0)
			rc = tn_err_set(err, TN_EINVAL, "--version: %s is not a version", version);
		if (rc == TN_OK)
			rc = lenient ? delta_snapshot_open_lenient(*t, v, s, err)
				     : delta_snapshot_open(*t, v, s, err);
	}
	return rc;
}

int cli_delta_cat(const char *dir, enum cli_format fmt, const char *const *cols, size_t ncols,
		  int64_t limit, const char *version, const char *timestamp, size_t batch_rows,
		  const char *where, bool metrics)
{
	struct delta_pred *pred = NULL;
	struct store *st = store_local_new("");
	struct delta_table *t = NULL;
	struct delta_snapshot *s = NULL;
	struct delta_scan *sc = NULL;
	struct delta_scan_opts o = {cols, ncols, batch_rows, NULL};
	struct cli_writer *w = NULL;
	struct tn_batch b = {0};
	struct tn_err err;
	int rc = CLI_OK;

	if (where != NULL && delta_pred_parse(where, &pred, &err) != TN_OK) {
		rc = cli_fail("cat", &err);
		goto done;
	}
	o.where = pred;
	if (open_snapshot(st, dir, version, timestamp, false, &t, &s, &err) != TN_OK ||
	    delta_scan_open(s, &o, &sc, &err) != TN_OK) {
		rc = cli_fail("cat", &err);
		goto done;
	}
	w = cli_writer_new(stdout, fmt, delta_scan_schema(sc));
	if (cli_writer_stream(w, next_delta, sc, &b, limit, &err) != TN_OK)
		rc = cli_fail("cat", &err);
	if (metrics) {
		const struct delta_scan_metrics *m = delta_scan_metrics(sc);

		fprintf(stderr,
			"scan: %llu files, %llu skipped, %llu read (%llu bytes), %llu row groups "
			"skipped, %llu rows deleted by deletion vectors\n",
			(unsigned long long)m->files_total, (unsigned long long)m->files_skipped,
			(unsigned long long)m->files_read, (unsigned long long)m->bytes_read,
			(unsigned long long)m->row_groups_skipped, (unsigned long long)m->rows_deleted);
	}
done:
	delta_pred_free(pred);
	if (b.cols != NULL)
		tn_batch_done(&b);
	cli_writer_free(w);
	delta_scan_close(sc);
	delta_snapshot_free(s);
	delta_table_close(t);
	store_free(st);
	return rc;
}

int cli_delta_cat_parquet(const char *dir, const char *const *cols, size_t ncols, int64_t limit,
			  const char *version, const char *timestamp, const char *where,
			  const char *out, const struct pq_write_opts *wo)
{
	struct delta_pred *pred = NULL;
	struct store *st = store_local_new("");
	struct delta_table *t = NULL;
	struct delta_snapshot *s = NULL;
	struct delta_scan *sc = NULL;
	struct delta_scan_opts o = {cols, ncols, 0, NULL};
	struct tn_err err;
	int rc;

	if (where != NULL && delta_pred_parse(where, &pred, &err) != TN_OK) {
		rc = cli_fail("cat", &err);
		goto done;
	}
	o.where = pred;
	if (open_snapshot(st, dir, version, timestamp, false, &t, &s, &err) != TN_OK ||
	    delta_scan_open(s, &o, &sc, &err) != TN_OK) {
		rc = cli_fail("cat", &err);
		goto done;
	}
	rc = cli_write_parquet(delta_scan_schema(sc), next_delta, sc, st, out, wo, limit);
done:
	delta_pred_free(pred);
	delta_scan_close(sc);
	delta_snapshot_free(s);
	delta_table_close(t);
	store_free(st);
	return rc;
}

static cJSON *kv_json(const struct delta_kv *kv, size_t n)
{
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; i < n; i++) {
		if (kv[i].value)
			cJSON_AddStringToObject(o, kv[i].key, kv[i].value);
		else
			cJSON_AddNullToObject(o, kv[i].key);
	}
	return o;
}

static cJSON *strs_json(char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

/* The snapshot as JSON, with at most max_files of its files listed. */
static cJSON *snapshot_json(const struct delta_snapshot *s, const char *dir, size_t max_files)
{
	const struct delta_protocol *p = delta_snapshot_protocol(s);
	const struct delta_metadata *m = delta_snapshot_metadata(s);
	const struct tn_schema *sch = delta_snapshot_schema(s);
	cJSON *root = cJSON_CreateObject(), *pj, *mj, *cols, *files;
	char tname[512];
	int64_t ts = delta_snapshot_timestamp(s);
	char tsbuf[TN_TIME_BUFSZ];

	cJSON_AddStringToObject(root, "table", dir);
	cJSON_AddNumberToObject(root, "version", (double)delta_snapshot_version(s));
	if (ts >= 0)
		cJSON_AddStringToObject(root, "timestamp", tn_time_format_ms(ts, true, tsbuf));
	pj = cJSON_AddObjectToObject(root, "protocol");
	cJSON_AddNumberToObject(pj, "minReaderVersion", p->min_reader_version);
	cJSON_AddNumberToObject(pj, "minWriterVersion", p->min_writer_version);
	if (p->reader_features)
		cJSON_AddItemToObject(pj, "readerFeatures", strs_json(p->reader_features, p->n_reader_features));
	if (p->writer_features)
		cJSON_AddItemToObject(pj, "writerFeatures", strs_json(p->writer_features, p->n_writer_features));
	if (!delta_snapshot_has_metadata(s))
		cJSON_AddStringToObject(root, "warning", "the snapshot has no metaData (or no schema): "
							 "its rows cannot be read");
	mj = cJSON_AddObjectToObject(root, "metadata");
	if (m->id)
		cJSON_AddStringToObject(mj, "id", m->id);
	if (m->name)
		cJSON_AddStringToObject(mj, "name", m->name);
	if (m->description)
		cJSON_AddStringToObject(mj, "description", m->description);
	if (m->provider)
		cJSON_AddStringToObject(mj, "format", m->provider);
	if (m->has_created_time)
		cJSON_AddNumberToObject(mj, "createdTime", (double)m->created_time);
	cJSON_AddItemToObject(mj, "partitionColumns",
			      strs_json(m->partition_columns, m->n_partition_columns));
	cJSON_AddItemToObject(mj, "configuration", kv_json(m->configuration, m->n_configuration));
	cols = cJSON_AddArrayToObject(root, "schema");
	for (size_t i = 0; i < sch->ncols; i++) {
		cJSON *c = cJSON_CreateObject();

		cJSON_AddStringToObject(c, "name", sch->cols[i].name);
		cJSON_AddStringToObject(c, "type", tn_type_name(&sch->cols[i].type, tname, sizeof(tname)));
		cJSON_AddBoolToObject(c, "nullable", sch->cols[i].nullable);
		if (sch->cols[i].physical)
			cJSON_AddStringToObject(c, "physicalName", sch->cols[i].physical);
		cJSON_AddItemToArray(cols, c);
	}
	cJSON_AddNumberToObject(root, "num_files", (double)delta_snapshot_num_files(s));
	files = cJSON_AddArrayToObject(root, "files");
	for (size_t i = 0; i < delta_snapshot_num_files(s) && i < max_files; i++) {
		const struct delta_file *f = delta_snapshot_file(s, i);
		cJSON *fj = cJSON_CreateObject();

		cJSON_AddStringToObject(fj, "path", f->path);
		cJSON_AddNumberToObject(fj, "size", (double)f->size);
		cJSON_AddItemToObject(fj, "partitionValues", kv_json(f->partition_values, f->n_partition_values));
		cJSON_AddNumberToObject(fj, "modificationTime", (double)f->modification_time);
		if (f->num_records >= 0)
			cJSON_AddNumberToObject(fj, "numRecords", (double)f->num_records);
		if (f->has_dv)
			cJSON_AddNumberToObject(fj, "deletedRows", (double)f->dv.cardinality);
		cJSON_AddItemToArray(files, fj);
	}
	if (delta_snapshot_num_txns(s) > 0) {
		cJSON *tx = cJSON_AddObjectToObject(root, "txns");

		for (size_t i = 0; i < delta_snapshot_num_txns(s); i++)
			cJSON_AddNumberToObject(tx, delta_snapshot_txn(s, i)->app_id,
						(double)delta_snapshot_txn(s, i)->version);
	}
	if (delta_snapshot_num_domains(s) > 0) {
		cJSON *dm = cJSON_AddObjectToObject(root, "domains");

		for (size_t i = 0; i < delta_snapshot_num_domains(s); i++)
			cJSON_AddStringToObject(dm, delta_snapshot_domain(s, i)->domain,
						delta_snapshot_domain(s, i)->configuration);
	}
	return root;
}

static void print_snapshot_text(const cJSON *j)
{
	const cJSON *p = cJSON_GetObjectItem(j, "protocol"), *m = cJSON_GetObjectItem(j, "metadata");
	const cJSON *it, *files = cJSON_GetObjectItem(j, "files");
	const cJSON *rf = cJSON_GetObjectItem(p, "readerFeatures"), *wf = cJSON_GetObjectItem(p, "writerFeatures");
	char *s;
	int shown = 0;

	printf("table:       %s\n", cJSON_GetObjectItem(j, "table")->valuestring);
	printf("version:     %.0f", cJSON_GetObjectItem(j, "version")->valuedouble);
	if (cJSON_GetObjectItem(j, "timestamp"))
		printf(" (%s)", cJSON_GetObjectItem(j, "timestamp")->valuestring);
	printf("\nprotocol:    reader %d, writer %d\n", cJSON_GetObjectItem(p, "minReaderVersion")->valueint,
	       cJSON_GetObjectItem(p, "minWriterVersion")->valueint);
	if (rf) {
		s = cJSON_PrintUnformatted(rf);
		printf("  reader features: %s\n", s);
		free(s);
	}
	if (wf) {
		s = cJSON_PrintUnformatted(wf);
		printf("  writer features: %s\n", s);
		free(s);
	}
	if (cJSON_GetObjectItem(j, "warning"))
		printf("warning:     %s\n", cJSON_GetObjectItem(j, "warning")->valuestring);
	if (cJSON_GetObjectItem(m, "id"))
		printf("id:          %s\n", cJSON_GetObjectItem(m, "id")->valuestring);
	if (cJSON_GetObjectItem(m, "name"))
		printf("name:        %s\n", cJSON_GetObjectItem(m, "name")->valuestring);
	if (cJSON_GetObjectItem(m, "description"))
		printf("description: %s\n", cJSON_GetObjectItem(m, "description")->valuestring);
	s = cJSON_PrintUnformatted(cJSON_GetObjectItem(m, "partitionColumns"));
	printf("partitioned: %s\n", s);
	free(s);
	if (cJSON_GetArraySize(cJSON_GetObjectItem(m, "configuration")) > 0) {
		printf("properties:\n");
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(m, "configuration"))
			printf("  %s = %s\n", it->string, cJSON_IsString(it) ? it->valuestring : "null");
	}
	printf("\ncolumns:\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "schema"))
		printf("  %-24s %s%s\n", cJSON_GetObjectItem(it, "name")->valuestring,
		       cJSON_GetObjectItem(it, "type")->valuestring,
		       cJSON_IsTrue(cJSON_GetObjectItem(it, "nullable")) ? "" : " not null");
	printf("\nfiles: %.0f\n", cJSON_GetObjectItem(j, "num_files")->valuedouble);
	cJSON_ArrayForEach(it, files) {
		const cJSON *nr = cJSON_GetObjectItem(it, "numRecords");
		const cJSON *dr = cJSON_GetObjectItem(it, "deletedRows");
		char *pv = cJSON_PrintUnformatted(cJSON_GetObjectItem(it, "partitionValues"));

		if (shown++ == TEXT_FILES) {
			printf("  ... (--format json lists them all)\n");
			free(pv);
			break;
		}
		printf("  %s  %.0f bytes", cJSON_GetObjectItem(it, "path")->valuestring,
		       cJSON_GetObjectItem(it, "size")->valuedouble);
		if (nr)
			printf(", %.0f records", nr->valuedouble);
		if (dr)
			printf(", %.0f deleted", dr->valuedouble);
		if (strcmp(pv, "{}") != 0)
			printf(", %s", pv);
		printf("\n");
		free(pv);
	}
}

int cli_delta_inspect(const char *dir, bool json, const char *version, const char *timestamp)
{
	struct store *st = store_local_new("");
	struct delta_table *t = NULL;
	struct delta_snapshot *s = NULL;
	struct tn_err err;
	int rc = CLI_OK;

	if (open_snapshot(st, dir, version, timestamp, true, &t, &s, &err) != TN_OK) {
		rc = cli_fail("inspect", &err);
	} else {
		cJSON *j = snapshot_json(s, dir, json ? SIZE_MAX : TEXT_FILES + 1);

		if (json) {
			char *txt = cJSON_Print(j);

			puts(txt);
			free(txt);
		} else {
			print_snapshot_text(j);
		}
		cJSON_Delete(j);
	}
	delta_snapshot_free(s);
	delta_table_close(t);
	store_free(st);
	return rc;
}

/* ---- history ---- */

static struct tn_field hist_field(const char *name, enum tn_kind kind)
{
	struct tn_field f;

	memset(&f, 0, sizeof(f));
	f.name = tn_strdup(name);
	f.type.kind = kind;
	f.nullable = true;
	if (kind == TN_TIMESTAMP) {
		f.type.unit = TN_UNIT_MILLIS;
		f.type.utc = true;
	}
	return f;
}

static void set_str(struct tn_vec *v, size_t i, const char *s)
{
	if (s == NULL) {
		v->nulls[i] = 1;
		return;
	}
	((struct tn_bytes *)v->values)[i].ptr = (const uint8_t *)s;
	((struct tn_bytes *)v->values)[i].len = (uint32_t)strlen(s);
}

int cli_cmd_history(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'f'},
		{"limit", required_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	static const struct {
		const char *name;
		enum tn_kind kind;
	} cols[] = {
		{"version", TN_INT64},	      {"timestamp", TN_TIMESTAMP},
		{"userName", TN_STRING},      {"operation", TN_STRING},
		{"operationParameters", TN_STRING}, {"readVersion", TN_INT64},
		{"isolationLevel", TN_STRING}, {"isBlindAppend", TN_BOOL},
		{"operationMetrics", TN_STRING}, {"engineInfo", TN_STRING},
	};
	const struct cli_cmd *self = cli_find("history");
	enum cli_format fmt = CLI_FMT_TABLE;
	struct tn_schema sch = {0};
	struct store *st;
	struct delta_table *t = NULL;
	struct delta_commit *cs = NULL;
	size_t n = 0;
	int64_t limit = -1;
	struct tn_err err;
	int c, rc = CLI_OK;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f:n:", longopts, NULL)) != -1) {
		if (c == 'f' && cli_format_parse(optarg, &fmt, &err) == TN_OK)
			continue;
		if (c == 'f')
			return cli_usage_error(self, "%s", err.msg);
		if (c == 'n' && tn_parse_i64(optarg, &limit, "--limit", &err) == TN_OK && limit >= 0)
			continue;
		if (c == 'n')
			return cli_usage_error(self, "--limit wants a count, got '%s'", optarg);
		return cli_usage_error(self, "unknown option '%s'", argv[optind - 1]);
	}
	if (argc - optind != 1)
		return cli_usage_error(self, argc - optind == 0 ? "no table given" : "too many arguments");
	st = store_local_new("");
	if (delta_table_open(st, argv[optind], &t, &err) != TN_OK ||
	    delta_history(t, &cs, &n, &err) != TN_OK) {
		rc = cli_fail("history", &err);
	} else {
		struct tn_batch b;
		struct cli_writer *w;
		size_t rows = limit >= 0 && (size_t)limit < n ? (size_t)limit : n;

		sch.ncols = sizeof(cols) / sizeof(cols[0]);
		sch.cols = tn_calloc(sch.ncols, sizeof(*sch.cols));
		for (size_t i = 0; i < sch.ncols; i++)
			sch.cols[i] = hist_field(cols[i].name, cols[i].kind);
		tn_batch_init(&b, &sch, rows);
		for (size_t k = 0; k < sch.ncols; k++) {
			b.cols[k].len = rows;
			tn_vec_need_nulls(&b.cols[k], rows, &b.arena);
		}
		for (size_t i = 0; i < rows; i++) {
			((int64_t *)b.cols[0].values)[i] = cs[i].version;
			((int64_t *)b.cols[1].values)[i] = cs[i].timestamp;
			b.cols[1].nulls[i] = cs[i].timestamp == INT64_MIN;
			set_str(&b.cols[2], i, cs[i].user_name);
			set_str(&b.cols[3], i, cs[i].operation);
			set_str(&b.cols[4], i, cs[i].operation_parameters);
			((int64_t *)b.cols[5].values)[i] = cs[i].read_version;
			b.cols[5].nulls[i] = !cs[i].has_read_version;
			set_str(&b.cols[6], i, cs[i].isolation_level);
			((uint8_t *)b.cols[7].values)[i] = cs[i].is_blind_append;
			b.cols[7].nulls[i] = !cs[i].has_is_blind_append;
			set_str(&b.cols[8], i, cs[i].operation_metrics);
			set_str(&b.cols[9], i, cs[i].engine_info);
		}
		b.nrows = rows;
		w = cli_writer_new(stdout, fmt, &sch);
		if (cli_writer_rows(w, &b, rows, &err) != TN_OK || cli_writer_finish(w, &err) != TN_OK)
			rc = cli_fail("history", &err);
		cli_writer_free(w);
		tn_batch_done(&b);
		tn_schema_done(&sch);
	}
	delta_history_free(cs, n);
	delta_table_close(t);
	store_free(st);
	return rc;
}

/* ---- changes ---- */

int cli_cmd_changes(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"from", required_argument, NULL, 'F'},	  {"to", required_argument, NULL, 't'},
		{"format", required_argument, NULL, 'f'}, {"limit", required_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	const struct cli_cmd *self = cli_find("changes");
	enum cli_format fmt = CLI_FMT_TABLE;
	int64_t from = -1, to = -1, limit = -1;
	struct store *st;
	struct delta_table *t = NULL;
	struct delta_scan *sc = NULL;
	struct cli_writer *w = NULL;
	struct tn_batch b = {0};
	struct tn_err err;
	int c, rc = CLI_OK;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f:n:", longopts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if (tn_parse_i64(optarg, &from, "--from", &err) != TN_OK || from < 0)
				return cli_usage_error(self, "--from wants a version, got '%s'", optarg);
			break;
		case 't':
			if (tn_parse_i64(optarg, &to, "--to", &err) != TN_OK || to < 0)
				return cli_usage_error(self, "--to wants a version, got '%s'", optarg);
			break;
		case 'f':
			if (cli_format_parse(optarg, &fmt, &err) != TN_OK)
				return cli_usage_error(self, "%s", err.msg);
			break;
		case 'n':
			if (tn_parse_i64(optarg, &limit, "--limit", &err) != TN_OK || limit < 0)
				return cli_usage_error(self, "--limit wants a count, got '%s'", optarg);
			break;
		default:
			return cli_usage_error(self, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(self, argc - optind == 0 ? "no table given" : "too many arguments");
	if (from < 0)
		return cli_usage_error(self, "--from is required");
	st = store_local_new("");
	if (delta_table_open(st, argv[optind], &t, &err) != TN_OK ||
	    delta_changes_open(t, from, to, NULL, &sc, &err) != TN_OK) {
		rc = cli_fail("changes", &err);
	} else {
		w = cli_writer_new(stdout, fmt, delta_scan_schema(sc));
		if (cli_writer_stream(w, next_delta, sc, &b, limit, &err) != TN_OK)
			rc = cli_fail("changes", &err);
	}
	if (b.cols != NULL)
		tn_batch_done(&b);
	cli_writer_free(w);
	delta_scan_close(sc);
	delta_table_close(t);
	store_free(st);
	return rc;
}

/* ---- import ---- */

/* Where import's rows come from: a Parquet file or a text file. */
struct import_src {
	struct pq_reader *pq;
	struct tio_reader *text;
};

static int import_next(struct import_src *src, struct tn_batch *b, struct tn_err *err)
{
	return src->pq != NULL ? pq_reader_next(src->pq, b, err) : tio_next(src->text, b, err);
}

/* Open a text file for import into dir. An existing table's schema is the
 * one the text is parsed into, so that its values take the table's types. */
static int import_open_text(struct store *st, const char *file, const char *dir,
			    struct tio_opts *o, bool infer, struct import_src *src, struct tn_err *err)
{
	struct delta_table *t = NULL;
	struct delta_snapshot *s = NULL;
	int rc = TN_OK;

	if (!infer && delta_is_table(st, dir)) {
		rc = open_snapshot(st, dir, NULL, NULL, false, &t, &s, err);
		if (rc == TN_OK) {
			o->schema = delta_snapshot_schema(s);
			if (o->rescue && tn_schema_find(o->schema, TIO_RESCUED_COLUMN) < 0)
				rc = tn_err_set(err, TN_EINVAL,
						"%s: --rescue needs a string column %s in the table",
						dir, TIO_RESCUED_COLUMN);
		}
	}
	if (rc == TN_OK)
		rc = tio_open(st, file, o, &src->text, err);
	delta_snapshot_free(s);
	delta_table_close(t);
	return rc;
}

int cli_cmd_import(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"mode", required_argument, NULL, 'm'},
		{"format", required_argument, NULL, 'f'},
		{"delimiter", required_argument, NULL, 'd'},
		{"no-header", no_argument, NULL, 'H'},
		{"rescue", no_argument, NULL, 'r'},
		{"partition-by", required_argument, NULL, 'p'},
		{"property", required_argument, NULL, 'P'},
		{"merge-schema", no_argument, NULL, 'M'},
		{"replace-where", required_argument, NULL, 'R'},
		{NULL, 0, NULL, 0},
	};
	const struct cli_cmd *self = cli_find("import");
	int mode = DELTA_APPEND, c, rc = CLI_OK;
	const char *format = NULL;
	struct tio_opts topts;
	struct store *st;
	struct import_src src = {0};
	struct delta_writer *w = NULL;
	struct tn_batch b = {0};
	struct tn_err err;
	int64_t version = -1, rows = 0;
	struct delta_write_opts wo;
	struct cli_list parts = {0}, props = {0};
	struct delta_pred *replace = NULL;

	memset(&wo, 0, sizeof(wo));
	tio_opts_init(&topts);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+m:f:d:", longopts, NULL)) != -1) {
		if (c == 'm' && strcmp(optarg, "append") == 0)
			mode = DELTA_APPEND;
		else if (c == 'm' && strcmp(optarg, "overwrite") == 0)
			mode = DELTA_OVERWRITE;
		else if (c == 'm')
			rc = cli_usage_error(self, "--mode is append or overwrite, not '%s'", optarg);
		else if (c == 'f' && (strcmp(optarg, "csv") == 0 || strcmp(optarg, "jsonl") == 0 ||
				      strcmp(optarg, "parquet") == 0))
			format = optarg;
		else if (c == 'f')
			rc = cli_usage_error(self, "--format is csv, jsonl or parquet, not '%s'",
					       optarg);
		else if (c == 'd' && (strcmp(optarg, "tab") == 0 || strcmp(optarg, "\\t") == 0))
			topts.delimiter = '\t';
		else if (c == 'd' && strlen(optarg) == 1 && strchr("\"\r\n", optarg[0]) == NULL)
			topts.delimiter = optarg[0];
		else if (c == 'd')
			rc = cli_usage_error(self, "--delimiter wants one character (or tab), not '%s'",
					       optarg);
		else if (c == 'H')
			topts.header = false;
		else if (c == 'r')
			topts.rescue = true;
		else if (c == 'p')
			cli_list_split(&parts, optarg);
		else if (c == 'P' && strchr(optarg, '=') != NULL && strchr(optarg, '=') != optarg)
			cli_list_add(&props, optarg);
		else if (c == 'P')
			rc = cli_usage_error(self, "--property wants KEY=VALUE, not '%s'", optarg);
		else if (c == 'M')
			wo.merge_schema = true;
		else if (c == 'R' && replace == NULL && delta_pred_parse(optarg, &replace, &err) != TN_OK)
			rc = cli_usage_error(self, "--replace-where: %s", err.msg);
		else if (c != 'R')
			rc = cli_usage_error(self, "unknown option '%s'", argv[optind - 1]);
		if (rc != CLI_OK)
			goto usage;
	}
	if (argc - optind != 2) {
		rc = cli_usage_error(self, "want a data file and a table directory");
		goto usage;
	}
	if (replace != NULL)
		mode = DELTA_OVERWRITE;
	wo.mode = mode;
	wo.replace_where = replace;
	wo.partition_by = (const char *const *)parts.v;
	wo.npartition_by = parts.n;
	wo.nproperties = props.n;
	wo.properties = tn_calloc(props.n + 1, sizeof(*wo.properties));
	for (size_t i = 0; i < props.n; i++) {
		char *eq = strchr(props.v[i], '=');

		*eq = '\0';
		((struct delta_kv *)wo.properties)[i].key = props.v[i];
		((struct delta_kv *)wo.properties)[i].value = eq + 1;
	}
	if (format == NULL && tn_str_endswith(argv[optind], ".parquet"))
		format = "parquet";
	if (format == NULL && tio_format_from_path(argv[optind]) == TIO_AUTO) {
		rc = cli_usage_error(self, "cannot tell the format of '%s' from its name: give --format",
				       argv[optind]);
		goto usage;
	}
	if (format != NULL && strcmp(format, "parquet") != 0)
		topts.format = strcmp(format, "csv") == 0 ? TIO_CSV : TIO_JSONL;
	else if (format == NULL)
		topts.format = tio_format_from_path(argv[optind]);
	if ((topts.delimiter != 0 || !topts.header) && topts.format != TIO_CSV) {
		rc = cli_usage_error(self, "--delimiter and --no-header are for CSV files");
		goto usage;
	}
	if (topts.rescue && format != NULL && strcmp(format, "parquet") == 0) {
		rc = cli_usage_error(self, "--rescue is for CSV and JSON-lines files");
		goto usage;
	}
	st = store_local_new("");
	if (format != NULL && strcmp(format, "parquet") == 0)
		rc = pq_reader_open(st, argv[optind], NULL, &src.pq, &err);
	else
		rc = import_open_text(st, argv[optind], argv[optind + 1], &topts, wo.merge_schema, &src,
				      &err);
	if (rc != TN_OK ||
	    delta_writer_open_opts(st, argv[optind + 1],
				   src.pq != NULL ? pq_reader_schema(src.pq) : tio_schema(src.text), &wo,
				   &w, &err) != TN_OK) {
		rc = cli_fail("import", &err);
		goto done;
	}
	for (;;) {
		if (import_next(&src, &b, &err) != TN_OK ||
		    (b.nrows > 0 && delta_writer_write(w, &b, &err) != TN_OK)) {
			rc = cli_fail("import", &err);
			goto done;
		}
		if (b.nrows == 0)
			break;
		rows += (int64_t)b.nrows;
	}
	rc = delta_writer_commit(w, &version, &err) == TN_OK ? CLI_OK : cli_fail("import", &err);
	w = NULL;
	if (rc == CLI_OK)
		fprintf(stderr, "tarn import: %s version %lld: %lld rows %s\n", argv[optind + 1],
			(long long)version, (long long)rows,
			mode == DELTA_OVERWRITE ? "replace the table's rows" : "appended");
done:
	if (b.cols != NULL)
		tn_batch_done(&b);
	delta_writer_abort(w);
	pq_reader_close(src.pq);
	tio_close(src.text);
	store_free(st);
usage:
	delta_pred_free(replace);
	free((void *)wo.properties);
	cli_list_done(&parts);
	cli_list_done(&props);
	return rc;
}

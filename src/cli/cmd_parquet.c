/* cmd_parquet.c - `tarn cat` and `tarn inspect`: rows and metadata of a
 * Parquet file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "base/alloc.h"
#include "base/str.h"
#include "base/valfmt.h"
#include "cli/cli.h"
#include "cli/cmds.h"
#include "cli/format.h"
#include "parquet/codec.h"
#include "parquet/parquet.h"

static bool is_directory(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int next_parquet(void *r, struct tn_batch *b, struct tn_err *err)
{
	return pq_reader_next(r, b, err);
}

/* Split "a,b,c" into a NULL-terminated array (in one allocation). */
static char **split_columns(const char *list, size_t *n)
{
	size_t count = 1, len = strlen(list);
	char **v, *copy;
	size_t i = 0;

	for (const char *p = list; *p; p++)
		count += *p == ',';
	v = tn_malloc((count + 1) * sizeof(char *) + len + 1);
	copy = (char *)(v + count + 1);
	memcpy(copy, list, len + 1);
	for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ","))
		v[i++] = tn_str_trim(tok);
	v[i] = NULL;
	*n = i;
	return v;
}

/* --codec names. */
static int codec_parse(const char *s, int *codec)
{
	static const struct {
		const char *name;
		int codec;
	} names[] = {
		{"zstd", PQ_CODEC_ZSTD}, {"snappy", PQ_CODEC_SNAPPY}, {"gzip", PQ_CODEC_GZIP},
		{"lz4_raw", PQ_CODEC_LZ4_RAW}, {"lz4", PQ_CODEC_LZ4_RAW},
		{"none", PQ_CODEC_UNCOMPRESSED}, {"uncompressed", PQ_CODEC_UNCOMPRESSED},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (tn_str_ieq(s, names[i].name)) {
			*codec = names[i].codec;
			return TN_OK;
		}
	}
	return TN_EINVAL;
}

static int next_pq(void *r, struct tn_batch *b, struct tn_err *err)
{
	return pq_reader_next(r, b, err);
}

static int cat_to_parquet(struct pq_reader *r, struct store *st, const char *out,
			  const struct pq_write_opts *wo, int64_t limit)
{
	return cli_write_parquet(pq_reader_schema(r), next_pq, r, st, out, wo, limit);
}

int cli_parquet_write(const struct tn_schema *schema, cli_next_fn next, void *src,
		      struct store *st, const char *out, const struct pq_write_opts *wo,
		      int64_t limit, struct pq_write_result *res, struct tn_err *err)
{
	struct store *own = st == NULL ? store_local_new("") : NULL;
	struct pq_write_result local;
	struct pq_writer *w = NULL;
	struct tn_batch b;
	int64_t done = 0;
	int rc;

	memset(&b, 0, sizeof(b));
	rc = pq_writer_open(st != NULL ? st : own, out, schema, wo, &w, err);
	while (rc == TN_OK && (limit < 0 || done < limit)) {
		rc = next(src, &b, err);
		if (rc != TN_OK || b.nrows == 0)
			break;
		if (limit >= 0 && (int64_t)b.nrows > limit - done)
			b.nrows = (size_t)(limit - done);
		rc = pq_writer_write(w, &b, err);
		done += (int64_t)b.nrows;
	}
	if (b.cols != NULL)
		tn_batch_done(&b);
	if (rc == TN_OK)
		rc = pq_writer_close(w, res != NULL ? res : &local, err);
	else if (w != NULL)
		pq_writer_abort(w);
	if (own != NULL)
		store_free(own);
	return rc;
}

/* `tarn cat --output`: every batch from next(src) (up to limit rows) into
 * a new Parquet file at out. */
int cli_write_parquet(const struct tn_schema *schema, cli_next_fn next, void *src,
		      struct store *st, const char *out, const struct pq_write_opts *wo,
		      int64_t limit)
{
	struct pq_write_result res;
	struct tn_err err;

	if (cli_parquet_write(schema, next, src, st, out, wo, limit, &res, &err) != TN_OK)
		return cli_fail("cat", &err);
	fprintf(stderr, "tarn cat: wrote %lld rows in %zu row group%s (%llu bytes) to %s\n",
		(long long)res.num_rows, res.num_row_groups, res.num_row_groups == 1 ? "" : "s",
		(unsigned long long)res.file_size, out);
	return CLI_OK;
}

int cli_cmd_cat(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'f'},  {"columns", required_argument, NULL, 'c'},
		{"limit", required_argument, NULL, 'n'},   {"no-crc", no_argument, NULL, 'C'},
		{"batch-rows", required_argument, NULL, 'b'}, {"output", required_argument, NULL, 'o'},
		{"codec", required_argument, NULL, 'Z'},   {"row-group-rows", required_argument, NULL, 'R'},
		{"version", required_argument, NULL, 'V'}, {"timestamp", required_argument, NULL, 'T'},
		{"where", required_argument, NULL, 'W'},   {"metrics", no_argument, NULL, 'M'},
		{NULL, 0, NULL, 0},
	};
	const struct cli_cmd *self = cli_find("cat");
	const char *version = NULL, *timestamp = NULL, *where = NULL;
	bool metrics = false;
	enum cli_format fmt = CLI_FMT_TABLE;
	struct pq_read_opts opts;
	struct pq_write_opts wopts;
	struct store *st = NULL;
	struct pq_reader *r = NULL;
	struct cli_writer *w = NULL;
	struct tn_batch b;
	struct tn_err err;
	char **cols = NULL;
	const char *output = NULL;
	bool have_format = false, write_opt = false;
	size_t ncols = 0;
	int64_t limit = -1;
	int c, rc = CLI_OK;

	pq_read_opts_init(&opts);
	pq_write_opts_init(&wopts);
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f:c:n:o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (cli_format_parse(optarg, &fmt, &err) != TN_OK) {
				free(cols);
				return cli_usage_error(self, "%s", err.msg);
			}
			have_format = true;
			break;
		case 'o':
			output = optarg;
			break;
		case 'Z':
			if (codec_parse(optarg, &wopts.codec) != TN_OK) {
				free(cols);
				return cli_usage_error(self,
						       "--codec is zstd, snappy, gzip, lz4_raw or none, "
						       "not '%s'",
						       optarg);
			}
			write_opt = true;
			break;
		case 'R': {
			int64_t n;

			if (tn_parse_i64(optarg, &n, "--row-group-rows", &err) != TN_OK || n < 1) {
				free(cols);
				return cli_usage_error(self, "--row-group-rows wants a count of rows, "
							     "got '%s'",
						       optarg);
			}
			wopts.row_group_rows = (size_t)n;
			write_opt = true;
			break;
		}
		case 'c':
			free(cols);
			cols = split_columns(optarg, &ncols);
			break;
		case 'n':
			if (tn_parse_i64(optarg, &limit, "--limit", &err) != TN_OK || limit < 0) {
				free(cols);
				return cli_usage_error(self, "--limit wants a count of rows, got '%s'",
						       optarg);
			}
			break;
		case 'b': {
			int64_t n;

			if (tn_parse_i64(optarg, &n, "--batch-rows", &err) != TN_OK || n < 1 ||
			    n > 1000000) {
				free(cols);
				return cli_usage_error(self, "--batch-rows wants 1 to 1000000");
			}
			opts.batch_rows = (size_t)n;
			break;
		}
		case 'C':
			opts.verify_crc = false;
			break;
		case 'V':
			version = optarg;
			break;
		case 'T':
			timestamp = optarg;
			break;
		case 'W':
			where = optarg;
			break;
		case 'M':
			metrics = true;
			break;
		default:
			free(cols);
			return cli_usage_error(self, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1) {
		free(cols);
		return cli_usage_error(self, argc - optind == 0 ? "no file given" : "too many arguments");
	}
	if (version != NULL && timestamp != NULL) {
		free(cols);
		return cli_usage_error(self, "--version and --timestamp cannot be used together");
	}
	if (is_directory(argv[optind]) && output != NULL) {
		rc = cli_delta_cat_parquet(argv[optind], (const char *const *)cols, ncols, limit,
					   version, timestamp, where, output, &wopts);
		free(cols);
		return rc;
	}
	if (is_directory(argv[optind])) {
		rc = cli_delta_cat(argv[optind], fmt, (const char *const *)cols, ncols, limit, version,
				   timestamp, opts.batch_rows, where, metrics);
		free(cols);
		return rc;
	}
	if (version != NULL || timestamp != NULL || where != NULL || metrics) {
		free(cols);
		return cli_usage_error(self, "--version, --timestamp, --where and --metrics are for "
					     "Delta tables, and %s is a file", argv[optind]);
	}
	if (output != NULL && have_format) {
		free(cols);
		return cli_usage_error(self, "--format and --output do not go together");
	}
	if (output == NULL && write_opt) {
		free(cols);
		return cli_usage_error(self, "--codec and --row-group-rows need --output");
	}
	if (cols != NULL) {
		opts.columns = (const char *const *)cols;
		opts.ncolumns = ncols;
	}
	st = store_local_new("");
	memset(&b, 0, sizeof(b));
	if (pq_reader_open(st, argv[optind], &opts, &r, &err) != TN_OK) {
		rc = cli_fail("cat", &err);
		goto done;
	}
	if (output != NULL) {
		rc = cat_to_parquet(r, st, output, &wopts, limit);
		goto done;
	}
	w = cli_writer_new(stdout, fmt, pq_reader_schema(r));
	if (cli_writer_stream(w, next_parquet, r, &b, limit, &err) != TN_OK)
		rc = cli_fail("cat", &err);
done:
	if (b.cols != NULL)
		tn_batch_done(&b);
	cli_writer_free(w);
	pq_reader_close(r);
	store_free(st);
	free(cols);
	return rc;
}

/* ---- inspect ---- */

static const char *type_name(int32_t t)
{
	static const char *const names[] = {"BOOLEAN", "INT32", "INT64", "INT96",
					    "FLOAT", "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};

	return t >= 0 && t < 8 ? names[t] : "?";
}

static const char *encoding_name(int32_t e)
{
	static const char *const names[] = {"PLAIN", "GROUP_VAR_INT", "PLAIN_DICTIONARY", "RLE",
					    "BIT_PACKED", "DELTA_BINARY_PACKED",
					    "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
					    "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};

	return e >= 0 && e < 10 ? names[e] : "?";
}

static const char *repetition_name(const struct pq_schema_elem *e)
{
	if (!e->has_repetition_type)
		return "";
	switch (e->repetition_type) {
	case PQ_REQUIRED:
		return "required";
	case PQ_OPTIONAL:
		return "optional";
	case PQ_REPEATED:
		return "repeated";
	default:
		return "?";
	}
}

static const char *logical_name(const struct pq_schema_elem *e, char *buf, size_t n)
{
	static const char *const lt[] = {
		"UNKNOWN", "STRING", "MAP",  "LIST", "ENUM",  "DECIMAL", "DATE",    "TIME",
		"TIMESTAMP", "INTERVAL", "INTEGER", "NULL", "JSON", "BSON", "UUID", "FLOAT16",
		"VARIANT", "GEOMETRY", "GEOGRAPHY", "VECTOR"};
	static const char *const ct[] = {
		"UTF8", "MAP", "MAP_KEY_VALUE", "LIST", "ENUM", "DECIMAL", "DATE", "TIME_MILLIS",
		"TIME_MICROS", "TIMESTAMP_MILLIS", "TIMESTAMP_MICROS", "UINT_8", "UINT_16",
		"UINT_32", "UINT_64", "INT_8", "INT_16", "INT_32", "INT_64", "JSON", "BSON",
		"INTERVAL"};
	static const char *const units[] = {"?", "MILLIS", "MICROS", "NANOS"};

	buf[0] = '\0';
	if (e->has_logical_type) {
		const struct pq_logical_type *l = &e->logical_type;
		const char *name = l->kind >= 0 && l->kind < 20 ? lt[l->kind] : "?";

		switch (l->kind) {
		case PQ_LT_DECIMAL:
			snprintf(buf, n, "DECIMAL(%d,%d)", l->precision, l->scale);
			break;
		case PQ_LT_TIME:
		case PQ_LT_TIMESTAMP:
			snprintf(buf, n, "%s(%s,%s)", name,
				 l->unit >= 1 && l->unit <= 3 ? units[l->unit] : "?",
				 l->is_adjusted_to_utc ? "UTC" : "local");
			break;
		case PQ_LT_INTEGER:
			snprintf(buf, n, "INTEGER(%d,%s)", l->bit_width,
				 l->is_signed ? "signed" : "unsigned");
			break;
		default:
			snprintf(buf, n, "%s", name);
		}
	} else if (e->has_converted_type) {
		if (e->converted_type == PQ_CT_DECIMAL)
			snprintf(buf, n, "DECIMAL(%d,%d)", e->precision, e->scale);
		else
			snprintf(buf, n, "%s",
				 e->converted_type >= 0 && e->converted_type < 22 ? ct[e->converted_type]
										 : "?");
	}
	return buf;
}

/* A statistics value as text, or its size when it cannot be decoded. */
static cJSON *stat_value(const struct pq_reader *r, size_t leaf, const struct pq_binary *v)
{
	struct tn_buf b = TN_BUF_INIT;
	struct tn_err err;
	cJSON *j;

	if (pq_reader_stat_json(r, leaf, v, &b, &err) != TN_OK) {
		tn_buf_done(&b);
		return cJSON_CreateString("(undecodable)");
	}
	j = cJSON_Parse(b.data);
	tn_buf_done(&b);
	return j ? j : cJSON_CreateString("(undecodable)");
}

static void add_schema(cJSON *arr, const struct pq_file_meta *m)
{
	/* Depth from num_children, walking the flat list. */
	int remaining[512];
	int top = 0;

	remaining[0] = 1 << 30;
	for (size_t i = 0; i < m->n_schema; i++) {
		const struct pq_schema_elem *e = &m->schema[i];
		cJSON *o = cJSON_CreateObject();
		char lt[64];

		while (top > 0 && remaining[top] == 0)
			top--;
		cJSON_AddStringToObject(o, "name", e->name ? e->name : "");
		cJSON_AddNumberToObject(o, "depth", top);
		if (i > 0)
			cJSON_AddStringToObject(o, "repetition", repetition_name(e));
		if (e->has_type)
			cJSON_AddStringToObject(o, "type", type_name(e->type));
		if (e->has_type_length)
			cJSON_AddNumberToObject(o, "type_length", e->type_length);
		if (*logical_name(e, lt, sizeof(lt)))
			cJSON_AddStringToObject(o, "logical_type", lt);
		if (e->has_field_id)
			cJSON_AddNumberToObject(o, "field_id", e->field_id);
		if (e->has_num_children && !e->has_type)
			cJSON_AddNumberToObject(o, "children", e->num_children);
		cJSON_AddItemToArray(arr, o);
		if (top > 0)
			remaining[top]--;
		if (e->has_num_children && !e->has_type && e->num_children > 0 && top + 1 < 512) {
			top++;
			remaining[top] = e->num_children;
		}
	}
}

static cJSON *inspect_json(const struct pq_reader *r, const char *path)
{
	const struct pq_file_meta *m = pq_reader_meta(r);
	cJSON *root = cJSON_CreateObject(), *schema, *rgs, *kv;
	char tname[256];

	cJSON_AddStringToObject(root, "file", path);
	cJSON_AddNumberToObject(root, "version", m->version);
	if (m->created_by)
		cJSON_AddStringToObject(root, "created_by", m->created_by);
	cJSON_AddNumberToObject(root, "num_rows", (double)m->num_rows);
	cJSON_AddNumberToObject(root, "num_row_groups", (double)m->n_row_groups);
	schema = cJSON_AddArrayToObject(root, "columns");
	for (size_t i = 0; i < pq_reader_schema(r)->ncols; i++) {
		const struct tn_field *f = &pq_reader_schema(r)->cols[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", f->name);
		cJSON_AddStringToObject(o, "type", tn_type_name(&f->type, tname, sizeof(tname)));
		cJSON_AddBoolToObject(o, "nullable", f->nullable);
		cJSON_AddItemToArray(schema, o);
	}
	add_schema(cJSON_AddArrayToObject(root, "parquet_schema"), m);
	kv = cJSON_AddObjectToObject(root, "key_value_metadata");
	for (size_t i = 0; i < m->n_key_value_metadata; i++)
		cJSON_AddStringToObject(kv, m->key_value_metadata[i].key,
					m->key_value_metadata[i].value ? m->key_value_metadata[i].value
								       : "");
	rgs = cJSON_AddArrayToObject(root, "row_groups");
	for (size_t g = 0; g < m->n_row_groups; g++) {
		const struct pq_row_group *rg = &m->row_groups[g];
		cJSON *o = cJSON_CreateObject(), *cols;

		cJSON_AddNumberToObject(o, "num_rows", (double)rg->num_rows);
		cJSON_AddNumberToObject(o, "total_byte_size", (double)rg->total_byte_size);
		cols = cJSON_AddArrayToObject(o, "columns");
		for (size_t c = 0; c < rg->n_columns; c++) {
			const struct pq_column_chunk *cc = &rg->columns[c];
			const struct pq_column_meta *cm = &cc->meta_data;
			cJSON *co = cJSON_CreateObject(), *enc;

			cJSON_AddStringToObject(co, "path", pq_reader_leaf_path(r, c));
			cJSON_AddStringToObject(co, "type", type_name(cm->type));
			cJSON_AddStringToObject(co, "codec", pq_codec_name(cm->codec));
			enc = cJSON_AddArrayToObject(co, "encodings");
			for (size_t e = 0; e < cm->n_encodings; e++)
				cJSON_AddItemToArray(enc, cJSON_CreateString(encoding_name(cm->encodings[e])));
			cJSON_AddNumberToObject(co, "num_values", (double)cm->num_values);
			cJSON_AddNumberToObject(co, "compressed_size", (double)cm->total_compressed_size);
			cJSON_AddNumberToObject(co, "uncompressed_size",
						(double)cm->total_uncompressed_size);
			cJSON_AddNumberToObject(co, "data_page_offset", (double)cm->data_page_offset);
			if (cm->has_dictionary_page_offset)
				cJSON_AddNumberToObject(co, "dictionary_page_offset",
							(double)cm->dictionary_page_offset);
			if (cm->has_statistics) {
				const struct pq_statistics *s = &cm->statistics;
				cJSON *so = cJSON_AddObjectToObject(co, "statistics");

				if (s->has_null_count)
					cJSON_AddNumberToObject(so, "null_count", (double)s->null_count);
				if (s->has_distinct_count)
					cJSON_AddNumberToObject(so, "distinct_count",
								(double)s->distinct_count);
				if (s->has_min_value)
					cJSON_AddItemToObject(so, "min", stat_value(r, c, &s->min_value));
				else if (s->has_min)
					cJSON_AddItemToObject(so, "min_deprecated", stat_value(r, c, &s->min));
				if (s->has_max_value)
					cJSON_AddItemToObject(so, "max", stat_value(r, c, &s->max_value));
				else if (s->has_max)
					cJSON_AddItemToObject(so, "max_deprecated", stat_value(r, c, &s->max));
				if (s->has_nan_count)
					cJSON_AddNumberToObject(so, "nan_count", (double)s->nan_count);
			}
			cJSON_AddBoolToObject(co, "column_index",
					      cc->has_column_index_offset && cc->has_column_index_length);
			cJSON_AddBoolToObject(co, "offset_index",
					      cc->has_offset_index_offset && cc->has_offset_index_length);
			if (cm->has_bloom_filter_offset)
				cJSON_AddBoolToObject(co, "bloom_filter", true);
			cJSON_AddItemToArray(cols, co);
		}
		cJSON_AddItemToArray(rgs, o);
	}
	return root;
}

static void print_text(const cJSON *j)
{
	const cJSON *cols = cJSON_GetObjectItem(j, "columns");
	const cJSON *rgs = cJSON_GetObjectItem(j, "row_groups");
	const cJSON *kv = cJSON_GetObjectItem(j, "key_value_metadata");
	const cJSON *it;
	int g = 0;

	printf("file:        %s\n", cJSON_GetObjectItem(j, "file")->valuestring);
	if (cJSON_GetObjectItem(j, "created_by"))
		printf("created by:  %s\n", cJSON_GetObjectItem(j, "created_by")->valuestring);
	printf("format:      version %d\n", cJSON_GetObjectItem(j, "version")->valueint);
	printf("rows:        %.0f in %.0f row group(s)\n",
	       cJSON_GetObjectItem(j, "num_rows")->valuedouble,
	       cJSON_GetObjectItem(j, "num_row_groups")->valuedouble);
	printf("\ncolumns:\n");
	cJSON_ArrayForEach(it, cols)
		printf("  %-24s %s%s\n", cJSON_GetObjectItem(it, "name")->valuestring,
		       cJSON_GetObjectItem(it, "type")->valuestring,
		       cJSON_IsTrue(cJSON_GetObjectItem(it, "nullable")) ? "" : " not null");
	printf("\nparquet schema:\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "parquet_schema")) {
		const cJSON *t = cJSON_GetObjectItem(it, "type");
		const cJSON *lt = cJSON_GetObjectItem(it, "logical_type");
		const cJSON *rep = cJSON_GetObjectItem(it, "repetition");
		const cJSON *fid = cJSON_GetObjectItem(it, "field_id");

		printf("  %*s%s%s%s %s%s%s", 2 * cJSON_GetObjectItem(it, "depth")->valueint, "",
		       rep ? rep->valuestring : "message", rep ? " " : "",
		       t ? t->valuestring : (rep ? "group" : ""),
		       cJSON_GetObjectItem(it, "name")->valuestring, lt ? " " : "",
		       lt ? lt->valuestring : "");
		if (fid)
			printf(" (field_id %d)", fid->valueint);
		printf("\n");
	}
	if (cJSON_GetArraySize(kv) > 0) {
		printf("\nkey-value metadata:\n");
		cJSON_ArrayForEach(it, kv) {
			size_t n = strlen(it->valuestring);

			printf("  %s = %.*s%s\n", it->string, n > 100 ? 100 : (int)n, it->valuestring,
			       n > 100 ? "..." : "");
		}
	}
	cJSON_ArrayForEach(it, rgs) {
		const cJSON *c;

		printf("\nrow group %d: %.0f rows, %.0f bytes\n", g++,
		       cJSON_GetObjectItem(it, "num_rows")->valuedouble,
		       cJSON_GetObjectItem(it, "total_byte_size")->valuedouble);
		cJSON_ArrayForEach(c, cJSON_GetObjectItem(it, "columns")) {
			const cJSON *e, *st = cJSON_GetObjectItem(c, "statistics");
			char *s;

			printf("  %s: %s %s, %.0f values, %.0f -> %.0f bytes, encodings",
			       cJSON_GetObjectItem(c, "path")->valuestring,
			       cJSON_GetObjectItem(c, "type")->valuestring,
			       cJSON_GetObjectItem(c, "codec")->valuestring,
			       cJSON_GetObjectItem(c, "num_values")->valuedouble,
			       cJSON_GetObjectItem(c, "uncompressed_size")->valuedouble,
			       cJSON_GetObjectItem(c, "compressed_size")->valuedouble);
			cJSON_ArrayForEach(e, cJSON_GetObjectItem(c, "encodings"))
				printf(" %s", e->valuestring);
			printf("\n");
			if (st) {
				s = cJSON_PrintUnformatted(st);
				printf("    statistics %s\n", s);
				free(s);
			}
		}
	}
}

int cli_cmd_inspect(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"format", required_argument, NULL, 'f'},
		{"version", required_argument, NULL, 'V'},
		{"timestamp", required_argument, NULL, 'T'},
		{NULL, 0, NULL, 0},
	};
	const struct cli_cmd *self = cli_find("inspect");
	const char *version = NULL, *timestamp = NULL;
	bool json = false;
	struct store *st;
	struct pq_reader *r = NULL;
	struct tn_err err;
	cJSON *j;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+f:", longopts, NULL)) != -1) {
		if (c == 'f' && strcmp(optarg, "json") == 0)
			json = true;
		else if (c == 'f' && strcmp(optarg, "text") == 0)
			json = false;
		else if (c == 'f')
			return cli_usage_error(self, "--format is text or json, not '%s'", optarg);
		else if (c == 'V')
			version = optarg;
		else if (c == 'T')
			timestamp = optarg;
		else
			return cli_usage_error(self, "unknown option '%s'", argv[optind - 1]);
	}
	if (argc - optind != 1)
		return cli_usage_error(self, argc - optind == 0 ? "no file given" : "too many arguments");
	if (version != NULL && timestamp != NULL)
		return cli_usage_error(self, "--version and --timestamp cannot be used together");
	if (is_directory(argv[optind]))
		return cli_delta_inspect(argv[optind], json, version, timestamp);
	st = store_local_new("");
	if (pq_reader_open(st, argv[optind], NULL, &r, &err) != TN_OK) {
		store_free(st);
		return cli_fail("inspect", &err);
	}
	j = inspect_json(r, argv[optind]);
	if (json) {
		char *s = cJSON_Print(j);

		puts(s);
		free(s);
	} else {
		print_text(j);
	}
	cJSON_Delete(j);
	pq_reader_close(r);
	store_free(st);
	return fflush(stdout) == 0 ? CLI_OK : CLI_FAILED;
}

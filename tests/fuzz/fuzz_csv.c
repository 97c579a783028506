/* fuzz_csv.c - libFuzzer target for the text readers: CSV records and JSON
 * lines, type inference, conversion into given types and rescue. The first
 * byte picks the options (format, header, rescue, delimiter, how many rows
 * inference reads); every third input is read into a fixed schema. The rest
 * is the file, read through a memfd. Whatever reads must give valid UTF-8
 * strings and, in the rescue column, valid JSON. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "base/str.h"
#include "base/valfmt.h"
#include "io/textio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tn_schema *fixed_schema(void)
{
	static const struct {
		const char *name;
		enum tn_kind kind;
	} cols[] = {{"a", TN_INT32},  {"b", TN_DECIMAL}, {"c", TN_DATE},   {"d", TN_TIMESTAMP},
		    {"e", TN_STRING}, {"f", TN_BOOL},    {"g", TN_DOUBLE}, {"h", TN_UUID},
		    {"i", TN_UINT16}, {"j", TN_TIME}};
	static struct tn_schema s;
	static struct tn_field f[sizeof(cols) / sizeof(cols[0])];

	if (s.ncols == 0) {
		for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
			f[i].name = (char *)cols[i].name;
			f[i].type.kind = cols[i].kind;
			f[i].type.precision = 20;
			f[i].type.scale = 3;
			f[i].type.unit = i == 3 ? 2 : 0; /* nanoseconds, milliseconds */
			f[i].nullable = true;
		}
		s.ncols = sizeof(cols) / sizeof(cols[0]);
		s.cols = f;
	}
	return &s;
}

static void check_batch(const struct tn_batch *b, struct tn_buf *row)
{
	for (size_t c = 0; c < b->schema->ncols; c++) {
		const struct tn_vec *v = &b->cols[c];
		bool rescued = strcmp(b->schema->cols[c].name, TIO_RESCUED_COLUMN) == 0;

		if (v->type->kind != TN_STRING)
			continue;
		for (size_t i = 0; i < b->nrows; i++) {
			const struct tn_bytes *s = (const struct tn_bytes *)v->values + i;
			cJSON *j;

			if (tn_vec_is_null(v, i))
				continue;
			if (!tn_utf8_valid(s->ptr, s->len))
				abort();
			if (!rescued)
				continue;
			j = cJSON_ParseWithLength((const char *)s->ptr, s->len);
			if (j == NULL || !cJSON_IsObject(j))
				abort();
			cJSON_Delete(j);
		}
	}
	for (size_t i = 0; i < b->nrows; i++) {
		tn_buf_reset(row);
		tn_row_json(row, b, i, NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char delims[] = {',', ';', '\t', '|'};
	static struct store *st;
	struct tio_opts o;
	struct tio_reader *r = NULL;
	struct tn_batch b;
	struct tn_buf row = TN_BUF_INIT;
	char path[64];
	int fd;

	if (size < 1)
		return 0;
	fd = memfd_create("fuzz.txt", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) {
		close(fd);
		return 0;
	}
	if (st == NULL)
		st = store_local_new("");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	tio_opts_init(&o);
	o.format = data[0] & 1 ? TIO_JSONL : TIO_CSV;
	o.header = data[0] & 2;
	o.rescue = data[0] & 4;
	o.delimiter = delims[(data[0] >> 3) & 3];
	o.infer_rows = 1 + (size_t)(data[0] >> 5) * 2;
	o.batch_rows = 1 + size % 5;
	if (size % 3 == 0)
		o.schema = fixed_schema();
	memset(&b, 0, sizeof(b));
	if (tio_open(st, path, &o, &r, NULL) == TN_OK) {
		for (int n = 0; n < 100000; n++) {
			if (tio_next(r, &b, NULL) != TN_OK || b.nrows == 0)
				break;
			check_batch(&b, &row);
		}
		if (b.cols != NULL)
			tn_batch_done(&b);
		tio_close(r);
	}
	tn_buf_done(&row);
	close(fd);
	return 0;
}

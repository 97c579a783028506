/* resultset.c - a result's rows as text in chunks on an unlinked
 * temporary file, with a bounded LRU cache (resultset.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/valfmt.h"
#include "tui/resultset.h"
#include "tui/tui_int.h"

/* A chunk on file: (ncells + 1) uint32 offsets into the data that
 * follows; bit 31 of an offset marks a NULL cell (no bytes); a value's
 * bytes end with a NUL so that readers get C strings. */
#define NULL_BIT      0x80000000u
#define OFF_MASK      0x7fffffffu
#define ROW_MAX_BYTES (1u << 30)

struct chunk {
	int64_t first; /* first row */
	uint32_t nrows;
	uint64_t off; /* in the file */
	size_t bytes;
};

struct slot {
	char *blob;   /* NULL: free */
	size_t chunk; /* index into ix */
	size_t bytes;
	uint64_t used; /* LRU clock */
};

struct resultset {
	size_t ncols;
	struct rs_col *cols;
	size_t cols_mem;

	/* Published: behind mu. */
	pthread_mutex_t mu;
	struct chunk *ix;
	size_t nix, ix_cap;
	int64_t rows;
	bool complete;

	/* The appender's. */
	int fd;
	uint64_t file_end;
	uint32_t *open_off; /* ncells + 1 */
	size_t open_off_cap;
	struct tn_buf open_data;
	uint32_t open_rows;
	int64_t appended;
	int *widths;	       /* estimates, published at each seal */
	struct tn_buf scratch; /* rs_append_batch's cells */
	size_t *scr_off;
	const char **scr_ptr;
	size_t *scr_len;

	/* The reader's. */
	struct slot cache[RS_CACHE_CHUNKS];
	size_t cache_bytes;
	uint64_t clock;
};

static bool kind_numeric(enum tn_kind k)
{
	return (k >= TN_INT8 && k <= TN_DECIMAL);
}

struct resultset *rs_new_cols(size_t ncols, const char *const *names, const char *const *types,
			      const bool *numeric)
{
	struct resultset *rs = tn_calloc(1, sizeof(*rs));

	rs->ncols = ncols;
	rs->cols = tn_calloc(ncols ? ncols : 1, sizeof(*rs->cols));
	rs->widths = tn_calloc(ncols ? ncols : 1, sizeof(int));
	rs->scr_off = tn_calloc(ncols ? ncols : 1, sizeof(size_t));
	rs->scr_len = tn_calloc(ncols ? ncols : 1, sizeof(size_t));
	rs->scr_ptr = tn_calloc(ncols ? ncols : 1, sizeof(char *));
	rs->cols_mem = (ncols ? ncols : 1) *
		       (sizeof(*rs->cols) + sizeof(int) + 2 * sizeof(size_t) + sizeof(char *));
	for (size_t i = 0; i < ncols; i++) {
		struct rs_col *c = &rs->cols[i];
		int w;

		c->name = tn_strdup(names[i]);
		c->type = tn_strdup(types[i] != NULL ? types[i] : "");
		c->numeric = numeric != NULL && numeric[i];
		/* The header shows the name and, under it, the type. */
		w = tui_text_width(c->name, strlen(c->name));
		if (tui_text_width(c->type, strlen(c->type)) > w)
			w = tui_text_width(c->type, strlen(c->type));
		if (w < 4) /* "NULL" */
			w = 4;
		c->width = w < RS_WIDTH_MAX ? w : RS_WIDTH_MAX;
		rs->widths[i] = c->width;
		rs->cols_mem += strlen(c->name) + strlen(c->type) + 2;
	}
	pthread_mutex_init(&rs->mu, NULL);
	rs->fd = -1;
	tn_buf_init(&rs->open_data, 0);
	tn_buf_init(&rs->scratch, 0);
	return rs;
}

struct resultset *rs_new(const struct tn_schema *schema)
{
	size_t n = schema != NULL ? schema->ncols : 0;
	const char **names = tn_calloc(n ? n : 1, sizeof(char *));
	char **types = tn_calloc(n ? n : 1, sizeof(char *));
	bool *numeric = tn_calloc(n ? n : 1, sizeof(bool));
	struct resultset *rs;

	for (size_t i = 0; i < n; i++) {
		char tname[128];

		names[i] = schema->cols[i].name;
		types[i] = tn_strdup(tn_type_name(&schema->cols[i].type, tname, sizeof(tname)));
		numeric[i] = kind_numeric(schema->cols[i].type.kind);
	}
	rs = rs_new_cols(n, names, (const char *const *)types, numeric);
	for (size_t i = 0; i < n; i++)
		free(types[i]);
	free(names);
	free(types);
	free(numeric);
	return rs;
}

void rs_free(struct resultset *rs)
{
	if (rs == NULL)
		return;
	for (size_t i = 0; i < rs->ncols; i++) {
		free(rs->cols[i].name);
		free(rs->cols[i].type);
	}
	free(rs->cols);
	free(rs->widths);
	free(rs->scr_off);
	free(rs->scr_len);
	free(rs->scr_ptr);
	free(rs->ix);
	free(rs->open_off);
	tn_buf_done(&rs->open_data);
	tn_buf_done(&rs->scratch);
	for (size_t i = 0; i < RS_CACHE_CHUNKS; i++)
		free(rs->cache[i].blob);
	if (rs->fd >= 0)
		close(rs->fd);
	pthread_mutex_destroy(&rs->mu);
	free(rs);
}

/* ---- appending ---- */

static int open_file(struct resultset *rs, struct tn_err *err)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	int fd;

	if (dir == NULL || dir[0] == '\0')
		dir = "/tmp";
	path = tn_asprintf("%s/tarn-results.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0) {
		int rc = tn_err_sys(err, errno, "cannot create a temporary file in %s", dir);

		free(path);
		return rc;
	}
	/* Unlinked at once: the rows vanish with the process, however it ends. */
	unlink(path);
	free(path);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	rs->fd = fd;
	return TN_OK;
}

/* Write (wr) or read all n bytes at off; a short read is the file gone bad. */
static int pio(int fd, void *p, size_t n, uint64_t off, bool wr, struct tn_err *err)
{
	char *s = p;

	while (n > 0) {
		ssize_t k = wr ? pwrite(fd, s, n, (off_t)off) : pread(fd, s, n, (off_t)off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return tn_err_sys(err,
					  k < 0 ? errno
					  : wr	? ENOSPC
						: EIO,
					  wr ? "cannot write the result's temporary file"
					     : "cannot read the result's temporary file back");
		s += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return TN_OK;
}

/* Write the open chunk to the file and publish it. */
static int seal(struct resultset *rs, struct tn_err *err)
{
	size_t ncells = (size_t)rs->open_rows * rs->ncols;
	size_t head = (ncells + 1) * sizeof(uint32_t);
	struct chunk c;
	int rc;

	if (rs->open_rows == 0)
		return TN_OK;
	if (rs->fd < 0 && (rc = open_file(rs, err)) != TN_OK)
		return rc;
	rs->open_off[ncells] = (uint32_t)rs->open_data.len;
	rc = pio(rs->fd, rs->open_off, head, rs->file_end, true, err);
	if (rc == TN_OK)
		rc = pio(rs->fd, rs->open_data.data, rs->open_data.len, rs->file_end + head, true,
			 err);
	if (rc != TN_OK)
		return rc;
	c.first = rs->appended - rs->open_rows;
	c.nrows = rs->open_rows;
	c.off = rs->file_end;
	c.bytes = head + rs->open_data.len;
	rs->file_end += c.bytes;

	pthread_mutex_lock(&rs->mu);
	if (rs->nix == rs->ix_cap) {
		rs->ix_cap = rs->ix_cap ? rs->ix_cap * 2 : 64;
		rs->ix = tn_reallocarray(rs->ix, rs->ix_cap, sizeof(*rs->ix));
	}
	rs->ix[rs->nix++] = c;
	rs->rows = rs->appended;
	for (size_t i = 0; i < rs->ncols; i++)
		rs->cols[i].width = rs->widths[i];
	pthread_mutex_unlock(&rs->mu);

	rs->open_rows = 0;
	tn_buf_reset(&rs->open_data);
	/* A chunk of a few huge rows must not keep its buffer. */
	if (rs->open_data.cap > 2 * RS_CHUNK_BYTES) {
		tn_buf_done(&rs->open_data);
		tn_buf_init(&rs->open_data, 0);
	}
	return TN_OK;
}

int rs_append_row(struct resultset *rs, const char *const *cells, const size_t *lens,
		  struct tn_err *err)
{
	size_t need = 0, base;
	int rc;

	for (size_t i = 0; i < rs->ncols; i++)
		if (cells[i] != NULL)
			need += (lens != NULL ? lens[i] : strlen(cells[i])) + 1;
	if (need > ROW_MAX_BYTES)
		return tn_err_set(err, TN_ETOOBIG, "a row of %zu bytes is too big to show", need);
	if (rs->open_rows > 0 &&
	    (rs->open_rows >= RS_CHUNK_ROWS || rs->open_data.len + need > RS_CHUNK_BYTES)) {
		rc = seal(rs, err);
		if (rc != TN_OK)
			return rc;
	}
	base = (size_t)rs->open_rows * rs->ncols;
	if (base + rs->ncols + 1 > rs->open_off_cap) {
		size_t cap = (size_t)RS_CHUNK_ROWS * rs->ncols + 1;

		if (cap < base + rs->ncols + 1)
			cap = base + rs->ncols + 1;
		rs->open_off = tn_reallocarray(rs->open_off, cap, sizeof(uint32_t));
		rs->open_off_cap = cap;
	}
	rc = tn_buf_reserve(&rs->open_data, need, err);
	if (rc != TN_OK)
		return rc;
	for (size_t i = 0; i < rs->ncols; i++) {
		size_t n;

		if (cells[i] == NULL) {
			rs->open_off[base + i] = (uint32_t)rs->open_data.len | NULL_BIT;
			continue;
		}
		n = lens != NULL ? lens[i] : strlen(cells[i]);
		rs->open_off[base + i] = (uint32_t)rs->open_data.len;
		memcpy(rs->open_data.data + rs->open_data.len, cells[i], n);
		rs->open_data.len += n;
		rs->open_data.data[rs->open_data.len++] = '\0';
		if (rs->appended < RS_WIDTH_ROWS && rs->widths[i] < RS_WIDTH_MAX) {
			int w = tui_text_width(cells[i], n);

			if (w > rs->widths[i])
				rs->widths[i] = w < RS_WIDTH_MAX ? w : RS_WIDTH_MAX;
		}
	}
	rs->open_data.data[rs->open_data.len] = '\0';
	rs->open_rows++;
	rs->appended++;
	return TN_OK;
}

int rs_append_batch(struct resultset *rs, const struct tn_batch *b, size_t from, size_t n,
		    struct tn_err *err)
{
	for (size_t r = from; r < from + n && r < b->nrows; r++) {
		int rc;

		tn_buf_reset(&rs->scratch);
		for (size_t c = 0; c < rs->ncols; c++) {
			const struct tn_vec *v = &b->cols[c];

			rs->scr_off[c] = rs->scratch.len;
			if (v->nulls != NULL && v->nulls[r]) {
				rs->scr_len[c] = SIZE_MAX;
				continue;
			}
			rc = tn_value_text(&rs->scratch, v, r, 0, err);
			if (rc != TN_OK)
				return rc;
			rs->scr_len[c] = rs->scratch.len - rs->scr_off[c];
		}
		for (size_t c = 0; c < rs->ncols; c++) {
			bool null = rs->scr_len[c] == SIZE_MAX;

			rs->scr_ptr[c] = null		    ? NULL
					 : rs->scratch.data ? rs->scratch.data + rs->scr_off[c]
							    : "";
			if (null)
				rs->scr_len[c] = 0;
		}
		rc = rs_append_row(rs, rs->scr_ptr, rs->scr_len, err);
		if (rc != TN_OK)
			return rc;
	}
	return TN_OK;
}

int rs_flush(struct resultset *rs, struct tn_err *err)
{
	return seal(rs, err);
}

int rs_finish(struct resultset *rs, struct tn_err *err)
{
	int rc = seal(rs, err);

	pthread_mutex_lock(&rs->mu);
	rs->complete = true;
	pthread_mutex_unlock(&rs->mu);
	return rc;
}

/* ---- reading ---- */

size_t rs_ncols(const struct resultset *rs)
{
	return rs->ncols;
}

struct rs_col rs_col(struct resultset *rs, size_t i)
{
	struct rs_col c;

	pthread_mutex_lock(&rs->mu);
	c = rs->cols[i];
	pthread_mutex_unlock(&rs->mu);
	return c;
}

int64_t rs_rows(struct resultset *rs)
{
	int64_t n;

	pthread_mutex_lock(&rs->mu);
	n = rs->rows;
	pthread_mutex_unlock(&rs->mu);
	return n;
}

bool rs_complete(struct resultset *rs)
{
	bool c;

	pthread_mutex_lock(&rs->mu);
	c = rs->complete;
	pthread_mutex_unlock(&rs->mu);
	return c;
}

static void evict_one(struct resultset *rs)
{
	struct slot *lru = NULL;

	for (size_t i = 0; i < RS_CACHE_CHUNKS; i++) {
		struct slot *s = &rs->cache[i];

		if (s->blob != NULL && (lru == NULL || s->used < lru->used))
			lru = s;
	}
	if (lru != NULL) {
		rs->cache_bytes -= lru->bytes;
		free(lru->blob);
		lru->blob = NULL;
	}
}

static int load(struct resultset *rs, size_t ci, const struct chunk *c, struct slot **out,
		struct tn_err *err)
{
	struct slot *free_slot = NULL;
	char *blob;
	int rc;

	for (size_t i = 0; i < RS_CACHE_CHUNKS; i++) {
		struct slot *s = &rs->cache[i];

		if (s->blob != NULL && s->chunk == ci) {
			s->used = ++rs->clock;
			*out = s;
			return TN_OK;
		}
	}
	blob = tn_malloc(c->bytes + 1);
	rc = pio(rs->fd, blob, c->bytes, c->off, false, err);
	if (rc != TN_OK) {
		free(blob);
		return rc;
	}
	blob[c->bytes] = '\0';
	for (;;) {
		free_slot = NULL;
		for (size_t i = 0; i < RS_CACHE_CHUNKS && free_slot == NULL; i++)
			if (rs->cache[i].blob == NULL)
				free_slot = &rs->cache[i];
		if (free_slot != NULL &&
		    (rs->cache_bytes + c->bytes <= RS_CACHE_BYTES || rs->cache_bytes == 0))
			break;
		evict_one(rs);
	}
	free_slot->blob = blob;
	free_slot->chunk = ci;
	free_slot->bytes = c->bytes;
	free_slot->used = ++rs->clock;
	rs->cache_bytes += c->bytes;
	*out = free_slot;
	return TN_OK;
}

int rs_cell(struct resultset *rs, int64_t row, size_t col, const char **text, size_t *len,
	    struct tn_err *err)
{
	struct chunk c;
	struct slot *s;
	size_t lo, hi, ci, cell, head;
	const uint32_t *off;
	int rc;

	*text = NULL;
	if (len != NULL)
		*len = 0;
	pthread_mutex_lock(&rs->mu);
	if (row < 0 || row >= rs->rows || col >= rs->ncols) {
		pthread_mutex_unlock(&rs->mu);
		return tn_err_set(err, TN_EINVAL, "no cell at row %lld, column %zu",
				  (long long)row + 1, col + 1);
	}
	/* The last chunk whose first row is <= row. */
	lo = 0;
	hi = rs->nix;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (rs->ix[mid].first <= row)
			lo = mid;
		else
			hi = mid;
	}
	ci = lo;
	c = rs->ix[ci];
	pthread_mutex_unlock(&rs->mu);

	rc = load(rs, ci, &c, &s, err);
	if (rc != TN_OK)
		return rc;
	cell = (size_t)(row - c.first) * rs->ncols + col;
	off = (const uint32_t *)s->blob;
	head = ((size_t)c.nrows * rs->ncols + 1) * sizeof(uint32_t);
	if (off[cell] & NULL_BIT)
		return TN_OK;
	*text = s->blob + head + off[cell];
	if (len != NULL)
		*len = (off[cell + 1] & OFF_MASK) - off[cell] - 1;
	return TN_OK;
}

size_t rs_mem(struct resultset *rs)
{
	size_t n = sizeof(*rs) + rs->cols_mem;

	pthread_mutex_lock(&rs->mu);
	n += rs->ix_cap * sizeof(*rs->ix);
	pthread_mutex_unlock(&rs->mu);
	n += rs->open_off_cap * sizeof(uint32_t) + rs->open_data.cap + rs->scratch.cap;
	n += rs->cache_bytes;
	return n;
}

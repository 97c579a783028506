/* worker.c - a thread with its own engine that runs the workbench's jobs,
 * so that the UI thread never waits for a statement (tui_int.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/valfmt.h"
#include "base/vec.h"
#include "sql/sql.h"
#include "tui/tui_int.h"

struct tui_worker {
	struct tarn_engine *engine;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct tui_job *queue, *queue_tail; /* waiting to run */
	struct tui_job *finished, *finished_tail; /* waiting for done() */
	int running;                        /* a job is in run() */
	bool stop;
	int wake[2];                        /* pipe: a byte per finished job */
};

static void push(struct tui_job **head, struct tui_job **tail, struct tui_job *j)
{
	j->next = NULL;
	if (*tail != NULL)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
}

static struct tui_job *pop(struct tui_job **head, struct tui_job **tail)
{
	struct tui_job *j = *head;

	if (j != NULL) {
		*head = j->next;
		if (*head == NULL)
			*tail = NULL;
		j->next = NULL;
	}
	return j;
}

static void *worker_main(void *arg)
{
	struct tui_worker *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct tui_job *j;

		while (!w->stop && w->queue == NULL)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stop)
			break;
		j = pop(&w->queue, &w->queue_tail);
		w->running = 1;
		pthread_mutex_unlock(&w->mu);
		j->run(j, w->engine);
		pthread_mutex_lock(&w->mu);
		w->running = 0;
		push(&w->finished, &w->finished_tail, j);
		/* The pipe is non-blocking: a full pipe already wakes the UI. */
		if (write(w->wake[1], "x", 1) < 0 && errno != EAGAIN) {
			/* nothing to do: the UI also polls on a timeout */
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int worker_new(const struct tarn_engine_opts *o, struct tui_worker **out, struct tn_err *err)
{
	struct tui_worker *w = tn_calloc(1, sizeof(*w));
	int rc;

	*out = NULL;
	rc = tarn_engine_open(o, &w->engine, err);
	if (rc != TN_OK) {
		free(w);
		return rc;
	}
	if (pipe(w->wake) != 0) {
		rc = tn_err_sys(err, errno, "cannot create the worker's pipe");
		tarn_engine_close(w->engine);
		free(w);
		return rc;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(w->wake[i], F_SETFL, fcntl(w->wake[i], F_GETFL) | O_NONBLOCK);
		fcntl(w->wake[i], F_SETFD, FD_CLOEXEC);
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	rc = pthread_create(&w->thread, NULL, worker_main, w);
	if (rc != 0) {
		tn_err_sys(err, rc, "cannot start the worker thread");
		close(w->wake[0]);
		close(w->wake[1]);
		tarn_engine_close(w->engine);
		free(w);
		return TN_EIO;
	}
	*out = w;
	return TN_OK;
}

void worker_free(struct tui_worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	if (w->running)
		tarn_engine_interrupt(w->engine);
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	/* Jobs that never ran, and finished ones nobody collected, still get
	 * done() so that their owners can free them. */
	for (struct tui_job *j; (j = pop(&w->queue, &w->queue_tail)) != NULL;)
		if (j->done != NULL)
			j->done(j);
	worker_poll(w);
	tarn_engine_close(w->engine);
	close(w->wake[0]);
	close(w->wake[1]);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}

void worker_submit(struct tui_worker *w, struct tui_job *j)
{
	pthread_mutex_lock(&w->mu);
	push(&w->queue, &w->queue_tail, j);
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

int worker_poll(struct tui_worker *w)
{
	char buf[64];
	int n = 0;

	while (read(w->wake[0], buf, sizeof(buf)) > 0) {
	}
	for (;;) {
		struct tui_job *j;

		pthread_mutex_lock(&w->mu);
		j = pop(&w->finished, &w->finished_tail);
		pthread_mutex_unlock(&w->mu);
		if (j == NULL)
			break;
		n++;
		if (j->done != NULL)
			j->done(j);
	}
	return n;
}

bool worker_idle(const struct tui_worker *w)
{
	struct tui_worker *mw = (struct tui_worker *)w;
	bool idle;

	pthread_mutex_lock(&mw->mu);
	idle = w->queue == NULL && !w->running && w->finished == NULL;
	pthread_mutex_unlock(&mw->mu);
	return idle;
}

void worker_interrupt(struct tui_worker *w)
{
	pthread_mutex_lock(&w->mu);
	if (w->running)
		tarn_engine_interrupt(w->engine);
	pthread_mutex_unlock(&w->mu);
}

int worker_wake_fd(const struct tui_worker *w)
{
	return w->wake[0];
}

struct tarn_engine *worker_engine(struct tui_worker *w)
{
	return w->engine;
}

/* ---- small results as text ---- */

int tui_query_rows(struct tarn_engine *e, const char *sql, size_t max, struct tui_rows *out,
		   struct tn_err *err)
{
	struct tarn_result *res = NULL;
	const struct tn_schema *s;
	struct tn_batch b;
	struct tn_buf cell;
	size_t used, cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = tarn_exec(e, sql, strlen(sql), &used, &res, err);
	if (rc != TN_OK || res == NULL)
		return rc;
	if (tarn_result_message(res) != NULL)
		out->message = tn_strdup(tarn_result_message(res));
	s = tarn_result_schema(res);
	out->ncols = s != NULL ? s->ncols : 0;
	out->names = tn_calloc(out->ncols + 1, sizeof(char *));
	out->types = tn_calloc(out->ncols + 1, sizeof(char *));
	for (size_t c = 0; c < out->ncols; c++) {
		char tname[128];

		out->names[c] = tn_strdup(s->cols[c].name);
		out->types[c] = tn_strdup(tn_type_name(&s->cols[c].type, tname, sizeof(tname)));
	}
	if (out->ncols == 0) {
		tarn_result_free(res);
		return TN_OK;
	}
	memset(&b, 0, sizeof(b));
	tn_buf_init(&cell, 0);
	for (;;) {
		rc = tarn_result_next(res, &b, err);
		if (rc != TN_OK || b.nrows == 0)
			break;
		for (size_t r = 0; r < b.nrows && out->nrows < max; r++) {
			if (out->nrows == cap) {
				cap = cap ? cap * 2 : 64;
				out->cells = tn_reallocarray(out->cells, cap * out->ncols, sizeof(char *));
			}
			for (size_t c = 0; c < out->ncols && rc == TN_OK; c++) {
				const struct tn_vec *v = &b.cols[c];
				char **slot = &out->cells[out->nrows * out->ncols + c];

				if (v->nulls != NULL && v->nulls[r]) {
					*slot = NULL;
					continue;
				}
				tn_buf_reset(&cell);
				rc = tn_value_text(&cell, v, r, 0, err);
				*slot = rc == TN_OK ? tn_strndup(cell.data ? cell.data : "", cell.len)
						    : NULL;
			}
			if (rc != TN_OK)
				break;
			out->nrows++;
		}
		if (rc != TN_OK || out->nrows >= max)
			break;
	}
	tn_buf_done(&cell);
	tn_batch_done(&b);
	tarn_result_free(res);
	if (rc != TN_OK)
		tui_rows_free(out);
	return rc;
}

void tui_rows_free(struct tui_rows *r)
{
	for (size_t c = 0; c < r->ncols; c++) {
		free(r->names[c]);
		free(r->types[c]);
	}
	for (size_t i = 0; i < r->nrows * r->ncols; i++)
		free(r->cells[i]);
	free(r->names);
	free(r->types);
	free(r->cells);
	free(r->message);
	memset(r, 0, sizeof(*r));
}

const char *tui_rows_get(const struct tui_rows *r, size_t row, size_t col)
{
	if (row >= r->nrows || col >= r->ncols)
		return NULL;
	return r->cells[row * r->ncols + col];
}

char *tui_quote_ident(const char *name)
{
	struct tn_buf b;
	bool plain = name[0] != '\0' && !(name[0] >= '0' && name[0] <= '9');

	for (const char *p = name; *p && plain; p++)
		plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || *p == '_';
	if (plain)
		return tn_strdup(name);
	tn_buf_init(&b, 0);
	tn_buf_putc(&b, '`', NULL);
	for (const char *p = name; *p; p++) {
		if (*p == '`')
			tn_buf_putc(&b, '`', NULL);
		tn_buf_putc(&b, *p, NULL);
	}
	tn_buf_putc(&b, '`', NULL);
	return tn_buf_detach(&b, NULL);
}

char *tui_quote_name3(const char *c, const char *s, const char *t)
{
	char *qc = tui_quote_ident(c), *qs = tui_quote_ident(s), *qt = tui_quote_ident(t);
	char *r = tn_asprintf("%s.%s.%s", qc, qs, qt);

	free(qc);
	free(qs);
	free(qt);
	return r;
}

char *tui_quote_string(const char *s)
{
	struct tn_buf b;

	tn_buf_init(&b, 0);
	tn_buf_putc(&b, '\'', NULL);
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			tn_buf_putc(&b, '\'', NULL);
		tn_buf_putc(&b, *p, NULL);
	}
	tn_buf_putc(&b, '\'', NULL);
	return tn_buf_detach(&b, NULL);
}

/* engine_fixture.h - for unit tests that run SQL: an engine on a fresh
 * temporary lakehouse (a cmocka group setup and teardown) and exec(), a
 * statement that must succeed. Include after cmocka.h; define
 * FIXTURE_NAME (the temporary directory's prefix) first. */
#ifndef TARN_TEST_ENGINE_FIXTURE_H
#define TARN_TEST_ENGINE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "sql/sql.h"

static char dir[64];
static struct tarn_engine *eng;

static int setup(void **state)
{
	struct tarn_engine_opts o = {0};
	struct tn_err err;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/tarn-%s-XXXXXX", FIXTURE_NAME);
	if (mkdtemp(dir) == NULL)
		return -1;
	o.lakehouse = dir;
	o.no_audit = true;
	if (tarn_engine_open(&o, &eng, &err) != TN_OK) {
		fprintf(stderr, "tarn_engine_open: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	char *cmd = tn_asprintf("rm -rf '%s'", dir);

	(void)state;
	tarn_engine_close(eng);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
	return 0;
}

static void exec(const char *sql)
{
	struct tarn_result *r = NULL;
	struct tn_err err;
	size_t used;

	if (tarn_exec(eng, sql, strlen(sql), &used, &r, &err) != TN_OK)
		fail_msg("%s: %s", sql, err.msg);
	tarn_result_free(r);
}

#endif

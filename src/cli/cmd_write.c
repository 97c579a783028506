/* cmd_write.c - changing Delta tables from the command line: delete rows
 * and alter a table (properties, columns). Each run is one commit. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/str.h"
#include "cli/cli.h"
#include "cli/cmds.h"
#include "delta/delta.h"
#include "store/store.h"

int cli_fail(const char *cmd, const struct tn_err *err)
{
	fprintf(stderr, "tarn %s: %s\n", cmd, err->msg);
	return CLI_FAILED;
}

int cli_commit_report(const char *cmd, const char *table, int64_t version, const char *what)
{
	fprintf(stderr, "tarn %s: %s version %lld: %s\n", cmd, table, (long long)version, what);
	return CLI_OK;
}

int cli_tx_finish(struct delta_tx *tx, int rc, int64_t *version, struct tn_err *err)
{
	if (rc == TN_OK)
		return delta_tx_commit(tx, version, err);
	delta_tx_abort(tx);
	return rc;
}

/* ---- delete ---- */

int cli_cmd_delete(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"where", required_argument, NULL, 'w'},
		{"all", no_argument, NULL, 'a'},
		{NULL, 0, NULL, 0},
	};
	const struct cli_cmd *self = cli_find("delete");
	const char *where = NULL;
	bool all = false;
	struct delta_pred *p = NULL;
	struct delta_tx *tx;
	struct delta_rewrite_result res;
	struct store *st;
	struct tn_err err;
	int64_t version;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+w:", longopts, NULL)) != -1) {
		if (c == 'w')
			where = optarg;
		else if (c == 'a')
			all = true;
		else
			return cli_usage_error(self, "unknown option '%s'", argv[optind - 1]);
	}
	if (argc - optind != 1)
		return cli_usage_error(self, "want one table directory");
	if ((where == NULL) == !all)
		return cli_usage_error(self, "give --where EXPR, or --all to delete every row");
	if (where != NULL && delta_pred_parse(where, &p, &err) != TN_OK)
		return cli_usage_error(self, "--where: %s", err.msg);
	st = store_local_new("");
	rc = delta_tx_begin(st, argv[optind], &tx, &err);
	if (rc == TN_OK)
		rc = cli_tx_finish(tx, delta_tx_delete_where(tx, p, &res, &err), &version, &err);
	delta_pred_free(p);
	store_free(st);
	if (rc != TN_OK)
		return cli_fail("delete", &err);
	{
		char what[96];

		snprintf(what, sizeof(what), "%lld rows deleted", (long long)res.rows_deleted);
		return cli_commit_report("delete", argv[optind], version, what);
	}
}

/* ---- alter ---- */

/* "name type" (a Delta type name: long, string, decimal(10,2), ...). */
static int parse_column(const char *spec, struct tn_field *f, struct tn_err *err)
{
	char *s = tn_strdup(spec), *sp = strchr(s, ' ');
	char *json;
	int rc;

	memset(f, 0, sizeof(*f));
	if (sp == NULL) {
		free(s);
		return tn_err_set(err, TN_EINVAL, "--add-column '%s': want 'NAME TYPE'", spec);
	}
	*sp = '\0';
	{
		cJSON *o = cJSON_CreateObject(), *fj = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "type", "struct");
		cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "fields"), fj);
		cJSON_AddStringToObject(fj, "name", s);
		cJSON_AddStringToObject(fj, "type", tn_str_trim(sp + 1));
		cJSON_AddBoolToObject(fj, "nullable", true);
		cJSON_AddObjectToObject(fj, "metadata");
		json = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
	}
	{
		struct tn_schema sch;

		rc = delta_schema_parse(json, &sch, err);
		if (rc == TN_OK) {
			tn_schema_copy_field(f, &sch.cols[0]);
			tn_schema_done(&sch);
		}
	}
	free(json);
	free(s);
	return rc;
}

int cli_cmd_alter(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"set-property", required_argument, NULL, 's'},
		{"unset-property", required_argument, NULL, 'u'},
		{"add-column", required_argument, NULL, 'a'},
		{"rename-column", required_argument, NULL, 'r'},
		{"drop-column", required_argument, NULL, 'd'},
		{NULL, 0, NULL, 0},
	};
	const struct cli_cmd *self = cli_find("alter");
	struct delta_tx *tx = NULL;
	struct store *st;
	struct tn_err err;
	const char *op = NULL, *table;
	int64_t version;
	int c, rc = TN_OK;

	/* The table comes last; options apply in order. */
	if (argc < 3)
		return cli_usage_error(self, "want changes and a table directory");
	table = argv[argc - 1];
	if (table[0] == '-')
		return cli_usage_error(self, "the table directory comes last");
	st = store_local_new("");
	rc = delta_tx_begin(st, table, &tx, &err);
	optind = 0;
	opterr = 0;
	while (rc == TN_OK && (c = getopt_long(argc - 1, argv, "+", longopts, NULL)) != -1) {
		char *eq = optarg ? strchr(optarg, '=') : NULL;

		switch (c) {
		case 's':
			if (eq == NULL) {
				rc = tn_err_set(&err, TN_EINVAL, "--set-property wants KEY=VALUE");
				break;
			}
			*eq = '\0';
			rc = delta_tx_set_property(tx, optarg, eq + 1, &err);
			op = op ? op : "SET TBLPROPERTIES";
			break;
		case 'u':
			rc = delta_tx_set_property(tx, optarg, NULL, &err);
			op = op ? op : "UNSET TBLPROPERTIES";
			break;
		case 'a': {
			struct tn_field f;

			rc = parse_column(optarg, &f, &err);
			if (rc == TN_OK)
				rc = delta_tx_add_columns(tx, &f, 1, &err);
			tn_field_done(&f);
			op = op ? op : "ADD COLUMNS";
			break;
		}
		case 'r':
			if (eq == NULL) {
				rc = tn_err_set(&err, TN_EINVAL, "--rename-column wants OLD=NEW");
				break;
			}
			*eq = '\0';
			rc = delta_tx_rename_column(tx, optarg, eq + 1, &err);
			op = op ? op : "RENAME COLUMN";
			break;
		case 'd':
			rc = delta_tx_drop_column(tx, optarg, &err);
			op = op ? op : "DROP COLUMNS";
			break;
		default:
			delta_tx_abort(tx);
			store_free(st);
			return cli_usage_error(self, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (rc == TN_OK && optind != argc - 1) {
		delta_tx_abort(tx);
		store_free(st);
		return cli_usage_error(self, "unexpected argument '%s'", argv[optind]);
	}
	if (rc == TN_OK && op == NULL) {
		delta_tx_abort(tx);
		store_free(st);
		return cli_usage_error(self, "no change given");
	}
	if (rc == TN_OK) {
		delta_tx_set_operation(tx, op, NULL);
		rc = delta_tx_commit(tx, &version, &err);
		tx = NULL;
	}
	delta_tx_abort(tx);
	store_free(st);
	if (rc != TN_OK)
		return cli_fail("alter", &err);
	return cli_commit_report("alter", table, version, op);
}

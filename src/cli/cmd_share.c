/* cmd_share.c - `tarn share serve`: the Delta Sharing server of the
 * lakehouse's shares, until SIGINT or SIGTERM; `tarn share list`: what a
 * profile file reaches; `tarn share mount`: a remote share as a catalog
 * (CREATE CATALOG ... USING SHARE). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/str.h"
#include "cli/cli.h"
#include "cli/cmds.h"
#include "share/share.h"
#include "sql/sql.h"

static volatile sig_atomic_t stop_serving;

static void on_stop(int sig)
{
	(void)sig;
	stop_serving = 1;
}

static int serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"tls-cert", required_argument, NULL, 'c'},
		{"tls-key", required_argument, NULL, 'k'},
		{"public-url", required_argument, NULL, 'u'},
		{"url-ttl", required_argument, NULL, 't'},
		{"lakehouse", required_argument, NULL, 'L'},
		{NULL, 0, NULL, 0},
	};
	const struct cli_cmd *cmd = cli_find("share");
	struct share_serve_opts o = {.lakehouse = cli_lakehouse};
	struct sigaction sa;
	struct tn_err err;
	char *lh = NULL;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "L:", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			o.listen = optarg;
			break;
		case 'c':
			o.tls_cert = optarg;
			break;
		case 'k':
			o.tls_key = optarg;
			break;
		case 'u':
			o.public_url = optarg;
			break;
		case 't':
			if (tn_parse_i64(optarg, &o.url_ttl_s, "--url-ttl", NULL) != TN_OK ||
			    o.url_ttl_s <= 0)
				return cli_usage_error(cmd, "--url-ttl takes a number of seconds");
			break;
		case 'L':
			o.lakehouse = optarg;
			break;
		default:
			cli_print_usage(stderr, cmd);
			return CLI_USAGE;
		}
	}
	if (optind != argc)
		return cli_usage_error(cmd, "serve takes no arguments");
	if ((o.tls_cert != NULL) != (o.tls_key != NULL))
		return cli_usage_error(cmd, "--tls-cert and --tls-key go together");
	if (o.lakehouse == NULL)
		o.lakehouse = lh = tarn_lakehouse_default();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = share_serve(&o, &stop_serving, &err);
	free(lh);
	if (rc != TN_OK)
		return cli_fail("share serve", &err);
	return CLI_OK;
}

/* tarn share list PROFILE[#SHARE]: share.schema.table per line. */
static int list(int argc, char **argv)
{
	const struct cli_cmd *cmd = cli_find("share");
	struct share_client *c = NULL;
	char **shares = NULL, *profile, *hash;
	size_t nshares = 0;
	struct tn_err err;
	int rc;

	if (argc != 2)
		return cli_usage_error(cmd, "list takes a profile file");
	profile = tn_strdup(argv[1]);
	hash = strrchr(profile, '#');
	if (hash != NULL)
		*hash++ = '\0';
	rc = share_client_open(profile, NULL, &c, &err);
	if (rc == TN_OK && hash != NULL && *hash) {
		shares = tn_calloc(1, sizeof(char *));
		shares[0] = tn_strdup(hash);
		nshares = 1;
	} else if (rc == TN_OK) {
		rc = share_client_shares(c, &shares, &nshares, &err);
	}
	for (size_t i = 0; rc == TN_OK && i < nshares; i++) {
		struct share_remote_table *ts = NULL;
		size_t n = 0;

		rc = share_client_tables(c, shares[i], &ts, &n, &err);
		for (size_t k = 0; rc == TN_OK && k < n; k++)
			printf("%s.%s.%s\n", ts[k].share, ts[k].schema, ts[k].name);
		if (rc == TN_OK && n == 0)
			printf("%s (no tables)\n", shares[i]);
		share_remote_tables_free(ts, n);
	}
	for (size_t i = 0; i < nshares; i++)
		free(shares[i]);
	free(shares);
	share_client_close(c);
	free(profile);
	if (rc != TN_OK)
		return cli_fail("share list", &err);
	return CLI_OK;
}

/* tarn share mount NAME PROFILE[#SHARE]: CREATE CATALOG NAME USING SHARE. */
static int mount(int argc, char **argv)
{
	static const struct option opts[] = {
		{"lakehouse", required_argument, NULL, 'L'},
		{NULL, 0, NULL, 0},
	};
	const struct cli_cmd *cmd = cli_find("share");
	struct tarn_engine_opts eo = {.lakehouse = cli_lakehouse};
	struct tarn_engine *e = NULL;
	struct tarn_result *res = NULL;
	struct tn_buf sql = TN_BUF_INIT;
	struct tn_err err;
	size_t used;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "L:", opts, NULL)) != -1) {
		if (c != 'L') {
			cli_print_usage(stderr, cmd);
			return CLI_USAGE;
		}
		eo.lakehouse = optarg;
	}
	if (argc - optind != 2)
		return cli_usage_error(cmd, "mount takes a catalog name and a profile file");
	tn_buf_puts(&sql, "CREATE CATALOG `", NULL);
	for (const char *p = argv[optind]; *p; p++)
		tn_buf_puts(&sql, *p == '`' ? "``" : (char[]){*p, 0}, NULL);
	tn_buf_puts(&sql, "` USING SHARE '", NULL);
	for (const char *p = argv[optind + 1]; *p; p++)
		tn_buf_puts(&sql, *p == '\'' ? "''" : (char[]){*p, 0}, NULL);
	tn_buf_puts(&sql, "'", NULL);
	rc = tarn_engine_open(&eo, &e, &err);
	if (rc == TN_OK)
		rc = tarn_exec(e, (const char *)sql.data, sql.len, &used, &res, &err);
	if (rc == TN_OK && res != NULL && tarn_result_message(res))
		printf("%s\n", tarn_result_message(res));
	tarn_result_free(res);
	tarn_engine_close(e);
	tn_buf_done(&sql);
	if (rc != TN_OK)
		return cli_fail("share mount", &err);
	return CLI_OK;
}

int cli_cmd_share(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error(cli_find("share"), "give a subcommand: serve, list or mount");
	if (strcmp(argv[1], "serve") == 0)
		return serve(argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return list(argc - 1, argv + 1);
	if (strcmp(argv[1], "mount") == 0)
		return mount(argc - 1, argv + 1);
	return cli_usage_error(cli_find("share"), "unknown subcommand '%s'", argv[1]);
}

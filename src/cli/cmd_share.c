/* cmd_share.c - `tarn share serve`: the Delta Sharing server of the
 * lakehouse's shares, until SIGINT or SIGTERM. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
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

int cli_cmd_share(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error(cli_find("share"), "give a subcommand: serve");
	if (strcmp(argv[1], "serve") == 0)
		return serve(argc - 1, argv + 1);
	return cli_usage_error(cli_find("share"), "unknown subcommand '%s'", argv[1]);
}

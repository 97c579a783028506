/* main.c - the tarn program: everything else is in libtarn. */
#include "cli/cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}

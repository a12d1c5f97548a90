/* ftplab-server: the reference FTP server (RFC 959, 2389, 2428, 3659).
 * Placeholder until its issue lands: answers --help and --version. */
#include <stdio.h>
#include <string.h>

#include "ftplab/version.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: ftplab-server [--help] [--version]\n"
	        "\n"
	        "ftplab-server: the reference FTP server (RFC 959, 2389, 2428, 3659).\n"
	        "This program is not built yet (see the project's issue 3); it only\n"
	        "answers --help and --version.\n");
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--version") == 0) {
			printf("ftplab-server %s\n", FTPLAB_VERSION);
			return 0;
		}
	}
	usage(stderr);
	return 2;
}

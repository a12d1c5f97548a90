/* fuzz_cmd.c - the command parser stays inside its input and its verb. */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ftplab/cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size ? size : 1);
	struct cmd_parsed pc;
	enum ftp_status st;

	memcpy(line, data, size);
	st = cmd_parse(line, size, &pc);
	CHECK(pc.verb_len <= CMD_VERB_MAX && pc.verb[pc.verb_len] == '\0');
	if (st == FTP_OK) {
		CHECK(pc.verb_len > 0);
		CHECK(!pc.has_arg || (pc.arg > line && pc.arg + pc.arg_len == line + size));
		CHECK(memchr(line, '\0', size) == NULL);
		for (size_t i = 0; i < pc.verb_len; i++)
			CHECK(pc.verb[i] >= 'A' && pc.verb[i] <= 'Z');
		if (pc.cmd != FTP_CMD_UNKNOWN && !pc.alias)
			CHECK(strcmp(cmd_name(pc.cmd), pc.verb) == 0);
		(void)cmd_check_arg(&pc);
	} else {
		CHECK(pc.cmd == FTP_CMD_UNKNOWN);
	}
	free(line);
	return 0;
}

/* opts.h - ftplab-analyzer's command line, parsed into one struct. */
#ifndef FTPLAB_ANALYZER_OPTS_H
#define FTPLAB_ANALYZER_OPTS_H

#include <stdbool.h>
#include <stdio.h>

#include "capture.h"
#include "engine.h"
#include "model.h"
#include "out.h"

enum aout_format { AOUT_TEXT = 0, AOUT_JSON, AOUT_ZEEK };

struct aopts {
	struct capture_opts cap;
	struct engine_opts eng;
	struct an_config cfg;
	struct out_opts out;
	enum aout_format format;
	bool format_set;
	bool stats;
	const char *output;   /* -o FILE, NULL: stdout */
	bool list_diags;      /* --list-diagnostics */
};

/* 0: go on; otherwise the exit status (after --help/--version: 0 and
 * *exit_now; usage errors: 2 with the message printed). */
int aopts_parse(struct aopts *o, int argc, char **argv, bool *exit_now);
void aopts_usage(FILE *f);

#endif

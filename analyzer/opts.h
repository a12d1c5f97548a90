/* opts.h - ftplab-analyzer's command line, parsed into one struct. */
#ifndef FTPLAB_ANALYZER_OPTS_H
#define FTPLAB_ANALYZER_OPTS_H

#include <stdbool.h>
#include <stdio.h>

#include "capture.h"
#include "engine.h"
#include "model.h"
#include "out.h"

enum aout_format { AOUT_TEXT = 0, AOUT_JSON, AOUT_ZEEK, AOUT_TUI };

struct aopts {
	struct capture_opts cap;
	struct engine_opts eng;
	struct an_config cfg;
	struct out_opts out;
	enum aout_format format;
	bool format_set;      /* --text/--json/--zeek/--tui given; else the TUI on a terminal */
	bool ascii;           /* --ascii: TUI line drawing in ASCII */
	bool monochrome;      /* --no-color */
	bool stats;
	const char *output;   /* -o FILE, NULL: stdout */
	bool list_diags;      /* --list-diagnostics */
};

/* 0: go on; otherwise the exit status (after --help/--version: 0 and
 * *exit_now; usage errors: 2 with the message printed). */
int aopts_parse(struct aopts *o, int argc, char **argv, bool *exit_now);
/* The format when none was given: the TUI on a terminal (standard input
 * and output both; the keys are read from standard input) without -o,
 * else --text. */
void aopts_default_format(struct aopts *o, bool on_terminal);
void aopts_usage(FILE *f);

#endif

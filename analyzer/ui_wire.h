/* ui_wire.h - the program's side of the TUI (main.c calls these): the
 * decoding thread that fills the store, the file that w and e read back
 * (the -r file, or a temporary copy of a live capture or standard input),
 * stderr kept off the screen, and the hooks ui.h asks for. */
#ifndef FTPLAB_ANALYZER_UI_WIRE_H
#define FTPLAB_ANALYZER_UI_WIRE_H

#include <signal.h>
#include <stddef.h>

#include "capture.h"
#include "extract.h"
#include "opts.h"

struct ui_wire;

/* Before capture_open: for a live capture or standard input without -w,
 * sets o->cap.write_file to a temporary file (removed by ui_wire_free) so
 * that a session can be saved or extracted later. NULL with err. */
struct ui_wire *ui_wire_new(struct aopts *o, char *err, size_t errlen);
/* Decodes cap on a second thread while the screens run here; returns when
 * the user quits (or *stop is set by SIGINT): 0, or 1 after an error
 * (already printed to stderr). x: --extract's extractor, or NULL. */
int ui_wire_run(struct ui_wire *w, struct capture *cap, struct extractor *x,
                volatile sig_atomic_t *stop);
void ui_wire_free(struct ui_wire *w);

#endif

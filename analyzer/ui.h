/* ui.h - ftplab-analyzer's TUI (ncursesw): the screens over a ui_store that
 * another thread fills. The one entry point the program's wiring calls;
 * the panels are ui_*.c, each a small module of one shape (ui_panel.h).
 *
 * Threads: ui_run runs on the main thread and owns the terminal. The
 * capture and the engine run on another thread (ui_wire.c), which takes
 * *mu around each ui_store_event; ui_run takes *mu around each redraw and
 * each key that reads the store, and holds it no longer than that. It
 * redraws at most UI_FPS times a second and only when the store's version
 * moved (or a key, a resize, the progress changed), so the capture waits
 * for the screen milliseconds at most (the kernel's buffer holds packets
 * meanwhile). */
#ifndef FTPLAB_ANALYZER_UI_H
#define FTPLAB_ANALYZER_UI_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ui_store.h"

#define UI_FPS 10

struct ui_progress {
	bool live;               /* -i IFACE */
	bool done;               /* the file was read to its end, or the capture stopped */
	uint64_t frames;         /* read so far */
	uint64_t bytes_read;     /* files: bytes of the file read so far */
	uint64_t bytes_total;    /* files: its size (0: unknown, e.g. stdin or .gz) */
	uint64_t dropped;        /* live: dropped by the kernel so far */
};

struct ui_opts {
	bool ascii;              /* --ascii: ASCII line drawing */
	bool monochrome;         /* no colours (also when the terminal has none) */
	const char *title;       /* "-r FILE" or "-i IFACE", for the top line */
	const char *extract_dir; /* where e writes files (--extract DIR, or a default) */
	int log_fd;              /* read end of a pipe that receives what the program
	                          * writes to stderr while the screen is up (non-blocking;
	                          * shown in the status line); -1 none */
};

/* What the screens ask of the program (main.c provides them; each may be
 * NULL: the key then says it is not available). */
struct ui_hooks {
	void *ctx;
	/* Thread-safe: the capture's progress now. */
	void (*progress)(void *ctx, struct ui_progress *out);
	/* w: writes the packets of the flows (ui_flows_match) to a new pcap file
	 * at path; 0, or -1 with a message in err. */
	int (*save)(void *ctx, const struct ui_flow *f, size_t n, const char *path,
	            char *err, size_t errlen);
	/* e: decodes the packets of the flows again with file extraction into
	 * dir; the number of files written and, in msg, where (or why none). */
	int (*extract)(void *ctx, const struct ui_flow *f, size_t n, const char *dir,
	               char *msg, size_t msglen);
	/* q on a live capture: stop capturing (the UI exits when done). */
	void (*stop)(void *ctx);
};

/* Runs until the user quits (q on the Sessions screen, or Ctrl-C: the
 * caller's SIGINT handler sets *quit). 0, or -1 when the terminal could
 * not be set up (message on stderr, nothing drawn). */
int ui_run(struct ui_store *st, pthread_mutex_t *mu, const struct ui_opts *o,
           const struct ui_hooks *h, volatile sig_atomic_t *quit);

#endif

/* out.h - the analyzer's writers: a transcript for people (text), JSON lines
 * for programs, and Zeek's ftp.log. Each reads the engine's events
 * (event.h) and writes them to a stdio stream; none keeps network bytes past
 * the event call, and every network byte is escaped on its way out.
 *
 *   struct out_opts o = {.explain = true};
 *   struct out_writer *w = out_text_new(stdout, &o);
 *   struct an_sink sink = out_sink(w);
 *   ... the engine calls sink.event(sink.ctx, &ev) for each event ...
 *   if (out_close(w) < 0) ... a write failed ...
 *
 * The formats are described in docs/analyzer-json.md.
 */
#ifndef FTPLAB_ANALYZER_OUT_H
#define FTPLAB_ANALYZER_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"

struct out_opts {
	bool explain;        /* text: after the first diagnostic of each kind, its explanation */
	bool utc;            /* text: timestamps as UTC dates rather than seconds since the first packet */
	bool show_passwords; /* zeek: passwords of non-guest users too (Zeek's
	                      * FTP::default_capture_password = T) */
	const char *zeek_commands; /* zeek: commands logged besides Zeek's default
	                            * FTP::logged_commands, comma-separated ("USER,PASS,<init>"),
	                            * or "*" for every command; NULL: the default set only */
	bool batch;          /* json: records may be held and written in blocks (file
	                      * input); false: each is written as it is made (live) */
};

struct out_writer;

struct out_writer *out_text_new(FILE *f, const struct out_opts *o);
struct out_writer *out_json_new(FILE *f, const struct out_opts *o);
struct out_writer *out_zeek_new(FILE *f, const struct out_opts *o);
void out_event(struct out_writer *w, const struct an_event *ev);
struct an_sink out_sink(struct out_writer *w);   /* .event calls out_event */
int out_close(struct out_writer *w);             /* footer, flush, free; -1 if a write failed */

/* Zeek-style connection uid of a session: "C" and 17 base-62 characters,
 * stable for a session id (Zeek's own are random). cap >= OUT_UID_LEN. */
#define OUT_UID_LEN 19
void out_format_uid(char *buf, size_t cap, unsigned session_id);

/* ---- For the writers (out_*.c) only. ---- */

struct out_ops {
	void (*event)(struct out_writer *w, const struct an_event *ev);
	void (*finish)(struct out_writer *w);  /* footer */
	void (*destroy)(struct out_writer *w); /* free the writer */
};

/* The first member of every writer's own struct. */
struct out_writer {
	const struct out_ops *ops;
	FILE *f;
	struct out_opts o;
	bool failed;         /* a record could not be formatted or written */
};

void out_writer_init(struct out_writer *w, const struct out_ops *ops, FILE *f,
                     const struct out_opts *o);

/* "1.2.3.4:21", "[2001:db8::1]:21"; NULL when the family is FTP_AF_NONE. */
const char *out_endpoint(char buf[ADDR_ENDPOINT_STRLEN], const struct ftp_hostport *hp);
/* "1.2.3.4", "2001:db8::1"; NULL when the family is FTP_AF_NONE. */
const char *out_address(char buf[ADDR_STRLEN], const struct ftp_addr *a);

/* Names used by every format; NULL for the "none" values. */
const char *out_mode_name(enum an_mode m);        /* active passive eprt epsv */
const char *out_direction_name(enum ftp_xfer d);  /* download upload listing */
const char *out_status_name(enum an_xfer_status s); /* complete aborted failed incomplete */
const char *out_login_name(enum an_login l);      /* none ok failed */

/* The time an event happened (a session's start for OPEN, its end for CLOSE). */
double out_event_ts(const struct an_event *ev);

/* The n-th line (0-based) of '\n'-separated text; false past the last one. */
bool out_text_line(const struct an_bytes *text, unsigned idx, struct an_bytes *line);
/* The last line of '\n'-separated text (the whole text without '\n'). */
struct an_bytes out_last_line(const struct an_bytes *text);

/* Write p[0..n) escaped by libftplab's textesc (\xNN for control bytes,
 * invalid UTF-8 and C1 controls, backslash as \\). At most max input bytes
 * (0: all), cut at a character boundary, then "..." and the full length. */
void out_put_escaped(FILE *f, const void *p, size_t n, size_t max);
/* Text the engine built from escaped data (messages, evidence): printable
 * ASCII passes as it is (a backslash too: it already starts an escape), any
 * other byte becomes \xNN. */
void out_put_plain(FILE *f, const char *s, size_t cap); /* stops at NUL or cap */

#endif

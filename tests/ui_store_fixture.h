/* ui_store_fixture.h - events built by hand for the store's tests
 * (test_ui_store.c, test_ui_store_view.c): no curses, no sockets. */
#ifndef FTPLAB_TESTS_UI_STORE_FIXTURE_H
#define FTPLAB_TESTS_UI_STORE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_store.h"

#define T0 1700000000.0
#define A4(a, b, c, d) {FTP_AF_INET, {a, b, c, d}}
#define A6(last) {FTP_AF_INET6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last}}
#define HP4(a, b, c, d, p) ((struct ftp_hostport){A4(a, b, c, d), p})
#define HP6(last, p) ((struct ftp_hostport){A6(last), p})
#define NAT_IN HP4(10, 0, 1, 2, 50000)       /* the client, inside */
#define NAT_OUT HP4(198, 51, 100, 1, 50000)  /* the same, outside the NAT */
#define SERVER HP4(198, 51, 100, 2, 21)


/* ---------------------------------------------------------- builders */

static inline struct an_session sess(unsigned id, struct ftp_hostport c, struct ftp_hostport s,
                              double start)
{
	struct an_session x = {.id = id, .client = c, .server = s, .ts_start = start,
	                       .ts_end = start};

	return x;
}

static inline void feed(struct ui_store *st, enum an_event_type type, const struct an_session *s)
{
	struct an_event ev = {.type = type, .s = s};

	ui_store_event(st, &ev);
}

static inline void feed_cmd_dc(struct ui_store *st, const struct an_session *s, double ts,
                        const char *verb, const char *arg, int code,
                        const struct an_data_channel *dc)
{
	struct an_command c = {
		.s = s, .ts = ts, .verb = verb, .arg = {arg, arg ? strlen(arg) : 0},
		.reply_code = code, .reply = {"done", 4}, .reply_lines = 1, .latency_ms = 1,
		.cwd = "",
	};
	struct an_event ev = {.type = AN_EV_COMMAND, .s = s, .u.cmd = &c};

	if (dc)
		c.dc = *dc;
	ui_store_event(st, &ev);
}

static inline void feed_cmd(struct ui_store *st, const struct an_session *s, double ts,
                     const char *verb, const char *arg, int code)
{
	feed_cmd_dc(st, s, ts, verb, arg, code, NULL);
}

static inline void feed_xfer(struct ui_store *st, const struct an_session *s, double ts,
                      uint64_t bytes, struct ftp_hostport dcl, struct ftp_hostport dsv)
{
	struct an_transfer x = {
		.s = s, .cmd = FTP_CMD_RETR, .verb = "RETR", .arg = {"f", 1},
		.mode = AN_MODE_PASSIVE, .data_client = dcl, .data_server = dsv,
		.direction = FTP_XFER_DOWNLOAD, .bytes = bytes, .ts_start = ts, .reply_code = 226,
	};
	struct an_event ev = {.type = AN_EV_TRANSFER, .s = s, .u.xfer = &x};

	ui_store_event(st, &ev);
}

static inline void feed_diag(struct ui_store *st, const struct an_session *s, double ts)
{
	struct an_diag d = {.s = s, .ts = ts, .kind = AN_DIAG_SLOW_REPLY,
	                    .message = "The reply took long.", .nev = 1};
	struct an_event ev = {.type = AN_EV_DIAG, .s = s, .u.diag = &d};

	d.ev[0].key = "ms";
	strcpy(d.ev[0].value, "2500");
	ui_store_event(st, &ev);
}

#endif

/* test_ui_store.c - the TUI's store (analyzer/ui_store.c, ui_store_view.c)
 * fed with events built by hand: sessions found and created by id, strings
 * copied, items in ts order, the memory cap, states, the Sessions view's
 * filter and sort, the pairing of NAT legs, and the flows of a session. */
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

static struct an_session sess(unsigned id, struct ftp_hostport c, struct ftp_hostport s,
                              double start)
{
	struct an_session x = {.id = id, .client = c, .server = s, .ts_start = start,
	                       .ts_end = start};

	return x;
}

static void feed(struct ui_store *st, enum an_event_type type, const struct an_session *s)
{
	struct an_event ev = {.type = type, .s = s};

	ui_store_event(st, &ev);
}

static void feed_cmd_dc(struct ui_store *st, const struct an_session *s, double ts,
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

static void feed_cmd(struct ui_store *st, const struct an_session *s, double ts,
                     const char *verb, const char *arg, int code)
{
	feed_cmd_dc(st, s, ts, verb, arg, code, NULL);
}

static void feed_xfer(struct ui_store *st, const struct an_session *s, double ts,
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

static void feed_diag(struct ui_store *st, const struct an_session *s, double ts)
{
	struct an_diag d = {.s = s, .ts = ts, .kind = AN_DIAG_SLOW_REPLY,
	                    .message = "The reply took long.", .nev = 1};
	struct an_event ev = {.type = AN_EV_DIAG, .s = s, .u.diag = &d};

	d.ev[0].key = "ms";
	strcpy(d.ev[0].value, "2500");
	ui_store_event(st, &ev);
}

/* ---------------------------------------------------------- sessions */

static void test_new_defaults(void **state)
{
	struct ui_store *st = ui_store_new(0);

	assert_non_null(st);
	assert_int_equal(st->mem_cap, (size_t)256 << 20);
	assert_int_equal(st->nsessions, 0);
	assert_int_equal(st->version, 0);
	assert_int_equal(st->dropped, 0);
	ui_store_free(st);
	ui_store_free(NULL);
	st = ui_store_new(12345);
	assert_int_equal(st->mem_cap, 12345);
	ui_store_free(st);
}

struct create_case {
	const char *name;
	enum an_event_type type;
	size_t nitems;
	enum ui_item_kind kind;
	bool closed;
	unsigned ndiags, errors;
	uint64_t bytes;
	enum ui_state state;
};

static const struct create_case create_cases[] = {
	{"open", AN_EV_SESSION_OPEN, 0, 0, false, 0, 0, 0, UI_STATE_CONNECTED},
	{"banner", AN_EV_BANNER, 1, UI_ITEM_BANNER, false, 0, 0, 0, UI_STATE_CONNECTED},
	{"command", AN_EV_COMMAND, 1, UI_ITEM_CMD, false, 0, 1, 0, UI_STATE_CONNECTED},
	{"transfer", AN_EV_TRANSFER, 1, UI_ITEM_XFER, false, 0, 0, 4096, UI_STATE_CONNECTED},
	{"diag", AN_EV_DIAG, 1, UI_ITEM_DIAG, false, 1, 0, 0, UI_STATE_CONNECTED},
	{"close", AN_EV_SESSION_CLOSE, 0, 0, true, 0, 0, 0, UI_STATE_CLOSED},
};

static void create_one(const struct create_case *c)
{
	struct ui_store *st = ui_store_new(0);
	struct an_session s = sess(42, NAT_IN, SERVER, T0);
	struct an_event ev = {.type = AN_EV_BANNER, .s = &s, .u.banner = {T0, 220, {"hi", 2}}};

	print_message("case \"%s\"\n", c->name);
	if (c->type == AN_EV_BANNER)
		ui_store_event(st, &ev);
	else if (c->type == AN_EV_COMMAND)
		feed_cmd(st, &s, T0, "RETR", "x", 550);
	else if (c->type == AN_EV_TRANSFER)
		feed_xfer(st, &s, T0, 4096, NAT_IN, SERVER);
	else if (c->type == AN_EV_DIAG)
		feed_diag(st, &s, T0);
	else
		feed(st, c->type, &s);
	assert_int_equal(st->nsessions, 1);
	assert_int_equal(st->version, 1);
	assert_int_equal(st->sessions[0].s.id, 42);
	assert_int_equal(st->sessions[0].nitems, c->nitems);
	if (c->nitems)
		assert_int_equal(st->sessions[0].items[0].kind, c->kind);
	assert_int_equal(st->sessions[0].closed, c->closed);
	assert_int_equal(st->sessions[0].ndiags, c->ndiags);
	assert_int_equal(st->sessions[0].errors, c->errors);
	assert_int_equal(st->sessions[0].bytes, c->bytes);
	assert_int_equal(ui_session_state(&st->sessions[0]), c->state);
	assert_int_equal(st->ndiags, c->ndiags);
	if (c->ndiags)
		assert_int_equal(st->diags[0].session, 1);
	ui_store_free(st);
}

static void test_create_each_type(void **state)
{
	for (size_t i = 0; i < sizeof(create_cases) / sizeof(create_cases[0]); i++)
		create_one(&create_cases[i]);
}

/* Ids need not be index + 1; every event refreshes the copy. */
static void test_lookup_by_id(void **state)
{
	struct ui_store *st = ui_store_new(0);
	unsigned ids[] = {7, 3, 1000000, 9};
	struct an_session s[4];

	for (int i = 0; i < 4; i++) {
		s[i] = sess(ids[i], HP4(10, 0, 0, (uint8_t)i, 1000), SERVER, T0 + i);
		feed(st, AN_EV_SESSION_OPEN, &s[i]);
	}
	strcpy(s[2].user, "carol");
	s[2].login = AN_LOGIN_OK;
	feed_cmd(st, &s[2], T0 + 5, "PASS", "****", 230);
	feed_cmd(st, &s[0], T0 + 6, "NOOP", NULL, 200);
	feed(st, AN_EV_SESSION_CLOSE, &s[3]);
	assert_int_equal(st->nsessions, 4);
	assert_int_equal(st->version, 7);
	for (int i = 0; i < 4; i++)
		assert_int_equal(st->sessions[i].s.id, ids[i]);
	assert_string_equal(st->sessions[2].s.user, "carol");
	assert_int_equal(ui_session_state(&st->sessions[2]), UI_STATE_LOGGED_IN);
	assert_int_equal(st->sessions[2].ncmds, 1);
	assert_int_equal(st->sessions[0].ncmds, 1);
	assert_null(st->sessions[0].cmds[0].arg);
	assert_true(st->sessions[3].closed);
	assert_false(st->sessions[1].closed);
	ui_store_free(st);
}

/* ----------------------------------------------------------- strings */

static void test_strings_copied(void **state)
{
	struct ui_store *st = ui_store_new(0);
	struct an_session s = sess(1, NAT_IN, SERVER, T0);
	char banner[] = "Welcome", verb[] = "STOR", arg[] = "a\0b", reply[] = "line1\nline2";
	char cwd[] = "/pub", xverb[] = "RETR", xarg[] = "big.bin", ext[] = "out/1-big.bin";
	struct an_event eb = {.type = AN_EV_BANNER, .s = &s, .u.banner = {T0, 220, {banner, 7}}};
	struct an_command c = {.s = &s, .ts = T0 + 1, .verb = verb, .arg = {arg, 3},
	                       .reply_code = 226, .reply = {reply, 11}, .reply_lines = 2,
	                       .latency_ms = 3, .cwd = cwd};
	struct an_transfer x = {.s = &s, .verb = xverb, .arg = {xarg, 7}, .ts_start = T0 + 2,
	                        .extracted = ext, .sha256_set = true, .sha256 = "ab12"};
	struct an_diag d = {.s = NULL, .a = HP4(203, 0, 113, 7, 5555), .b = SERVER, .ts = T0 + 3,
	                    .kind = AN_DIAG_NOT_FTP, .message = "not ftp", .nev = 1,
	                    .ev = {{"first", "bytes"}}};
	struct an_event ec = {.type = AN_EV_COMMAND, .s = &s, .u.cmd = &c};
	struct an_event ex = {.type = AN_EV_TRANSFER, .s = &s, .u.xfer = &x};
	struct an_event ed = {.type = AN_EV_DIAG, .s = NULL, .u.diag = &d};

	ui_store_event(st, &eb);
	ui_store_event(st, &ec);
	ui_store_event(st, &ex);
	ui_store_event(st, &ed);
	memset(banner, 'X', 7);
	memset(verb, 'X', 4);
	memset(arg, 'X', 3);
	memset(reply, 'X', 11);
	memset(cwd, 'X', 4);
	memset(xverb, 'X', 4);
	memset(xarg, 'X', 7);
	memset(ext, 'X', 13);
	memset(d.message, 'X', 7);
	memset(d.ev[0].value, 'X', 5);

	const struct ui_session *u = &st->sessions[0];
	assert_int_equal(u->banner_n, 7);
	assert_string_equal(u->banner, "Welcome");
	assert_int_equal(u->banner_code, 220);
	assert_string_equal(u->cmds[0].verb, "STOR");
	assert_int_equal(u->cmds[0].arg_n, 3);
	assert_memory_equal(u->cmds[0].arg, "a\0b", 4);
	assert_string_equal(u->cmds[0].reply, "line1\nline2");
	assert_int_equal(u->cmds[0].reply_n, 11);
	assert_string_equal(u->cmds[0].cwd, "/pub");
	assert_string_equal(u->xfers[0].verb, "RETR");
	assert_string_equal(u->xfers[0].arg, "big.bin");
	assert_string_equal(u->xfers[0].extracted, "out/1-big.bin");
	assert_string_equal(u->xfers[0].sha256, "ab12");
	assert_int_equal(st->ndiags, 1);
	assert_int_equal(st->diags[0].session, 0);
	assert_string_equal(st->diags[0].message, "not ftp");
	assert_string_equal(st->diags[0].ev_key[0], "first");
	assert_string_equal(st->diags[0].ev_value[0], "bytes");
	assert_memory_equal(&st->diags[0].a, &d.a, sizeof(d.a));
	assert_memory_equal(&st->diags[0].b, &d.b, sizeof(d.b));
	assert_int_equal(st->nsessions, 1); /* a session-less diag makes none */
	ui_store_free(st);
}

/* Absent strings are NULL: no argument, no reply, unknown cwd. */
static void test_strings_absent(void **state)
{
	struct ui_store *st = ui_store_new(0);
	struct an_session s = sess(1, NAT_IN, SERVER, T0);
	struct an_command c = {.s = &s, .ts = T0, .cmd = FTP_CMD_QUIT, .verb = NULL,
	                       .latency_ms = -1};
	struct an_event ev = {.type = AN_EV_COMMAND, .s = &s, .u.cmd = &c};

	ui_store_event(st, &ev);
	assert_string_equal(st->sessions[0].cmds[0].verb, "QUIT"); /* from cmd when no verb */
	assert_null(st->sessions[0].cmds[0].arg);
	assert_null(st->sessions[0].cmds[0].reply);
	assert_null(st->sessions[0].cmds[0].cwd);
	assert_true(st->sessions[0].cmds[0].latency_ms < 0);
	ui_store_free(st);
}

/* A 120 then the 220: one banner item, the latest code and text. */
static void test_banner_twice(void **state)
{
	struct ui_store *st = ui_store_new(0);
	struct an_session s = sess(1, NAT_IN, SERVER, T0);
	struct an_event e120 = {.type = AN_EV_BANNER, .s = &s,
	                        .u.banner = {T0 + 0.1, 120, {"Ready in 5 minutes.", 19}}};
	struct an_event e220 = {.type = AN_EV_BANNER, .s = &s,
	                        .u.banner = {T0 + 0.2, 220, {"Ready.", 6}}};
	struct an_event empty = {.type = AN_EV_BANNER, .s = &s, .u.banner = {T0, 220, {NULL, 0}}};

	ui_store_event(st, &e120);
	feed_cmd(st, &s, T0 + 0.15, "NOOP", NULL, 200);
	ui_store_event(st, &e220);
	assert_true(st->sessions[0].have_banner);
	assert_int_equal(st->sessions[0].banner_code, 220);
	assert_string_equal(st->sessions[0].banner, "Ready.");
	assert_int_equal(st->sessions[0].banner_n, 6);
	assert_int_equal(st->sessions[0].nitems, 2);
	assert_int_equal(st->sessions[0].items[0].kind, UI_ITEM_BANNER);
	assert_int_equal(st->sessions[0].items[1].kind, UI_ITEM_CMD);
	s.id = 2;
	ui_store_event(st, &empty);
	assert_string_equal(st->sessions[1].banner, "");
	assert_int_equal(st->sessions[1].nitems, 1);
	ui_store_free(st);
}

/* ---------------------------------------------------------- counters */

static void test_counters(void **state)
{
	static const struct { int code; bool error; } codes[] = {
		{0, false}, {226, false}, {399, false}, {400, true}, {425, true}, {550, true},
		{599, true}, {600, false},
	};
	struct ui_store *st = ui_store_new(0);
	struct an_session s = sess(1, NAT_IN, SERVER, T0);
	unsigned want = 0;

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		feed_cmd(st, &s, T0 + (double)i, "RETR", "f", codes[i].code);
		want += codes[i].error;
		assert_int_equal(st->sessions[0].errors, want);
	}
	feed_xfer(st, &s, T0, 1000, NAT_IN, SERVER);
	feed_xfer(st, &s, T0, 24, NAT_IN, SERVER);
	feed_diag(st, &s, T0);
	feed_diag(st, &s, T0);
	assert_int_equal(st->sessions[0].bytes, 1024);
	assert_int_equal(st->sessions[0].ndiags, 2);
	assert_int_equal(st->sessions[0].nxfers, 2);
	ui_store_free(st);
}

/* ------------------------------------------------------------- items */

struct order_step {
	char kind; /* c command, d diag, x transfer */
	double ts;
};

/* Commands come at their reply: one sent at 1.5 is reported after the diag
 * of 2.0; equal ts keep arrival order, except that a command goes before a
 * diagnostic of its own instant (the command at 3.0, arrival 4, before the
 * diag at 3.0, arrival 3; the last command at 3.0 stays after the transfer).
 * want: the arrival numbers in item order. */
static void test_items_order(void **state)
{
	static const struct order_step steps[] = {
		{'c', 1.0}, {'d', 2.0}, {'c', 1.5}, {'d', 3.0}, {'c', 3.0}, {'x', 3.0}, {'c', 0.5},
		{'c', 4.0}, {'c', 3.0},
	};
	static const size_t want[] = {6, 0, 2, 1, 4, 3, 5, 8, 7};
	struct ui_store *st = ui_store_new(0);
	struct an_session s = sess(1, NAT_IN, SERVER, T0);
	const size_t n = sizeof(steps) / sizeof(steps[0]);
	double ts[16];

	for (size_t i = 0; i < n; i++) {
		ts[i] = T0 + steps[i].ts;
		if (steps[i].kind == 'c')
			feed_cmd(st, &s, T0 + steps[i].ts, "NOOP", NULL, 200);
		else if (steps[i].kind == 'd')
			feed_diag(st, &s, T0 + steps[i].ts);
		else
			feed_xfer(st, &s, T0 + steps[i].ts, 1, NAT_IN, SERVER);
	}
	const struct ui_session *u = &st->sessions[0];
	size_t next_cmd = 0, next_diag = 0;
	size_t cmd_of[16], diag_of[16];

	for (size_t i = 0; i < n; i++) { /* arrival number of each kept command / diag */
		if (steps[i].kind == 'c')
			cmd_of[next_cmd++] = i;
		else if (steps[i].kind == 'd')
			diag_of[next_diag++] = i;
	}
	assert_int_equal(u->nitems, n);
	for (size_t k = 0; k < n; k++) {
		const struct ui_item *it = &u->items[k];
		size_t arrival = it->kind == UI_ITEM_CMD ? cmd_of[it->idx] :
		                 it->kind == UI_ITEM_DIAG ? diag_of[it->idx] : 5;

		print_message("item %zu: kind %d idx %zu ts %.1f\n", k, it->kind, it->idx,
		              it->ts - T0);
		assert_int_equal(arrival, want[k]);
		assert_true(it->ts == ts[want[k]]);
	}
	ui_store_free(st);
}

/* --------------------------------------------------------------- cap */

/* Past the cap: items counted, not kept; sessions and counters still are. */
static void test_mem_cap(void **state)
{
	struct ui_store *st = ui_store_new(16 * 1024);
	struct an_session s = sess(1, NAT_IN, SERVER, T0);
	char arg[200];
	const unsigned n = 500;
	unsigned opened = 1;
	uint64_t dropped;

	memset(arg, 'a', sizeof(arg) - 1);
	arg[sizeof(arg) - 1] = '\0';
	feed(st, AN_EV_SESSION_OPEN, &s);
	for (unsigned i = 0; i < n; i++)
		feed_cmd(st, &s, T0 + i, "RETR", arg, 550);
	assert_true(st->dropped > 0);
	assert_true(st->sessions[0].ncmds > 0);
	assert_int_equal(st->sessions[0].ncmds + st->dropped, n);
	assert_int_equal(st->sessions[0].nitems, st->sessions[0].ncmds);
	assert_int_equal(st->sessions[0].errors, n); /* counted, kept or not */
	assert_true(st->mem <= st->mem_cap);
	while (st->mem <= st->mem_cap && opened < 1000) { /* sessions are kept past the cap */
		opened++;
		s = sess(opened, NAT_OUT, SERVER, T0 + opened);
		feed(st, AN_EV_SESSION_OPEN, &s);
	}
	assert_int_equal(st->nsessions, opened);
	assert_true(st->mem > st->mem_cap);
	dropped = st->dropped;
	feed_diag(st, &s, T0 + 2);
	feed_xfer(st, &s, T0 + 2, 77, NAT_OUT, SERVER);
	feed_cmd(st, &s, T0 + 2, "RETR", "x", 425);
	assert_int_equal(st->dropped, dropped + 3);
	assert_int_equal(st->sessions[opened - 1].s.id, opened);
	assert_int_equal(st->sessions[opened - 1].ndiags, 1);
	assert_int_equal(st->sessions[opened - 1].bytes, 77);
	assert_int_equal(st->sessions[opened - 1].errors, 1);
	assert_int_equal(st->sessions[opened - 1].nitems, 0);
	assert_int_equal(st->ndiags, 0);
	assert_int_equal(st->version, n + opened + 3);
	ui_store_free(st);
}

/* ------------------------------------------------------------ states */

static void test_states(void **state)
{
	static const struct {
		bool encrypted, closed;
		enum an_login login;
		enum ui_state want;
		const char *name;
	} cases[] = {
		{false, false, AN_LOGIN_NONE, UI_STATE_CONNECTED, "connected"},
		{false, false, AN_LOGIN_OK, UI_STATE_LOGGED_IN, "logged in"},
		{false, false, AN_LOGIN_FAILED, UI_STATE_LOGIN_FAILED, "login failed"},
		{true, false, AN_LOGIN_NONE, UI_STATE_ENCRYPTED, "encrypted"},
		{false, true, AN_LOGIN_OK, UI_STATE_CLOSED, "closed"},
		{true, true, AN_LOGIN_OK, UI_STATE_ENCRYPTED, "encrypted"},
	};
	static const char *const cols[] = {"Start", "Client", "Server", "User", "State",
	                                   "Cmds", "Xfers", "Bytes", "Errors", "Diags"};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ui_session u;

		memset(&u, 0, sizeof(u));
		u.s.encrypted = cases[i].encrypted;
		u.closed = cases[i].closed;
		u.s.login = cases[i].login;
		assert_int_equal(ui_session_state(&u), cases[i].want);
		assert_string_equal(ui_state_name(ui_session_state(&u)), cases[i].name);
	}
	for (int c = 0; c < UI_COL__COUNT; c++)
		assert_string_equal(ui_col_name((enum ui_col)c), cols[c]);
	assert_string_equal(ui_col_name(UI_COL__COUNT), "?");
}

/* -------------------------------------------------------------- view */

static struct ui_store *filter_store(void)
{
	struct ui_store *st = ui_store_new(0);
	struct an_session a = sess(1, NAT_IN, HP4(198, 51, 100, 2, 21), T0);
	struct an_session b = sess(2, HP6(0x10, 40000), HP6(0x01, 21), T0 + 1);
	struct an_session c = sess(3, HP4(192, 0, 2, 7, 1234), HP4(198, 51, 100, 2, 2121), T0 + 2);

	strcpy(a.user, "anonymous");
	a.login = AN_LOGIN_OK;
	strcpy(c.user, "Bob");
	c.login = AN_LOGIN_FAILED;
	feed_cmd(st, &a, T0, "USER", "anonymous", 331);
	feed_cmd(st, &a, T0, "RETR", "secret.txt", 226);
	feed_cmd(st, &b, T0 + 1, "FEAT", NULL, 211);
	feed(st, AN_EV_SESSION_OPEN, &c);
	feed(st, AN_EV_SESSION_CLOSE, &c);
	return st;
}

static void test_view_filter(void **state)
{
	static const struct { const char *filter; size_t n; size_t want[3]; } cases[] = {
		{NULL, 3, {0, 1, 2}}, {"", 3, {0, 1, 2}}, {"10.0.1.2:50000", 1, {0}},
		{"[2001:db8::1]:21", 1, {1}}, {"2001:DB8", 1, {1}}, {"198.51.100.2", 2, {0, 2}},
		{"ANONY", 1, {0}}, {"bob", 1, {2}}, {"logged in", 1, {0}}, {"CLOSED", 1, {2}},
		{"feat", 1, {1}}, {"SECRET.TXT", 1, {0}}, {":2121", 1, {2}}, {"nomatch", 0, {0}},
	};
	struct ui_store *st = filter_store();
	size_t out[4];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("filter \"%s\"\n", cases[i].filter ? cases[i].filter : "(null)");
		assert_int_equal(ui_store_view(st, UI_COL_START, false, cases[i].filter, out, 4),
		                 cases[i].n);
		assert_memory_equal(out, cases[i].want, cases[i].n * sizeof(size_t));
	}
	out[2] = 99; /* cap: the count of all, only cap written */
	assert_int_equal(ui_store_view(st, UI_COL_START, true, NULL, out, 2), 3);
	assert_int_equal(out[0], 2);
	assert_int_equal(out[1], 1);
	assert_int_equal(out[2], 99);
	assert_int_equal(ui_store_view(st, UI_COL_START, false, "198.51", NULL, 0), 2);
	ui_store_free(st);
}

struct sort_spec {
	double start;
	struct ftp_hostport client, server;
	const char *user;
	enum an_login login;
	bool closed;
	unsigned cmds, xfers, errors, diags;
	uint64_t bytes;
};

/* Ties on purpose (start 0/2, client 1/3, server 0/3, user 0/3, xfers 1/3,
 * bytes 0/2, errors 2/3, diags 1/3): broken by index in both directions. */
static const struct sort_spec sort_specs[4] = {
	{2, HP4(10, 0, 0, 10, 1000), HP4(198, 51, 100, 1, 21), "bob", AN_LOGIN_OK, false,
	 4, 1, 2, 2, 500},
	{1, HP4(10, 0, 0, 2, 1000), HP4(198, 51, 100, 1, 2121), "alice", AN_LOGIN_NONE, true,
	 1, 0, 0, 0, 0},
	{2, HP6(5, 1000), HP4(192, 0, 2, 1, 21), "", AN_LOGIN_FAILED, false, 3, 2, 1, 1, 500},
	{0, HP4(10, 0, 0, 2, 1000), HP4(198, 51, 100, 1, 21), "bob", AN_LOGIN_NONE, false,
	 0, 0, 1, 0, 100000},
};

static const struct { enum ui_col col; size_t asc[4], desc[4]; } sort_cases[] = {
	{UI_COL_START, {3, 1, 0, 2}, {0, 2, 1, 3}},
	{UI_COL_CLIENT, {1, 3, 0, 2}, {2, 0, 1, 3}},
	{UI_COL_SERVER, {2, 0, 3, 1}, {1, 0, 3, 2}},
	{UI_COL_USER, {2, 1, 0, 3}, {0, 3, 1, 2}},
	{UI_COL_STATE, {3, 0, 2, 1}, {1, 2, 0, 3}},
	{UI_COL_CMDS, {3, 1, 2, 0}, {0, 2, 1, 3}},
	{UI_COL_XFERS, {1, 3, 0, 2}, {2, 0, 1, 3}},
	{UI_COL_BYTES, {1, 0, 2, 3}, {3, 0, 2, 1}},
	{UI_COL_ERRORS, {1, 2, 3, 0}, {0, 2, 3, 1}},
	{UI_COL_DIAGS, {1, 3, 2, 0}, {0, 2, 1, 3}},
};

static void sort_feed(struct ui_store *st, unsigned id, const struct sort_spec *p)
{
	struct an_session s = sess(id, p->client, p->server, T0 + p->start);

	strcpy(s.user, p->user);
	s.login = p->login;
	s.commands = p->cmds;
	s.transfers = p->xfers;
	feed(st, AN_EV_SESSION_OPEN, &s);
	for (unsigned k = 0; k < p->errors; k++)
		feed_cmd(st, &s, T0, "DELE", "x", 550);
	for (unsigned k = 0; k < p->xfers; k++)
		feed_xfer(st, &s, T0, p->bytes / p->xfers, p->client, p->server);
	if (p->xfers == 0 && p->bytes)
		feed_xfer(st, &s, T0, p->bytes, p->client, p->server);
	for (unsigned k = 0; k < p->diags; k++)
		feed_diag(st, &s, T0);
	if (p->closed)
		feed(st, AN_EV_SESSION_CLOSE, &s);
}

static void test_view_sort(void **state)
{
	struct ui_store *st = ui_store_new(0);
	size_t out[4];

	for (unsigned i = 0; i < 4; i++)
		sort_feed(st, 10 + i, &sort_specs[i]);
	for (size_t i = 0; i < sizeof(sort_cases) / sizeof(sort_cases[0]); i++) {
		print_message("column %s\n", ui_col_name(sort_cases[i].col));
		assert_int_equal(ui_store_view(st, sort_cases[i].col, false, NULL, out, 4), 4);
		assert_memory_equal(out, sort_cases[i].asc, sizeof(out));
		assert_int_equal(ui_store_view(st, sort_cases[i].col, true, NULL, out, 4), 4);
		assert_memory_equal(out, sort_cases[i].desc, sizeof(out));
	}
	ui_store_free(st);
}

/* ----------------------------------------------------------- pairing */

struct pcmd {
	const char *verb, *arg;
	int code;
};

static const struct pcmd leg_cmds[] = {
	{"USER", "anonymous", 331}, {"PASS", "guest@", 230}, {"PORT", "10,0,1,2,195,80", 200},
	{"RETR", "f.bin", 226}, {"QUIT", NULL, 221},
};

static void feed_leg(struct ui_store *st, unsigned id, struct ftp_hostport c, double start,
                     const struct pcmd *cmds, size_t n)
{
	struct an_session s = sess(id, c, SERVER, start);

	feed(st, AN_EV_SESSION_OPEN, &s);
	for (size_t k = 0; k < n; k++)
		feed_cmd(st, &s, start + 0.1 * (double)k, cmds[k].verb, cmds[k].arg, cmds[k].code);
}

/* A capture on the NAT box: the same conversation inside and outside, the
 * PORT argument rewritten. A third, later look-alike stays single; a
 * nearer one wins over a farther one. */
static void test_pair_nat(void **state)
{
	struct pcmd out_cmds[5];
	struct ui_store *st = ui_store_new(0);

	memcpy(out_cmds, leg_cmds, sizeof(out_cmds));
	out_cmds[2].arg = "198,51,100,1,195,80";
	feed_leg(st, 1, NAT_IN, T0, leg_cmds, 5);
	feed_leg(st, 2, NAT_OUT, T0 + 0.05, out_cmds, 5);
	feed_leg(st, 3, HP4(198, 51, 100, 1, 50001), T0 + 0.2, out_cmds, 5);
	ui_store_pair(st);
	assert_int_equal(st->sessions[0].pair, 2);
	assert_int_equal(st->sessions[1].pair, 1);
	assert_int_equal(st->sessions[2].pair, 0);
	assert_int_equal(ui_pair_client_leg(st, 0), 0);
	assert_int_equal(ui_pair_client_leg(st, 1), 0);
	assert_int_equal(ui_pair_client_leg(st, 2), 2);
	ui_store_free(st);

	/* the outside leg seen first (index 0) but starting later; a farther one */
	st = ui_store_new(0);
	feed_leg(st, 1, NAT_OUT, T0 + 0.5, out_cmds, 5);
	feed_leg(st, 2, HP4(10, 0, 1, 9, 50000), T0 + 1.9, leg_cmds, 4);
	feed_leg(st, 3, NAT_IN, T0, leg_cmds, 4);
	ui_store_pair(st);
	assert_int_equal(st->sessions[0].pair, 3);
	assert_int_equal(st->sessions[2].pair, 1);
	assert_int_equal(st->sessions[1].pair, 0);
	assert_int_equal(ui_pair_client_leg(st, 0), 2);
	assert_int_equal(ui_pair_client_leg(st, 2), 2);
	ui_store_free(st);
}

struct nonpair_case {
	const char *name;
	struct ftp_hostport client;
	double dt;
	size_t n;
	struct pcmd cmds[4];
};

static const struct nonpair_case nonpair_cases[] = {
	{"another argument", NAT_OUT, 0.05, 4,
	 {{"USER", "anonymous", 331}, {"PASS", "guest@", 230}, {"PORT", "1,2,3,4,5,6", 200},
	  {"RETR", "g.bin", 226}}},
	{"another reply code", NAT_OUT, 0.05, 4,
	 {{"USER", "anonymous", 331}, {"PASS", "guest@", 530}, {"PORT", "1,2,3,4,5,6", 200},
	  {"RETR", "f.bin", 226}}},
	{"another verb", NAT_OUT, 0.05, 2, {{"USER", "anonymous", 331}, {"ACCT", "guest@", 230}}},
	{"3 s apart", NAT_OUT, 3.0, 4,
	 {{"USER", "anonymous", 331}, {"PASS", "guest@", 230}, {"PORT", "1,2,3,4,5,6", 200},
	  {"RETR", "f.bin", 226}}},
	{"one command", NAT_OUT, 0.05, 1, {{"USER", "anonymous", 331}}},
	{"no command", NAT_OUT, 0.05, 0, {{NULL, NULL, 0}}},
	{"the same client's second connection", HP4(10, 0, 1, 2, 50001), 0.05, 4,
	 {{"USER", "anonymous", 331}, {"PASS", "guest@", 230}, {"PORT", "1,2,3,4,5,6", 200},
	  {"RETR", "f.bin", 226}}},
};

static void test_pair_negative(void **state)
{
	for (size_t i = 0; i < sizeof(nonpair_cases) / sizeof(nonpair_cases[0]); i++) {
		const struct nonpair_case *c = &nonpair_cases[i];
		struct ui_store *st = ui_store_new(0);

		print_message("case \"%s\"\n", c->name);
		feed_leg(st, 1, NAT_IN, T0, leg_cmds, c->n ? 4 : 0);
		feed_leg(st, 2, c->client, T0 + c->dt, c->cmds, c->n);
		ui_store_pair(st);
		assert_int_equal(st->sessions[0].pair, 0);
		assert_int_equal(st->sessions[1].pair, 0);
		assert_int_equal(ui_pair_client_leg(st, 1), 1);
		ui_store_free(st);
	}
}

/* Recomputed when the store changed, not before. */
static void test_pair_version(void **state)
{
	struct ui_store *st = ui_store_new(0);
	struct pcmd out_cmds[2] = {leg_cmds[0], leg_cmds[1]};

	feed_leg(st, 1, NAT_IN, T0, leg_cmds, 2);
	ui_store_pair(st);
	assert_int_equal(st->sessions[0].pair, 0);
	feed_leg(st, 2, NAT_OUT, T0 + 1, out_cmds, 2);
	ui_store_pair(st);
	assert_int_equal(st->sessions[0].pair, 2);
	st->sessions[0].pair = 0; /* no event since: the result stands */
	ui_store_pair(st);
	assert_int_equal(st->sessions[0].pair, 0);
	feed(st, AN_EV_SESSION_CLOSE, &(struct an_session){.id = 2, .client = NAT_OUT,
	                                                   .server = SERVER, .ts_start = T0 + 1});
	ui_store_pair(st);
	assert_int_equal(st->sessions[0].pair, 2);
	assert_int_equal(st->sessions[1].pair, 1);
	ui_store_free(st);
}

/* ------------------------------------------------------------- flows */

static bool flow_eq(const struct ui_flow *f, struct ftp_hostport a, struct ftp_hostport b)
{
	return memcmp(&f->a, &a, sizeof(a)) == 0 && memcmp(&f->b, &b, sizeof(b)) == 0;
}

static const struct an_data_channel DC_PASV = {true, true, {A4(10, 0, 1, 2), 0},
                                               {A4(198, 51, 100, 2), 40000}};
static const struct an_data_channel DC_PORT = {true, false, {A4(198, 51, 100, 2), 20},
                                               {A4(10, 0, 1, 2), 50002}};
static const struct an_data_channel DC_PASV_OUT = {true, true, {A4(198, 51, 100, 1), 0},
                                                   {A4(198, 51, 100, 2), 40000}};
static const struct an_data_channel DC_PORT_OUT = {true, false, {A4(198, 51, 100, 2), 20},
                                                   {A4(198, 51, 100, 1), 60000}};

static struct ui_store *flows_store(bool with_pair)
{
	struct ui_store *st = ui_store_new(0);
	struct an_session a = sess(1, NAT_IN, SERVER, T0), b = sess(2, NAT_OUT, SERVER, T0 + 0.01);
	struct ftp_hostport none = {{FTP_AF_NONE, {0}}, 0};

	feed_cmd(st, &a, T0, "USER", "u", 331);
	feed_cmd_dc(st, &a, T0 + 1, "PASV", NULL, 227, &DC_PASV);
	feed_xfer(st, &a, T0 + 2, 10, HP4(10, 0, 1, 2, 50001), HP4(198, 51, 100, 2, 40000));
	feed_xfer(st, &a, T0 + 3, 10, HP4(198, 51, 100, 2, 40000), HP4(10, 0, 1, 2, 50001));
	feed_xfer(st, &a, T0 + 4, 0, none, HP4(198, 51, 100, 2, 40001));
	feed_cmd_dc(st, &a, T0 + 5, "PORT", "10,0,1,2,195,82", 200, &DC_PORT);
	feed_cmd_dc(st, &a, T0 + 6, "PASV", NULL, 227, &DC_PASV);
	if (with_pair) {
		feed_cmd(st, &b, T0 + 0.01, "USER", "u", 331);
		feed_cmd_dc(st, &b, T0 + 1.01, "PASV", NULL, 227, &DC_PASV_OUT);
		feed_cmd_dc(st, &b, T0 + 5.01, "PORT", "198,51,100,1,234,96", 200, &DC_PORT_OUT);
		ui_store_pair(st);
		assert_int_equal(st->sessions[0].pair, 2);
	}
	return st;
}

static void test_flows(void **state)
{
	struct ui_store *st = flows_store(false);
	struct ui_flow f[16];

	assert_int_equal(ui_session_flows(st, 0, f, 16), 4);
	assert_true(flow_eq(&f[0], NAT_IN, SERVER));
	assert_true(flow_eq(&f[1], HP4(10, 0, 1, 2, 50001), HP4(198, 51, 100, 2, 40000)));
	assert_true(flow_eq(&f[2], HP4(198, 51, 100, 2, 40000), HP4(10, 0, 1, 2, 0)));
	assert_true(flow_eq(&f[3], HP4(10, 0, 1, 2, 50002), HP4(198, 51, 100, 2, 0)));
	assert_int_equal(ui_session_flows(st, 1, f, 16), 0); /* no such session */
	ui_store_free(st);

	st = flows_store(true);
	memset(f, 0xee, sizeof(f));
	assert_int_equal(ui_session_flows(st, 0, f, 16), 7);
	assert_true(flow_eq(&f[4], NAT_OUT, SERVER));
	assert_true(flow_eq(&f[5], HP4(198, 51, 100, 2, 40000), HP4(198, 51, 100, 1, 0)));
	assert_true(flow_eq(&f[6], HP4(198, 51, 100, 1, 60000), HP4(198, 51, 100, 2, 0)));
	assert_int_equal(ui_session_flows(st, 1, f, 16), 7);
	assert_true(flow_eq(&f[0], NAT_OUT, SERVER));
	assert_true(flow_eq(&f[3], NAT_IN, SERVER));
	memset(f, 0xee, sizeof(f));
	assert_int_equal(ui_session_flows(st, 0, f, 2), 7); /* the count, cap written */
	assert_int_equal(f[2].a.port, 0xeeee);
	assert_int_equal(ui_session_flows(st, 0, NULL, 0), 7);
	ui_store_free(st);
}

static void test_flows_match(void **state)
{
	static const struct ui_flow v6[] = {{HP6(0x01, 21), HP6(0x10, 0)}};
	static const struct {
		const char *name;
		struct ftp_hostport src, dst;
		bool want;
	} cases[] = {
		{"control", NAT_IN, SERVER, true},
		{"control, reply", SERVER, NAT_IN, true},
		{"control, other client port", HP4(10, 0, 1, 2, 50003), SERVER, false},
		{"pasv, any port", HP4(10, 0, 1, 2, 61234), HP4(198, 51, 100, 2, 40000), true},
		{"pasv, reply", HP4(198, 51, 100, 2, 40000), HP4(10, 0, 1, 2, 1), true},
		{"pasv, other client", HP4(10, 0, 1, 3, 61234), HP4(198, 51, 100, 2, 40000), false},
		{"pasv, other port", HP4(10, 0, 1, 2, 61234), HP4(198, 51, 100, 2, 40001), false},
		{"port, from 20", HP4(198, 51, 100, 2, 20), HP4(10, 0, 1, 2, 50002), true},
		{"port, other port", HP4(198, 51, 100, 2, 20), HP4(10, 0, 1, 2, 50003), false},
		{"a packet's port 0 is no wildcard", HP4(198, 51, 100, 2, 0), NAT_IN, false},
		{"IPv6 with the same first bytes", {{FTP_AF_INET6, {10, 0, 1, 2}}, 50000}, SERVER,
		 false},
	};
	struct ui_store *st = flows_store(false);
	struct ui_flow f[8];
	size_t n = ui_session_flows(st, 0, f, 8);

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case \"%s\"\n", cases[i].name);
		assert_int_equal(ui_flows_match(f, n, &cases[i].src, &cases[i].dst), cases[i].want);
	}
	assert_false(ui_flows_match(f, 0, &cases[0].src, &cases[0].dst));
	assert_true(ui_flows_match(v6, 1, &HP6(0x10, 5555), &HP6(0x01, 21)));
	assert_false(ui_flows_match(v6, 1, &HP6(0x11, 5555), &HP6(0x01, 21)));
	assert_false(ui_flows_match(v6, 1, &HP6(0x10, 5555), &HP6(0x01, 20)));
	ui_store_free(st);
}

/* ------------------------------------------------------------- scale */

#define MANY 100000u

static void test_many_sessions(void **state)
{
	struct ui_store *st = ui_store_new(0);
	size_t *out = malloc(MANY * sizeof(*out));
	char user[16];

	assert_non_null(out);
	for (unsigned i = 0; i < MANY; i++) {
		struct an_session s = sess(i + 1, HP4(10, (uint8_t)(i >> 16), (uint8_t)(i >> 8),
		                                      (uint8_t)i, 40000), SERVER, T0 + i * 0.001);

		snprintf(user, sizeof(user), "u%u", i);
		feed(st, AN_EV_SESSION_OPEN, &s);
		feed_cmd(st, &s, s.ts_start, "USER", user, 331);
		feed_cmd(st, &s, s.ts_start, "PASS", "****", 530);
		feed(st, AN_EV_SESSION_CLOSE, &s);
	}
	feed_diag(st, &(struct an_session){.id = 50000, .client = HP4(10, 0, 195, 79, 40000),
	                                   .server = SERVER, .ts_start = T0 + 49.999}, T0 + 60);
	assert_int_equal(st->nsessions, MANY);
	assert_int_equal(st->dropped, 0);
	assert_int_equal(st->sessions[49999].ndiags, 1);
	assert_int_equal(ui_store_view(st, UI_COL_START, false, NULL, out, MANY), MANY);
	for (unsigned i = 0; i < MANY; i++)
		assert_int_equal(out[i], i);
	assert_int_equal(ui_store_view(st, UI_COL_CLIENT, true, NULL, out, MANY), MANY);
	assert_int_equal(out[0], MANY - 1);
	assert_int_equal(ui_store_view(st, UI_COL_DIAGS, true, NULL, out, 1), MANY);
	assert_int_equal(out[0], 49999);
	assert_int_equal(ui_store_view(st, UI_COL_START, false, "u1234", out, MANY), 11);
	assert_int_equal(ui_store_view(st, UI_COL_START, false, "10.1.134.159:", out, MANY), 1);
	assert_int_equal(out[0], 99999);
	ui_store_pair(st);
	for (unsigned i = 0; i < MANY; i++)
		assert_int_equal(st->sessions[i].pair, 0);
	free(out);
	ui_store_free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_defaults),
		cmocka_unit_test(test_create_each_type),
		cmocka_unit_test(test_lookup_by_id),
		cmocka_unit_test(test_strings_copied),
		cmocka_unit_test(test_strings_absent),
		cmocka_unit_test(test_banner_twice),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_items_order),
		cmocka_unit_test(test_mem_cap),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_view_filter),
		cmocka_unit_test(test_view_sort),
		cmocka_unit_test(test_pair_nat),
		cmocka_unit_test(test_pair_negative),
		cmocka_unit_test(test_pair_version),
		cmocka_unit_test(test_flows),
		cmocka_unit_test(test_flows_match),
		cmocka_unit_test(test_many_sessions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

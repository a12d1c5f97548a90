/* test_ui_store.c - the TUI's store (analyzer/ui_store.c) fed with events
 * built by hand: sessions found and created by id, strings copied, items in
 * ts order, the memory cap, states. The view, pairing and flows are in
 * test_ui_store_view.c. */
#include "ui_store_fixture.h"

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

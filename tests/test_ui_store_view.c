/* test_ui_store_view.c - the TUI's store seen through ui_store_view.c and
 * ui_store_pair.c: the Sessions view's filter and sort, the pairing of NAT
 * legs, the flows of a session, and 100,000 sessions. */
#include "ui_store_fixture.h"

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

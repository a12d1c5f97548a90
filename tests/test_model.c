/* test_model.c - the analyzer's FTP model (analyzer/model.c, model_reply.c,
 * xfer.c) driven directly, without packets: scripts of client bytes,
 * server bytes and data-connection events, each checked against the
 * transcript of events the model reports. Table-driven: commands paired
 * with replies (pipelined, multi-line, split anywhere), login, cwd,
 * expectations matched to data connections, transfers and every
 * diagnostic of the model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "decode.h"
#include "model.h"
#include "tablecheck.h"

/* One step of a script. */
enum op {
	END = 0,
	C,     /* client bytes */
	S,     /* server bytes */
	DOPEN, /* a TCP connection a -> b (SYN) */
	DMID,  /* a TCP connection a -> b seen mid-stream (no SYN) */
	DFROM, /* bytes on it from the connecting side (text = byte count) */
	DTO,   /* bytes from the listening side */
	DRST,  /* RST from the listening side */
	DFIN,  /* FINs both ways and the end */
	DGAP,  /* n bytes missing */
	WAIT,  /* the clock moves by n seconds */
};

struct step {
	enum op op;
	const char *text; /* bytes, or "addr:port addr:port" for DOPEN */
	double n;
};

struct mcase {
	const char *name;
	bool show_passwords;
	struct step steps[24];
	const char *want; /* the transcript */
};

#define CLIENT "10.0.0.1:40000"
#define SERVER "192.0.2.10:21"

struct rec {
	char buf[8192];
	size_t len;
};

static void put(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct rec *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	r->len += (size_t)vsnprintf(r->buf + r->len, sizeof(r->buf) - r->len, fmt, ap);
	va_end(ap);
	assert_true(r->len < sizeof(r->buf));
}

static const char *const modes[] = {"none", "active", "passive", "eprt", "epsv"};
static const char *const stats[] = {"complete", "aborted", "failed", "incomplete"};
static const char *const logins[] = {"none", "ok", "failed"};

static void on_event(void *ctx, const struct an_event *ev)
{
	struct rec *r = ctx;
	const struct an_command *c;
	const struct an_transfer *x;

	switch (ev->type) {
	case AN_EV_SESSION_OPEN:
		put(r, "open #%u|", ev->s->id);
		break;
	case AN_EV_BANNER:
		put(r, "banner %d %.*s|", ev->u.banner.code, (int)ev->u.banner.text.n,
		    ev->u.banner.text.p);
		break;
	case AN_EV_COMMAND:
		c = ev->u.cmd;
		put(r, "%s%s%.*s>%d%s%s|", c->verb, c->arg.p ? " " : "", (int)c->arg.n,
		    c->arg.p ? c->arg.p : "", c->reply_code, c->cwd[0] ? " cwd=" : "", c->cwd);
		break;
	case AN_EV_TRANSFER:
		x = ev->u.xfer;
		put(r, "xfer %s %s %llu %s %d%s|", x->verb, modes[x->mode],
		    (unsigned long long)x->bytes, stats[x->status], x->reply_code,
		    x->sha256_set ? " sha" : "");
		break;
	case AN_EV_DIAG:
		put(r, "!%s|", an_diag_name(ev->u.diag->kind));
		break;
	case AN_EV_SESSION_CLOSE:
		put(r, "close %s %s %u/%u|", ev->s->user, logins[ev->s->login], ev->s->commands,
		    ev->s->transfers);
		break;
	}
}

static struct ftp_hostport EP(const char *s)
{
	struct ftp_hostport hp;

	assert_int_equal(addr_parse_endpoint(s, strlen(s), &hp), FTP_OK);
	return hp;
}

static void data_open(struct model *m, struct mdata **d, const char *spec, double ts, bool syn)
{
	char a[64], b[64];

	assert_int_equal(sscanf(spec, "%63s %63s", a, b), 2);
	{
		struct ftp_hostport ha = EP(a), hb = EP(b);

		*d = model_data_match(m, &ha, &hb, ts, syn);
	}
	if (*d && syn)
		model_data_packet(*d, ts, true, TCPF_SYN);
}

static void data_bytes(struct mdata *d, double ts, bool from_orig, size_t n)
{
	uint8_t buf[4096];

	memset(buf, 'x', sizeof(buf));
	while (n > 0) {
		size_t k = n < sizeof(buf) ? n : sizeof(buf);

		model_data_bytes(d, ts, from_orig, buf, k);
		n -= k;
	}
}

static void step_data(struct model *m, struct mdata **d, const struct step *st, double ts)
{
	switch (st->op) {
	case DOPEN:
	case DMID:
		data_open(m, d, st->text, ts, st->op == DOPEN);
		break;
	case DFROM:
	case DTO:
		if (*d)
			data_bytes(*d, ts, st->op == DFROM, (size_t)st->n);
		break;
	case DRST:
		if (*d)
			model_data_packet(*d, ts, false, TCPF_RST | TCPF_ACK);
		__attribute__((fallthrough)); /* a reset ends it */
	case DFIN:
		if (*d) {
			if (st->op == DFIN) {
				model_data_packet(*d, ts, true, TCPF_FIN | TCPF_ACK);
				model_data_packet(*d, ts, false, TCPF_FIN | TCPF_ACK);
			}
			model_data_close(*d, ts);
		}
		*d = NULL;
		break;
	case DGAP:
		if (*d)
			model_data_gap(*d, ts, (uint64_t)st->n);
		break;
	default:
		break;
	}
}

static unsigned failures;

static void run_case(const struct mcase *c, size_t split)
{
	static struct rec r;
	struct an_config cfg = {.show_passwords = c->show_passwords, .hash = true};
	struct an_sink sink = {on_event, &r};
	struct model *m;
	struct msession *s;
	struct mdata *d = NULL;
	struct ftp_hostport cl = EP(CLIENT), sv = EP(SERVER);
	struct ctx x = {c->name, c->name, strlen(c->name)};
	double ts = 100.0;

	memset(&r, 0, sizeof(r));
	m = model_new(&cfg, &sink, NULL);
	assert_non_null(m);
	s = model_session_open(m, 0, &cl, &sv, ts);
	for (const struct step *st = c->steps; st->op != END; st++) {
		ts += 0.001;
		if (st->op == WAIT) {
			ts += st->n;
		} else if (st->op == C || st->op == S) {
			size_t n = strlen(st->text);

			for (size_t o = 0; o < n; o += split) {
				size_t k = n - o < split ? n - o : split;

				if (st->op == C)
					model_client_bytes(s, ts, (const uint8_t *)st->text + o, k);
				else
					model_server_bytes(s, ts, (const uint8_t *)st->text + o, k);
			}
		} else {
			step_data(m, &d, st, ts);
		}
	}
	if (d)
		model_data_close(d, ts);
	model_session_close(s, ts);
	model_free(m, ts);
	if (strcmp(r.buf, c->want) != 0) {
		show_input(&x);
		print_message("split %zu:\n got  %s\n want %s\n", split, r.buf, c->want);
		failures++;
	}
}

#define BANNER {S, "220 hi\r\n", 0}
#define PASV_50000 {C, "PASV\r\n", 0}, {S, "227 Entering Passive Mode (192,0,2,10,195,80).\r\n", 0}
#define OPEN_50000 {DOPEN, "10.0.0.1:50001 192.0.2.10:50000", 0}

static const struct mcase cases[] = {
	{"login, pairing, cwd", false,
	 {BANNER, {C, "USER anonymous\r\n", 0}, {S, "331 Password\r\n", 0},
	  {C, "PASS me@x\r\n", 0}, {S, "230 OK\r\n", 0}, {C, "PWD\r\n", 0},
	  {S, "257 \"/pub\" is cwd\r\n", 0}, {C, "CWD sub\r\n", 0}, {S, "250 ok\r\n", 0},
	  {C, "CDUP\r\n", 0}, {S, "250 ok\r\n", 0}, {C, "QUIT\r\n", 0}, {S, "221 Bye\r\n", 0}},
	 "open #1|banner 220 hi|USER anonymous>331|PASS me@x>230|PWD>257|CWD sub>250 cwd=/pub|"
	 "CDUP>250 cwd=/pub/sub|QUIT>221 cwd=/pub|close anonymous ok 6/0|"},
	{"pipelined, multi-line banner, password masked", false,
	 {{S, "220-Hello\r\n220-second\r\n220 end\r\n", 0},
	  {C, "USER bob\r\nPASS secret\r\nSYST\r\n", 0},
	  {S, "331 need\r\n530 Login incorrect.\r\n215 UNIX\r\n", 0}},
	 "open #1|banner 220 Hello\nsecond\nend|!cleartext-credentials|USER bob>331|PASS ****>530|"
	 "SYST>215|close bob failed 3/0|"},
	{"--show-passwords", true,
	 {BANNER, {C, "USER bob\r\n", 0}, {S, "331 need\r\n", 0}, {C, "PASS secret\r\n", 0},
	  {S, "230 in\r\n", 0}},
	 "open #1|banner 220 hi|USER bob>331|!cleartext-credentials|PASS secret>230|"
	 "close bob ok 2/0|"},
	{"passive download", false,
	 {BANNER, PASV_50000, OPEN_50000, {C, "RETR f.bin\r\n", 0},
	  {S, "150 Opening BINARY mode data connection (1000 bytes)\r\n", 0}, {DTO, "", 1000},
	  {DFIN, "", 0}, {S, "226 Done\r\n", 0}},
	 "open #1|banner 220 hi|PASV>227|RETR f.bin>226|xfer RETR passive 1000 complete 226 sha|"
	 "close  none 2/1|"},
	{"active upload", false,
	 {BANNER, {C, "PORT 10,0,0,1,200,10\r\n", 0}, {S, "200 ok\r\n", 0},
	  {C, "STOR up.bin\r\n", 0}, {S, "150 go\r\n", 0},
	  {DOPEN, "192.0.2.10:20 10.0.0.1:51210", 0}, {DTO, "", 500}, {DFIN, "", 0},
	  {S, "226 ok\r\n", 0}},
	 "open #1|banner 220 hi|PORT 10,0,0,1,200,10>200|STOR up.bin>226|"
	 "xfer STOR active 500 complete 226 sha|close  none 2/1|"},
	{"active download from another host (a proxy connects in the server's stead)", false,
	 {BANNER, {C, "PORT 10,0,0,1,200,10\r\n", 0}, {S, "200 ok\r\n", 0},
	  {C, "RETR f\r\n", 0}, {S, "150 go\r\n", 0},
	  {DOPEN, "10.0.0.254:40123 10.0.0.1:51210", 0}, {DFROM, "", 700}, {DFIN, "", 0},
	  {S, "226 ok\r\n", 0}},
	 "open #1|banner 220 hi|PORT 10,0,0,1,200,10>200|RETR f>226|"
	 "xfer RETR active 700 complete 226 sha|close  none 2/1|"},
	{"passive: a connection from another host is not the client's", false,
	 {BANNER, {C, "PASV\r\n", 0}, {S, "227 Entering Passive Mode (192,0,2,10,195,80)\r\n", 0},
	  {DOPEN, "198.51.100.7:40001 192.0.2.10:50000", 0}, {C, "RETR f\r\n", 0},
	  {S, "425 no\r\n", 0}},
	 "open #1|banner 220 hi|PASV>227|RETR f>425|!data-refused|"
	 "xfer RETR passive 0 failed 425|close  none 2/1|"},
	{"passive: SYNs unanswered and no transfer command: data-connection-failed", false,
	 {BANNER, {C, "PASV\r\n", 0}, {S, "227 Entering Passive Mode (192,0,2,10,195,80)\r\n", 0},
	  {DOPEN, "10.0.0.1:40001 192.0.2.10:50000", 0}, {C, "QUIT\r\n", 0}, {S, "221 bye\r\n", 0}},
	 "open #1|banner 220 hi|PASV>227|QUIT>221|!data-connection-failed|close  none 2/0|"},
	{"passive: a SYN answered and a transfer: nothing about the expectation", false,
	 {BANNER, {C, "PASV\r\n", 0}, {S, "227 Entering Passive Mode (192,0,2,10,195,80)\r\n", 0},
	  {DOPEN, "10.0.0.1:40001 192.0.2.10:50000", 0}, {C, "RETR f\r\n", 0},
	  {S, "425 no\r\n", 0}},
	 "open #1|banner 220 hi|PASV>227|RETR f>425|!data-refused|"
	 "xfer RETR passive 0 failed 425|close  none 2/1|"},
	{"a long transfer is no slow reply: latency is judged at the 150", false,
	 {BANNER, {C, "PASV\r\n", 0}, {S, "227 Entering Passive Mode (192,0,2,10,195,80)\r\n", 0},
	  {DOPEN, "10.0.0.1:40001 192.0.2.10:50000", 0}, {C, "RETR f\r\n", 0},
	  {S, "150 go\r\n", 0}, {DTO, "", 100}, {WAIT, "", 9}, {DFIN, "", 0},
	  {S, "226 ok\r\n", 0}},
	 "open #1|banner 220 hi|PASV>227|RETR f>226|xfer RETR passive 100 complete 226 sha|"
	 "close  none 2/1|"},
	{"a slow 150 is a slow reply", false,
	 {BANNER, {C, "PASV\r\n", 0}, {S, "227 Entering Passive Mode (192,0,2,10,195,80)\r\n", 0},
	  {DOPEN, "10.0.0.1:40001 192.0.2.10:50000", 0}, {C, "RETR f\r\n", 0}, {WAIT, "", 9},
	  {S, "150 go\r\n", 0}, {DTO, "", 100}, {DFIN, "", 0}, {S, "226 ok\r\n", 0}},
	 "open #1|banner 220 hi|PASV>227|!slow-reply|RETR f>226|"
	 "xfer RETR passive 100 complete 226 sha|close  none 2/1|"},
	{"EPSV listing", false,
	 {BANNER, {C, "EPSV\r\n", 0}, {S, "229 Entering Extended Passive Mode (|||50001|)\r\n", 0},
	  {DOPEN, "10.0.0.1:40001 192.0.2.10:50001", 0}, {C, "LIST\r\n", 0},
	  {S, "150 Here\r\n", 0}, {DTO, "", 123}, {DFIN, "", 0}, {S, "226 ok\r\n", 0}},
	 "open #1|banner 220 hi|EPSV>229|LIST>226|xfer LIST epsv 123 complete 226 sha|"
	 "close  none 2/1|"},
	{"227 names another address: mismatch, the server's own address still matches", false,
	 {BANNER, {C, "PASV\r\n", 0}, {S, "227 Entering Passive Mode (10,9,9,9,195,80)\r\n", 0},
	  OPEN_50000, {C, "RETR f\r\n", 0}, {S, "150 go\r\n", 0}, {DTO, "", 10}, {DFIN, "", 0},
	  {S, "226 ok\r\n", 0}},
	 "open #1|banner 220 hi|PASV>227|!pasv-address-mismatch|RETR f>226|"
	 "xfer RETR passive 10 complete 226 sha|close  none 2/1|"},
	{"PORT with a private address that is not the client's: NAT", false,
	 {BANNER, {C, "PORT 172,16,0,5,200,10\r\n", 0}, {S, "200 ok\r\n", 0}},
	 "open #1|banner 220 hi|!port-address-mismatch|PORT 172,16,0,5,200,10>200|"
	 "close  none 1/0|"},
	{"PORT to a third host: bounce", false,
	 {BANNER, {C, "PORT 203,0,113,9,0,25\r\n", 0}, {S, "500 no\r\n", 0}},
	 "open #1|banner 220 hi|!bounce-attempt|PORT 203,0,113,9,0,25>500|close  none 1/0|"},
	{"PORT to the client itself: nothing to say", false,
	 {BANNER, {C, "PORT 10,0,0,1,4,0\r\n", 0}, {S, "200 ok\r\n", 0}},
	 "open #1|banner 220 hi|PORT 10,0,0,1,4,0>200|close  none 1/0|"},
	{"425 without any connection", false,
	 {BANNER, PASV_50000, {C, "RETR x\r\n", 0}, {S, "425 Can't open data connection.\r\n", 0}},
	 "open #1|banner 220 hi|PASV>227|RETR x>425|!data-refused|xfer RETR passive 0 failed 425|"
	 "close  none 2/1|"},
	{"active connection refused by RST", false,
	 {BANNER, {C, "PORT 10,0,0,1,200,10\r\n", 0}, {S, "200 ok\r\n", 0}, {C, "RETR x\r\n", 0},
	  {DOPEN, "192.0.2.10:20 10.0.0.1:51210", 0}, {DRST, "", 0},
	  {S, "425 Failed to establish connection.\r\n", 0}},
	 "open #1|banner 220 hi|PORT 10,0,0,1,200,10>200|RETR x>425|!data-refused|"
	 "xfer RETR active 0 failed 425|close  none 2/1|"},
	{"226 but the data connection never seen", false,
	 {BANNER, PASV_50000, {C, "RETR x\r\n", 0}, {S, "150 go\r\n226 ok\r\n", 0}},
	 "open #1|banner 220 hi|PASV>227|RETR x>226|!data-connection-failed|"
	 "xfer RETR passive 0 incomplete 226|close  none 2/1|"},
	{"fewer bytes than the 150 announced", false,
	 {BANNER, PASV_50000, OPEN_50000, {C, "RETR f\r\n", 0},
	  {S, "150 Opening BINARY mode data connection for f (1000 bytes).\r\n", 0},
	  {DTO, "", 600}, {DFIN, "", 0}, {S, "226 ok\r\n", 0}},
	 "open #1|banner 220 hi|PASV>227|RETR f>226|!truncated-transfer|"
	 "xfer RETR passive 600 incomplete 226|close  none 2/1|"},
	{"a gap in the data", false,
	 {BANNER, PASV_50000, OPEN_50000, {C, "RETR f\r\n", 0}, {S, "150 go\r\n", 0},
	  {DTO, "", 300}, {DGAP, "", 100}, {DTO, "", 300}, {DFIN, "", 0}, {S, "226 ok\r\n", 0}},
	 "open #1|banner 220 hi|PASV>227|RETR f>226|!truncated-transfer|"
	 "xfer RETR passive 600 incomplete 226|close  none 2/1|"},
	{"ABOR during a download", false,
	 {BANNER, PASV_50000, OPEN_50000, {C, "RETR f\r\n", 0}, {S, "150 go\r\n", 0},
	  {DTO, "", 200}, {C, "ABOR\r\n", 0}, {DFIN, "", 0},
	  {S, "426 Transfer aborted.\r\n226 ABOR ok\r\n", 0}},
	 "open #1|banner 220 hi|PASV>227|RETR f>426|xfer RETR passive 200 aborted 426|ABOR>226|"
	 "close  none 3/1|"},
	{"a connection from another address is not the data connection", false,
	 {BANNER, PASV_50000, {DOPEN, "10.0.0.99:40001 192.0.2.10:50000", 0}, {DTO, "", 10},
	  {C, "RETR x\r\n", 0}, {S, "425 no\r\n", 0}},
	 "open #1|banner 220 hi|PASV>227|RETR x>425|!data-refused|xfer RETR passive 0 failed 425|"
	 "close  none 2/1|"},
	{"a reply nobody asked for", false,
	 {BANNER, {S, "200 what\r\n", 0}},
	 "open #1|banner 220 hi|!unsolicited-reply|close  none 0/0|"},
	{"replies that are not replies", false,
	 {BANNER, {C, "NOOP\r\n", 0}, {S, "99 oops\r\n230_Welcome\r\n200 ok\r\n", 0}},
	 "open #1|banner 220 hi|!malformed-reply|NOOP>0|!malformed-reply|!unsolicited-reply|"
	 "close  none 1/0|"},
	{"a command that is not a command", false,
	 {BANNER, {C, "12ab x\r\n", 0}, {S, "500 eh\r\n", 0}},
	 "open #1|banner 220 hi|!malformed-command|12ab>500|close  none 1/0|"},
	{"slow reply", false,
	 {BANNER, {C, "NOOP\r\n", 0}, {WAIT, "", 6}, {S, "200 ok\r\n", 0}},
	 "open #1|banner 220 hi|NOOP>200|!slow-reply|close  none 1/0|"},
	{"AUTH TLS: the rest is not decoded", false,
	 {BANNER, {C, "AUTH TLS\r\n", 0}, {S, "234 go\r\n", 0},
	  {C, "\x16\x03\x01\x02\x00\x01\r\nUSER x\r\n", 0}, {S, "\x16\x03\x03 junk\r\n", 0}},
	 "open #1|banner 220 hi|AUTH TLS>234|!encrypted-control|close  none 1/0|"},
	{"the client does not wait for the greeting", false,
	 {{C, "USER anonymous\r\n", 0}, {S, "220 hi\r\n331 pw\r\n", 0}},
	 "open #1|banner 220 hi|USER anonymous>331|close anonymous none 1/0|"},
	{"USER and PASS without arguments", false,
	 {BANNER, {C, "USER\r\nPASS\r\n", 0}, {S, "501 need a name\r\n503 USER first\r\n", 0}},
	 "open #1|banner 220 hi|USER>501|PASS>503|close  failed 2/0|"},
	{"a command without reply when the session ends", false,
	 {BANNER, {C, "NOOP\r\n", 0}},
	 "open #1|banner 220 hi|NOOP>0|close  none 1/0|"},
	{"REST and size from SIZE", false,
	 {BANNER, {C, "SIZE f\r\n", 0}, {S, "213 1000\r\n", 0}, PASV_50000, OPEN_50000,
	  {C, "RETR f\r\n", 0}, {S, "150 go\r\n", 0}, {DTO, "", 999}, {DFIN, "", 0},
	  {S, "226 ok\r\n", 0}},
	 "open #1|banner 220 hi|SIZE f>213|PASV>227|RETR f>226|!truncated-transfer|"
	 "xfer RETR passive 999 incomplete 226|close  none 3/1|"},
};

static void test_cases(void **state)
{
	static const size_t splits[] = {100000, 1, 2, 7};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (size_t k = 0; k < sizeof(splits) / sizeof(splits[0]); k++)
			run_case(&cases[i], splits[k]);
	assert_int_equal(failures, 0);
}

/* Every diagnostic kind has a name that looks the kind up again. */
static void test_diag_names(void **state)
{
	(void)state;
	for (int k = 0; k < AN_DIAG__COUNT; k++) {
		assert_non_null(an_diag_name(k));
		assert_int_equal(an_diag_lookup(an_diag_name(k)), k);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_diag_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

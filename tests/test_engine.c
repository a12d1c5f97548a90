/* test_engine.c - the analyzer's engine (analyzer/engine.c, detect.c) fed
 * with real TCP/IPv4 frames built here (link type IPV4): FTP recognised on
 * port 21 and, by its greeting, on any port; a non-FTP stream on port 21
 * reported; a data connection matched through real segments; lost
 * segments reported as content gaps; mid-stream captures; idle expiry.
 * Checked against the transcript of events, as in test_model.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "decode.h"
#include "engine.h"
#include "tablecheck.h"

#define LT_IPV4 228

struct rec {
	char buf[4096];
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

static void on_event(void *ctx, const struct an_event *ev)
{
	struct rec *r = ctx;

	switch (ev->type) {
	case AN_EV_SESSION_OPEN:
		put(r, "open #%u %u|", ev->s->id, ev->s->server.port);
		break;
	case AN_EV_BANNER:
		put(r, "banner %d|", ev->u.banner.code);
		break;
	case AN_EV_COMMAND:
		put(r, "%s>%d|", ev->u.cmd->verb, ev->u.cmd->reply_code);
		break;
	case AN_EV_TRANSFER:
		put(r, "xfer %s %llu %d|", ev->u.xfer->verb, (unsigned long long)ev->u.xfer->bytes,
		    (int)ev->u.xfer->status);
		break;
	case AN_EV_DIAG:
		put(r, "!%s|", an_diag_name(ev->u.diag->kind));
		break;
	case AN_EV_SESSION_CLOSE:
		put(r, "close #%u|", ev->s->id);
		break;
	}
}

/* One TCP connection between two IPv4 endpoints, with its sequence numbers. */
struct conn {
	uint8_t a[4], b[4];
	uint16_t pa, pb;
	uint32_t seq[2];
};

struct ctx2 {
	struct engine *e;
	double ts;
};

static void frame(struct ctx2 *c, struct conn *k, int dir, uint8_t flags, const char *data,
                  size_t n, bool lose)
{
	uint8_t f[2048];
	size_t len = 40 + n;

	assert_true(len <= sizeof(f));
	memset(f, 0, 40);
	f[0] = 0x45;
	f[2] = (uint8_t)(len >> 8);
	f[3] = (uint8_t)len;
	f[8] = 64;
	f[9] = 6;
	memcpy(f + 12, dir ? k->b : k->a, 4);
	memcpy(f + 16, dir ? k->a : k->b, 4);
	f[20] = (uint8_t)((dir ? k->pb : k->pa) >> 8);
	f[21] = (uint8_t)(dir ? k->pb : k->pa);
	f[22] = (uint8_t)((dir ? k->pa : k->pb) >> 8);
	f[23] = (uint8_t)(dir ? k->pa : k->pb);
	for (int i = 0; i < 4; i++) {
		f[24 + i] = (uint8_t)(k->seq[dir] >> (24 - 8 * i));
		f[28 + i] = (uint8_t)(k->seq[1 - dir] >> (24 - 8 * i));
	}
	f[32] = 0x50;
	f[33] = flags | TCPF_ACK;
	if (flags == TCPF_SYN)
		f[33] = TCPF_SYN;
	f[34] = 0xff;
	memcpy(f + 40, data, n);
	k->seq[dir] += (uint32_t)n + ((flags & (TCPF_SYN | TCPF_FIN)) ? 1 : 0);
	c->ts += 0.001;
	if (!lose)
		engine_packet(c->e, c->ts, LT_IPV4, f, len);
}

static void handshake(struct ctx2 *c, struct conn *k)
{
	frame(c, k, 0, TCPF_SYN, "", 0, false);
	frame(c, k, 1, TCPF_SYN, "", 0, false); /* SYN-ACK (ACK added) */
	frame(c, k, 0, 0, "", 0, false);
}

static void say(struct ctx2 *c, struct conn *k, int dir, const char *s)
{
	frame(c, k, dir, TCPF_PSH, s, strlen(s), false);
}

static void finish(struct ctx2 *c, struct conn *k)
{
	frame(c, k, 0, TCPF_FIN, "", 0, false);
	frame(c, k, 1, TCPF_FIN, "", 0, false);
}

static struct conn ctl(uint16_t sport, uint16_t dport)
{
	return (struct conn){{10, 0, 0, 1}, {192, 0, 2, 10}, sport, dport, {1000, 5000}};
}

static void check(struct rec *r, const char *name, const char *want)
{
	struct ctx x = {name, name, strlen(name)};

	if (strcmp(r->buf, want) != 0)
		FAIL(&x, "\n got  %s\n want %s", r->buf, want);
}

static struct engine *setup(struct rec *r, struct model **m, struct an_sink *sink,
                            const struct engine_opts *eo)
{
	struct an_config cfg = {.hash = true};

	memset(r, 0, sizeof(*r));
	*sink = (struct an_sink){on_event, r};
	*m = model_new(&cfg, sink, NULL);
	assert_non_null(*m);
	return engine_new(eo, *m);
}

static void teardown(struct engine *e, struct model *m, double ts)
{
	engine_finish(e, ts);
	engine_free(e);
	model_free(m, ts);
}

/* A passive download on port 21, its data connection through real segments. */
static void test_passive_session(void **state)
{
	static struct rec r;
	struct model *m;
	struct an_sink sink;
	struct engine_opts eo = {.heuristic = true};
	struct ctx2 c = {setup(&r, &m, &sink, &eo), 100};
	struct conn k = ctl(40000, 21);
	struct conn d = {{10, 0, 0, 1}, {192, 0, 2, 10}, 40001, 50000, {7000, 9000}};

	(void)state;
	handshake(&c, &k);
	say(&c, &k, 1, "220 hi\r\n");
	say(&c, &k, 0, "USER anonymous\r\n");
	say(&c, &k, 1, "331 pw\r\n");
	say(&c, &k, 0, "PASV\r\n");
	say(&c, &k, 1, "227 Entering Passive Mode (192,0,2,10,195,80)\r\n");
	handshake(&c, &d);
	say(&c, &k, 0, "RETR f\r\n");
	say(&c, &k, 1, "150 go\r\n");
	say(&c, &d, 1, "hello world");
	say(&c, &d, 1, " and more");
	finish(&c, &d);
	say(&c, &k, 1, "226 ok\r\n");
	finish(&c, &k);
	teardown(c.e, m, c.ts);
	check(&r, "passive session", "open #1 21|banner 220|USER>331|PASV>227|RETR>226|"
	      "xfer RETR 20 0|close #1|");
}

/* FTP on 2121 found by its greeting; SSH on 21 reported as not FTP; a
 * web request on 8080 ignored. Numbers follow the first packets. */
static void test_recognition(void **state)
{
	static struct rec r;
	struct model *m;
	struct an_sink sink;
	struct engine_opts eo = {.heuristic = true};
	struct ctx2 c = {setup(&r, &m, &sink, &eo), 100};
	struct conn ssh = ctl(40010, 21), ftp = ctl(40011, 2121), web = ctl(40012, 8080);

	(void)state;
	handshake(&c, &ssh);
	handshake(&c, &ftp);
	handshake(&c, &web);
	say(&c, &ssh, 1, "SSH-2.0-OpenSSH_9.2\r\n");
	say(&c, &web, 0, "GET / HTTP/1.1\r\n\r\n");
	say(&c, &ftp, 1, "220 hello\r\n");
	say(&c, &ftp, 0, "USER x\r\n");
	say(&c, &ftp, 1, "331 pw\r\n");
	say(&c, &web, 1, "HTTP/1.1 200 OK\r\n\r\n");
	finish(&c, &ssh);
	finish(&c, &ftp);
	finish(&c, &web);
	teardown(c.e, m, c.ts);
	check(&r, "recognition", "!not-ftp|open #2 2121|banner 220|USER>331|close #2|");
}

/* A lost client segment: a content gap, and the line after it still parses. */
static void test_gap(void **state)
{
	static struct rec r;
	struct model *m;
	struct an_sink sink;
	struct engine_opts eo = {.heuristic = true};
	struct ctx2 c = {setup(&r, &m, &sink, &eo), 100};
	struct conn k = ctl(40020, 21);

	(void)state;
	handshake(&c, &k);
	say(&c, &k, 1, "220 hi\r\n");
	frame(&c, &k, 0, TCPF_PSH, "NOOP\r\n", 6, true); /* lost */
	say(&c, &k, 0, "SYST\r\n");
	say(&c, &k, 1, "200 ok\r\n"); /* acks both: the hole is known lost */
	say(&c, &k, 1, "215 UNIX\r\n");
	finish(&c, &k);
	teardown(c.e, m, c.ts);
	check(&r, "gap", "open #1 21|banner 220|!content-gap|SYST>200|!unsolicited-reply|close #1|");
}

/* A capture that starts mid-session on port 21, and a flow idle past the
 * timeout that ends by itself. */
static void test_midstream_and_expiry(void **state)
{
	static struct rec r;
	struct model *m;
	struct an_sink sink;
	struct engine_opts eo = {.heuristic = true, .flow_timeout = 10};
	struct ctx2 c = {setup(&r, &m, &sink, &eo), 100};
	struct conn k = ctl(40030, 21), other = ctl(40031, 21);

	(void)state;
	say(&c, &k, 0, "PWD\r\n");
	say(&c, &k, 1, "257 \"/\"\r\n");
	c.ts += 60; /* idle: k expires when the next packet comes */
	handshake(&c, &other);
	say(&c, &other, 1, "220 hi\r\n");
	finish(&c, &other);
	teardown(c.e, m, c.ts);
	check(&r, "mid-stream, expiry", "open #1 21|PWD>257|close #1|open #2 21|banner 220|close #2|");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passive_session),
		cmocka_unit_test(test_recognition),
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_midstream_and_expiry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

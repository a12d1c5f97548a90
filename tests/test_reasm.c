/* test_reasm.c - TCP reassembly (analyzer/reasm.c). A recorder turns the
 * callbacks into a transcript (data as is, gaps as "[GAP n]") and checks
 * that each callback starts where the previous one ended. Table-driven
 * cases for the edges; a randomized property test (fixed seeds) shuffles,
 * duplicates and overlaps segments of a known stream; a stream of 9 GiB
 * (one buffer, moving window) crosses the 32-bit wrap three times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "decode.h"
#include "reasm.h"
#include "tablecheck.h"

#define SYN TCPF_SYN
#define FIN TCPF_FIN
#define RST TCPF_RST

struct rec {
	char *buf;                /* the transcript (when keep) */
	size_t len, cap;
	bool keep;
	const uint8_t *ref;       /* when set: data must equal ref at its offset */
	size_t ref_len;
	bool pattern;             /* when set: byte at offset o must be o & 0xff */
	uint64_t at;              /* where the next callback must start */
	uint64_t data_bytes, gap_bytes, last_gap_off;
	unsigned gaps, order_errors, mismatches;
};

static void rec_append(struct rec *r, const void *p, size_t n)
{
	if (!r->keep)
		return;
	if (r->len + n + 1 > r->cap) {
		r->cap = (r->len + n + 1) * 2;
		r->buf = realloc(r->buf, r->cap);
		assert_non_null(r->buf);
	}
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	r->buf[r->len] = '\0';
}

static void rec_data(void *ctx, uint64_t off, const uint8_t *p, size_t n)
{
	struct rec *r = ctx;

	if (off != r->at || n == 0 || p == NULL)
		r->order_errors++;
	r->at = off + n;
	r->data_bytes += n;
	if (r->ref && (off + n > r->ref_len || memcmp(p, r->ref + off, n) != 0))
		r->mismatches++;
	if (r->pattern && n && (p[0] != (uint8_t)off || p[n - 1] != (uint8_t)(off + n - 1)))
		r->mismatches++;
	rec_append(r, p, n);
}

static void rec_gap(void *ctx, uint64_t off, uint64_t n)
{
	struct rec *r = ctx;
	char t[40];

	if (off != r->at || n == 0)
		r->order_errors++;
	r->at = off + n;
	r->gap_bytes += n;
	r->gaps++;
	r->last_gap_off = off;
	snprintf(t, sizeof(t), "[GAP %llu]", (unsigned long long)n);
	rec_append(r, t, strlen(t));
}

static const struct reasm_callbacks rec_cb = {rec_data, rec_gap};

/* What the callbacks saw agrees with the direction's counters. */
static void rec_check(const struct ctx *x, const struct rec *r, const struct reasm_dir *d)
{
	CHECK_INT(x, r->order_errors, 0);
	CHECK_INT(x, r->mismatches, 0);
	CHECK_INT(x, d->delivered, r->data_bytes);
	CHECK_INT(x, d->gap_bytes, r->gap_bytes);
	CHECK_INT(x, d->gaps, r->gaps);
	CHECK_INT(x, d->next, r->at);
}

enum op_kind { OP_END = 0, OP_SEG, OP_ACK, OP_FLUSH };

struct op {
	enum op_kind k;
	uint32_t seq;             /* or the ack */
	uint8_t flags;
	const char *data;
};

#define SEG(s, f, d) {OP_SEG, (s), (f), (d)}
#define ACK(a) {OP_ACK, (a), 0, NULL}
#define FLUSH {OP_FLUSH, 0, 0, NULL}

struct reasm_case {
	const char *name;
	size_t max_bytes, max_segs, budget;  /* 0: defaults */
	struct op ops[16];
	const char *want;
	uint64_t retrans, dropped;
	size_t left;              /* bytes still buffered at the end */
	bool fin, rst;
};

static const struct reasm_case cases[] = {
	{"in order", .ops = {SEG(1000, SYN, ""), SEG(1001, 0, "hello "), SEG(1007, 0, "world")},
	 .want = "hello world"},
	{"one byte per segment", .ops = {SEG(1000, SYN, ""), SEG(1001, 0, "a"), SEG(1002, 0, "b"),
	 SEG(1003, 0, "c"), SEG(1004, 0, "d"), SEG(1005, 0, "e")}, .want = "abcde"},
	{"10 segments in reverse order", .ops = {SEG(1000, SYN, ""), SEG(1019, 0, "j9"),
	 SEG(1017, 0, "i8"), SEG(1015, 0, "h7"), SEG(1013, 0, "g6"), SEG(1011, 0, "f5"),
	 SEG(1009, 0, "e4"), SEG(1007, 0, "d3"), SEG(1005, 0, "c2"), SEG(1003, 0, "b1"),
	 SEG(1001, 0, "a0")}, .want = "a0b1c2d3e4f5g6h7i8j9"},
	{"exact duplicate", .ops = {SEG(1000, SYN, ""), SEG(1001, 0, "hello"), SEG(1001, 0, "hello"),
	 SEG(1006, 0, " you")}, .want = "hello you", .retrans = 5},
	{"partial overlaps in order", .ops = {SEG(1000, SYN, ""), SEG(1001, 0, "hello"),
	 SEG(1004, 0, "lo wor"), SEG(1007, 0, "world")}, .want = "hello world", .retrans = 5},
	{"overlap on a buffered segment's left", .ops = {SEG(1000, SYN, ""), SEG(1007, 0, "world"),
	 SEG(1005, 0, "o wo"), SEG(1001, 0, "hell")}, .want = "hello world", .retrans = 2},
	{"overlap on its right: first copy wins", .ops = {SEG(1000, SYN, ""), SEG(1006, 0, " w"),
	 SEG(1005, 0, "oXYor"), SEG(1001, 0, "hell"), SEG(1010, 0, "ld")},
	 .want = "hello world", .retrans = 2},
	{"one segment over two buffered ones", .ops = {SEG(1000, SYN, ""), SEG(1003, 0, "c"),
	 SEG(1005, 0, "e"), SEG(1002, 0, "BCDEFG"), SEG(1001, 0, "a"), SEG(1008, 0, "h")},
	 .want = "aBcDeFGh", .retrans = 2},
	{"in-order segment over buffered bytes", .ops = {SEG(1000, SYN, ""), SEG(1003, 0, "xy"),
	 SEG(1001, 0, "abCDe")}, .want = "abxye", .retrans = 2},
	{"old bytes trimmed", .ops = {SEG(1000, SYN, ""), SEG(1001, 0, "abc"),
	 SEG(1001, 0, "abcdef")}, .want = "abcdef", .retrans = 3},
	{"later SYNs ignored", .ops = {SEG(1000, SYN, ""), SEG(1000, SYN, ""), SEG(1001, 0, "ab"),
	 SEG(990, SYN, ""), SEG(1003, 0, "cd")}, .want = "abcd"},
	{"SYN with data", .ops = {SEG(1000, SYN, "ab"), SEG(1003, 0, "cd"), SEG(1000, SYN, "ab")},
	 .want = "abcd", .retrans = 2},
	{"mid-stream start", .ops = {SEG(5000, 0, "abc"), SEG(5003, 0, "def"), FLUSH},
	 .want = "abcdef"},
	{"mid-stream: bytes before the first seen", .ops = {SEG(5000, 0, "def"),
	 SEG(4997, 0, "abc"), SEG(4998, 0, "bcdefg")}, .want = "defg", .retrans = 3,
	 .dropped = 5},
	{"empty segments do not start the stream", .ops = {SEG(7000, 0, ""), SEG(7100, 0, "ab"),
	 SEG(7102, 0, ""), SEG(7050, 0, ""), SEG(7102, 0, "cd"), FLUSH}, .want = "abcd"},
	{"wrap: SYN just before 2^32", .ops = {SEG(0xfffffffd, SYN, ""), SEG(1, 0, "ef"),
	 SEG(0xfffffffe, 0, "abc"), SEG(3, 0, "g"), SEG(0xffffffff, 0, "bc"), ACK(4), FLUSH},
	 .want = "abcefg", .retrans = 2},
	{"wrap: bytes from before the first seen", .ops = {SEG(2, 0, "cd"),
	 SEG(0xffffffff, 0, "xyab"), SEG(4, 0, "e")}, .want = "cde", .retrans = 1, .dropped = 3},
	{"gaps on flush", .ops = {SEG(1000, SYN, ""), SEG(1005, 0, "ef"), SEG(1009, 0, "ij"), FLUSH},
	 .want = "[GAP 4]ef[GAP 2]ij"},
	{"flush does not guess the end", .ops = {SEG(1000, SYN, ""), SEG(1001, 0, "ab"), FLUSH,
	 SEG(1004, 0, "de"), FLUSH}, .want = "ab[GAP 1]de"},
	{"gap on ack", .ops = {SEG(1000, SYN, ""), SEG(1001, 0, "ab"), SEG(1005, 0, "ef"),
	 ACK(1005)}, .want = "ab[GAP 2]ef"},
	{"ack past the buffered bytes", .ops = {SEG(1000, SYN, ""), SEG(1001, 0, "ab"),
	 SEG(1005, 0, "ef"), ACK(1010), SEG(1010, 0, "jk"), SEG(1008, 0, "hi")},
	 .want = "ab[GAP 2]ef[GAP 3]jk", .retrans = 2},
	{"acks of delivered bytes", .ops = {SEG(1000, SYN, ""), SEG(1001, 0, "abcd"), ACK(1001),
	 ACK(1003), ACK(1005), ACK(1000), FLUSH}, .want = "abcd"},
	{"ack before the stream", .ops = {ACK(1005), SEG(1000, SYN, ""), SEG(1001, 0, "ab"),
	 SEG(1004, 0, "d"), FLUSH}, .want = "ab[GAP 1]d"},
	{"ack over 2^31 past the highest byte ignored", .ops = {SEG(1000, SYN, ""), SEG(1001, 0, "ab"),
	 SEG(1005, 0, "ef"), ACK(1008u + 0x80000000u), ACK(1007u + 0x80000000u), FLUSH},
	 .want = "ab[GAP 2]ef"},
	{"ack 2^31 - 1 past the highest byte taken", .ops = {SEG(1000, SYN, ""),
	 SEG(1001, 0, "ab"), ACK(1003u + 0x7fffffffu), SEG(1003, 0, "cd")},
	 .want = "ab[GAP 2147483647]", .retrans = 2},
	{"ack of the FIN", .ops = {SEG(1000, SYN, ""), SEG(1001, FIN, "abc"), ACK(1005), FLUSH},
	 .want = "abc", .fin = true},
	{"ack of the FIN after a hole", .ops = {SEG(1000, SYN, ""), SEG(1001, 0, "ab"),
	 SEG(1005, FIN, "ef"), ACK(1008), FLUSH}, .want = "ab[GAP 2]ef", .fin = true},
	{"FIN, then late data ignored", .ops = {SEG(1000, SYN, ""), SEG(1001, FIN, "abc"),
	 SEG(1004, 0, "defg"), SEG(1002, 0, "bcX"), SEG(1010, FIN, "")}, .want = "abc",
	 .retrans = 2, .dropped = 5, .fin = true},
	{"FIN after a hole: gap on flush", .ops = {SEG(1000, SYN, ""), SEG(1001, 0, "ab"),
	 SEG(1005, FIN, ""), FLUSH}, .want = "ab[GAP 2]", .fin = true},
	{"FIN before the bytes before it", .ops = {SEG(1000, SYN, ""), SEG(1004, FIN, "de"),
	 SEG(1001, 0, "abc")}, .want = "abcde", .fin = true},
	{"FIN cuts buffered bytes after it", .ops = {SEG(1000, SYN, ""), SEG(1004, 0, "defg"),
	 SEG(1011, 0, "jk"), SEG(1006, FIN, ""), SEG(1001, 0, "abc"), FLUSH}, .want = "abcde",
	 .dropped = 4, .fin = true},
	{"RST recorded, its payload ignored", .ops = {SEG(1000, SYN, ""), SEG(1001, 0, "ab"),
	 SEG(1003, RST, "xx"), FLUSH}, .want = "ab", .rst = true},
	{"max_ooo_segments 2", .max_segs = 2, .ops = {SEG(1000, SYN, ""), SEG(1002, 0, "b"),
	 SEG(1004, 0, "d"), SEG(1006, 0, "f"), SEG(1001, 0, "a"), FLUSH},
	 .want = "[GAP 1]b[GAP 1]d[GAP 1]f", .retrans = 1},
	{"max_ooo_segments counts the pieces", .max_segs = 3, .ops = {SEG(1000, SYN, ""),
	 SEG(1003, 0, "c"), SEG(1005, 0, "e"), SEG(1002, 0, "bcdef")}, .want = "[GAP 1]bcdef",
	 .retrans = 2},
	{"max_ooo_bytes 4", .max_bytes = 4, .ops = {SEG(1000, SYN, ""), SEG(1003, 0, "cd"),
	 SEG(1007, 0, "gh"), SEG(1011, 0, "kl"), FLUSH}, .want = "[GAP 2]cd[GAP 2]gh[GAP 2]kl"},
	{"a segment over the limit goes out at once", .max_bytes = 4, .ops = {SEG(1000, SYN, ""),
	 SEG(1009, 0, "ij"), SEG(1003, 0, "cdefgh")}, .want = "[GAP 2]cdefghij"},
	{"forced run makes the segment in order", .max_segs = 2, .ops = {SEG(1000, SYN, ""),
	 SEG(1003, 0, "c"), SEG(1004, 0, "d"), SEG(1005, 0, "e")}, .want = "[GAP 2]cde"},
	{"forced run covers part of the segment", .max_segs = 2, .ops = {SEG(1000, SYN, ""),
	 SEG(1003, 0, "cd"), SEG(1006, 0, "f"), SEG(1004, 0, "defg")}, .want = "[GAP 2]cdefg",
	 .retrans = 2},
	{"shared budget of 3 bytes", .budget = 3, .ops = {SEG(1000, SYN, ""), SEG(1003, 0, "cd"),
	 SEG(1006, 0, "fg"), FLUSH}, .want = "[GAP 2]cd[GAP 1]fg"},
	{"buffered bytes freed without a flush", .ops = {SEG(1000, SYN, ""), SEG(1001, 0, "ab"),
	 SEG(1004, 0, "de"), SEG(1007, 0, "gh")}, .want = "ab", .left = 4},
};

static void run_case(const struct reasm_case *c)
{
	struct ctx x = {c->name, c->want, strlen(c->want)};
	struct rec r = {.keep = true};
	struct reasm_limits lim = {c->max_bytes, c->max_segs};
	struct reasm_budget b = {c->budget, 0};
	struct reasm_dir d;
	uint64_t in = 0;

	rec_append(&r, "", 0);
	reasm_init(&d, &rec_cb, &r, &lim, &b);
	for (const struct op *o = c->ops; o->k != OP_END; o++) {
		size_t n = o->data ? strlen(o->data) : 0;

		if (o->k == OP_SEG)
			reasm_segment(&d, o->seq, o->flags, n ? (const uint8_t *)o->data : NULL, n);
		else if (o->k == OP_ACK)
			reasm_acked(&d, o->seq);
		else
			reasm_flush(&d);
		if (!(o->flags & RST))
			in += n;
	}
	CHECK_STR(&x, r.buf, c->want);
	rec_check(&x, &r, &d);
	CHECK_INT(&x, d.retrans_bytes, c->retrans);
	CHECK_INT(&x, d.ooo_dropped_bytes, c->dropped);
	CHECK_INT(&x, d.ooo_bytes, c->left);
	CHECK_INT(&x, b.used, c->left);
	CHECK_INT(&x, d.fin_seen, c->fin);
	CHECK_INT(&x, d.rst_seen, c->rst);
	/* every byte seen: delivered, retransmitted, dropped or still buffered */
	CHECK_INT(&x, in, d.delivered + d.retrans_bytes + d.ooo_dropped_bytes + d.ooo_bytes);
	reasm_free(&d);
	CHECK_INT(&x, b.used, 0);
	CHECK_INT(&x, d.ooo_count, 0);
	free(r.buf);
}

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/* Zero limits mean 1 MiB and 1024 segments per direction, 64 MiB in all. */
static void test_default_limits(void **state)
{
	struct ctx x = {"defaults", "", 0};
	struct rec r = {0};
	struct reasm_budget b = {0, 0};
	struct reasm_limits lim = {0, 0}, big = {(size_t)128 << 20, 4096};
	struct reasm_dir d;
	static const uint8_t one = 'x';
	uint8_t *blk = calloc(1, 65536);

	(void)state;
	assert_non_null(blk);
	reasm_init(&d, &rec_cb, &r, &lim, &b);
	CHECK_INT(&x, d.lim.max_ooo_bytes, 1 << 20);
	CHECK_INT(&x, d.lim.max_ooo_segments, 1024);
	reasm_segment(&d, 100, SYN, NULL, 0);
	for (uint32_t i = 0; i < 1025; i++) /* 1-byte segments at offsets 1, 3, 5, ... */
		reasm_segment(&d, 102 + 2 * i, 0, &one, 1);
	CHECK_INT(&x, d.gaps, 1);            /* the 1025th forced out the first */
	CHECK_INT(&x, d.ooo_count, 1024);
	reasm_flush(&d);
	CHECK_INT(&x, d.gaps, 1025);
	CHECK_INT(&x, d.delivered, 1025);
	rec_check(&x, &r, &d);
	reasm_free(&d);

	/* 64 KiB segments with holes: the 1025th finds the budget full */
	memset(&r, 0, sizeof(r));
	reasm_init(&d, &rec_cb, &r, &big, &b);
	reasm_segment(&d, 100, SYN, NULL, 0);
	for (uint32_t i = 0; i < 1025; i++)
		reasm_segment(&d, 102 + i * 65537u, 0, blk, 65536);
	CHECK_INT(&x, d.gaps, 1);
	CHECK_INT(&x, b.used, (size_t)64 << 20);
	reasm_free(&d);
	CHECK_INT(&x, b.used, 0);
	free(blk);
}

static void feed(struct reasm_dir *d, uint32_t seq, uint8_t flags, const char *s)
{
	reasm_segment(d, seq, flags, (const uint8_t *)s, strlen(s));
}

/* Two directions share a budget of 10 bytes: one direction's buffered
 * bytes make the other deliver with a gap, never drop. */
static void test_budget_two_dirs(void **state)
{
	struct ctx x = {"two directions", "", 0};
	struct reasm_budget b = {10, 0};
	struct rec ra = {.keep = true}, rb = {.keep = true};
	struct reasm_dir a, c;

	(void)state;
	rec_append(&ra, "", 0);
	rec_append(&rb, "", 0);
	reasm_init(&a, &rec_cb, &ra, NULL, &b);
	reasm_init(&c, &rec_cb, &rb, NULL, &b);
	reasm_segment(&a, 100, SYN, NULL, 0);
	reasm_segment(&c, 500, SYN, NULL, 0);
	feed(&a, 102, 0, "cdefgh");  /* a holds 6 */
	CHECK_INT(&x, b.used, 6);
	feed(&c, 502, 0, "cdefg");   /* 6 + 5 > 10: c has nothing to give */
	CHECK_STR(&x, rb.buf, "[GAP 1]cdefg");
	CHECK_INT(&x, b.used, 6);
	feed(&c, 510, 0, "xyz");     /* 9 */
	CHECK_INT(&x, b.used, 9);
	feed(&a, 110, 0, "jk");      /* 11 > 10: a gives its own bytes out */
	CHECK_STR(&x, ra.buf, "[GAP 1]cdefgh");
	CHECK_INT(&x, b.used, 5);
	CHECK_INT(&x, a.ooo_bytes + c.ooo_bytes, 5);
	reasm_flush(&a);
	reasm_flush(&c);
	CHECK_STR(&x, ra.buf, "[GAP 1]cdefgh[GAP 2]jk");
	CHECK_STR(&x, rb.buf, "[GAP 1]cdefg[GAP 3]xyz");
	CHECK_INT(&x, b.used, 0);
	CHECK_INT(&x, a.ooo_dropped_bytes + c.ooo_dropped_bytes, 0);
	feed(&a, 200, 0, "zz");
	CHECK_INT(&x, b.used, 2);
	reasm_free(&a);
	reasm_free(&c);
	CHECK_INT(&x, b.used, 0);
	free(ra.buf);
	free(rb.buf);
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

struct prop_case {
	const char *name;
	uint32_t seed, isn;
	size_t len;
	bool syn;
	size_t window;            /* how far a segment may move; 0: anywhere */
	size_t max_bytes, max_segs;
	bool exact;               /* no limit is hit: the output is the stream */
};

static const struct prop_case prop_cases[] = {
	{"shuffled, SYN", 1, 1000, 3000, true, 0, 0, 0, true},
	{"shuffled, SYN before the wrap", 2, 0xfffffff0u, 400, true, 0, 0, 0, true},
	{"shuffled, mid-stream across the wrap", 3, 0xffffff00u, 2000, false, 0, 0, 0, true},
	{"shuffled, seq 0", 4, 0xffffffffu, 1500, true, 0, 0, 0, true},
	{"local reordering, big stream", 5, 0x7ffffff0u, 200000, true, 40, 0, 0, true},
	{"limit: 2 segments", 6, 0xfffffff8u, 3000, true, 0, 0, 2, false},
	{"limit: 64 bytes", 7, 12345, 3000, false, 0, 64, 0, false},
	{"limit: 8 segments, local", 8, 0xffffffa0u, 20000, true, 30, 0, 8, false},
};

struct piece {
	size_t off, len;
};

/* Cut [0, len) into segments, add duplicates and overlaps, shuffle. */
static struct piece *prop_pieces(const struct prop_case *c, uint32_t *s, size_t *count)
{
	size_t cap = c->len * 2 + 2, n = 0, i;
	struct piece *v = malloc(cap * sizeof(*v));

	assert_non_null(v);
	for (size_t o = 0; o < c->len; o += v[n++].len) {
		v[n].off = o;
		v[n].len = 1 + rnd(s) % 48;
		if (v[n].len > c->len - o)
			v[n].len = c->len - o;
	}
	for (size_t k = n / 2; k > 0 && n < cap; k--, n++) {
		v[n].off = rnd(s) % c->len;
		v[n].len = 1 + rnd(s) % 96;
		if (v[n].len > c->len - v[n].off)
			v[n].len = c->len - v[n].off;
	}
	for (i = n - 1; i > 1; i--) { /* v[0] stays first: it starts a mid-stream capture */
		size_t span = c->window && c->window < i ? c->window : i;
		size_t j = i - rnd(s) % span;
		struct piece t = v[i];

		v[i] = v[j];
		v[j] = t;
	}
	*count = n;
	return v;
}

static void prop_run(const struct prop_case *c)
{
	struct ctx x = {c->name, "", 0};
	uint32_t s = c->seed * 2654435761u + 1;
	uint8_t *stream = malloc(c->len);
	struct rec r = {.keep = true};
	struct reasm_limits lim = {c->max_bytes, c->max_segs};
	struct reasm_budget b = {0, 0};
	struct reasm_dir d;
	size_t n, in = 0;
	struct piece *v;

	assert_non_null(stream);
	for (size_t i = 0; i < c->len; i++)
		stream[i] = (uint8_t)rnd(&s);
	r.ref = stream;
	r.ref_len = c->len;
	v = prop_pieces(c, &s, &n);
	reasm_init(&d, &rec_cb, &r, &lim, &b);
	if (c->syn)
		reasm_segment(&d, c->isn, SYN, NULL, 0);
	for (size_t i = 0; i < n; i++) {
		uint8_t fl = v[i].off + v[i].len == c->len ? FIN : 0;

		reasm_segment(&d, c->isn + 1u + (uint32_t)v[i].off, fl, stream + v[i].off, v[i].len);
		in += v[i].len;
	}
	reasm_acked(&d, c->isn + 1u + (uint32_t)c->len + 1u); /* the FIN's ack */
	reasm_flush(&d);
	rec_check(&x, &r, &d);
	CHECK_INT(&x, d.next, c->len);
	CHECK_INT(&x, d.fin_off, c->len);
	CHECK_INT(&x, d.ooo_dropped_bytes, 0);
	CHECK_INT(&x, d.ooo_bytes, 0);
	CHECK_INT(&x, in, d.delivered + d.retrans_bytes);
	if (c->exact) {
		CHECK_INT(&x, d.gaps, 0);
		CHECK_INT(&x, r.len, c->len);
		CHECK_MEM(&x, r.buf, stream, c->len);
	} else {
		CHECK_INT(&x, d.gaps > 0, 1); /* the limit was hit */
		CHECK_INT(&x, d.delivered + d.gap_bytes, c->len);
	}
	reasm_free(&d);
	CHECK_INT(&x, b.used, 0);
	free(v);
	free(stream);
	free(r.buf);
}

static void test_property(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(prop_cases) / sizeof(prop_cases[0]); i++)
		prop_run(&prop_cases[i]);
}

#define BIG_SEG 65000u
#define BIG_TOTAL ((uint64_t)9 << 30)

static void big_send(struct reasm_dir *d, uint32_t isn, const uint8_t *pat, uint64_t k,
                     uint64_t nseg)
{
	uint64_t off = k * BIG_SEG;

	reasm_segment(d, isn + 1u + (uint32_t)off, k + 1 == nseg ? FIN : 0, pat + (off & 0xff),
	              BIG_SEG);
}

/* 9 GiB in 65000-byte segments from one buffer: pairs swapped every 64
 * segments, a retransmission every 1000, one segment lost late and its
 * hole reported on the ack; sequence numbers wrap three times. */
static void test_big_stream(void **state)
{
	struct ctx x = {"9 GiB", "", 0};
	const uint32_t isn = 0xfffff000u;
	const uint64_t nseg = BIG_TOTAL / BIG_SEG + 1, lost = 140030;
	uint8_t *pat = malloc(BIG_SEG + 256);
	struct rec r = {.pattern = true};
	struct reasm_budget b = {0, 0};
	struct reasm_dir d;
	uint64_t resent = 0;

	(void)state;
	assert_non_null(pat);
	for (size_t i = 0; i < BIG_SEG + 256; i++)
		pat[i] = (uint8_t)i;
	reasm_init(&d, &rec_cb, &r, NULL, &b);
	reasm_segment(&d, isn, SYN, NULL, 0);
	for (uint64_t k = 0; k < nseg; k++) {
		if (k % 64 == 1 && k + 1 < nseg) { /* k + 1 before k */
			big_send(&d, isn, pat, k + 1, nseg);
			big_send(&d, isn, pat, k, nseg);
			k++;
		} else if (k != lost) {
			big_send(&d, isn, pat, k, nseg);
		}
		if (k % 1000 == 999 && k - 1 != lost) {
			big_send(&d, isn, pat, k - 1, nseg);
			resent++;
		}
		if (k == lost + 4) /* the peer acknowledged the lost segment */
			reasm_acked(&d, isn + 1u + (uint32_t)((lost + 1) * BIG_SEG));
		else /* acks of what was delivered change nothing */
			reasm_acked(&d, isn + 1u + (uint32_t)d.next);
		if (k < lost && d.next != (k + 1) * BIG_SEG)
			FAIL(&x, "segment %llu: next %llu", (unsigned long long)k,
			     (unsigned long long)d.next);
	}
	reasm_acked(&d, isn + 1u + (uint32_t)(nseg * BIG_SEG) + 1u); /* the FIN's ack */
	reasm_flush(&d);
	rec_check(&x, &r, &d);
	CHECK_INT(&x, d.next, nseg * BIG_SEG);
	CHECK_INT(&x, d.fin_off, nseg * BIG_SEG);
	CHECK_INT(&x, d.delivered, (nseg - 1) * BIG_SEG);
	CHECK_INT(&x, d.gaps, 1);
	CHECK_INT(&x, d.gap_bytes, BIG_SEG);
	CHECK_INT(&x, r.last_gap_off, lost * BIG_SEG);
	CHECK_INT(&x, d.retrans_bytes, resent * BIG_SEG);
	CHECK_INT(&x, d.ooo_dropped_bytes, 0);
	CHECK_INT(&x, d.ooo_bytes, 0);
	CHECK_INT(&x, d.next / ((uint64_t)1 << 32) >= 2, 1);
	reasm_free(&d);
	free(pat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_default_limits),
		cmocka_unit_test(test_budget_two_dirs),
		cmocka_unit_test(test_property),
		cmocka_unit_test(test_big_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

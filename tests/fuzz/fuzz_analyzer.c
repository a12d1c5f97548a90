/* fuzz_analyzer.c - the analyzer's engine (decoding, reassembly,
 * recognition, the FTP model, the three writers) on arbitrary frames.
 * Input: byte 0 picks the link type; then frames, each a 2-byte big-endian
 * length and that many bytes, 1 ms apart. Invariants: every event names a
 * session except session-less diagnostics, commands and transfers belong
 * to an open session, and the session count never goes negative. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "fuzz_check.h"
#include "out.h"

static const int linktypes[] = {1, 0, 101, 108, 113, 276, 228, 229, 12, 14};

struct count {
	long open;
	struct out_writer *w[3];
};

static void on_event(void *ctx, const struct an_event *ev)
{
	struct count *c = ctx;

	if (ev->type == AN_EV_SESSION_OPEN)
		c->open++;
	if (ev->type == AN_EV_SESSION_CLOSE)
		c->open--;
	CHECK(c->open >= 0);
	CHECK(ev->s != NULL || ev->type == AN_EV_DIAG);
	if (ev->type == AN_EV_DIAG)
		CHECK(ev->u.diag->message[sizeof(ev->u.diag->message) - 1] == '\0');
	for (int i = 0; i < 3; i++)
		out_event(c->w[i], ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	struct count c = {0};
	struct an_sink sink = {on_event, &c};
	struct an_config cfg = {.hash = true, .slow_reply_ms = 1};
	struct engine_opts eo = {.heuristic = true, .max_flows = 16, .flow_timeout = 1,
	                         .lim = {.max_ooo_bytes = 4096, .max_ooo_segments = 8},
	                         .max_ooo_total = 16384, .ports = {21, 2121}, .nports = 2};
	struct out_opts oo = {.explain = true};
	struct model *m;
	struct engine *e;
	double ts = 1000;
	int lt;

	if (size < 1)
		return 0;
	if (null == NULL)
		null = fopen("/dev/null", "w");
	lt = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
	c.w[0] = out_text_new(null, &oo);
	c.w[1] = out_json_new(null, &oo);
	c.w[2] = out_zeek_new(null, &oo);
	m = model_new(&cfg, &sink, NULL);
	e = engine_new(&eo, m);
	CHECK(m && e && c.w[0] && c.w[1] && c.w[2]);
	for (size_t o = 1; o + 2 <= size;) {
		size_t n = (size_t)data[o] << 8 | data[o + 1];

		o += 2;
		if (n > size - o)
			n = size - o;
		ts += 0.001 + (n & 1) * 0.7; /* now and then a pause (slow replies, expiry) */
		engine_packet(e, ts, lt, data + o, n);
		o += n;
	}
	engine_finish(e, ts);
	engine_free(e);
	model_free(m, ts);
	CHECK(c.open == 0);
	for (int i = 0; i < 3; i++)
		out_close(c.w[i]);
	return 0;
}

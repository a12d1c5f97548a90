/* fuzz_reply.c - reply assembly is bounded and independent of how input is
 * split: whole and 1-byte feeding give the same replies. */
#include "fuzz_check.h"
#include <stdint.h>
#include <string.h>

#include "ftplab/reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EV 2048

struct ev {
	int st;
	int code;
	size_t len;
	size_t nlines;
	unsigned flags;
	int err;
	uint32_t sum;
};

static uint32_t checksum(const char *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 16777619u;
	return h;
}

static size_t run(const uint8_t *in, size_t n, size_t step, struct ev *evs)
{
	char line[64], text[96];
	struct reply_parser rp;
	size_t off = 0, nev = 0;

	reply_parser_init(&rp, line, sizeof(line), text, sizeof(text), 8);
	while (off < n) {
		size_t chunk = n - off < step ? n - off : step;
		size_t used;
		struct reply r;
		enum reply_status st = reply_feed(&rp, in + off, chunk, &used, &r);

		CHECK(used <= chunk);
		off += used;
		if (st == REPLY_NEED_MORE)
			continue;
		CHECK(r.len < sizeof(text));
		CHECK(st != REPLY_DONE || (r.code >= 100 && r.code <= 699));
		CHECK(st != REPLY_MALFORMED || r.error != REPLY_ERR_NONE);
		if (nev < MAX_EV)
			evs[nev++] = (struct ev){st, r.code, r.len, r.nlines, r.flags, r.error,
			                         checksum(r.text, r.len)};
	}
	return nev;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ev a[MAX_EV], b[MAX_EV];
	size_t na = run(data, size, SIZE_MAX, a);
	size_t nb = run(data, size, 1, b);
	char out[256];
	size_t len;

	CHECK(na == nb);
	CHECK(memcmp(a, b, na * sizeof(a[0])) == 0);
	/* The formatter never writes past its buffer and always ends in CRLF. */
	if (reply_format(out, sizeof(out), &len, 214, (const char *)data, size) == FTP_OK)
		CHECK(len >= 6 && len < sizeof(out) && memcmp(out + len - 2, "\r\n", 2) == 0);
	return 0;
}

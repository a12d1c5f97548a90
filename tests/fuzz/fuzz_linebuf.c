/* fuzz_linebuf.c - framing is bounded and independent of how input is split.
 * The first byte picks the maximum line length and Telnet mode; the input is
 * fed whole and again split at every 1..7-byte step, and both must give the
 * same events. */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ftplab/linebuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_EV 4096

struct ev {
	int st;
	size_t len;
	unsigned flags;
	uint32_t sum;
};

static uint32_t checksum(const char *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 16777619u;
	return h;
}

static size_t run(const uint8_t *in, size_t n, size_t max, int telnet, size_t step,
                  struct ev *evs)
{
	char *store = malloc(max);
	struct linebuf lb;
	size_t off = 0, nev = 0;

	linebuf_init(&lb, store, max, telnet);
	while (off < n) {
		size_t chunk = n - off < step ? n - off : step;
		size_t used;
		struct linebuf_line line;
		enum linebuf_status st = linebuf_feed(&lb, in + off, chunk, &used, &line);

		CHECK(used <= chunk);
		off += used;
		if (st == LINEBUF_NEED_MORE) {
			CHECK(used == chunk);
			continue;
		}
		CHECK(used > 0 && line.len <= max);
		if (nev < MAX_EV)
			evs[nev++] = (struct ev){st, line.len, line.flags, checksum(line.p, line.len)};
	}
	CHECK(linebuf_pending(&lb) <= max + 1);
	free(store);
	return nev;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ev a[MAX_EV], b[MAX_EV];
	size_t max, na, nb;
	int telnet;

	if (size < 1)
		return 0;
	max = (size_t)(data[0] & 0x3f) + 1;
	telnet = data[0] & 0x40;
	data++;
	size--;
	na = run(data, size, max, telnet, SIZE_MAX, a);
	nb = run(data, size, max, telnet, 1 + size % 7, b);
	CHECK(na == nb);
	CHECK(memcmp(a, b, na * sizeof(a[0])) == 0);
	return 0;
}

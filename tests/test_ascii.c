/* test_ascii.c - TYPE A conversion both ways. Every stream case is fed
 * whole, one byte at a time and in 2- and 3-byte chunks; downloads are also
 * drained through output buffers of 2, 3 and 5 bytes. Each way must give the
 * same bytes. Buffers are allocated at their exact size so that ASan sees
 * any byte read or written past them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascii.h"

#define S(x) x, sizeof(x) - 1
#define BIG ((size_t)1 << 20)
#define CANARY 0x5a

struct stream_case {
	const char *name;
	const char *in;
	size_t in_len;
	const char *out;
	size_t out_len;
};

static const struct stream_case down_cases[] = {
	{"lf", S("a\nb"), S("a\r\nb")},
	{"crlf kept", S("a\r\nb"), S("a\r\nb")},
	{"two lf", S("\n\n"), S("\r\n\r\n")},
	{"lone cr", S("a\rb"), S("a\rb")},
	{"cr cr lf", S("\r\r\n"), S("\r\r\n")},
	{"lf then cr", S("\n\r"), S("\r\n\r")},
	{"crlf then lf", S("\r\n\n"), S("\r\n\r\n")},
	{"cr at end", S("ab\r"), S("ab\r")},
	{"lf at start", S("\nx"), S("\r\nx")},
	{"no line end", S("abc"), S("abc")},
	{"empty", "", 0, "", 0},
	{"nul before lf", S("a\0\n"), S("a\0\r\n")},
	{"high bytes", S("\xff\n\x80\r"), S("\xff\r\n\x80\r")},
	{"lines", S("one\ntwo\r\nthree\n"), S("one\r\ntwo\r\nthree\r\n")},
};

static const struct stream_case up_cases[] = {
	{"crlf", S("a\r\nb"), S("a\nb")},
	{"bare lf kept", S("a\nb"), S("a\nb")},
	{"lone cr kept", S("a\rb"), S("a\rb")},
	{"cr crlf", S("\r\r\n"), S("\r\n")},
	{"trailing cr flushed", S("ab\r"), S("ab\r")},
	{"two crlf", S("\r\n\r\n"), S("\n\n")},
	{"crlf then cr", S("\r\n\r"), S("\n\r")},
	{"cr cr", S("\r\r"), S("\r\r")},
	{"empty", "", 0, "", 0},
	{"cr nul", S("\r\0"), S("\r\0")},
	{"lf crlf", S("\n\r\n"), S("\n\n")},
	{"cr only", S("\r"), S("\r")},
	{"lines", S("one\r\ntwo\r\nthree\r\n"), S("one\ntwo\nthree\n")},
};

static void check_stream(const char *dir, const struct stream_case *c, size_t chunk, size_t cap,
                         const char *got, size_t got_len)
{
	if (got_len != c->out_len || memcmp(got, c->out, got_len) != 0)
		fail_msg("%s %s (chunk %zu, cap %zu): got %zu bytes, want %zu", dir, c->name, chunk,
		         cap, got_len, c->out_len);
}

/* Feed chunks of `chunk` bytes, draining each through `cap` bytes of output. */
static void run_down(const struct stream_case *c, size_t chunk, size_t cap)
{
	struct ascii_state s;
	char *all = malloc(2 * c->in_len + 1);
	size_t off = 0, total = 0;

	assert_non_null(all);
	ascii_init(&s);
	while (off < c->in_len) {
		size_t n = c->in_len - off < chunk ? c->in_len - off : chunk;
		char *in = malloc(n);
		size_t done = 0;

		assert_non_null(in);
		memcpy(in, c->in + off, n);
		while (done < n) {
			char *out = malloc(cap);
			size_t used = 99, w;

			assert_non_null(out);
			w = ascii_to_crlf(&s, in + done, n - done, out, cap, &used);
			if (w > cap || used > n - done || (w == 0 && used == 0))
				fail_msg("down %s (chunk %zu, cap %zu): wrote %zu, used %zu",
				         c->name, chunk, cap, w, used);
			memcpy(all + total, out, w);
			total += w;
			done += used;
			free(out);
		}
		off += n;
		free(in);
	}
	check_stream("down", c, chunk, cap, all, total);
	free(all);
}

static void run_up(const struct stream_case *c, size_t chunk)
{
	struct ascii_state s;
	char *all = malloc(c->in_len + 1);
	size_t off = 0, total = 0;

	assert_non_null(all);
	ascii_init(&s);
	while (off < c->in_len) {
		size_t n = c->in_len - off < chunk ? c->in_len - off : chunk;
		char *in = malloc(n);
		char *out = malloc(n + 1);
		size_t w;

		assert_non_null(in);
		assert_non_null(out);
		memcpy(in, c->in + off, n);
		w = ascii_from_crlf(&s, in, n, out);
		assert_true(w <= n + 1);
		memcpy(all + total, out, w);
		total += w;
		off += n;
		free(in);
		free(out);
	}
	total += ascii_flush(&s, all + total);
	assert_int_equal(ascii_flush(&s, all + total), 0); /* a held CR comes out once */
	check_stream("up", c, chunk, 0, all, total);
	free(all);
}

static void test_to_crlf(void **state)
{
	static const size_t chunks[] = {BIG, 1, 2, 3};
	static const size_t caps[] = {BIG, 2, 3, 5};

	(void)state;
	for (size_t i = 0; i < sizeof(down_cases) / sizeof(down_cases[0]); i++) {
		for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
			for (size_t j = 0; j < sizeof(caps) / sizeof(caps[0]); j++)
				run_down(&down_cases[i], chunks[k], caps[j]);
		}
	}
}

static void test_from_crlf(void **state)
{
	static const size_t chunks[] = {BIG, 1, 2, 3};

	(void)state;
	for (size_t i = 0; i < sizeof(up_cases) / sizeof(up_cases[0]); i++) {
		for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++)
			run_up(&up_cases[i], chunks[k]);
	}
}

/* One ascii_to_crlf call into a small buffer, from a given state. */
struct room_case {
	const char *name;
	bool cr_before; /* the previous chunk ended with CR */
	const char *in;
	size_t in_len;
	size_t cap;
	const char *out;
	size_t out_len;
	size_t used;
	bool cr_after;
};

static const struct room_case room_cases[] = {
	{"one byte before lf", false, S("ab\ncd"), 3, S("ab"), 2, false},
	{"lf needs two", false, S("a\nb"), 2, S("a"), 1, false},
	{"lf fits exactly", false, S("a\nb"), 3, S("a\r\n"), 2, false},
	{"lf alone, cap 1", false, S("\n"), 1, "", 0, 0, false},
	{"cap 0", false, S("abc"), 0, "", 0, 0, false},
	{"crlf in 3", false, S("a\r\nb"), 3, S("a\r\n"), 3, false},
	{"cr fills it", false, S("a\r\nb"), 2, S("a\r"), 2, true},
	{"lf after held cr, cap 1", true, S("\nx"), 1, S("\n"), 1, false},
	{"plain full", false, S("abc"), 2, S("ab"), 2, false},
	{"cr state cleared", true, S("x\n"), 2, S("x"), 1, false},
};

static void test_to_crlf_room(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(room_cases) / sizeof(room_cases[0]); i++) {
		const struct room_case *c = &room_cases[i];
		struct ascii_state s = {.cr = c->cr_before};
		char out[32];
		size_t used = 99, w;

		memset(out, CANARY, sizeof(out));
		w = ascii_to_crlf(&s, c->in, c->in_len, out, c->cap, &used);
		if (w != c->out_len || memcmp(out, c->out, w) != 0 || used != c->used ||
		    s.cr != c->cr_after)
			fail_msg("%s: wrote %zu used %zu cr %d, want %zu %zu %d", c->name, w, used,
			         s.cr, c->out_len, c->used, c->cr_after);
		for (size_t k = c->cap; k < sizeof(out); k++) {
			if ((unsigned char)out[k] != CANARY)
				fail_msg("%s: byte %zu past cap %zu written", c->name, k, c->cap);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_to_crlf),
		cmocka_unit_test(test_from_crlf),
		cmocka_unit_test(test_to_crlf_room),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

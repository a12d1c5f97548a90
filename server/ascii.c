/* ascii.c - TYPE A line-end conversion across chunk boundaries. */
#include "ascii.h"

void ascii_init(struct ascii_state *s)
{
	s->cr = false;
}

size_t ascii_to_crlf(struct ascii_state *s, const char *in, size_t n, char *out, size_t cap,
                     size_t *used)
{
	size_t i = 0, o = 0;

	for (; i < n; i++) {
		char c = in[i];

		if (c == '\n' && !s->cr) {
			if (cap - o < 2)
				break;
			out[o++] = '\r';
		} else if (o == cap) {
			break;
		}
		out[o++] = c;
		s->cr = c == '\r';
	}
	*used = i;
	return o;
}

size_t ascii_from_crlf(struct ascii_state *s, const char *in, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = in[i];

		if (s->cr) {
			s->cr = false;
			if (c != '\n')
				out[o++] = '\r'; /* a lone CR is data */
		}
		if (c == '\r')
			s->cr = true;
		else
			out[o++] = c;
	}
	return o;
}

size_t ascii_flush(struct ascii_state *s, char *out)
{
	if (!s->cr)
		return 0;
	s->cr = false;
	out[0] = '\r';
	return 1;
}

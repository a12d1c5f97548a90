/* linebuf.c - control-connection line framing with Telnet IAC handling. */
#include "ftplab/linebuf.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "swar.h"

enum {
	TN_SE = 240, TN_DM = 242, TN_IP = 244, TN_SB = 250,
	TN_WILL = 251, TN_DONT = 254, TN_IAC = 255,
};

/* Whether an input byte is line content once Telnet is decoded. */
enum lb_event { EV_NONE, EV_DATA };

void linebuf_init(struct linebuf *lb, char *storage, size_t max, bool telnet)
{
	assert(storage != NULL && max > 0);
	memset(lb, 0, sizeof(*lb));
	lb->buf = storage;
	lb->max = max;
	lb->telnet = telnet;
}

void linebuf_reset(struct linebuf *lb)
{
	linebuf_init(lb, lb->buf, lb->max, lb->telnet);
}

void linebuf_set_storage(struct linebuf *lb, char *storage)
{
	if (storage != lb->buf && lb->len > 0)
		memmove(storage, lb->buf, lb->len);
	lb->buf = storage;
}

size_t linebuf_pending(const struct linebuf *lb)
{
	return lb->len + (lb->pending_cr ? 1 : 0);
}

/* Run the Telnet decoder on one byte: is it line content? */
static enum lb_event telnet_step(struct linebuf *lb, unsigned char c)
{
	switch (lb->tstate) {
	case LB_T_DATA:
		if (c == TN_IAC) {
			lb->tstate = LB_T_IAC;
			return EV_NONE;
		}
		return EV_DATA;
	case LB_T_IAC:
		lb->tstate = LB_T_DATA;
		if (c == TN_IAC) {
			lb->flags |= LINEBUF_F_IAC_IAC;
			return EV_DATA;
		}
		lb->flags |= LINEBUF_F_TELNET;
		if (c >= TN_WILL && c <= TN_DONT) {
			lb->tstate = LB_T_OPTION;
		} else if (c == TN_SB) {
			lb->tstate = LB_T_SB;
			lb->sb_len = 0;
		} else if (c == TN_IP || c == TN_DM) {
			lb->flags |= LINEBUF_F_URGENT;
		} else if (c < TN_SE) {
			return EV_DATA; /* not a Telnet command: keep the byte */
		}
		return EV_NONE;
	case LB_T_OPTION:
		lb->tstate = LB_T_DATA;
		return EV_NONE;
	case LB_T_SB:
	case LB_T_SB_IAC:
		if (lb->tstate == LB_T_SB_IAC && c == TN_SE) {
			lb->tstate = LB_T_DATA;
			return EV_NONE;
		}
		lb->tstate = (c == TN_IAC && lb->tstate == LB_T_SB) ? LB_T_SB_IAC : LB_T_SB;
		if (++lb->sb_len > LINEBUF_SB_MAX)
			lb->tstate = LB_T_DATA; /* not a real subnegotiation */
		return EV_NONE;
	}
	return EV_NONE;
}

static enum linebuf_status overflow(struct linebuf *lb, struct linebuf_line *out)
{
	out->p = lb->buf;
	out->len = lb->len;
	out->flags = lb->flags;
	lb->discarding = true;
	lb->len = 0; /* out->p stays valid: nothing is stored while discarding */
	return LINEBUF_TOOLONG;
}

/* Append one content byte; TOOLONG when it does not fit. */
static enum linebuf_status append(struct linebuf *lb, unsigned char c,
                                  struct linebuf_line *out)
{
	if (lb->discarding)
		return LINEBUF_NEED_MORE;
	if (lb->len >= lb->max)
		return overflow(lb, out);
	if (c == '\0')
		lb->flags |= LINEBUF_F_NUL;
	lb->buf[lb->len++] = (char)c;
	return LINEBUF_NEED_MORE;
}

static enum linebuf_status end_line(struct linebuf *lb, struct linebuf_line *out)
{
	bool was_discarding = lb->discarding;

	if (!lb->pending_cr)
		lb->flags |= LINEBUF_F_BARE_LF;
	out->p = lb->buf;
	out->len = lb->len;
	out->flags = lb->flags;
	lb->len = 0;
	lb->flags = 0;
	lb->pending_cr = false;
	lb->discarding = false;
	return was_discarding ? LINEBUF_NEED_MORE : LINEBUF_LINE;
}

/* One byte after Telnet decoding. */
static enum linebuf_status take_byte(struct linebuf *lb, unsigned char c,
                                     struct linebuf_line *out)
{
	if (c == '\n')
		return end_line(lb, out);
	if (lb->pending_cr) {
		enum linebuf_status st;

		lb->pending_cr = false;
		lb->flags |= LINEBUF_F_BARE_CR;
		st = append(lb, '\r', out);
		/* Telnet's CR NUL is a carriage return on its own. */
		if (st != LINEBUF_NEED_MORE || (lb->telnet && c == '\0'))
			return st;
	}
	if (c == '\r') {
		lb->pending_cr = true;
		return LINEBUF_NEED_MORE;
	}
	return append(lb, c, out);
}

/* Eight bytes of plain line content: no LF, CR, NUL or IAC among them. */
static bool plain8(const unsigned char *p)
{
	uint64_t x = swar_load(p);

	return !(swar_has_zero(x) || swar_has_byte(x, '\n') || swar_has_byte(x, '\r') ||
	         swar_has_byte(x, 0xff));
}

static bool plain_byte(unsigned char c)
{
	return c != '\n' && c != '\r' && c != '\0' && c != TN_IAC;
}

enum linebuf_status linebuf_feed(struct linebuf *lb, const void *data, size_t n,
                                 size_t *consumed, struct linebuf_line *out)
{
	const unsigned char *p = data;
	size_t i = 0;

	while (i < n) {
		/* Fast path: a run of bytes that are plain line content (no line
		 * end, CR, NUL or IAC) outside any Telnet sequence is copied (or,
		 * while discarding an overlong line, dropped) at once; the rest
		 * goes byte by byte below. Never past the line maximum: the byte
		 * that does not fit takes the slow path, which reports TOOLONG. */
		if (lb->tstate == LB_T_DATA && !lb->pending_cr) {
			size_t j = i, room = lb->discarding ? n - i : lb->max - lb->len;

			while (j + 8 <= n && j + 8 - i <= room && plain8(p + j))
				j += 8;
			while (j < n && j - i < room && plain_byte(p[j]))
				j++;
			if (j > i) {
				if (!lb->discarding)
					memcpy(lb->buf + lb->len, p + i, j - i);
				lb->len += lb->discarding ? 0 : j - i;
				i = j;
				continue;
			}
		}
		unsigned char c = p[i++];

		if (lb->telnet && telnet_step(lb, c) == EV_NONE)
			continue;
		enum linebuf_status st = take_byte(lb, c, out);
		if (st != LINEBUF_NEED_MORE) {
			*consumed = i;
			return st;
		}
	}
	*consumed = i;
	return LINEBUF_NEED_MORE;
}

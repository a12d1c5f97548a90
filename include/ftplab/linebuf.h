/* linebuf.h - split a control-connection byte stream into lines.
 *
 * Feed the bytes as they arrive; each call stops at the first complete line
 * and says how many bytes it used, so pipelined input is taken one line at a
 * time without an extra queue. Lines end with CRLF; a bare LF is accepted and
 * flagged. Telnet commands (RFC 854) are removed when asked: IAC IAC is a
 * literal 0xFF, IAC WILL/WONT/DO/DONT x, IAC SB ... IAC SE and the two-byte
 * commands (IP, DM, AYT, ...) disappear from the line.
 *
 * A line longer than the maximum is reported once, as LINEBUF_TOOLONG with its
 * first `max` bytes; the rest of it, up to the next LF, is dropped, and the
 * following lines come out whole. Memory is the caller's `max` bytes.
 */
#ifndef FTPLAB_LINEBUF_H
#define FTPLAB_LINEBUF_H

#include <stdbool.h>
#include <stddef.h>

#define LINEBUF_DEFAULT_MAX 4096
/* Bytes of one Telnet subnegotiation skipped before we stop treating it as one. */
#define LINEBUF_SB_MAX 256

enum linebuf_status {
	LINEBUF_NEED_MORE = 0, /* every byte was used and no line is complete */
	LINEBUF_LINE,          /* a complete line is in *out */
	LINEBUF_TOOLONG,       /* a line passed the maximum: *out has its start */
};

enum linebuf_flag {
	LINEBUF_F_NUL = 1u << 0,     /* the line holds a NUL byte */
	LINEBUF_F_BARE_LF = 1u << 1, /* ended by LF alone, not CRLF */
	LINEBUF_F_BARE_CR = 1u << 2, /* a CR not followed by LF inside the line */
	LINEBUF_F_TELNET = 1u << 3,  /* Telnet commands were removed from it */
	LINEBUF_F_URGENT = 1u << 4,  /* Telnet IP or DM seen (ABOR/STAT preamble) */
	LINEBUF_F_IAC_IAC = 1u << 5, /* IAC IAC became a literal 0xFF */
};

enum linebuf_telnet_state {
	LB_T_DATA = 0,
	LB_T_IAC,     /* after IAC */
	LB_T_OPTION,  /* after IAC WILL/WONT/DO/DONT: the option byte */
	LB_T_SB,      /* inside IAC SB ... */
	LB_T_SB_IAC,  /* IAC inside a subnegotiation */
};

struct linebuf {
	char *buf;       /* caller's storage, at least max bytes */
	size_t max;      /* longest line kept */
	size_t len;      /* bytes of the line being built */
	size_t sb_len;   /* bytes of the current subnegotiation */
	unsigned flags;  /* enum linebuf_flag of the line being built */
	enum linebuf_telnet_state tstate;
	bool telnet;     /* interpret Telnet IAC sequences */
	bool pending_cr; /* a CR was seen; is it followed by LF? */
	bool discarding; /* dropping the rest of an overlong line */
};

struct linebuf_line {
	const char *p;  /* valid until the next linebuf call */
	size_t len;     /* without the CRLF */
	unsigned flags; /* enum linebuf_flag */
};

/* storage must hold max bytes; max must be at least 1. */
void linebuf_init(struct linebuf *lb, char *storage, size_t max, bool telnet);
void linebuf_reset(struct linebuf *lb);

/* Use bytes from data[0..n) until a line is complete (LINE), an overlong line
 * is detected (TOOLONG) or the input is used up (NEED_MORE). *consumed is the
 * number of bytes used; call again with the rest. */
enum linebuf_status linebuf_feed(struct linebuf *lb, const void *data, size_t n,
                                 size_t *consumed, struct linebuf_line *out);

/* Bytes of a partial line held (0 when at a line boundary). */
size_t linebuf_pending(const struct linebuf *lb);

/* Move to other storage of the same size, taking the partial line along; a
 * server keeps one shared buffer and gives a session its own only while it
 * has half a line pending. */
void linebuf_set_storage(struct linebuf *lb, char *storage);

#endif

/* detect.c - FTP recognition from the first bytes of a connection; see
 * detect.h. Pure: no I/O, no globals. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "ftplab/cmd.h"
#include "ftplab/textesc.h"

struct chunk {
	int dir;
	double ts;
	size_t off, len; /* in buf[dir] */
};

struct detect {
	bool ftp_port, gap[2];
	int client_dir;
	uint8_t buf[2][DETECT_KEEP];
	size_t len[2];
	struct chunk ch[2 * DETECT_CHUNKS];
	size_t nch, nch_dir[2];
};

struct detect *detect_new(bool ftp_port, int client_dir)
{
	struct detect *d = calloc(1, sizeof(*d));

	if (d) {
		d->ftp_port = ftp_port;
		d->client_dir = client_dir;
	}
	return d;
}

void detect_free(struct detect *d)
{
	free(d);
}

void detect_bytes(struct detect *d, int dir, double ts, const uint8_t *p, size_t n)
{
	size_t room = DETECT_KEEP - d->len[dir];

	if (n > room)
		n = room;
	if (n == 0 || d->nch_dir[dir] >= DETECT_CHUNKS)
		return;
	memcpy(d->buf[dir] + d->len[dir], p, n);
	d->ch[d->nch++] = (struct chunk){dir, ts, d->len[dir], n};
	d->nch_dir[dir]++;
	d->len[dir] += n;
}

void detect_gap(struct detect *d, int dir)
{
	d->gap[dir] = true;
}

static bool full(const struct detect *d, int dir)
{
	return d->len[dir] == DETECT_KEEP || d->nch_dir[dir] >= DETECT_CHUNKS || d->gap[dir];
}

/* The first line of dir, if complete (or the buffer is full). */
static size_t first_line(const struct detect *d, int dir, bool *complete)
{
	const uint8_t *nl = memchr(d->buf[dir], '\n', d->len[dir]);

	*complete = nl != NULL || full(d, dir);
	return nl ? (size_t)(nl - d->buf[dir]) : d->len[dir];
}

/* "220 " / "220-": a reply line start; greeting: 120 or 220 only. */
static int reply_start(const struct detect *d, int dir, bool greeting)
{
	const uint8_t *b = d->buf[dir];
	int code;

	if (d->len[dir] < 4)
		return d->len[dir] == 0 || full(d, dir) ? -1 : 0;
	if (!isdigit(b[0]) || !isdigit(b[1]) || !isdigit(b[2]) || (b[3] != ' ' && b[3] != '-'))
		return -1;
	code = (b[0] - '0') * 100 + (b[1] - '0') * 10 + (b[2] - '0');
	if (greeting)
		return code == 220 || code == 120 ? 1 : -1;
	return code >= 100 && code < 600 ? 1 : -1;
}

/* 1: the first line is an FTP command; -1: it is not; 0: not yet known. */
static int command_start(const struct detect *d, int dir)
{
	bool complete;
	size_t n = first_line(d, dir, &complete), w = 0;

	if (d->len[dir] == 0)
		return 0;
	while (w < n && w <= CMD_VERB_MAX && isalpha(d->buf[dir][w]))
		w++;
	if (w == n && !complete)
		return 0;
	if (w == 0 || w > CMD_VERB_MAX)
		return -1;
	return cmd_lookup((const char *)d->buf[dir], w, NULL) != FTP_CMD_UNKNOWN ? 1 : -1;
}

static enum detect_verdict on_ftp_port(const struct detect *d, int c, int *client_dir)
{
	int srv = 1 - c, r = reply_start(d, srv, false);

	*client_dir = c;
	if (r > 0)
		return DET_FTP;
	if (r < 0 && d->len[srv] > 0)
		return DET_NOT_FTP;
	if (command_start(d, c) > 0)
		return DET_FTP; /* the capture began after the greeting */
	if (command_start(d, c) < 0 && full(d, c))
		return DET_NOT_FTP;
	return DET_UNDECIDED;
}

static enum detect_verdict on_other_port(const struct detect *d, int *client_dir)
{
	int c = d->client_dir, r, k;

	if (c < 0) { /* no SYN seen: the server is the side that greets */
		if (reply_start(d, 0, true) > 0)
			c = 1;
		else if (reply_start(d, 1, true) > 0)
			c = 0;
		else
			return (full(d, 0) || full(d, 1)) ? DET_IGNORE : DET_UNDECIDED;
	}
	r = reply_start(d, 1 - c, true);
	if (r < 0)
		return DET_IGNORE;
	k = command_start(d, c);
	if (r > 0 && k > 0) {
		*client_dir = c;
		return DET_FTP;
	}
	return k < 0 ? DET_IGNORE : DET_UNDECIDED;
}

enum detect_verdict detect_verdict(const struct detect *d, int *client_dir, char *why,
                                   size_t cap)
{
	enum detect_verdict v;
	int c = d->client_dir;
	bool cut;

	if (!d->ftp_port)
		return on_other_port(d, client_dir);
	v = on_ftp_port(d, c < 0 ? 0 : c, client_dir); /* the engine knows it from the port */
	if (v == DET_NOT_FTP && why && cap) {
		int srv = 1 - *client_dir;
		bool complete;
		size_t n = d->len[srv] ? first_line(d, srv, &complete) : 0;

		if (n)
			textesc(why, cap, d->buf[srv], n > 80 ? 80 : n, &cut);
		else
			textesc(why, cap, d->buf[*client_dir],
			        d->len[*client_dir] > 80 ? 80 : d->len[*client_dir], &cut);
	}
	return v;
}

void detect_replay(const struct detect *d,
                   void (*fn)(void *ctx, int dir, double ts, const uint8_t *p, size_t n),
                   void *ctx)
{
	for (size_t i = 0; i < d->nch; i++)
		fn(ctx, d->ch[i].dir, d->ch[i].ts, d->buf[d->ch[i].dir] + d->ch[i].off,
		   d->ch[i].len);
}

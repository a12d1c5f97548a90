/* reply.c - FTP reply codes, the multi-line reply parser and the formatter. */
#include "ftplab/reply.h"

#include <assert.h>
#include <string.h>

const char *reply_code_text(int code)
{
	switch (code) {
#define REPLY_TEXT_(c, name, text) case c: return text;
	FTP_REPLY_CODES(REPLY_TEXT_)
#undef REPLY_TEXT_
	}
	return NULL;
}

const char *reply_code_name(int code)
{
	switch (code) {
#define REPLY_NAME_(c, name, text) case c: return #name;
	FTP_REPLY_CODES(REPLY_NAME_)
#undef REPLY_NAME_
	}
	return NULL;
}

void reply_parser_init(struct reply_parser *rp, char *line_storage, size_t line_max,
                       char *text_storage, size_t text_cap, size_t max_lines)
{
	assert(text_storage != NULL && text_cap >= 1);
	memset(rp, 0, sizeof(*rp));
	if (line_storage != NULL)
		linebuf_init(&rp->lb, line_storage, line_max, true);
	rp->text = text_storage;
	rp->text_cap = text_cap;
	rp->max_lines = max_lines ? max_lines : REPLY_DEFAULT_MAX_LINES;
}

void reply_parser_reset(struct reply_parser *rp)
{
	if (rp->lb.buf != NULL)
		linebuf_reset(&rp->lb);
	rp->text_len = 0;
	rp->nlines = 0;
	rp->flags = 0;
	rp->code = 0;
}

bool reply_parser_busy(const struct reply_parser *rp)
{
	return rp->code != 0;
}

/* Append one line of text, '\n' before all but the first, within bounds. */
static void add_text(struct reply_parser *rp, const char *p, size_t n)
{
	size_t room;

	if (rp->nlines > rp->max_lines) {
		rp->flags |= REPLY_F_TRUNCATED;
		return;
	}
	room = rp->text_cap - 1 - rp->text_len;
	if (rp->nlines > 1) {
		if (room == 0) {
			rp->flags |= REPLY_F_TRUNCATED;
			return;
		}
		rp->text[rp->text_len++] = '\n';
		room--;
	}
	if (n > room) {
		n = room;
		rp->flags |= REPLY_F_TRUNCATED;
	}
	memcpy(rp->text + rp->text_len, p, n);
	rp->text_len += n;
	rp->text[rp->text_len] = '\0';
}

static int three_digits(const char *p, size_t n)
{
	if (n < 3)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
	}
	return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

/* Hand the finished (or malformed) reply to the caller and start afresh. */
static enum reply_status emit(struct reply_parser *rp, enum reply_status st, int code,
                              bool multi, enum reply_error err, struct reply *out)
{
	out->code = code;
	out->multiline = multi;
	out->nlines = rp->nlines;
	out->text = rp->text;
	out->len = rp->text_len;
	out->flags = rp->flags;
	out->error = err;
	rp->text_len = 0;
	rp->nlines = 0;
	rp->flags = 0;
	rp->code = 0;
	return st;
}

/* The first line of a reply. */
static enum reply_status first_line(struct reply_parser *rp, const char *line, size_t len,
                                    struct reply *out)
{
	int code = three_digits(line, len);

	rp->nlines = 1;
	if (code < 100 || code > 699) {
		add_text(rp, line, len);
		return emit(rp, REPLY_MALFORMED, code < 0 ? 0 : code, false,
		            code < 0 ? REPLY_ERR_NO_CODE : REPLY_ERR_CODE_RANGE, out);
	}
	if (len == 3) {
		rp->flags |= REPLY_F_NO_TEXT;
		add_text(rp, "", 0);
		return emit(rp, REPLY_DONE, code, false, REPLY_ERR_NONE, out);
	}
	if (line[3] == ' ') {
		add_text(rp, line + 4, len - 4);
		return emit(rp, REPLY_DONE, code, false, REPLY_ERR_NONE, out);
	}
	if (line[3] == '-') {
		add_text(rp, line + 4, len - 4);
		rp->code = code;
		return REPLY_NEED_MORE;
	}
	add_text(rp, line, len);
	return emit(rp, REPLY_MALFORMED, code, false, REPLY_ERR_NO_SEPARATOR, out);
}

/* A line inside a multi-line reply: text, or the closing "code " line. */
static enum reply_status inner_line(struct reply_parser *rp, const char *line, size_t len,
                                    struct reply *out)
{
	bool same = three_digits(line, len) == rp->code;

	rp->nlines++;
	if (same && (len == 3 || line[3] == ' ')) {
		add_text(rp, line + (len == 3 ? 3 : 4), len == 3 ? 0 : len - 4);
		return emit(rp, REPLY_DONE, rp->code, true, REPLY_ERR_NONE, out);
	}
	if (same && line[3] == '-')
		add_text(rp, line + 4, len - 4);
	else
		add_text(rp, line, len);
	return REPLY_NEED_MORE;
}

static enum reply_status feed_line(struct reply_parser *rp, const char *line, size_t len,
                                   bool long_line, struct reply *out)
{
	if (long_line)
		rp->flags |= REPLY_F_LONG_LINE | REPLY_F_TRUNCATED;
	if (memchr(line, '\0', len) != NULL)
		rp->flags |= REPLY_F_NUL;
	if (rp->code == 0)
		return first_line(rp, line, len, out);
	return inner_line(rp, line, len, out);
}

enum reply_status reply_feed_line(struct reply_parser *rp, const char *line, size_t len,
                                  struct reply *out)
{
	return feed_line(rp, line, len, false, out);
}

enum reply_status reply_feed(struct reply_parser *rp, const void *data, size_t n,
                             size_t *consumed, struct reply *out)
{
	const char *p = data;
	size_t used = 0;

	assert(rp->lb.buf != NULL);
	while (used < n) {
		struct linebuf_line line;
		size_t k = 0;
		enum linebuf_status ls = linebuf_feed(&rp->lb, p + used, n - used, &k, &line);
		enum reply_status rs;

		used += k;
		if (ls == LINEBUF_NEED_MORE)
			break;
		rs = feed_line(rp, line.p, line.len, ls == LINEBUF_TOOLONG, out);
		if (rs != REPLY_NEED_MORE) {
			*consumed = used;
			return rs;
		}
	}
	*consumed = used;
	return REPLY_NEED_MORE;
}

/* Copy bytes; with clean, CR and NUL become spaces. False when out of room. */
static bool put_bytes(char *buf, size_t cap, size_t *pos, const char *p, size_t n,
                      bool clean)
{
	if (n > cap - *pos)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];

		buf[*pos + i] = (clean && (c == '\r' || c == '\0')) ? ' ' : c;
	}
	*pos += n;
	return true;
}

static bool put_prefix(char *buf, size_t cap, size_t *pos, int code, char sep)
{
	char pre[4] = {(char)('0' + code / 100), (char)('0' + code / 10 % 10),
	               (char)('0' + code % 10), sep};

	return put_bytes(buf, cap, pos, pre, sizeof(pre), false);
}

enum ftp_status reply_format(char *buf, size_t cap, size_t *out_len, int code,
                             const char *text, size_t text_len)
{
	size_t pos = 0, start = 0;
	bool first = true;

	if (code < 100 || code > 699)
		return FTP_ERANGE;
	if (cap == 0)
		return FTP_ENOSPACE;
	cap--; /* room for the final NUL */
	for (;;) {
		const char *nl = text_len > start ? memchr(text + start, '\n', text_len - start) : NULL;
		size_t end = nl ? (size_t)(nl - text) : text_len;
		bool last = nl == NULL;
		bool ok = true;

		if (first || last)
			ok = put_prefix(buf, cap, &pos, code, last ? ' ' : '-');
		else if (end > start && text[start] >= '0' && text[start] <= '9')
			ok = put_bytes(buf, cap, &pos, " ", 1, false);
		ok = ok && put_bytes(buf, cap, &pos, text + start, end - start, true) &&
		     put_bytes(buf, cap, &pos, "\r\n", 2, false);
		if (!ok)
			return FTP_ENOSPACE;
		if (last)
			break;
		first = false;
		start = end + 1;
	}
	buf[pos] = '\0';
	if (out_len)
		*out_len = pos;
	return FTP_OK;
}

/* out.c - what the three writers share (see out.h): the writer's life cycle,
 * names of the event's enums, endpoints, lines of a reply, escaping. */
#include "out.h"

#include <stdlib.h>
#include <string.h>

#include "ftplab/textesc.h"

void out_writer_init(struct out_writer *w, const struct out_ops *ops, FILE *f,
                     const struct out_opts *o)
{
	w->ops = ops;
	w->f = f;
	if (o)
		w->o = *o;
	else
		memset(&w->o, 0, sizeof(w->o));
	w->failed = false;
}

void out_event(struct out_writer *w, const struct an_event *ev)
{
	if (w == NULL || ev == NULL)
		return;
	w->ops->event(w, ev);
}

static void sink_event(void *ctx, const struct an_event *ev)
{
	out_event(ctx, ev);
}

struct an_sink out_sink(struct out_writer *w)
{
	return (struct an_sink){sink_event, w};
}

int out_close(struct out_writer *w)
{
	bool bad;

	if (w == NULL)
		return 0;
	w->ops->finish(w);
	bad = fflush(w->f) != 0;
	bad = ferror(w->f) || w->failed || bad;
	w->ops->destroy(w);
	return bad ? -1 : 0;
}

/* splitmix64: spreads consecutive ids over the whole range. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

void out_format_uid(char *buf, size_t cap, unsigned session_id)
{
	static const char digits[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	uint64_t hi = mix64(session_id), lo = mix64(hi ^ session_id);
	char tmp[OUT_UID_LEN];

	tmp[0] = 'C';
	for (int i = 0; i < 11; i++) { /* 62^11 > 2^64 */
		tmp[1 + i] = digits[hi % 62];
		hi /= 62;
	}
	for (int i = 0; i < 6; i++) {  /* 62^6 > 2^32 */
		tmp[12 + i] = digits[(lo & 0xffffffffu) % 62];
		lo = (lo & 0xffffffffu) / 62;
	}
	tmp[OUT_UID_LEN - 1] = '\0';
	if (cap > 0)
		snprintf(buf, cap, "%s", tmp);
}

const char *out_endpoint(char buf[ADDR_ENDPOINT_STRLEN], const struct ftp_hostport *hp)
{
	if (hp->addr.family == FTP_AF_NONE)
		return NULL;
	if (addr_format_endpoint(buf, ADDR_ENDPOINT_STRLEN, hp) != FTP_OK)
		return NULL;
	return buf;
}

const char *out_address(char buf[ADDR_STRLEN], const struct ftp_addr *a)
{
	if (a->family == FTP_AF_NONE)
		return NULL;
	if (addr_format(buf, ADDR_STRLEN, a) != FTP_OK)
		return NULL;
	return buf;
}

const char *out_mode_name(enum an_mode m)
{
	switch (m) {
	case AN_MODE_ACTIVE:  return "active";
	case AN_MODE_PASSIVE: return "passive";
	case AN_MODE_EPRT:    return "eprt";
	case AN_MODE_EPSV:    return "epsv";
	case AN_MODE_NONE:    break;
	}
	return NULL;
}

const char *out_direction_name(enum ftp_xfer d)
{
	switch (d) {
	case FTP_XFER_DOWNLOAD: return "download";
	case FTP_XFER_UPLOAD:   return "upload";
	case FTP_XFER_LISTING:  return "listing";
	case FTP_XFER_NONE:     break;
	}
	return NULL;
}

const char *out_status_name(enum an_xfer_status s)
{
	switch (s) {
	case AN_XFER_COMPLETE:   return "complete";
	case AN_XFER_ABORTED:    return "aborted";
	case AN_XFER_FAILED:     return "failed";
	case AN_XFER_INCOMPLETE: return "incomplete";
	}
	return NULL;
}

const char *out_login_name(enum an_login l)
{
	switch (l) {
	case AN_LOGIN_OK:     return "ok";
	case AN_LOGIN_FAILED: return "failed";
	case AN_LOGIN_NONE:   break;
	}
	return "none";
}

double out_event_ts(const struct an_event *ev)
{
	switch (ev->type) {
	case AN_EV_SESSION_OPEN:  return ev->s ? ev->s->ts_start : 0;
	case AN_EV_SESSION_CLOSE: return ev->s ? ev->s->ts_end : 0;
	case AN_EV_BANNER:        return ev->u.banner.ts;
	case AN_EV_COMMAND:       return ev->u.cmd ? ev->u.cmd->ts : 0;
	case AN_EV_TRANSFER:      return ev->u.xfer ? ev->u.xfer->ts_start : 0;
	case AN_EV_DIAG:          return ev->u.diag ? ev->u.diag->ts : 0;
	}
	return 0;
}

bool out_text_line(const struct an_bytes *text, unsigned idx, struct an_bytes *line)
{
	const char *p = text->p, *end = text->p + text->n, *nl;

	if (p == NULL || text->n == 0)
		return false;
	for (unsigned i = 0; i < idx; i++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return false;
		p = nl + 1;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	line->p = p;
	line->n = (size_t)((nl ? nl : end) - p);
	return true;
}

struct an_bytes out_last_line(const struct an_bytes *text)
{
	struct an_bytes last = {text->p, text->n};

	for (size_t i = text->n; i > 0; i--) {
		if (text->p[i - 1] == '\n') {
			last.p = text->p + i;
			last.n = text->n - i;
			break;
		}
	}
	return last;
}

/* The longest prefix of p[0..n) of at most max bytes that ends on a
 * character boundary (bytes that are not UTF-8 count as one character). */
static size_t cut_at_char(const unsigned char *p, size_t n, size_t max)
{
	size_t i = 0;

	while (i < n) {
		size_t k = utf8_seq_len(p + i, n - i);

		if (k == 0)
			k = 1;
		if (i + k > max)
			break;
		i += k;
	}
	return i;
}

void out_put_escaped(FILE *f, const void *p, size_t n, size_t max)
{
	char small[1024];
	size_t take = n, cap;
	char *buf = small;

	if (p == NULL)
		n = take = 0;
	if (max > 0 && n > max)
		take = cut_at_char(p, n, max);
	cap = 4 * take + 1; /* \xNN is the longest form of one byte */
	if (cap > sizeof(small)) {
		buf = malloc(cap);
		if (buf == NULL) {
			fputs("(out of memory)", f);
			return;
		}
	}
	textesc(buf, cap, p, take, NULL);
	fputs(buf, f);
	if (take < n)
		fprintf(f, "...(%zu bytes)", n);
	if (buf != small)
		free(buf);
}

void out_put_plain(FILE *f, const char *s, size_t cap)
{
	const unsigned char *c = (const unsigned char *)s;

	for (size_t i = 0; i < cap && c[i]; i++) {
		if (c[i] >= 0x20 && c[i] < 0x7f)
			fputc(c[i], f);
		else
			fprintf(f, "\\x%02x", c[i]);
	}
}

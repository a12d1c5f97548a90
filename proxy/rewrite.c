/* rewrite.c - the pure decisions of ftplab-proxy (see rewrite.h). Parsing is
 * libftplab's (cmd, hostport, addr, linebuf); this file only decides.
 *
 * Telnet commands in a client line (IAC IP IAC DM before ABOR) are removed on
 * a copy for the classification, never from what is forwarded. LPRT and LPSV
 * (RFC 1639) are forwarded as they came: the proxy cannot rewrite them and the
 * server answers (ftplab-server: 502; a server that took LPRT would have to
 * reach the client itself, which a NAT in between prevents).
 */
#include "rewrite.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "ftplab/linebuf.h"
#include "ftplab/textesc.h"

#define STRIP_MAX LINEBUF_DEFAULT_MAX /* a client line once Telnet is removed */
#define NAME_MAX_LEN 253              /* a DNS name in text form */
#define DEFAULT_FTP_PORT 21

#define TN_IAC 0xff

/* p[0..n) with its Telnet commands removed by libftplab's linebuf, into
 * out[0..cap). Returns the length; *fits is false when out was too small or
 * p holds a LF (out then holds the start). */
static size_t telnet_strip(const char *p, size_t n, char *out, size_t cap, bool *fits)
{
	struct linebuf lb;
	struct linebuf_line ln = {out, 0, 0};
	size_t used = 0, more;
	enum linebuf_status st;

	linebuf_init(&lb, out, cap, true);
	st = linebuf_feed(&lb, p, n, &used, &ln);
	*fits = st == LINEBUF_NEED_MORE || (st == LINEBUF_LINE && used == n);
	if (st == LINEBUF_NEED_MORE)
		st = linebuf_feed(&lb, "\n", 1, &more, &ln);
	return st == LINEBUF_NEED_MORE ? 0 : ln.len;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Decimal digits, 1..65535. */
static enum ftp_status parse_port(const char *p, size_t n, uint16_t *out)
{
	unsigned long v = 0;

	if (n == 0)
		return FTP_ESYNTAX;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return FTP_ESYNTAX;
		if (v <= 65535)
			v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v == 0 || v > 65535)
		return FTP_ERANGE;
	*out = (uint16_t)v;
	return FTP_OK;
}

/* The commands the proxy acts on; all others are forwarded. */
static bool intercepted(enum ftp_cmd cmd, bool forward_mode)
{
	switch (cmd) {
	case FTP_CMD_PORT:
	case FTP_CMD_EPRT:
	case FTP_CMD_PASV:
	case FTP_CMD_EPSV:
	case FTP_CMD_AUTH:
		return true;
	case FTP_CMD_USER:
		return forward_mode;
	default:
		return false;
	}
}

/* The verb of a line cmd_parse refused (a NUL in the argument, ...). */
static enum ftp_cmd verb_of(const char *p, size_t n)
{
	const char *sp = n > 0 ? memchr(p, ' ', n) : NULL;
	size_t vlen = sp != NULL ? (size_t)(sp - p) : n;

	if (vlen == 0 || vlen > CMD_VERB_MAX || memchr(p, '\0', vlen) != NULL)
		return FTP_CMD_UNKNOWN;
	return cmd_lookup(p, vlen, NULL);
}

static void set_bad(struct client_req *out, enum ftp_status st)
{
	enum ftp_cmd cmd = out->cmd;

	memset(out, 0, sizeof(*out));
	out->kind = CREQ_BAD_ARG;
	out->cmd = cmd;
	out->st = st == FTP_EEMPTY ? FTP_ESYNTAX : st;
}

/* A parsed command the proxy acts on. */
static void classify(const struct cmd_parsed *pc, struct client_req *out)
{
	enum ftp_status st = FTP_OK;

	switch (pc->cmd) {
	case FTP_CMD_PORT:
		out->kind = CREQ_PORT;
		st = hostport_parse_port(pc->arg, pc->arg_len, &out->hp);
		break;
	case FTP_CMD_EPRT:
		out->kind = CREQ_EPRT;
		st = hostport_parse_eprt(pc->arg, pc->arg_len, &out->hp);
		break;
	case FTP_CMD_PASV:
		out->kind = CREQ_PASV;
		st = cmd_check_arg(pc); /* "PASV x" is refused, not forwarded */
		break;
	case FTP_CMD_EPSV:
		st = hostport_parse_epsv_arg(pc->arg, pc->arg_len, &out->epsv);
		out->kind = out->epsv == EPSV_ARG_ALL ? CREQ_EPSV_ALL : CREQ_EPSV;
		break;
	case FTP_CMD_AUTH:
		out->kind = CREQ_AUTH;
		break;
	case FTP_CMD_USER:
		if (pc->arg_len == 0 || memchr(pc->arg, '@', pc->arg_len) == NULL)
			break; /* forwarded; the session decides what a plain USER means */
		out->kind = CREQ_USER_AT;
		st = rewrite_parse_user_at(pc->arg, pc->arg_len, out->user, sizeof(out->user),
		                           out->host, sizeof(out->host), &out->port);
		break;
	default:
		break;
	}
	if (st != FTP_OK)
		set_bad(out, st);
}

void rewrite_client_line(const char *line, size_t n, bool forward_mode, struct client_req *out)
{
	char buf[STRIP_MAX];
	struct cmd_parsed pc;
	enum ftp_status st;
	bool fits = true;

	memset(out, 0, sizeof(*out));
	out->kind = CREQ_FORWARD;
	if (n > 0 && memchr(line, TN_IAC, n) != NULL) {
		n = telnet_strip(line, n, buf, sizeof(buf), &fits);
		line = buf;
	}
	st = cmd_parse(line, n, &pc);
	out->cmd = st == FTP_OK ? pc.cmd : verb_of(line, n);
	if (!intercepted(out->cmd, forward_mode))
		return;
	if (!fits)
		set_bad(out, FTP_ETOOLONG); /* never forward a PORT we could not read */
	else if (st != FTP_OK)
		set_bad(out, st);
	else
		classify(&pc, out);
}

static bool is_name_char(char c)
{
	return is_alpha(c) || is_digit(c) || c == '.' || c == '-';
}

/* A host name or an IPv4 literal. Names of digits and dots only must be
 * IPv4 addresses ("1.2.3.999" is neither). */
static enum ftp_status check_name(const char *h, size_t n)
{
	bool numeric = true;
	struct ftp_addr a;

	if (n == 0 || h[0] == '.' || h[0] == '-')
		return FTP_ESYNTAX;
	for (size_t i = 0; i < n; i++) {
		if (!is_name_char(h[i]) || (i > 0 && h[i] == '.' && h[i - 1] == '.'))
			return FTP_ESYNTAX;
		if (!is_digit(h[i]) && h[i] != '.')
			numeric = false;
	}
	if (numeric)
		return addr_parse(h, n, &a) == FTP_OK ? FTP_OK : FTP_ESYNTAX;
	return n > NAME_MAX_LEN ? FTP_ETOOLONG : FTP_OK;
}

enum ftp_status rewrite_parse_host_port(const char *s, size_t n, uint16_t default_port,
                                        char *host, size_t hcap, uint16_t *port)
{
	const char *h = s, *rest;
	uint16_t p = default_port;
	enum ftp_status st;
	size_t hlen;

	if (hcap > 0)
		host[0] = '\0';
	*port = 0;
	if (n == 0)
		return FTP_ESYNTAX;
	if (memchr(s, '\0', n) != NULL)
		return FTP_ENUL;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);
		struct ftp_addr a;

		if (close == NULL)
			return FTP_ESYNTAX;
		h = s + 1;
		hlen = (size_t)(close - h);
		if (addr_parse(h, hlen, &a) != FTP_OK || memchr(h, ':', hlen) == NULL)
			return FTP_ESYNTAX; /* not IPv6 text: "[1.2.3.4]", "[x]" */
		rest = close + 1;
	} else {
		rest = memchr(s, ':', n);
		if (rest == NULL)
			rest = s + n;
		hlen = (size_t)(rest - s);
		st = check_name(s, hlen);
		if (st != FTP_OK)
			return st;
	}
	if (rest < s + n) {
		if (rest[0] != ':')
			return FTP_ESYNTAX;
		st = parse_port(rest + 1, (size_t)(s + n - rest - 1), &p);
		if (st != FTP_OK)
			return st;
	} else if (default_port == 0) {
		return FTP_ESYNTAX; /* the port is required */
	}
	if (hlen >= hcap)
		return FTP_ETOOLONG;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = p;
	return FTP_OK;
}

enum ftp_status rewrite_parse_user_at(const char *arg, size_t n, char *user, size_t ucap,
                                      char *host, size_t hcap, uint16_t *port)
{
	const char *at = NULL;
	enum ftp_status st;
	size_t ulen;

	if (ucap > 0)
		user[0] = '\0';
	if (hcap > 0)
		host[0] = '\0';
	*port = 0;
	if (n > 0 && memchr(arg, '\0', n) != NULL)
		return FTP_ENUL;
	while (n > 0 && (arg[n - 1] == ' ' || arg[n - 1] == '\t'))
		n--;
	for (size_t i = n; i > 0 && at == NULL; i--)
		if (arg[i - 1] == '@')
			at = arg + i - 1;
	if (at == NULL || at == arg)
		return FTP_ESYNTAX;
	ulen = (size_t)(at - arg);
	if (ulen >= ucap)
		return FTP_ETOOLONG;
	st = rewrite_parse_host_port(at + 1, n - ulen - 1, DEFAULT_FTP_PORT, host, hcap, port);
	if (st != FTP_OK)
		return st;
	memcpy(user, arg, ulen);
	user[ulen] = '\0';
	return FTP_OK;
}

static const char *const server_data_names[] = {
	[SD_SAME] = "same", [SD_PASSIVE] = "passive", [SD_EPSV] = "epsv",
	[SD_ACTIVE] = "active", [SD_EPRT] = "eprt",
};

#define NSERVER_DATA (sizeof(server_data_names) / sizeof(server_data_names[0]))

int rewrite_parse_server_data(const char *s, enum server_data *out)
{
	for (size_t i = 0; s != NULL && i < NSERVER_DATA; i++) {
		if (strcmp(s, server_data_names[i]) == 0) {
			*out = (enum server_data)i;
			return 0;
		}
	}
	return -1;
}

const char *rewrite_server_data_name(enum server_data sd)
{
	return (size_t)sd < NSERVER_DATA ? server_data_names[sd] : "?";
}

/* --server-data same: what the client asked for; what is no data setup
 * gets PASV. */
static enum upstream mirror(enum creq client)
{
	switch (client) {
	case CREQ_PORT:
		return UP_PORT;
	case CREQ_EPRT:
		return UP_EPRT;
	case CREQ_EPSV:
	case CREQ_EPSV_ALL:
		return UP_EPSV;
	default:
		return UP_PASV;
	}
}

enum upstream rewrite_upstream(enum server_data sd, enum creq client, enum ftp_family server_family)
{
	static const enum upstream fixed[] = {
		[SD_PASSIVE] = UP_PASV, [SD_EPSV] = UP_EPSV, [SD_ACTIVE] = UP_PORT, [SD_EPRT] = UP_EPRT,
	};
	enum upstream up;

	if (sd == SD_SAME || (size_t)sd >= sizeof(fixed) / sizeof(fixed[0]))
		up = mirror(client);
	else
		up = fixed[sd];
	/* PORT and PASV carry IPv4 only. */
	if (server_family == FTP_AF_INET6 && up == UP_PORT)
		up = UP_EPRT;
	else if (server_family == FTP_AF_INET6 && up == UP_PASV)
		up = UP_EPSV;
	return up;
}

bool rewrite_upstream_is_active(enum upstream up)
{
	return up == UP_PORT || up == UP_EPRT;
}

/* snprintf's result as a status; the buffer is emptied when it did not fit. */
static enum ftp_status finish(char *buf, size_t cap, size_t *len, int k)
{
	if (k < 0 || (size_t)k >= cap) {
		if (cap > 0)
			buf[0] = '\0';
		return FTP_ENOSPACE;
	}
	if (len != NULL)
		*len = (size_t)k;
	return FTP_OK;
}

enum ftp_status rewrite_format_upstream(char *buf, size_t cap, size_t *len, enum upstream up,
                                        const struct ftp_hostport *listen)
{
	static const char *const verbs[] = {
		[UP_PORT] = "PORT", [UP_EPRT] = "EPRT", [UP_PASV] = "PASV", [UP_EPSV] = "EPSV",
	};
	char arg[HOSTPORT_STRLEN] = "";
	enum ftp_status st = FTP_OK;

	assert((size_t)up < sizeof(verbs) / sizeof(verbs[0]));
	if (cap > 0)
		buf[0] = '\0';
	if (rewrite_upstream_is_active(up)) {
		assert(listen != NULL);
		if (listen->port == 0)
			return FTP_ERANGE;
		if (up == UP_PORT)
			st = hostport_format_port(arg, sizeof(arg), NULL, listen);
		else
			st = hostport_format_eprt(arg, sizeof(arg), NULL, listen);
		if (st != FTP_OK)
			return st;
	}
	return finish(buf, cap, len, snprintf(buf, cap, "%s%s%s\r\n", verbs[up],
	                                      arg[0] != '\0' ? " " : "", arg));
}

void rewrite_server_reply(const struct reply *r, struct server_reply *out)
{
	uint16_t port = 0;

	memset(out, 0, sizeof(*out));
	if (r->error != REPLY_ERR_NONE)
		return; /* a line that is no reply announces nothing */
	if (r->code == FTP_R_PASSIVE) {
		if (hostport_parse_pasv(r->text, r->len, &out->hp) == FTP_OK)
			out->kind = SREPLY_PASV;
		else
			out->kind = SREPLY_BAD_PASV;
	} else if (r->code == FTP_R_EXT_PASSIVE) {
		if (hostport_parse_epsv(r->text, r->len, &port) == FTP_OK) {
			out->kind = SREPLY_EPSV;
			out->hp.port = port;
		} else {
			out->kind = SREPLY_BAD_PASV;
		}
	}
	if (out->kind == SREPLY_BAD_PASV)
		memset(&out->hp, 0, sizeof(out->hp));
}

/* A reply for the client from text made by st's formatter; the buffer is
 * emptied on any failure. */
static enum ftp_status client_reply(char *buf, size_t cap, size_t *len, int code,
                                    enum ftp_status st, const char *text, size_t tlen)
{
	if (st == FTP_OK)
		st = reply_format(buf, cap, len, code, text, tlen);
	if (st != FTP_OK && cap > 0)
		buf[0] = '\0';
	return st;
}

enum ftp_status rewrite_format_client_pasv(char *buf, size_t cap, size_t *len,
                                           const struct ftp_hostport *hp)
{
	char text[HOSTPORT_STRLEN];
	size_t tlen = 0;
	enum ftp_status st = FTP_ERANGE;

	if (hp->port != 0)
		st = hostport_format_pasv(text, sizeof(text), &tlen, hp);
	return client_reply(buf, cap, len, FTP_R_PASSIVE, st, text, tlen);
}

enum ftp_status rewrite_format_client_epsv(char *buf, size_t cap, size_t *len, uint16_t port)
{
	char text[HOSTPORT_STRLEN];
	size_t tlen = 0;
	enum ftp_status st = FTP_ERANGE;

	if (port != 0)
		st = hostport_format_epsv(text, sizeof(text), &tlen, port);
	return client_reply(buf, cap, len, FTP_R_EXT_PASSIVE, st, text, tlen);
}

enum ftp_status rewrite_format_client_port_ok(char *buf, size_t cap, size_t *len, bool eprt)
{
	const char *text = eprt ? "EPRT command successful." : "PORT command successful.";

	return client_reply(buf, cap, len, FTP_R_OK, FTP_OK, text, strlen(text));
}

/* "N" or "A-B", 1 <= A <= B <= 65535. */
static enum ftp_status parse_port_range(const char *p, size_t n, uint16_t *lo, uint16_t *hi)
{
	const char *dash = memchr(p, '-', n);
	enum ftp_status st;

	if (dash == NULL) {
		st = parse_port(p, n, lo);
		*hi = *lo;
		return st;
	}
	st = parse_port(p, (size_t)(dash - p), lo);
	if (st == FTP_OK)
		st = parse_port(dash + 1, n - (size_t)(dash - p) - 1, hi);
	if (st == FTP_OK && *lo > *hi)
		st = FTP_ERANGE;
	return st;
}

/* Split a rule into its CIDR text (copied to net, brackets removed) and
 * its ports (*ports NULL when none). */
static enum ftp_status split_rule(const char *s, size_t n, char *net, size_t ncap,
                                  size_t *nlen, const char **ports)
{
	const char *end = s + n, *colon;
	size_t a, b = 0;

	*ports = NULL;
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (close == NULL || memchr(s, ':', (size_t)(close - s)) == NULL)
			return FTP_ESYNTAX; /* IPv6 text only inside brackets */
		colon = memchr(close, ':', (size_t)(end - close));
		if (colon != NULL)
			*ports = colon + 1;
		a = (size_t)(close - s - 1);
		b = (size_t)((colon != NULL ? colon : end) - close - 1);
		if (b > 0 && close[1] != '/')
			return FTP_ESYNTAX;
		s++;
	} else {
		/* One ':' separates IPv4 from ports; more make a bare IPv6 block. */
		colon = memchr(s, ':', n);
		if (colon != NULL && memchr(colon + 1, ':', (size_t)(end - colon - 1)) == NULL)
			*ports = colon + 1;
		a = (size_t)((*ports != NULL ? colon : end) - s);
	}
	if (a + b >= ncap)
		return FTP_ESYNTAX;
	memcpy(net, s, a);
	if (b > 0)
		memcpy(net + a, s + a + 1, b); /* "/N" after ']' */
	*nlen = a + b;
	return FTP_OK;
}

enum ftp_status rewrite_parse_dest_rule(const char *s, size_t n, struct dest_rule *out)
{
	char net[ADDR_STRLEN + 8];
	const char *ports;
	size_t nlen = 0;
	enum ftp_status st;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return FTP_ESYNTAX;
	if (memchr(s, '\0', n) != NULL)
		return FTP_ENUL;
	st = split_rule(s, n, net, sizeof(net), &nlen, &ports);
	if (st == FTP_OK)
		st = addr_parse_cidr(net, nlen, &out->net);
	out->lo = 1;
	out->hi = 65535;
	if (st == FTP_OK && ports != NULL)
		st = parse_port_range(ports, (size_t)(s + n - ports), &out->lo, &out->hi);
	if (st != FTP_OK) {
		memset(out, 0, sizeof(*out));
		return st == FTP_EEMPTY ? FTP_ESYNTAX : st;
	}
	return FTP_OK;
}

bool rewrite_dest_allowed(const struct dest_rule *rules, size_t n, const struct ftp_hostport *dst)
{
	if (n == 0)
		return true;
	for (size_t i = 0; i < n; i++) {
		if (addr_cidr_contains(&rules[i].net, &dst->addr) && rules[i].lo <= dst->port &&
		    dst->port <= rules[i].hi)
			return true;
	}
	return false;
}

/* The transcript under construction: appends stop at the first that does
 * not fit, so a cut never falls inside an escape. */
struct tbuf {
	char *buf;
	size_t cap; /* >= 1 */
	size_t len;
	bool full;
};

static void put_raw(struct tbuf *t, const char *s)
{
	size_t n = strlen(s);

	if (t->full)
		return;
	if (n >= t->cap - t->len) {
		t->full = true;
		return;
	}
	memcpy(t->buf + t->len, s, n + 1);
	t->len += n;
}

static void put_esc(struct tbuf *t, const char *p, size_t n)
{
	bool cut = false;

	if (t->full)
		return;
	t->len += textesc(t->buf + t->len, t->cap - t->len, p, n, &cut);
	t->full = cut;
}

/* A command line, its line end dropped; the argument of PASS and ACCT
 * (CMD_F_SECRET) becomes "****", Telnet commands or not around the verb. */
static void put_line(struct tbuf *t, const char *p, size_t n)
{
	char verb[CMD_VERB_MAX + 1];
	size_t vn, vlen = 0;
	bool fits;

	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r'))
		n--;
	vn = telnet_strip(p, n, verb, sizeof(verb), &fits);
	while (vlen < vn && is_alpha(verb[vlen]))
		vlen++;
	if (vlen > 0 && vlen <= CMD_VERB_MAX &&
	    (cmd_info(cmd_lookup(verb, vlen, NULL))->flags & CMD_F_SECRET) != 0) {
		put_esc(t, verb, vlen);
		if (vlen < vn || !fits)
			put_raw(t, " ****");
		return;
	}
	put_esc(t, p, n);
}

static void transcript_build(struct tbuf *t, const char *cl, size_t cl_len, const char *up,
                             size_t up_len, const char *note)
{
	put_raw(t, "C>P ");
	put_line(t, cl, cl_len);
	if (up != NULL) {
		put_raw(t, " | P>S ");
		put_line(t, up, up_len);
	}
	if (note != NULL) {
		put_raw(t, " (");
		put_esc(t, note, strlen(note));
		put_raw(t, ")");
	}
}

size_t rewrite_transcript(char *buf, size_t cap, const char *client_line, size_t cl_len,
                          const char *upstream_line, size_t up_len, const char *note)
{
	struct tbuf t = {buf, cap, 0, false};

	if (cap == 0)
		return 0;
	buf[0] = '\0';
	transcript_build(&t, client_line, cl_len, upstream_line, up_len, note);
	if (t.full && cap > 4) {
		/* Again with room for "..." to show the cut. */
		t = (struct tbuf){buf, cap - 3, 0, false};
		buf[0] = '\0';
		transcript_build(&t, client_line, cl_len, upstream_line, up_len, note);
		memcpy(buf + t.len, "...", 4);
		t.len += 3;
	}
	return t.len;
}

/* hostport.c - PORT, 227, EPRT, 229 and EPSV forms: parse and format. */
#include "ftplab/hostport.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* A run of digits at p[*i]; its value saturates at 100000. */
static bool take_number(const char *p, size_t n, size_t *i, unsigned long *v)
{
	size_t start = *i;

	*v = 0;
	while (*i < n && is_digit(p[*i])) {
		if (*v < 100000)
			*v = *v * 10 + (unsigned long)(p[*i] - '0');
		(*i)++;
	}
	return *i > start;
}

static void skip_spaces(const char *p, size_t n, size_t *i)
{
	while (*i < n && is_space(p[*i]))
		(*i)++;
}

/* Six comma-separated numbers from p[*i]; whitespace around each is
 * tolerated. On success *i is just past the sixth number. */
static enum ftp_status take_six(const char *p, size_t n, size_t *i, struct ftp_hostport *out)
{
	unsigned long v[6];
	bool range_ok = true;

	for (int k = 0; k < 6; k++) {
		skip_spaces(p, n, i);
		if (!take_number(p, n, i, &v[k]))
			return FTP_ESYNTAX;
		if (v[k] > 255)
			range_ok = false;
		if (k < 5) {
			skip_spaces(p, n, i);
			if (*i >= n || p[*i] != ',')
				return FTP_ESYNTAX;
			(*i)++;
		}
	}
	if (!range_ok)
		return FTP_ERANGE;
	memset(out, 0, sizeof(*out));
	out->addr.family = FTP_AF_INET;
	for (int k = 0; k < 4; k++)
		out->addr.b[k] = (uint8_t)v[k];
	out->port = (uint16_t)(v[4] * 256 + v[5]);
	return out->port == 0 ? FTP_ERANGE : FTP_OK;
}

enum ftp_status hostport_parse_port(const char *p, size_t n, struct ftp_hostport *out)
{
	size_t i = 0;
	struct ftp_hostport hp;
	enum ftp_status st;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return FTP_EEMPTY;
	if (memchr(p, '\0', n) != NULL)
		return FTP_ENUL;
	st = take_six(p, n, &i, &hp);
	if (st == FTP_ESYNTAX)
		return st;
	skip_spaces(p, n, &i);
	if (i != n)
		return FTP_ESYNTAX; /* a seventh field or trailing junk */
	if (st == FTP_OK)
		*out = hp;
	return st;
}

enum ftp_status hostport_parse_pasv(const char *p, size_t n, struct ftp_hostport *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t start = 0; start < n; start++) {
		size_t i = start;
		struct ftp_hostport hp;
		enum ftp_status st;

		if (!is_digit(p[start]) || (start > 0 && is_digit(p[start - 1])))
			continue;
		st = take_six(p, n, &i, &hp);
		if (st == FTP_OK)
			*out = hp;
		if (st != FTP_ESYNTAX)
			return st; /* the first six numbers decide, in range or not */
	}
	return FTP_ESYNTAX;
}

/* Split an EPRT argument or a 229 tuple at its delimiter d: fields[k] is the
 * text between delimiter k and k+1. Returns the number of fields found. */
static int split_fields(const char *p, size_t n, char d, const char **f, size_t *flen,
                        int max)
{
	int k = -1;

	for (size_t i = 0; i < n && k < max; i++) {
		if (p[i] != d)
			continue;
		if (k >= 0)
			flen[k] = (size_t)(p + i - f[k]);
		if (++k < max)
			f[k] = p + i + 1;
	}
	return k;
}

static enum ftp_status parse_port_number(const char *p, size_t n, uint16_t *port)
{
	size_t i = 0;
	unsigned long v;

	if (!take_number(p, n, &i, &v) || i != n)
		return FTP_ESYNTAX;
	if (v == 0 || v > 65535)
		return FTP_ERANGE;
	*port = (uint16_t)v;
	return FTP_OK;
}

static bool valid_delimiter(char d)
{
	return d >= 33 && d <= 126 && !is_digit(d);
}

enum ftp_status hostport_parse_eprt(const char *p, size_t n, struct ftp_hostport *out)
{
	const char *f[4];
	size_t flen[4], i = 0;
	unsigned long af;
	enum ftp_status st;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return FTP_EEMPTY;
	if (memchr(p, '\0', n) != NULL)
		return FTP_ENUL;
	while (n > 0 && is_space(p[n - 1]))
		n--;
	if (n == 0 || !valid_delimiter(p[0]) || p[n - 1] != p[0])
		return FTP_ESYNTAX;
	if (split_fields(p, n, p[0], f, flen, 4) != 3 || f[3] != p + n)
		return FTP_ESYNTAX;
	if (!take_number(f[0], flen[0], &i, &af) || i != flen[0])
		return FTP_ESYNTAX;
	if (af != FTP_AF_INET && af != FTP_AF_INET6)
		return FTP_EFAMILY;
	st = addr_parse(f[1], flen[1], &out->addr);
	/* The text must be of the family announced (a mapped ::ffff:a.b.c.d is
	 * IPv6 text, and is kept as the IPv4 address it stands for). */
	if (st == FTP_OK && (af == FTP_AF_INET) == (memchr(f[1], ':', flen[1]) != NULL))
		st = FTP_ESYNTAX;
	if (st == FTP_OK)
		st = parse_port_number(f[2], flen[2], &out->port);
	if (st != FTP_OK) {
		memset(out, 0, sizeof(*out));
		return st == FTP_EEMPTY ? FTP_ESYNTAX : st;
	}
	return FTP_OK;
}

enum ftp_status hostport_parse_epsv(const char *p, size_t n, uint16_t *port)
{
	enum ftp_status best = FTP_ESYNTAX;

	*port = 0;
	for (size_t i = 0; i + 4 < n; i++) {
		char d = p[i];
		size_t j = i + 3;
		unsigned long v;
		uint16_t got;

		if (!valid_delimiter(d) || d == '(' || p[i + 1] != d || p[i + 2] != d)
			continue;
		if (!take_number(p, n, &j, &v) || j >= n || p[j] != d)
			continue;
		if (parse_port_number(p + i + 3, j - i - 3, &got) == FTP_OK) {
			*port = got;
			return FTP_OK;
		}
		best = FTP_ERANGE;
	}
	return best;
}

enum ftp_status hostport_parse_epsv_arg(const char *p, size_t n, enum epsv_arg *out)
{
	size_t i = 0;
	unsigned long v;

	*out = EPSV_ARG_ANY;
	while (n > 0 && is_space(p[n - 1]))
		n--;
	if (n == 0)
		return FTP_OK;
	if (n == 3 && (p[0] | 0x20) == 'a' && (p[1] | 0x20) == 'l' && (p[2] | 0x20) == 'l') {
		*out = EPSV_ARG_ALL;
		return FTP_OK;
	}
	if (!take_number(p, n, &i, &v) || i != n)
		return memchr(p, '\0', n) ? FTP_ENUL : FTP_ESYNTAX;
	if (v == FTP_AF_INET)
		*out = EPSV_ARG_INET;
	else if (v == FTP_AF_INET6)
		*out = EPSV_ARG_INET6;
	else
		return FTP_EFAMILY;
	return FTP_OK;
}

static enum ftp_status finish(int len, size_t cap, size_t *out_len)
{
	if (len < 0 || (size_t)len >= cap)
		return FTP_ENOSPACE;
	if (out_len)
		*out_len = (size_t)len;
	return FTP_OK;
}

enum ftp_status hostport_format_port(char *buf, size_t cap, size_t *out_len,
                                     const struct ftp_hostport *hp)
{
	struct ftp_addr a = hp->addr;

	addr_unmap(&a);
	if (a.family != FTP_AF_INET)
		return FTP_EFAMILY;
	return finish(snprintf(buf, cap, "%u,%u,%u,%u,%u,%u", a.b[0], a.b[1], a.b[2], a.b[3],
	                       (unsigned)(hp->port >> 8), (unsigned)(hp->port & 0xff)),
	              cap, out_len);
}

enum ftp_status hostport_format_pasv(char *buf, size_t cap, size_t *out_len,
                                     const struct ftp_hostport *hp)
{
	char six[HOSTPORT_STRLEN];
	enum ftp_status st = hostport_format_port(six, sizeof(six), NULL, hp);

	if (st != FTP_OK)
		return st;
	return finish(snprintf(buf, cap, "Entering Passive Mode (%s).", six), cap, out_len);
}

enum ftp_status hostport_format_eprt(char *buf, size_t cap, size_t *out_len,
                                     const struct ftp_hostport *hp)
{
	char host[ADDR_STRLEN];
	enum ftp_status st = addr_format(host, sizeof(host), &hp->addr);

	if (st != FTP_OK)
		return st;
	return finish(snprintf(buf, cap, "|%d|%s|%u|", (int)hp->addr.family, host,
	                       (unsigned)hp->port),
	              cap, out_len);
}

enum ftp_status hostport_format_epsv(char *buf, size_t cap, size_t *out_len, uint16_t port)
{
	return finish(snprintf(buf, cap, "Entering Extended Passive Mode (|||%u|)", (unsigned)port),
	              cap, out_len);
}

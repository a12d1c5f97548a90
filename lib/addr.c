/* addr.c - IP address values: parse, format, compare, CIDR match. */
#include "ftplab/addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

void addr_unmap(struct ftp_addr *a)
{
	if (a->family == FTP_AF_INET6 && memcmp(a->b, v4mapped_prefix, 12) == 0) {
		uint8_t v4[4];

		memcpy(v4, a->b + 12, 4);
		memset(a->b, 0, sizeof(a->b));
		memcpy(a->b, v4, 4);
		a->family = FTP_AF_INET;
	}
}

enum ftp_status addr_parse(const char *p, size_t n, struct ftp_addr *out)
{
	char tmp[ADDR_STRLEN];

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return FTP_EEMPTY;
	if (memchr(p, '\0', n) != NULL)
		return FTP_ENUL;
	if (n >= sizeof(tmp))
		return FTP_ESYNTAX;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, out->b) == 1) {
		out->family = FTP_AF_INET;
		return FTP_OK;
	}
	if (inet_pton(AF_INET6, tmp, out->b) == 1) {
		out->family = FTP_AF_INET6;
		addr_unmap(out);
		return FTP_OK;
	}
	memset(out, 0, sizeof(*out));
	return FTP_ESYNTAX;
}

/* Decimal digits only, value in lo..hi. */
static enum ftp_status parse_number(const char *p, size_t n, unsigned long lo,
                                    unsigned long hi, unsigned long *out)
{
	unsigned long v = 0;

	if (n == 0)
		return FTP_ESYNTAX;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return FTP_ESYNTAX;
		if (v <= hi)
			v = v * 10 + (unsigned long)(p[i] - '0');
	}
	if (v < lo || v > hi)
		return FTP_ERANGE;
	*out = v;
	return FTP_OK;
}

enum ftp_status addr_parse_endpoint(const char *p, size_t n, struct ftp_hostport *out)
{
	const char *colon, *host = p;
	size_t hlen;
	unsigned long port;
	enum ftp_status st;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return FTP_EEMPTY;
	if (p[0] == '[') {
		const char *close = memchr(p, ']', n);

		if (close == NULL || (size_t)(close - p) + 1 >= n || close[1] != ':')
			return FTP_ESYNTAX;
		host = p + 1;
		hlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = memchr(p, ':', n);
		if (colon == NULL || memchr(colon + 1, ':', n - (size_t)(colon + 1 - p)) != NULL)
			return FTP_ESYNTAX;
		hlen = (size_t)(colon - p);
	}
	st = addr_parse(host, hlen, &out->addr);
	if (st != FTP_OK)
		return st == FTP_EEMPTY ? FTP_ESYNTAX : st;
	if (p[0] == '[' && out->addr.family != FTP_AF_INET6 &&
	    memchr(host, ':', hlen) == NULL)
		return FTP_ESYNTAX; /* "[1.2.3.4]:21" */
	st = parse_number(colon + 1, n - (size_t)(colon + 1 - p), 1, 65535, &port);
	if (st != FTP_OK)
		return st;
	out->port = (uint16_t)port;
	return FTP_OK;
}

enum ftp_status addr_parse_cidr(const char *p, size_t n, struct ftp_cidr *out)
{
	const char *slash = memchr(p, '/', n);
	size_t alen = slash ? (size_t)(slash - p) : n;
	unsigned long prefix;
	enum ftp_status st;

	memset(out, 0, sizeof(*out));
	st = addr_parse(p, alen, &out->addr);
	if (st != FTP_OK)
		return st;
	prefix = out->addr.family == FTP_AF_INET ? 32 : 128;
	if (slash) {
		/* ::ffff:a.b.c.d/N became IPv4: its prefix counts 96 bits less. */
		bool mapped = out->addr.family == FTP_AF_INET && memchr(p, ':', alen) != NULL;

		st = parse_number(slash + 1, n - alen - 1, mapped ? 96 : 0, mapped ? 128 : prefix,
		                  &prefix);
		if (st != FTP_OK)
			return st;
		if (mapped)
			prefix -= 96;
	}
	out->prefix = (unsigned)prefix;
	return FTP_OK;
}

/* Dotted quad of b[0..3] into out (16 bytes). */
static void format_v4(char *out, const uint8_t *b)
{
	size_t o = 0;

	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];

		if (v >= 100)
			out[o++] = (char)('0' + v / 100);
		if (v >= 10)
			out[o++] = (char)('0' + v / 10 % 10);
		out[o++] = (char)('0' + v % 10);
		out[o++] = i < 3 ? '.' : '\0';
	}
}

enum ftp_status addr_format(char *buf, size_t cap, const struct ftp_addr *a)
{
	char tmp[ADDR_STRLEN];
	size_t len;

	if (a->family == FTP_AF_INET)
		format_v4(tmp, a->b); /* inet_ntop's sprintf is slow in the analyzer's hot path */
	else if (a->family == FTP_AF_INET6)
		inet_ntop(AF_INET6, a->b, tmp, sizeof(tmp));
	else
		return FTP_EFAMILY;
	len = strlen(tmp);
	if (len >= cap)
		return FTP_ENOSPACE;
	memcpy(buf, tmp, len + 1);
	return FTP_OK;
}

enum ftp_status addr_format_endpoint(char *buf, size_t cap, const struct ftp_hostport *hp)
{
	char host[ADDR_STRLEN];
	enum ftp_status st = addr_format(host, sizeof(host), &hp->addr);
	int len;

	if (st != FTP_OK)
		return st;
	{
		/* Without snprintf: the analyzer formats endpoints in its hot path. */
		char tmp[ADDR_ENDPOINT_STRLEN + 8], digits[6];
		size_t hl = strlen(host), o = 0, nd = 0;
		unsigned port = hp->port;

		if (hp->addr.family == FTP_AF_INET6)
			tmp[o++] = '[';
		memcpy(tmp + o, host, hl);
		o += hl;
		if (hp->addr.family == FTP_AF_INET6)
			tmp[o++] = ']';
		tmp[o++] = ':';
		do {
			digits[nd++] = (char)('0' + port % 10);
			port /= 10;
		} while (port);
		while (nd)
			tmp[o++] = digits[--nd];
		len = (int)o;
		if ((size_t)len >= cap)
			return FTP_ENOSPACE;
		memcpy(buf, tmp, o);
		buf[o] = '\0';
		return FTP_OK;
	}
}

bool addr_equal(const struct ftp_addr *a, const struct ftp_addr *b)
{
	struct ftp_addr x = *a, y = *b;

	addr_unmap(&x);
	addr_unmap(&y);
	if (x.family != y.family || x.family == FTP_AF_NONE)
		return false;
	return memcmp(x.b, y.b, x.family == FTP_AF_INET ? 4 : 16) == 0;
}

bool addr_cidr_contains(const struct ftp_cidr *c, const struct ftp_addr *a)
{
	struct ftp_addr x = *a;
	unsigned full, rest;

	addr_unmap(&x);
	if (x.family != c->addr.family || x.family == FTP_AF_NONE)
		return false;
	full = c->prefix / 8;
	rest = c->prefix % 8;
	if (memcmp(x.b, c->addr.b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (x.b[full] & mask) == (c->addr.b[full] & mask);
}

bool addr_is_loopback(const struct ftp_addr *a)
{
	static const uint8_t v6_loopback[16] = {[15] = 1};
	struct ftp_addr x = *a;

	addr_unmap(&x);
	if (x.family == FTP_AF_INET)
		return x.b[0] == 127;
	return x.family == FTP_AF_INET6 && memcmp(x.b, v6_loopback, 16) == 0;
}

/* addr.h - IP addresses, endpoints and CIDR blocks as plain values.
 *
 * No sockets here: programs convert to and from struct sockaddr at their
 * edges (see each program's net module). IPv4-mapped IPv6 addresses
 * (::ffff:a.b.c.d) are normalised to IPv4 by the parsers.
 */
#ifndef FTPLAB_ADDR_H
#define FTPLAB_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftplab/status.h"

/* Values are RFC 2428's network protocol numbers. */
enum ftp_family {
	FTP_AF_NONE = 0,
	FTP_AF_INET = 1,
	FTP_AF_INET6 = 2,
};

struct ftp_addr {
	enum ftp_family family;
	uint8_t b[16]; /* network order; IPv4 in b[0..3] */
};

struct ftp_hostport {
	struct ftp_addr addr;
	uint16_t port;
};

struct ftp_cidr {
	struct ftp_addr addr;
	unsigned prefix; /* 0..32 or 0..128 */
};

/* "1.2.3.4" or "2001:db8::1" (a mapped address becomes IPv4). */
enum ftp_status addr_parse(const char *p, size_t n, struct ftp_addr *out);
/* "1.2.3.4:21" or "[2001:db8::1]:21"; port 1..65535. */
enum ftp_status addr_parse_endpoint(const char *p, size_t n, struct ftp_hostport *out);
/* "192.0.2.0/24", "2001:db8::/32", or an address alone (a host block). */
enum ftp_status addr_parse_cidr(const char *p, size_t n, struct ftp_cidr *out);

/* Text forms, NUL-terminated; FTP_ENOSPACE when cap is too small. */
#define ADDR_STRLEN 46        /* INET6_ADDRSTRLEN */
#define ADDR_ENDPOINT_STRLEN 54 /* "[" addr "]:" 5 digits NUL */
enum ftp_status addr_format(char *buf, size_t cap, const struct ftp_addr *a);
enum ftp_status addr_format_endpoint(char *buf, size_t cap, const struct ftp_hostport *hp);

bool addr_equal(const struct ftp_addr *a, const struct ftp_addr *b);
bool addr_cidr_contains(const struct ftp_cidr *c, const struct ftp_addr *a);
/* Rewrite ::ffff:a.b.c.d as IPv4 in place. */
void addr_unmap(struct ftp_addr *a);
/* 127/8 or ::1. */
bool addr_is_loopback(const struct ftp_addr *a);

#endif

/* hostport.h - the address forms FTP writes inside its commands and replies.
 *
 *   PORT h1,h2,h3,h4,p1,p2            (RFC 959; whitespace around numbers ok)
 *   227 Entering Passive Mode (h1,h2,h3,h4,p1,p2)   (RFC 1123 4.1.2.6: the
 *        six numbers are found by scanning, parentheses are optional)
 *   EPRT <d><af><d><addr><d><port><d> (RFC 2428; any delimiter byte 33..126)
 *   229 Entering Extended Passive Mode (<d><d><d><port><d>)
 *   EPSV [1|2|ALL]
 *
 * Statuses tell FTP_ESYNTAX (shape), FTP_ERANGE (an octet > 255, a port of 0
 * or > 65535) and FTP_EFAMILY (EPRT/EPSV family other than 1 and 2) apart.
 */
#ifndef FTPLAB_HOSTPORT_H
#define FTPLAB_HOSTPORT_H

#include <stddef.h>
#include <stdint.h>

#include "ftplab/addr.h"
#include "ftplab/status.h"

enum epsv_arg {
	EPSV_ARG_ANY = 0, /* no argument */
	EPSV_ARG_INET,    /* "1" */
	EPSV_ARG_INET6,   /* "2" */
	EPSV_ARG_ALL,     /* "ALL": only EPSV from now on (RFC 2428 section 4) */
};

/* The argument of PORT. */
enum ftp_status hostport_parse_port(const char *p, size_t n, struct ftp_hostport *out);
/* The text of a 227 reply, after the code. */
enum ftp_status hostport_parse_pasv(const char *p, size_t n, struct ftp_hostport *out);
/* The argument of EPRT. */
enum ftp_status hostport_parse_eprt(const char *p, size_t n, struct ftp_hostport *out);
/* The text of a 229 reply, after the code: only the port is given. */
enum ftp_status hostport_parse_epsv(const char *p, size_t n, uint16_t *port);
/* The argument of EPSV (n == 0 for none). */
enum ftp_status hostport_parse_epsv_arg(const char *p, size_t n, enum epsv_arg *out);

/* Formatters write NUL-terminated text; *out_len (may be NULL) gets its length.
 * PORT and 227 need an IPv4 address (FTP_EFAMILY otherwise). */
#define HOSTPORT_STRLEN 80
enum ftp_status hostport_format_port(char *buf, size_t cap, size_t *out_len,
                                     const struct ftp_hostport *hp);
/* "Entering Passive Mode (h1,h2,h3,h4,p1,p2)." */
enum ftp_status hostport_format_pasv(char *buf, size_t cap, size_t *out_len,
                                     const struct ftp_hostport *hp);
/* "|1|192.0.2.1|2121|" or "|2|2001:db8::1|2121|" */
enum ftp_status hostport_format_eprt(char *buf, size_t cap, size_t *out_len,
                                     const struct ftp_hostport *hp);
/* "Entering Extended Passive Mode (|||2121|)" */
enum ftp_status hostport_format_epsv(char *buf, size_t cap, size_t *out_len, uint16_t port);

#endif

/* rewrite.h - the pure decisions of ftplab-proxy: what a client command
 * means for the data connection, what to send upstream instead, what a
 * server reply announces, and what the client is told. No I/O, no globals;
 * tested by cmocka without sockets. */
#ifndef FTPLAB_PROXY_REWRITE_H
#define FTPLAB_PROXY_REWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftplab/addr.h"
#include "ftplab/cmd.h"
#include "ftplab/hostport.h"
#include "ftplab/reply.h"
#include "ftplab/status.h"

/* --server-data: how the proxy opens data connections toward the server. */
enum server_data {
	SD_SAME = 0, /* mirror the client: PORT->PORT, EPRT->EPRT, PASV->PASV, EPSV->EPSV */
	SD_PASSIVE,  /* always PASV (IPv4 servers) */
	SD_EPSV,     /* always EPSV */
	SD_ACTIVE,   /* always PORT */
	SD_EPRT,     /* always EPRT */
};
/* "same", "passive", "epsv", "active", "eprt" -> 0, or -1. */
int rewrite_parse_server_data(const char *s, enum server_data *out);
const char *rewrite_server_data_name(enum server_data sd);

/* What a client command line is to the proxy. */
enum creq {
	CREQ_FORWARD = 0,  /* send on as it came */
	CREQ_PORT,         /* client active mode: hp is where it listens */
	CREQ_EPRT,
	CREQ_PASV,         /* client passive mode */
	CREQ_EPSV,         /* epsv: ANY, INET or INET6 */
	CREQ_EPSV_ALL,     /* answered by the proxy itself (200), not forwarded */
	CREQ_AUTH,         /* AUTH TLS/SSL: refused by the proxy (FTPS cannot be rewritten) */
	CREQ_USER_AT,      /* forward mode: USER user@host[:port] */
	CREQ_BAD_ARG,      /* PORT/EPRT/EPSV/USER@ with a bad argument: st tells why */
};

#define REWRITE_USER_MAX 256
#define REWRITE_HOST_MAX 256

struct client_req {
	enum creq kind;
	enum ftp_cmd cmd;          /* the verb, for any kind */
	enum ftp_status st;        /* CREQ_BAD_ARG: FTP_ESYNTAX, FTP_ERANGE, FTP_EFAMILY */
	struct ftp_hostport hp;    /* CREQ_PORT, CREQ_EPRT */
	enum epsv_arg epsv;        /* CREQ_EPSV */
	char user[REWRITE_USER_MAX];  /* CREQ_USER_AT: the user for the server */
	char host[REWRITE_HOST_MAX];  /* CREQ_USER_AT: host name or address literal */
	uint16_t port;             /* CREQ_USER_AT: 21 unless given */
};

/* Classify one client line (without CRLF; Telnet sequences may be present:
 * they are ignored for the classification). forward_mode enables USER@. */
void rewrite_client_line(const char *line, size_t n, bool forward_mode, struct client_req *out);

/* "user@host", "user@host:port", "user@[2001:db8::1]:port", with the last
 * '@' separating (user names may hold '@'). FTP_ESYNTAX or FTP_ERANGE. */
enum ftp_status rewrite_parse_user_at(const char *arg, size_t n, char *user, size_t ucap,
                                      char *host, size_t hcap, uint16_t *port);
/* "host", "host:port", "[v6]" or "[v6]:port": host is a name ([A-Za-z0-9.-],
 * at most 253 bytes), an IPv4 literal or a bracketed IPv6 literal (stored
 * without its brackets). default_port 0 makes the port required. FTP_ESYNTAX,
 * FTP_ERANGE (port 0 or > 65535), FTP_ETOOLONG, FTP_ENUL. Used for USER@ and
 * --upstream. */
enum ftp_status rewrite_parse_host_port(const char *s, size_t n, uint16_t default_port,
                                        char *host, size_t hcap, uint16_t *port);

/* What the proxy asks the server for, given the client's request and the
 * server side's address family (IPv6 servers get EPRT/EPSV). */
enum upstream { UP_PORT, UP_EPRT, UP_PASV, UP_EPSV };
enum upstream rewrite_upstream(enum server_data sd, enum creq client, enum ftp_family server_family);
bool rewrite_upstream_is_active(enum upstream up);
/* The command line for it, CRLF-terminated: "PORT h,h,h,h,p,p\r\n",
 * "EPRT |1|a.b.c.d|p|\r\n", "PASV\r\n", "EPSV\r\n". listen is the proxy's
 * listener for active kinds (ignored for passive). FTP_EFAMILY for PORT
 * with an IPv6 listener, FTP_ENOSPACE. */
enum ftp_status rewrite_format_upstream(char *buf, size_t cap, size_t *len, enum upstream up,
                                        const struct ftp_hostport *listen);

/* A complete server reply, as it bears on a pending data setup. */
enum sreply {
	SREPLY_OTHER = 0,
	SREPLY_PASV,        /* 227 with an address: hp */
	SREPLY_EPSV,        /* 229 with a port: hp.port (hp.addr unset) */
	SREPLY_BAD_PASV,    /* 227/229 that cannot be read */
};
struct server_reply {
	enum sreply kind;
	struct ftp_hostport hp;
};
void rewrite_server_reply(const struct reply *r, struct server_reply *out);

/* What the client is told, CRLF-terminated. */
enum ftp_status rewrite_format_client_pasv(char *buf, size_t cap, size_t *len,
                                           const struct ftp_hostport *hp);
enum ftp_status rewrite_format_client_epsv(char *buf, size_t cap, size_t *len, uint16_t port);
/* 200 for a PORT/EPRT the proxy took over (whatever it sent upstream). */
enum ftp_status rewrite_format_client_port_ok(char *buf, size_t cap, size_t *len, bool eprt);

/* --allow-dest CIDR[:PORTS]: "198.51.100.0/24", "198.51.100.2:21",
 * "[2001:db8::]/32:21-2121", "192.0.2.0/24:1-65535". */
struct dest_rule {
	struct ftp_cidr net;
	uint16_t lo, hi;
};
enum ftp_status rewrite_parse_dest_rule(const char *s, size_t n, struct dest_rule *out);
/* With no rules everything is allowed. */
bool rewrite_dest_allowed(const struct dest_rule *rules, size_t n, const struct ftp_hostport *dst);

/* One teaching transcript line for a rewrite, e.g.
 * "C>P PORT 10,0,1,2,195,80 | P>S PORT 198,51,100,1,156,64 (client 10.0.1.2:50000 -> proxy 198.51.100.1:40000)".
 * The caller prefixes the session id. Untrusted bytes are escaped. */
size_t rewrite_transcript(char *buf, size_t cap, const char *client_line, size_t cl_len,
                          const char *upstream_line, size_t up_len, const char *note);

#endif

/* net.h - the thin socket layer of ftplab-server (sockaddr <-> ftp_hostport). */
#ifndef FTPLAB_SERVER_NET_H
#define FTPLAB_SERVER_NET_H

#include <stdbool.h>
#include <sys/socket.h>

#include "ftplab/addr.h"

int net_to_sockaddr(const struct ftp_hostport *hp, struct sockaddr_storage *ss, socklen_t *len);
void net_from_sockaddr(const struct sockaddr *sa, struct ftp_hostport *out);
int net_local(int fd, struct ftp_hostport *out);
int net_peer(int fd, struct ftp_hostport *out);
int net_set_nonblock(int fd);
/* A non-blocking listening socket; port 0 picks any. */
int net_listen(const struct ftp_hostport *hp, int backlog);
/* A listening socket on addr with a port in lo..hi (0,0: any), starting at a
 * random place in the range. */
int net_listen_range(const struct ftp_addr *addr, unsigned lo, unsigned hi);

/* Sockets of a transparent proxy (TPROXY): bind to addresses that are not
 * this host's (IP_TRANSPARENT / IPV6_TRANSPARENT, needs CAP_NET_ADMIN).
 * These variants set it before bind when transparent is true. */
int net_listen_t(const struct ftp_hostport *hp, int backlog, bool transparent);
int net_listen_range_t(const struct ftp_addr *addr, unsigned lo, unsigned hi, bool transparent);
int net_connect_t(const struct ftp_hostport *dst, const struct ftp_hostport *src,
                  bool *src_bound, bool transparent);
/* Start a non-blocking connect to dst, from src when given (src->port 0 =
 * any). *src_bound tells whether src's port could be used. */
int net_connect(const struct ftp_hostport *dst, const struct ftp_hostport *src,
                bool *src_bound);

#endif

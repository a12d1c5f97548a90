/* net.c - sockets for ftplab-server: listen, connect, address conversion. */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int net_to_sockaddr(const struct ftp_hostport *hp, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (hp->addr.family == FTP_AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(hp->port);
		memcpy(&sin->sin_addr, hp->addr.b, 4);
		*len = sizeof(*sin);
		return 0;
	}
	if (hp->addr.family == FTP_AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(hp->port);
		memcpy(&sin6->sin6_addr, hp->addr.b, 16);
		*len = sizeof(*sin6);
		return 0;
	}
	errno = EAFNOSUPPORT;
	return -1;
}

void net_from_sockaddr(const struct sockaddr *sa, struct ftp_hostport *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		out->addr.family = FTP_AF_INET;
		memcpy(out->addr.b, &sin->sin_addr, 4);
		out->port = ntohs(sin->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		out->addr.family = FTP_AF_INET6;
		memcpy(out->addr.b, &sin6->sin6_addr, 16);
		out->port = ntohs(sin6->sin6_port);
		addr_unmap(&out->addr);
	}
}

static int get_name(int fd, struct ftp_hostport *out, bool peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int rc = peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
	              : getsockname(fd, (struct sockaddr *)&ss, &len);

	if (rc < 0)
		return -1;
	net_from_sockaddr((struct sockaddr *)&ss, out);
	return 0;
}

int net_local(int fd, struct ftp_hostport *out)
{
	return get_name(fd, out, false);
}

int net_peer(int fd, struct ftp_hostport *out)
{
	return get_name(fd, out, true);
}

int net_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int new_socket(const struct ftp_hostport *hp, bool transparent)
{
	int one = 1;
	bool v6 = hp->addr.family == FTP_AF_INET6;
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (transparent)
		setsockopt(fd, v6 ? SOL_IPV6 : SOL_IP, v6 ? IPV6_TRANSPARENT : IP_TRANSPARENT, &one,
		           sizeof(one));
	return fd;
}

int net_listen(const struct ftp_hostport *hp, int backlog)
{
	return net_listen_t(hp, backlog, false);
}

int net_listen_t(const struct ftp_hostport *hp, int backlog, bool transparent)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, saved;

	if (net_to_sockaddr(hp, &ss, &len) < 0)
		return -1;
	fd = new_socket(hp, transparent);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&ss, len) == 0 && listen(fd, backlog) == 0)
		return fd;
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int net_listen_range(const struct ftp_addr *addr, unsigned lo, unsigned hi)
{
	return net_listen_range_t(addr, lo, hi, false);
}

int net_listen_range_t(const struct ftp_addr *addr, unsigned lo, unsigned hi, bool transparent)
{
	struct ftp_hostport hp = {.addr = *addr};
	unsigned span, start;

	if (lo == 0 || hi < lo) {
		/* Not bind(port 0): on a busy host the kernel's search for a free
		 * port costs milliseconds; a random try in the dynamic range is
		 * one hash lookup, as vsftpd does it. */
		lo = 49152;
		hi = 65535;
	}
	span = hi - lo + 1;
	/* Where to start in the range: no syscall on this path (clock_gettime
	 * is in the vDSO). Port guessing gains nothing: only the control
	 * connection's peer may connect. */
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	start = (unsigned)ts.tv_nsec ^ (unsigned)ts.tv_sec * 2654435761u;
	for (unsigned i = 0; i < span; i++) {
		int fd;

		hp.port = (uint16_t)(lo + (start + i) % span);
		fd = net_listen_t(&hp, 1, transparent);
		if (fd >= 0 || errno != EADDRINUSE)
			return fd;
	}
	errno = EADDRINUSE;
	return -1;
}

int net_connect(const struct ftp_hostport *dst, const struct ftp_hostport *src,
                bool *src_bound)
{
	return net_connect_t(dst, src, src_bound, false);
}

int net_connect_t(const struct ftp_hostport *dst, const struct ftp_hostport *src,
                  bool *src_bound, bool transparent)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, saved;

	*src_bound = false;
	if (net_to_sockaddr(dst, &ss, &len) < 0)
		return -1;
	fd = new_socket(dst, transparent);
	if (fd < 0)
		return -1;
	if (src != NULL) {
		struct sockaddr_storage sss;
		socklen_t slen;

		if (net_to_sockaddr(src, &sss, &slen) == 0) {
			if (bind(fd, (struct sockaddr *)&sss, slen) == 0) {
				*src_bound = src->port != 0;
			} else if (src->port != 0) {
				/* Port L-1 needs privileges or is taken: any port. */
				((struct sockaddr_in *)&sss)->sin_port = 0; /* same offset in v6 */
				(void)bind(fd, (struct sockaddr *)&sss, slen);
			}
		}
	}
	if (connect(fd, (struct sockaddr *)&ss, len) == 0 || errno == EINPROGRESS)
		return fd;
	saved = errno;
	close(fd);
	if (*src_bound && (saved == EADDRNOTAVAIL || saved == EADDRINUSE)) {
		/* The 4-tuple from port L-1 is still in use: any port will do. */
		struct ftp_hostport any = *src;

		any.port = 0;
		return net_connect_t(dst, &any, src_bound, transparent);
	}
	errno = saved;
	return -1;
}

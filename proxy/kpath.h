/* kpath.h - the kernel data path: instead of relaying a data connection
 * itself, the proxy asks netfilter (one nftables table of its own) to
 * translate it, as OpenBSD ftp-proxy does with pf. The control connection
 * is still the proxy's; only the data bytes stay in the kernel.
 *
 * One expected data connection is one "flow": the peer that will connect
 * (peer), the address and port it connects to (ours: a port the proxy keeps
 * bound, so nobody else takes it), where it really goes (to), and the source
 * address the other end must see (snat). Two map elements express it, a DNAT
 * keyed by (peer, ours, port) and an SNAT keyed by (peer, to, to port); both
 * expire by themselves, and conntrack keeps a connection's translation once
 * its first packet went through. */
#ifndef FTPLAB_PROXY_KPATH_H
#define FTPLAB_PROXY_KPATH_H

#include <stdbool.h>
#include <stddef.h>

#include "ftplab/addr.h"
#include "ftplab/status.h"

#define KPATH_TABLE_MAX 48
#define KPATH_TIMEOUT_S 60 /* an expected connection not seen by then is dropped */

struct kpath_flow {
	struct ftp_addr peer;     /* the only address whose connection is translated */
	struct ftp_hostport ours; /* where it connects: the proxy's reserved port */
	struct ftp_hostport to;   /* where it goes */
	struct ftp_addr snat;     /* the source the far end sees */
	struct ftp_addr also;     /* FTP_AF_NONE, or a second address the peer may dial
	                           * for the same port (transparent mode: the server's,
	                           * when a client ignores the address of a 227) */
};

/* Pure formatting of nft(8) commands (no I/O). FTP_OK, or FTP_ETOOLONG /
 * FTP_EFAMILY (mixed families: the kernel cannot translate v4<->v6). */
enum ftp_status kpath_format_table(char *buf, size_t cap, const char *table);
enum ftp_status kpath_format_flow(char *buf, size_t cap, const char *table,
                                  const struct kpath_flow *f, bool add);
/* "ftplab_proxy_PID": each proxy its own table. */
void kpath_table_name(char *buf, size_t cap, long pid);

/* kpath.c: the table in the kernel, through libnftables. */
struct kpath;
/* Create the table (replacing a stale one of the same name); NULL with err. */
struct kpath *kpath_open(const char *table, char *err, size_t errlen);
/* Add or delete a flow's elements; 0, or -1 with err. */
int kpath_add(struct kpath *k, const struct kpath_flow *f, char *err, size_t errlen);
void kpath_del(struct kpath *k, const struct kpath_flow *f);
/* Whether this host forwards packets of that family (sysctl), read at open. */
bool kpath_forwarding(const struct kpath *k, enum ftp_family fam);
/* Remove the table and free. */
void kpath_close(struct kpath *k);

#endif

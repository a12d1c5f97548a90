/* kpath_fmt.c - the nft(8) commands of the kernel data path. Pure: no I/O,
 * no globals but const tables; see kpath.h for what a flow is. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kpath.h"

/* DNAT before iptables' own nat rules (priority -100), so a REDIRECT of the
 * same ports does not take our connections; SNAT before MASQUERADE. */
static const char table_fmt[] =
	"add table inet %1$s\n"
	"delete table inet %1$s\n"
	"table inet %1$s {\n"
	"\tmap dnat4 { type ipv4_addr . ipv4_addr . inet_service : ipv4_addr . inet_service; "
	"flags timeout; }\n"
	"\tmap snat4 { type ipv4_addr . ipv4_addr . inet_service : ipv4_addr; flags timeout; }\n"
	"\tmap dnat6 { type ipv6_addr . ipv6_addr . inet_service : ipv6_addr . inet_service; "
	"flags timeout; }\n"
	"\tmap snat6 { type ipv6_addr . ipv6_addr . inet_service : ipv6_addr; flags timeout; }\n"
	"\tchain pre {\n\t\ttype nat hook prerouting priority -110; policy accept;\n"
	"\t\tdnat ip to ip saddr . ip daddr . tcp dport map @dnat4\n"
	"\t\tdnat ip6 to ip6 saddr . ip6 daddr . tcp dport map @dnat6\n\t}\n"
	"\tchain out {\n\t\ttype nat hook output priority -110; policy accept;\n"
	"\t\tdnat ip to ip saddr . ip daddr . tcp dport map @dnat4\n"
	"\t\tdnat ip6 to ip6 saddr . ip6 daddr . tcp dport map @dnat6\n\t}\n"
	"\tchain post {\n\t\ttype nat hook postrouting priority 90; policy accept;\n"
	"\t\tsnat ip to ip saddr . ip daddr . tcp dport map @snat4\n"
	"\t\tsnat ip6 to ip6 saddr . ip6 daddr . tcp dport map @snat6\n\t}\n"
	"}\n";

static enum ftp_status put(char *buf, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum ftp_status put(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= cap ? FTP_ENOSPACE : FTP_OK;
}

static bool table_name_ok(const char *t)
{
	size_t n = 0;

	for (; t[n]; n++)
		if (!((t[n] >= 'a' && t[n] <= 'z') || (t[n] >= '0' && t[n] <= '9') || t[n] == '_'))
			return false;
	return n > 0 && n < KPATH_TABLE_MAX;
}

enum ftp_status kpath_format_table(char *buf, size_t cap, const char *table)
{
	if (!table_name_ok(table))
		return FTP_ESYNTAX;
	return put(buf, cap, table_fmt, table);
}

void kpath_table_name(char *buf, size_t cap, long pid)
{
	snprintf(buf, cap, "ftplab_proxy_%ld", pid);
}

static bool fam_ok(const struct kpath_flow *f)
{
	enum ftp_family fam = f->peer.family;

	return (fam == FTP_AF_INET || fam == FTP_AF_INET6) && f->ours.addr.family == fam &&
	       f->to.addr.family == fam && f->snat.family == fam &&
	       (f->also.family == FTP_AF_NONE || f->also.family == fam);
}

/* The DNAT element of (peer, ours, port), or its delete. */
static enum ftp_status dnat_line(char *buf, size_t cap, const char *table, const char *v,
                                 const char *peer, const char *ours, const struct kpath_flow *f,
                                 const char *to, bool add)
{
	if (!add)
		return put(buf, cap, "delete element inet %s dnat%s { %s . %s . %u }\n", table, v,
		           peer, ours, (unsigned)f->ours.port);
	return put(buf, cap, "add element inet %s dnat%s { %s . %s . %u timeout %ds : %s . %u }\n",
	           table, v, peer, ours, (unsigned)f->ours.port, KPATH_TIMEOUT_S, to,
	           (unsigned)f->to.port);
}

/* add: the elements, with their timeout; delete: one command per element,
 * so a caller can run them apart (one may have expired already). */
enum ftp_status kpath_format_flow(char *buf, size_t cap, const char *table,
                                  const struct kpath_flow *f, bool add)
{
	char peer[ADDR_STRLEN], ours[ADDR_STRLEN], to[ADDR_STRLEN], snat[ADDR_STRLEN];
	char also[ADDR_STRLEN];
	const char *v = f->peer.family == FTP_AF_INET6 ? "6" : "4";
	enum ftp_status st;
	size_t n;

	if (!table_name_ok(table))
		return FTP_ESYNTAX;
	if (!fam_ok(f))
		return FTP_EFAMILY;
	if (f->ours.port == 0 || f->to.port == 0)
		return FTP_ERANGE;
	if (addr_format(peer, sizeof(peer), &f->peer) != FTP_OK ||
	    addr_format(ours, sizeof(ours), &f->ours.addr) != FTP_OK ||
	    addr_format(to, sizeof(to), &f->to.addr) != FTP_OK ||
	    addr_format(snat, sizeof(snat), &f->snat) != FTP_OK ||
	    (f->also.family != FTP_AF_NONE &&
	     addr_format(also, sizeof(also), &f->also) != FTP_OK))
		return FTP_ESYNTAX;
	st = dnat_line(buf, cap, table, v, peer, ours, f, to, add);
	if (st == FTP_OK && f->also.family != FTP_AF_NONE) {
		n = strlen(buf);
		st = dnat_line(buf + n, cap - n, table, v, peer, also, f, to, add);
	}
	if (st != FTP_OK)
		return st;
	n = strlen(buf);
	if (!add)
		return put(buf + n, cap - n, "delete element inet %s snat%s { %s . %s . %u }\n",
		           table, v, peer, to, (unsigned)f->to.port);
	return put(buf + n, cap - n, "add element inet %s snat%s { %s . %s . %u timeout %ds : %s }\n",
	           table, v, peer, to, (unsigned)f->to.port, KPATH_TIMEOUT_S, snat);
}

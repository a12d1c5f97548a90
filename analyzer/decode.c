/* decode.c - one captured frame to a neutral TCP segment (see decode.h).
 *
 * Every read is checked against two ends: what the headers say is on the
 * wire (a field past it is DEC_MALFORMED) and what was captured (a field
 * past it is DEC_TRUNCATED). The capture end never exceeds the wire end
 * once the IP length is known, so Ethernet padding is never payload. */
#include "decode.h"

#include <assert.h>
#include <string.h>

enum {
	NULL_HDR = 4,
	ETH_HDR = 14,
	VLAN_TAG = 4,
	SLL_HDR = 16,
	SLL_PROTO = 14,
	SLL2_HDR = 20,
	SLL2_PROTO = 0,
	IP4_HDR = 20,
	IP6_HDR = 40,
	TCP_HDR = 20,
	IP6_EXT_MAX = 16,   /* extension headers followed before giving up */
	IP6_FRAG_HDR = 8,
};

enum {
	ETHERTYPE_IPV4 = 0x0800,
	ETHERTYPE_IPV6 = 0x86dd,
	ETHERTYPE_VLAN = 0x8100,
	ETHERTYPE_QINQ = 0x88a8,
	ETHERTYPE_QINQ_OLD = 0x9100,
};

enum {
	IPP_HOPOPTS = 0,
	IPP_TCP = 6,
	IPP_ROUTING = 43,
	IPP_FRAGMENT = 44,
	IPP_ESP = 50,
	IPP_AH = 51,
	IPP_NONE = 59,
	IPP_DSTOPTS = 60,
};

/* BSD address families as found in NULL/LOOP headers. */
enum {
	BSD_AF_INET = 2,
	BSD_AF_INET6_LINUX = 10,
	BSD_AF_INET6_NETBSD = 24, /* also OpenBSD */
	BSD_AF_INET6_FREEBSD = 28,
	BSD_AF_INET6_DARWIN = 30,
};

/* Where the IP header starts and which version it must be (0: either,
 * from its first nibble). */
struct link_out {
	size_t off;
	unsigned ver;
};

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t rd32le(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Whether n bytes at off fit: past the wire end the headers contradict each
 * other (malformed); past the capture end the snaplen cut them. */
static enum dec_status span_need(size_t cap, size_t wire, size_t off, size_t n)
{
	if (off > wire || wire - off < n)
		return DEC_MALFORMED;
	if (off > cap || cap - off < n)
		return DEC_TRUNCATED;
	return DEC_OK;
}

/* An ethertype to an IP version; anything else, an 802.3 length field
 * (< 0x600) included, is DEC_NOT_IP. */
static enum dec_status ver_from_ethertype(uint16_t type, unsigned *ver)
{
	if (type == ETHERTYPE_IPV4)
		*ver = 4;
	else if (type == ETHERTYPE_IPV6)
		*ver = 6;
	else
		return DEC_NOT_IP;
	return DEC_OK;
}

static enum dec_status ver_from_af(uint32_t af, unsigned *ver)
{
	switch (af) {
	case BSD_AF_INET:
		*ver = 4;
		return DEC_OK;
	case BSD_AF_INET6_LINUX:
	case BSD_AF_INET6_NETBSD:
	case BSD_AF_INET6_FREEBSD:
	case BSD_AF_INET6_DARWIN:
		*ver = 6;
		return DEC_OK;
	default:
		return DEC_NOT_IP;
	}
}

/* NULL: the family in the capturing host's byte order, which need not be
 * ours: both orders are tried (no family value is valid both ways). */
static enum dec_status link_null(const uint8_t *p, size_t caplen, struct link_out *lo)
{
	if (caplen < NULL_HDR)
		return DEC_TRUNCATED;
	lo->off = NULL_HDR;
	if (ver_from_af(rd32le(p), &lo->ver) == DEC_OK)
		return DEC_OK;
	return ver_from_af(rd32(p), &lo->ver);
}

static enum dec_status link_loop(const uint8_t *p, size_t caplen, struct link_out *lo)
{
	if (caplen < NULL_HDR)
		return DEC_TRUNCATED;
	lo->off = NULL_HDR;
	return ver_from_af(rd32(p), &lo->ver);
}

static bool ethertype_is_tag(uint16_t type)
{
	return type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD;
}

/* Ethernet II with any number of 802.1Q/802.1ad tags (each one consumes
 * bytes, so the walk ends with the capture). */
static enum dec_status link_ether(const uint8_t *p, size_t caplen, struct link_out *lo)
{
	size_t off = ETH_HDR;
	uint16_t type;

	if (caplen < ETH_HDR)
		return DEC_TRUNCATED;
	type = rd16(p + ETH_HDR - 2);
	while (ethertype_is_tag(type)) {
		if (caplen - off < VLAN_TAG)
			return DEC_TRUNCATED;
		type = rd16(p + off + 2);
		off += VLAN_TAG;
	}
	lo->off = off;
	return ver_from_ethertype(type, &lo->ver);
}

static enum dec_status link_sll(const uint8_t *p, size_t caplen, struct link_out *lo)
{
	if (caplen < SLL_HDR)
		return DEC_TRUNCATED;
	lo->off = SLL_HDR;
	return ver_from_ethertype(rd16(p + SLL_PROTO), &lo->ver);
}

static enum dec_status link_sll2(const uint8_t *p, size_t caplen, struct link_out *lo)
{
	if (caplen < SLL2_HDR)
		return DEC_TRUNCATED;
	lo->off = SLL2_HDR;
	return ver_from_ethertype(rd16(p + SLL2_PROTO), &lo->ver);
}

/* A link type: its strip function, or none when IP starts at byte 0 with
 * version ver (0: from the first nibble). */
struct link_kind {
	int linktype;
	const char *name;
	enum dec_status (*strip)(const uint8_t *p, size_t caplen, struct link_out *lo);
	unsigned ver;
};

static const struct link_kind link_kinds[] = {
	{0, "NULL", link_null, 0},
	{1, "EN10MB", link_ether, 0},
	{12, "RAW", NULL, 0},
	{14, "RAW", NULL, 0},
	{101, "RAW", NULL, 0},
	{108, "LOOP", link_loop, 0},
	{113, "LINUX_SLL", link_sll, 0},
	{228, "IPV4", NULL, 4},
	{229, "IPV6", NULL, 6},
	{276, "LINUX_SLL2", link_sll2, 0},
};

static const struct link_kind *link_kind_find(int linktype)
{
	for (size_t i = 0; i < sizeof(link_kinds) / sizeof(link_kinds[0]); i++)
		if (link_kinds[i].linktype == linktype)
			return &link_kinds[i];
	return NULL;
}

/* The TCP header at p: cap bytes captured, wire bytes on the wire (the rest
 * of the IP payload), cap <= wire. */
static enum dec_status decode_tcp(const uint8_t *p, size_t cap, size_t wire, struct seg *s)
{
	enum dec_status st = span_need(cap, wire, 0, TCP_HDR);
	size_t hl;

	if (st != DEC_OK)
		return st;
	hl = (size_t)(p[12] >> 4) * 4;
	if (hl < TCP_HDR)
		return DEC_MALFORMED;
	st = span_need(cap, wire, 0, hl);
	if (st != DEC_OK)
		return st;
	s->src.port = rd16(p);
	s->dst.port = rd16(p + 2);
	s->seq = rd32(p + 4);
	s->ack = rd32(p + 8);
	s->flags = p[13] & 0x3f;
	s->window = rd16(p + 14);
	s->len = cap - hl;
	s->wire_len = wire - hl;
	s->payload = s->len ? p + hl : NULL;
	return DEC_OK;
}

static enum dec_status decode_ipv4(const uint8_t *p, size_t caplen, struct seg *s)
{
	size_t hl, tl, cap;

	if (caplen < IP4_HDR)
		return DEC_TRUNCATED;
	if (p[0] >> 4 != 4)
		return DEC_MALFORMED;
	hl = (size_t)(p[0] & 0x0f) * 4;
	tl = rd16(p + 2);
	if (hl < IP4_HDR || tl < hl)
		return DEC_MALFORMED;
	if (caplen < hl)
		return DEC_TRUNCATED;
	if ((rd16(p + 6) & 0x3fff) != 0) /* MF, or an offset */
		return DEC_FRAGMENT;
	if (p[9] != IPP_TCP)
		return DEC_NOT_TCP;
	s->src.addr.family = FTP_AF_INET;
	s->dst.addr.family = FTP_AF_INET;
	memcpy(s->src.addr.b, p + 12, 4);
	memcpy(s->dst.addr.b, p + 16, 4);
	cap = caplen < tl ? caplen : tl;
	return decode_tcp(p + hl, cap - hl, tl - hl, s);
}

/* The length of extension header h of type nh (its first two bytes read). */
static size_t ipv6_ext_len(uint8_t nh, const uint8_t *h)
{
	if (nh == IPP_FRAGMENT)
		return IP6_FRAG_HDR;
	if (nh == IPP_AH)
		return ((size_t)h[1] + 2) * 4;
	return ((size_t)h[1] + 1) * 8;
}

/* Walk the extension headers to the TCP header; *off is its offset. */
static enum dec_status ipv6_find_tcp(const uint8_t *p, size_t cap, size_t wire, size_t *off)
{
	uint8_t nh = p[6];
	size_t o = IP6_HDR;

	for (unsigned i = 0;; i++) {
		enum dec_status st;
		size_t hl;

		switch (nh) {
		case IPP_TCP:
			*off = o;
			return DEC_OK;
		case IPP_HOPOPTS:
		case IPP_ROUTING:
		case IPP_DSTOPTS:
		case IPP_FRAGMENT:
		case IPP_AH:
			break;
		default: /* No Next Header, ESP, UDP, ICMPv6, ... */
			return DEC_NOT_TCP;
		}
		if (i == IP6_EXT_MAX)
			return DEC_MALFORMED;
		if ((st = span_need(cap, wire, o, 2)) != DEC_OK)
			return st;
		hl = ipv6_ext_len(nh, p + o);
		if ((st = span_need(cap, wire, o, hl)) != DEC_OK)
			return st;
		/* Offset (high 13 bits) or M (bit 0): an atomic fragment has neither. */
		if (nh == IPP_FRAGMENT && (rd16(p + o + 2) & 0xfff9) != 0)
			return DEC_FRAGMENT;
		nh = p[o];
		o += hl;
	}
}

static enum dec_status decode_ipv6(const uint8_t *p, size_t caplen, struct seg *s)
{
	size_t wire, cap, off = 0;
	enum dec_status st;

	if (caplen < IP6_HDR)
		return DEC_TRUNCATED;
	if (p[0] >> 4 != 6)
		return DEC_MALFORMED;
	wire = IP6_HDR + (size_t)rd16(p + 4);
	cap = caplen < wire ? caplen : wire;
	st = ipv6_find_tcp(p, cap, wire, &off);
	if (st != DEC_OK)
		return st;
	s->src.addr.family = FTP_AF_INET6;
	s->dst.addr.family = FTP_AF_INET6;
	memcpy(s->src.addr.b, p + 8, 16);
	memcpy(s->dst.addr.b, p + 24, 16);
	return decode_tcp(p + off, cap - off, wire - off, s);
}

/* On any status but DEC_OK, *out is left zeroed. */
enum dec_status decode_frame(int linktype, const uint8_t *p, size_t caplen, struct seg *out)
{
	const struct link_kind *k = link_kind_find(linktype);
	struct link_out lo = {0, 0};
	struct seg s;
	enum dec_status st;

	assert(out != NULL);
	memset(out, 0, sizeof(*out));
	if (k == NULL)
		return DEC_LINKTYPE;
	if (p == NULL)
		return DEC_TRUNCATED;
	lo.ver = k->ver;
	if (k->strip && (st = k->strip(p, caplen, &lo)) != DEC_OK)
		return st;
	assert(lo.off <= caplen);
	p += lo.off;
	caplen -= lo.off;
	if (caplen == 0)
		return DEC_TRUNCATED;
	if (lo.ver == 0)
		lo.ver = p[0] >> 4;
	memset(&s, 0, sizeof(s));
	if (lo.ver == 4)
		st = decode_ipv4(p, caplen, &s);
	else if (lo.ver == 6)
		st = decode_ipv6(p, caplen, &s);
	else
		st = DEC_MALFORMED; /* RAW, but neither IPv4 nor IPv6 */
	if (st == DEC_OK)
		*out = s;
	return st;
}

bool decode_linktype_supported(int linktype)
{
	return link_kind_find(linktype) != NULL;
}

const char *decode_linktype_name(int linktype)
{
	const struct link_kind *k = link_kind_find(linktype);

	return k ? k->name : NULL;
}

const char *decode_status_str(enum dec_status st)
{
	static const char *const str[] = {
		[DEC_OK] = "TCP segment",
		[DEC_NOT_IP] = "not IP",
		[DEC_NOT_TCP] = "not TCP",
		[DEC_FRAGMENT] = "IP fragment",
		[DEC_TRUNCATED] = "truncated",
		[DEC_MALFORMED] = "malformed",
		[DEC_LINKTYPE] = "unsupported link type",
	};

	if ((unsigned)st < sizeof(str) / sizeof(str[0]) && str[st])
		return str[st];
	return "unknown status";
}

/* test_decode.c - the analyzer's frame decoder (analyzer/decode.c): frames
 * are built byte by byte here (link header, IPv4/IPv6 with options and
 * extension headers, TCP), decoded from exact-size copies (so that
 * AddressSanitizer sees any read past caplen) and checked field by field;
 * every valid frame is also cut at every length and mutated byte by byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "decode.h"
#include "tablecheck.h"

enum { FRAME_MAX = 1024 };

/* IP protocol numbers the builders write. */
enum {
	P_HBH = 0, P_ICMP = 1, P_TCP = 6, P_UDP = 17, P_RT = 43, P_FRAG = 44, P_ESP = 50,
	P_AH = 51, P_ICMP6 = 58, P_NONE = 59, P_DST = 60,
};

/* The link header the builder writes. */
enum lk { LK_RAW, LK_ETH, LK_NULL_LE, LK_NULL_BE, LK_SLL, LK_SLL2 };

/* One frame to build; zero fields mean "a normal one". */
struct fspec {
	enum lk link;
	uint32_t ltype;   /* ethertype or address family; 0: the one for ipver */
	uint16_t tags[4]; /* Ethernet tag TPIDs before ltype, 0-terminated */
	int ipver;        /* 4 or 6; 0: a 28-byte ARP body instead of IP */
	uint8_t nibble;   /* IP version nibble written; 0: ipver */
	uint8_t ihl;      /* IPv4 header words; 0: 5 (options are NOPs) */
	int len_adj;      /* added to the IP length field */
	uint16_t frag;    /* IPv4 flags|offset, or the IPv6 fragment header's field */
	uint8_t proto;    /* the protocol after IP (and its extension headers); 0: TCP */
	uint8_t ext[20];  /* IPv6 extension headers, in order */
	size_t n_ext;
	uint8_t doff;     /* TCP header words; 0: 5 (options are NOPs) */
	size_t payload;   /* TCP payload bytes */
	size_t pad;       /* bytes after the IP packet (Ethernet padding) */
};

/* A built frame and where its parts start. */
struct frame {
	uint8_t b[FRAME_MAX];
	size_t n;      /* the whole frame */
	size_t data;   /* the TCP payload */
};

static const uint8_t src4[16] = {192, 0, 2, 1};
static const uint8_t dst4[16] = {198, 51, 100, 2};
static const uint8_t src6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t dst6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t link_default_type(const struct fspec *f)
{
	bool bsd = f->link == LK_NULL_LE || f->link == LK_NULL_BE;

	if (f->ltype)
		return f->ltype;
	if (f->ipver == 4)
		return bsd ? 2 : 0x0800;
	if (f->ipver == 6)
		return bsd ? 30 : 0x86dd;
	return 0x0806;
}

/* Ethernet II (with tags), NULL/LOOP, Linux SLL or SLL2, or nothing. */
static size_t link_build(uint8_t *b, const struct fspec *f)
{
	uint32_t type = link_default_type(f);
	size_t n = 0;

	switch (f->link) {
	case LK_RAW:
		return 0;
	case LK_ETH:
		memcpy(b, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02", 12);
		n = 12;
		for (size_t i = 0; i < 4 && f->tags[i]; i++, n += 4) {
			put16(b + n, f->tags[i]);
			put16(b + n + 2, (uint16_t)(100 + i));
		}
		put16(b + n, (uint16_t)type);
		return n + 2;
	case LK_NULL_LE:
		for (int i = 0; i < 4; i++)
			b[i] = (uint8_t)(type >> 8 * i);
		return 4;
	case LK_NULL_BE:
		put32(b, type);
		return 4;
	case LK_SLL: /* packet type, ARPHRD_ETHER, address length, address, protocol */
		memcpy(b, "\0\0\0\x01\0\x06\x02\0\0\0\0\x01\0\0", 14);
		put16(b + 14, (uint16_t)type);
		return 16;
	case LK_SLL2: /* protocol, reserved, ifindex, ARPHRD_ETHER, type, length, address */
		put16(b, (uint16_t)type);
		memcpy(b + 2, "\0\0\0\0\0\x02\0\x01\0\x06\x02\0\0\0\0\x01\0\0", 18);
		return 20;
	}
	return 0;
}

static size_t ext_size(uint8_t t)
{
	return t == P_DST ? 16 : t == P_RT || t == P_AH ? 24 : 8;
}

/* An IPv6 extension header of type t followed by next. */
static size_t ext_build(uint8_t *b, uint8_t t, uint8_t next, uint16_t frag)
{
	size_t n = ext_size(t);

	memset(b, 0, n);
	b[0] = next;
	if (t == P_AH) {
		b[1] = (uint8_t)(n / 4 - 2);
		put32(b + 4, 0x1000);
	} else if (t == P_FRAG) {
		put16(b + 2, frag);
		put32(b + 4, 0x12345678);
	} else { /* length in 8-byte units past the first, then a PadN option */
		b[1] = (uint8_t)(n / 8 - 1);
		b[2] = 1;
		b[3] = (uint8_t)(n - 4);
	}
	return n;
}

/* The IP header and, for IPv6, its extension headers; l4 bytes follow. */
static size_t ip_build(uint8_t *b, const struct fspec *f, size_t l4)
{
	uint8_t ver = f->nibble ? f->nibble : (uint8_t)f->ipver;
	uint8_t proto = f->proto ? f->proto : P_TCP;
	size_t n;

	if (f->ipver == 4) {
		uint8_t ihl = f->ihl ? f->ihl : 5;

		n = (size_t)ihl * 4;
		memset(b, 1, n); /* the options: NOPs */
		b[0] = (uint8_t)(ver << 4 | ihl);
		b[1] = 0;
		put16(b + 2, (uint16_t)((int)(n + l4) + f->len_adj));
		put16(b + 4, 0x4242);
		put16(b + 6, f->frag);
		b[8] = 64;
		b[9] = proto;
		put16(b + 10, 0);
		memcpy(b + 12, src4, 4);
		memcpy(b + 16, dst4, 4);
		return n;
	}
	memset(b, 0, 40);
	b[0] = (uint8_t)(ver << 4);
	b[6] = f->n_ext ? f->ext[0] : proto;
	b[7] = 64;
	memcpy(b + 8, src6, 16);
	memcpy(b + 24, dst6, 16);
	n = 40;
	for (size_t i = 0; i < f->n_ext; i++)
		n += ext_build(b + n, f->ext[i], i + 1 < f->n_ext ? f->ext[i + 1] : proto, f->frag);
	put16(b + 4, (uint16_t)((int)(n - 40 + l4) + f->len_adj));
	return n;
}

static size_t tcp_build(uint8_t *b, const struct fspec *f)
{
	size_t hl = (size_t)(f->doff ? f->doff : 5) * 4;

	memset(b, 1, hl); /* the options: NOPs */
	put16(b, 40000);
	put16(b + 2, 21);
	put32(b + 4, 0x01020304);
	put32(b + 8, 0xa0b0c0d0);
	b[12] = (uint8_t)((hl / 4) << 4);
	b[13] = 0xd8; /* CWR ECE ACK PSH: only the low 6 bits are ours */
	put16(b + 14, 0x1234);
	put32(b + 16, 0);
	for (size_t i = 0; i < f->payload; i++)
		b[hl + i] = (uint8_t)('a' + i % 26);
	return hl + f->payload;
}

static void frame_build(struct frame *fr, const struct fspec *f)
{
	size_t n = link_build(fr->b, f), l4;

	if (f->ipver == 0) { /* an ARP request */
		memset(fr->b + n, 0, 28);
		memcpy(fr->b + n, "\0\x01\x08\0\x06\x04\0\x01", 8);
		n += 28;
		fr->data = n;
	} else { /* TCP first (its length goes into the IP header), moved after it */
		l4 = tcp_build(fr->b + 512, f);
		n += ip_build(fr->b + n, f, l4);
		fr->data = n + (size_t)(f->doff ? f->doff : 5) * 4;
		memmove(fr->b + n, fr->b + 512, l4);
		n += l4;
	}
	memset(fr->b + n, 0, f->pad);
	fr->n = n + f->pad;
	assert_true(fr->n <= 512);
}

/* What a decode that is not DEC_OK leaves: a zeroed segment. */
static void check_zeroed(const struct ctx *x, const struct seg *s)
{
	struct seg z;

	memset(&z, 0, sizeof(z));
	CHECK_MEM(x, s, &z, sizeof(z));
}

/* The fields every built segment carries. */
static void check_fields(const struct ctx *x, const struct seg *s, int ipver)
{
	enum ftp_family fam = ipver == 4 ? FTP_AF_INET : FTP_AF_INET6;

	CHECK_INT(x, s->src.addr.family, fam);
	CHECK_INT(x, s->dst.addr.family, fam);
	CHECK_MEM(x, s->src.addr.b, ipver == 4 ? src4 : src6, 16);
	CHECK_MEM(x, s->dst.addr.b, ipver == 4 ? dst4 : dst6, 16);
	CHECK_INT(x, s->src.port, 40000);
	CHECK_INT(x, s->dst.port, 21);
	CHECK_INT(x, s->seq, 0x01020304);
	CHECK_INT(x, s->ack, 0xa0b0c0d0u);
	CHECK_INT(x, s->flags, TCPF_ACK | TCPF_PSH);
	CHECK_INT(x, s->window, 0x1234);
}

/* The payload: where it starts in frame p, or NULL when there is none. */
static void check_payload(const struct ctx *x, const struct seg *s, const uint8_t *p,
                          size_t data)
{
	if (s->payload != (s->len ? p + data : NULL))
		FAIL(x, "%s: payload %p, want frame %p + %zu", x->name, (const void *)s->payload,
		     (const void *)p, data);
	for (size_t i = 0; i < s->len; i++)
		CHECK_INT(x, s->payload[i], 'a' + i % 26);
}

struct dcase {
	const char *name;
	int linktype;
	struct fspec f;
	size_t cut; /* bytes the snaplen cut off the end */
	enum dec_status st;
	size_t len, wire; /* when DEC_OK */
};

#define V4 .ipver = 4
#define V6 .ipver = 6
#define ETH .link = LK_ETH
#define NLE .link = LK_NULL_LE
#define NBE .link = LK_NULL_BE
#define PL .payload = 10
#define EXT1(t) .ext = {t}, .n_ext = 1
#define DST16 .ext = {60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60}

static const struct dcase dcases[] = {
	/* Every link type. */
	{"EN10MB IPv4", 1, {ETH, V4, PL}, 0, DEC_OK, 10, 10},
	{"EN10MB IPv6", 1, {ETH, V6, PL}, 0, DEC_OK, 10, 10},
	{"NULL AF_INET little-endian", 0, {NLE, V4, PL}, 0, DEC_OK, 10, 10},
	{"NULL AF_INET big-endian", 0, {NBE, V4, PL}, 0, DEC_OK, 10, 10},
	{"NULL AF_INET6 10 (Linux) LE", 0, {NLE, .ltype = 10, V6, PL}, 0, DEC_OK, 10, 10},
	{"NULL AF_INET6 10 (Linux) BE", 0, {NBE, .ltype = 10, V6, PL}, 0, DEC_OK, 10, 10},
	{"NULL AF_INET6 24 (NetBSD) LE", 0, {NLE, .ltype = 24, V6, PL}, 0, DEC_OK, 10, 10},
	{"NULL AF_INET6 24 (OpenBSD) BE", 0, {NBE, .ltype = 24, V6, PL}, 0, DEC_OK, 10, 10},
	{"NULL AF_INET6 28 (FreeBSD) LE", 0, {NLE, .ltype = 28, V6, PL}, 0, DEC_OK, 10, 10},
	{"NULL AF_INET6 28 (FreeBSD) BE", 0, {NBE, .ltype = 28, V6, PL}, 0, DEC_OK, 10, 10},
	{"NULL AF_INET6 30 (Darwin) LE", 0, {NLE, .ltype = 30, V6, PL}, 0, DEC_OK, 10, 10},
	{"NULL AF_INET6 30 (Darwin) BE", 0, {NBE, .ltype = 30, V6, PL}, 0, DEC_OK, 10, 10},
	{"NULL AF 7 is not IP", 0, {NLE, .ltype = 7, V4, PL}, 0, DEC_NOT_IP, 0, 0},
	{"NULL AF 0xffffffff is not IP", 0, {NBE, .ltype = 0xffffffff, V4}, 0, DEC_NOT_IP, 0, 0},
	{"LOOP AF_INET", 108, {NBE, V4, PL}, 0, DEC_OK, 10, 10},
	{"LOOP AF_INET6 24", 108, {NBE, .ltype = 24, V6, PL}, 0, DEC_OK, 10, 10},
	{"LOOP in host order is not IP", 108, {NLE, V4, PL}, 0, DEC_NOT_IP, 0, 0},
	{"RAW 12 IPv4", 12, {V4, PL}, 0, DEC_OK, 10, 10},
	{"RAW 12 IPv6", 12, {V6, PL}, 0, DEC_OK, 10, 10},
	{"RAW 14 IPv4", 14, {V4, PL}, 0, DEC_OK, 10, 10},
	{"RAW 14 IPv6", 14, {V6, PL}, 0, DEC_OK, 10, 10},
	{"RAW 101 IPv4", 101, {V4, PL}, 0, DEC_OK, 10, 10},
	{"RAW 101 IPv6", 101, {V6, PL}, 0, DEC_OK, 10, 10},
	{"RAW version 5", 101, {V4, .nibble = 5, PL}, 0, DEC_MALFORMED, 0, 0},
	{"RAW version 15", 12, {V6, .nibble = 0xf, PL}, 0, DEC_MALFORMED, 0, 0},
	{"IPV4", 228, {V4, PL}, 0, DEC_OK, 10, 10},
	{"IPV4 holding IPv6", 228, {V6, PL}, 0, DEC_MALFORMED, 0, 0},
	{"IPV6", 229, {V6, PL}, 0, DEC_OK, 10, 10},
	{"IPV6 holding IPv4", 229, {V4, PL}, 0, DEC_MALFORMED, 0, 0},
	{"LINUX_SLL IPv4", 113, {.link = LK_SLL, V4, PL}, 0, DEC_OK, 10, 10},
	{"LINUX_SLL IPv6", 113, {.link = LK_SLL, V6, PL}, 0, DEC_OK, 10, 10},
	{"LINUX_SLL ARP", 113, {.link = LK_SLL}, 0, DEC_NOT_IP, 0, 0},
	{"LINUX_SLL2 IPv4", 276, {.link = LK_SLL2, V4, PL}, 0, DEC_OK, 10, 10},
	{"LINUX_SLL2 IPv6", 276, {.link = LK_SLL2, V6, PL}, 0, DEC_OK, 10, 10},
	{"LINUX_SLL2 ARP", 276, {.link = LK_SLL2}, 0, DEC_NOT_IP, 0, 0},
	{"unknown link type 2", 2, {ETH, V4, PL}, 0, DEC_LINKTYPE, 0, 0},
	{"unknown link type 105 (802.11)", 105, {ETH, V4, PL}, 0, DEC_LINKTYPE, 0, 0},
	{"unknown link type -1", -1, {V4, PL}, 0, DEC_LINKTYPE, 0, 0},
	/* Ethernet: tags, other ethertypes, padding. */
	{"802.1Q", 1, {ETH, .tags = {0x8100}, V4, PL}, 0, DEC_OK, 10, 10},
	{"QinQ 88a8+8100", 1, {ETH, .tags = {0x88a8, 0x8100}, V6, PL}, 0, DEC_OK, 10, 10},
	{"QinQ 9100+8100", 1, {ETH, .tags = {0x9100, 0x8100}, V4, PL}, 0, DEC_OK, 10, 10},
	{"three tags", 1, {ETH, .tags = {0x88a8, 0x8100, 0x8100}, V4, PL}, 0, DEC_OK, 10, 10},
	{"ARP", 1, {ETH}, 0, DEC_NOT_IP, 0, 0},
	{"ARP in a VLAN", 1, {ETH, .tags = {0x8100}}, 0, DEC_NOT_IP, 0, 0},
	{"LLDP", 1, {ETH, .ltype = 0x88cc, V4, PL}, 0, DEC_NOT_IP, 0, 0},
	{"802.3 length 1500", 1, {ETH, .ltype = 0x05dc, V4, PL}, 0, DEC_NOT_IP, 0, 0},
	{"802.3 length 0x5ff", 1, {ETH, .ltype = 0x05ff, V4, PL}, 0, DEC_NOT_IP, 0, 0},
	{"ethertype IPv4 holding IPv6", 1, {ETH, .ltype = 0x0800, V6, PL}, 0, DEC_MALFORMED, 0, 0},
	{"ethertype IPv6 holding IPv4", 1, {ETH, .ltype = 0x86dd, V4, PL}, 0, DEC_MALFORMED, 0, 0},
	{"60-byte frame, empty segment", 1, {ETH, V4, .pad = 6}, 0, DEC_OK, 0, 0},
	{"60-byte frame, 2 payload bytes", 1, {ETH, V4, .payload = 2, .pad = 4}, 0, DEC_OK, 2, 2},
	{"IPv6 with padding", 1, {ETH, V6, .payload = 3, .pad = 9}, 0, DEC_OK, 3, 3},
	/* IPv4. */
	{"IPv4 header, version 6", 1, {ETH, V4, .nibble = 6, PL}, 0, DEC_MALFORMED, 0, 0},
	{"IPv4 options (IHL 6)", 1, {ETH, V4, .ihl = 6, PL}, 0, DEC_OK, 10, 10},
	{"IPv4 options (IHL 15)", 1, {ETH, V4, .ihl = 15, PL}, 0, DEC_OK, 10, 10},
	{"IHL 4", 1, {ETH, V4, .ihl = 4, PL}, 0, DEC_MALFORMED, 0, 0},
	/* 16 words: the IHL nibble overflows to 0 (the builder writes 64 bytes). */
	{"IHL 0", 12, {V4, .ihl = 0x10, PL}, 0, DEC_MALFORMED, 0, 0},
	{"total length 19", 1, {ETH, V4, .len_adj = -21}, 0, DEC_MALFORMED, 0, 0},
	{"total length 0", 1, {ETH, V4, .len_adj = -40}, 0, DEC_MALFORMED, 0, 0},
	{"total length 23, IHL 6", 1, {ETH, V4, .ihl = 6, .len_adj = -21}, 0, DEC_MALFORMED, 0, 0},
	{"total length 39: no room for TCP", 1, {ETH, V4, .len_adj = -1}, 0, DEC_MALFORMED, 0, 0},
	{"total length ends before the payload", 1, {ETH, V4, PL, .len_adj = -10}, 0, DEC_OK, 0, 0},
	{"total length ends inside the payload", 1, {ETH, V4, PL, .len_adj = -4}, 0, DEC_OK, 6, 6},
	{"total length past the capture", 1, {ETH, V4, PL, .len_adj = 100}, 0, DEC_OK, 10, 110},
	{"MF", 1, {ETH, V4, PL, .frag = 0x2000}, 0, DEC_FRAGMENT, 0, 0},
	{"offset 1", 1, {ETH, V4, PL, .frag = 0x0001}, 0, DEC_FRAGMENT, 0, 0},
	{"offset 8191", 1, {ETH, V4, PL, .frag = 0x1fff}, 0, DEC_FRAGMENT, 0, 0},
	{"MF on UDP", 1, {ETH, V4, PL, .frag = 0x2000, .proto = P_UDP}, 0, DEC_FRAGMENT, 0, 0},
	{"DF", 1, {ETH, V4, PL, .frag = 0x4000}, 0, DEC_OK, 10, 10},
	{"reserved flag", 1, {ETH, V4, PL, .frag = 0x8000}, 0, DEC_OK, 10, 10},
	{"UDP", 1, {ETH, V4, PL, .proto = P_UDP}, 0, DEC_NOT_TCP, 0, 0},
	{"ICMP", 1, {ETH, V4, PL, .proto = P_ICMP}, 0, DEC_NOT_TCP, 0, 0},
	/* IPv6. */
	{"IPv6 header, version 4", 229, {V6, .nibble = 4, PL}, 0, DEC_MALFORMED, 0, 0},
	{"HBH+DST+RT", 1, {ETH, V6, PL, .ext = {P_HBH, P_DST, P_RT}, .n_ext = 3}, 0, DEC_OK, 10, 10},
	{"HBH+DST+RT+FRAG+AH+DST", 1, {ETH, .tags = {0x88a8, 0x8100}, V6, PL,
	 .ext = {P_HBH, P_DST, P_RT, P_FRAG, P_AH, P_DST}, .n_ext = 6}, 0, DEC_OK, 10, 10},
	{"atomic fragment", 1, {ETH, V6, PL, EXT1(P_FRAG)}, 0, DEC_OK, 10, 10},
	{"fragment reserved bits", 1, {ETH, V6, PL, EXT1(P_FRAG), .frag = 6}, 0, DEC_OK, 10, 10},
	{"fragment M", 1, {ETH, V6, PL, EXT1(P_FRAG), .frag = 1}, 0, DEC_FRAGMENT, 0, 0},
	{"fragment offset 1", 1, {ETH, V6, PL, EXT1(P_FRAG), .frag = 8}, 0, DEC_FRAGMENT, 0, 0},
	{"DST, frag", 229, {V6, .ext = {P_DST, P_FRAG}, .n_ext = 2, .frag = 0xfff8}, 0, DEC_FRAGMENT, 0, 0},
	{"No Next Header", 1, {ETH, V6, .proto = P_NONE}, 0, DEC_NOT_TCP, 0, 0},
	{"ESP", 1, {ETH, V6, PL, .proto = P_ESP}, 0, DEC_NOT_TCP, 0, 0},
	{"UDP over IPv6", 1, {ETH, V6, PL, .proto = P_UDP}, 0, DEC_NOT_TCP, 0, 0},
	{"ICMPv6 after HBH", 1, {ETH, V6, PL, .proto = P_ICMP6, EXT1(P_HBH)}, 0, DEC_NOT_TCP, 0, 0},
	{"16 extension headers", 1, {ETH, V6, PL, DST16, .n_ext = 16}, 0, DEC_OK, 10, 10},
	/* 17 headers: DST16 leaves ext[16] at 0, a Hop-by-Hop header. */
	{"17 extension headers", 1, {ETH, V6, PL, DST16, .n_ext = 17}, 0, DEC_MALFORMED, 0, 0},
	{"payload length 4, HBH 8", 229, {V6, EXT1(P_HBH), .len_adj = -24}, 0, DEC_MALFORMED, 0, 0},
	{"jumbogram", 1, {ETH, V6, PL, EXT1(P_HBH), .len_adj = -38}, 0, DEC_MALFORMED, 0, 0},
	{"payload length 0, TCP", 1, {ETH, V6, PL, .len_adj = -30}, 0, DEC_MALFORMED, 0, 0},
	{"payload length 19", 1, {ETH, V6, .len_adj = -1}, 0, DEC_MALFORMED, 0, 0},
	{"payload length past the capture", 1, {ETH, V6, PL, .len_adj = 50}, 0, DEC_OK, 10, 60},
	{"payload length ends inside the payload", 229, {V6, PL, .len_adj = -3}, 0, DEC_OK, 7, 7},
	/* TCP. */
	{"data offset 4", 1, {ETH, V4, PL, .doff = 4}, 0, DEC_MALFORMED, 0, 0},
	/* 16 words: the data offset nibble overflows to 0. */
	{"data offset 0", 1, {ETH, V6, PL, .doff = 16}, 0, DEC_MALFORMED, 0, 0},
	{"TCP options (data offset 8)", 1, {ETH, V4, PL, .doff = 8}, 0, DEC_OK, 10, 10},
	{"data offset 15", 1, {ETH, V6, PL, .doff = 15}, 0, DEC_OK, 10, 10},
	{"data offset 15 past IP length", 228, {V4, .doff = 15, .len_adj = -40}, 0, DEC_MALFORMED, 0, 0},
	{"data offset 15 past the capture", 1, {ETH, V4, .doff = 15}, 1, DEC_TRUNCATED, 0, 0},
	{"snaplen cuts the payload", 1, {ETH, V4, PL}, 5, DEC_OK, 5, 10},
	{"snaplen cuts all the payload", 1, {ETH, V4, PL}, 10, DEC_OK, 0, 10},
	{"snaplen cuts the IPv6 payload", 276, {.link = LK_SLL2, V6, PL}, 9, DEC_OK, 1, 10},
	{"snaplen cuts the TCP header", 1, {ETH, V4, PL}, 11, DEC_TRUNCATED, 0, 0},
	{"snaplen cuts the IPv4 options", 1, {ETH, V4, .ihl = 15}, 21, DEC_TRUNCATED, 0, 0},
	{"snaplen cuts an extension header", 1, {ETH, V6, EXT1(P_RT)}, 21, DEC_TRUNCATED, 0, 0},
};

static void test_frames(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		const struct dcase *c = &dcases[i];
		struct frame fr;
		struct seg s;
		uint8_t *p;
		size_t caplen;

		frame_build(&fr, &c->f);
		assert_true(c->cut <= fr.n);
		caplen = fr.n - c->cut;
		p = (uint8_t *)dup_exact(fr.b, caplen);
		struct ctx x = {c->name, p, caplen};
		memset(&s, 0xa5, sizeof(s));
		CHECK_INT(&x, decode_frame(c->linktype, p, caplen, &s), c->st);
		if (c->st == DEC_OK) {
			check_fields(&x, &s, c->f.ipver);
			CHECK_INT(&x, s.len, c->len);
			CHECK_INT(&x, s.wire_len, c->wire);
			check_payload(&x, &s, p, fr.data);
		} else {
			check_zeroed(&x, &s);
		}
		free(p);
	}
}

/* Every DEC_OK case cut at every caplen: truncated up to the end of the TCP
 * header, then a segment with what was captured of the payload. */
static void test_truncated(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		const struct dcase *c = &dcases[i];
		struct frame fr;

		if (c->st != DEC_OK)
			continue;
		frame_build(&fr, &c->f);
		for (size_t caplen = 0; caplen <= fr.n - c->cut; caplen++) {
			uint8_t *p = (uint8_t *)dup_exact(fr.b, caplen);
			struct ctx x = {c->name, p, caplen};
			struct seg s;
			enum dec_status st = decode_frame(c->linktype, p, caplen, &s);

			if (caplen < fr.data) {
				if (st != DEC_TRUNCATED)
					FAIL(&x, "%s cut at %zu: %s", c->name, caplen,
					     decode_status_str(st));
				check_zeroed(&x, &s);
			} else {
				size_t got = caplen - fr.data;

				CHECK_INT(&x, st, DEC_OK);
				check_fields(&x, &s, c->f.ipver);
				CHECK_INT(&x, s.len, got < c->len ? got : c->len);
				CHECK_INT(&x, s.wire_len, c->wire);
				check_payload(&x, &s, p, fr.data);
			}
			free(p);
		}
	}
}

/* What must hold for any input: a known status; a segment inside the frame;
 * nothing but zeros when there is no segment. */
static void check_invariants(const struct ctx *x, enum dec_status st, const struct seg *s,
                             const uint8_t *p, size_t caplen)
{
	if ((unsigned)st > DEC_LINKTYPE)
		FAIL(x, "%s: status %d", x->name, (int)st);
	if (st != DEC_OK) {
		check_zeroed(x, s);
		return;
	}
	if (s->len > s->wire_len)
		FAIL(x, "%s: len %zu > wire_len %zu", x->name, s->len, s->wire_len);
	if (s->len == 0 ? s->payload != NULL : s->payload < p || s->payload > p + caplen ||
	                                       s->len > (size_t)(p + caplen - s->payload))
		FAIL(x, "%s: payload %p, %zu bytes: not in the frame", x->name,
		     (const void *)s->payload, s->len);
	if (s->flags & ~0x3f)
		FAIL(x, "%s: flags 0x%x", x->name, s->flags);
	if (s->src.addr.family != s->dst.addr.family ||
	    (s->src.addr.family != FTP_AF_INET && s->src.addr.family != FTP_AF_INET6))
		FAIL(x, "%s: families %d %d", x->name, s->src.addr.family, s->dst.addr.family);
}

static void decode_checked(const char *name, int linktype, const uint8_t *frame, size_t n)
{
	uint8_t *p = (uint8_t *)dup_exact(frame, n);
	struct ctx x = {name, p, n};
	struct seg s;

	check_invariants(&x, decode_frame(linktype, p, n, &s), &s, p, n);
	free(p);
}

/* Every byte of every case set to values that move fields to their edges. */
static void test_mutated(void **state)
{
	static const uint8_t set[] = {0x00, 0x01, 0x06, 0x0f, 0x2c, 0x3b, 0x45, 0x7f, 0xff};

	(void)state;
	for (size_t i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		const struct dcase *c = &dcases[i];
		struct frame fr;

		frame_build(&fr, &c->f);
		for (size_t at = 0; at < fr.n - c->cut; at++) {
			uint8_t keep = fr.b[at];

			for (size_t v = 0; v < sizeof(set); v++) {
				fr.b[at] = set[v];
				decode_checked(c->name, c->linktype, fr.b, fr.n - c->cut);
			}
			fr.b[at] = keep;
		}
	}
}

static uint32_t xorshift(uint32_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 17;
	*st ^= *st << 5;
	return *st;
}

/* Every case with its bytes from a random offset on replaced by random ones. */
static void test_random(void **state)
{
	uint32_t rng = 0x9e3779b9;

	(void)state;
	for (size_t i = 0; i < sizeof(dcases) / sizeof(dcases[0]); i++) {
		const struct dcase *c = &dcases[i];
		struct frame fr;

		for (int round = 0; round < 300; round++) {
			size_t n, at;

			frame_build(&fr, &c->f);
			n = fr.n - c->cut;
			for (at = n ? xorshift(&rng) % n : 0; at < n; at++)
				fr.b[at] = (uint8_t)xorshift(&rng);
			decode_checked(c->name, c->linktype, fr.b, n);
		}
	}
}

struct name_case {
	int linktype;
	const char *name; /* NULL: unsupported */
};

static const struct name_case name_cases[] = {
	{0, "NULL"}, {1, "EN10MB"}, {12, "RAW"}, {14, "RAW"}, {101, "RAW"}, {108, "LOOP"},
	{113, "LINUX_SLL"}, {228, "IPV4"}, {229, "IPV6"}, {276, "LINUX_SLL2"},
	{-1, NULL}, {2, NULL}, {9, NULL}, {100, NULL}, {105, NULL}, {127, NULL}, {192, NULL},
	{277, NULL}, {1 << 16, NULL},
};

static void test_linktypes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		const struct name_case *c = &name_cases[i];
		const char *got = decode_linktype_name(c->linktype);
		struct ctx x = {c->name ? c->name : "(unsupported)", "", 0};
		struct seg s;

		CHECK_INT(&x, decode_linktype_supported(c->linktype), c->name != NULL);
		CHECK_STR(&x, got ? got : "(NULL)", c->name ? c->name : "(NULL)");
		/* No frame (NULL, whatever caplen): DEC_LINKTYPE comes first. */
		CHECK_INT(&x, decode_frame(c->linktype, NULL, 64, &s),
		          c->name ? DEC_TRUNCATED : DEC_LINKTYPE);
	}
}

static void test_status_str(void **state)
{
	static const char *const want[] = {
		"TCP segment", "not IP", "not TCP", "IP fragment", "truncated", "malformed",
		"unsupported link type",
	};

	(void)state;
	for (int st = DEC_OK; st <= DEC_LINKTYPE; st++)
		assert_string_equal(decode_status_str((enum dec_status)st), want[st]);
	assert_string_equal(decode_status_str((enum dec_status)(DEC_LINKTYPE + 1)),
	                    "unknown status");
	assert_string_equal(decode_status_str((enum dec_status)-1), "unknown status");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_mutated),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_linktypes),
		cmocka_unit_test(test_status_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

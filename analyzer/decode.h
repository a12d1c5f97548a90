/* decode.h - one captured frame to a neutral TCP segment: link layer
 * (Ethernet with 802.1Q/QinQ, BSD NULL/LOOP, RAW, Linux SLL and SLL2), IPv4
 * (options; fragments reported, not reassembled) and IPv6 (extension
 * headers skipped), then the TCP header. Pure: no I/O, no globals; the
 * segment points into the caller's frame bytes.
 *
 * Link types are the pcap LINKTYPE_ values (the ones libpcap's
 * pcap_datalink() returns on Linux): 0 NULL, 1 EN10MB, 12 and 101 RAW,
 * 14 RAW (OpenBSD's number), 108 LOOP, 113 LINUX_SLL, 228 IPV4, 229 IPV6,
 * 276 LINUX_SLL2. */
#ifndef FTPLAB_ANALYZER_DECODE_H
#define FTPLAB_ANALYZER_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftplab/addr.h"

enum dec_status {
	DEC_OK = 0,        /* a TCP segment: out is filled */
	DEC_NOT_IP,        /* ARP, LLDP, ...: not for us, not an error */
	DEC_NOT_TCP,       /* UDP, ICMP, ...: not for us, not an error */
	DEC_FRAGMENT,      /* an IP fragment (not reassembled): counted */
	DEC_TRUNCATED,     /* caplen too short for a header it claims */
	DEC_MALFORMED,     /* a header field that cannot be (IHL < 5, data offset < 5, ...) */
	DEC_LINKTYPE,      /* a link type we do not decode */
};

/* TCP flags as on the wire. */
enum {
	TCPF_FIN = 0x01,
	TCPF_SYN = 0x02,
	TCPF_RST = 0x04,
	TCPF_PSH = 0x08,
	TCPF_ACK = 0x10,
	TCPF_URG = 0x20,
};

struct seg {
	struct ftp_hostport src, dst; /* addresses in the struct ftp_addr of libftplab */
	uint32_t seq, ack;
	uint8_t flags;                /* TCPF_* */
	uint16_t window;
	const uint8_t *payload;       /* into the frame; NULL when len is 0 */
	size_t len;                   /* TCP payload bytes present in the capture */
	size_t wire_len;              /* TCP payload bytes on the wire (from the IP lengths):
	                               * > len when the capture was cut short (snaplen) */
};

/* Decode frame p[0..caplen) of link type linktype. Ethernet padding is not
 * payload (the IP total length bounds it). */
enum dec_status decode_frame(int linktype, const uint8_t *p, size_t caplen, struct seg *out);

/* Whether decode_frame knows this link type; its name ("EN10MB") or NULL. */
bool decode_linktype_supported(int linktype);
const char *decode_linktype_name(int linktype);
const char *decode_status_str(enum dec_status st);

#endif

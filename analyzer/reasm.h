/* reasm.h - TCP reassembly of one direction of one connection. Pure: no
 * I/O, no globals; memory comes from malloc and is bounded per direction
 * (limits.max_ooo_bytes) and in total (a shared struct reasm_budget).
 *
 * Bytes are delivered in order, each exactly once, through the callbacks;
 * stream offsets are 64-bit (offset 0 = the byte after the SYN, or the first
 * byte seen when the capture starts mid-stream), so 32-bit sequence wrap is
 * invisible to the caller. Retransmissions and overlaps are trimmed (the
 * first copy seen wins, as in most stacks and in Zeek). Out-of-order
 * segments wait, within the limits; when a limit is hit, or when the caller
 * flushes (FIN/RST seen and acknowledged, flow expired, end of capture), the
 * missing range is reported as a gap and delivery goes on after it: gaps are
 * reported, never guessed. */
#ifndef FTPLAB_ANALYZER_REASM_H
#define FTPLAB_ANALYZER_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct reasm_callbacks {
	/* In-order bytes at stream offset off. */
	void (*data)(void *ctx, uint64_t off, const uint8_t *p, size_t n);
	/* Bytes [off, off+n) were never seen. */
	void (*gap)(void *ctx, uint64_t off, uint64_t n);
};

struct reasm_limits {
	size_t max_ooo_bytes;     /* per direction; 0: default 1 MiB */
	size_t max_ooo_segments;  /* per direction; 0: default 1024 */
};

/* Shared by every direction of an analysis: out-of-order bytes in all. */
struct reasm_budget {
	size_t max_bytes;         /* 0: default 64 MiB */
	size_t used;
};

struct reasm_seg; /* private: one buffered out-of-order segment */

struct reasm_dir {
	struct reasm_callbacks cb;
	void *ctx;
	struct reasm_limits lim;
	struct reasm_budget *budget;
	bool started;             /* isn: known (a SYN, or the first segment) */
	bool syn_seen, fin_seen, rst_seen;
	uint32_t isn;             /* the sequence number of stream offset 0, minus 1 with a SYN */
	uint64_t next;            /* next stream offset to deliver */
	uint64_t fin_off;         /* stream offset of the FIN when fin_seen */
	uint64_t last_off;        /* highest offset + len seen: unwraps sequence numbers */
	struct reasm_seg *ooo;    /* sorted by offset, no overlaps */
	size_t ooo_bytes, ooo_count;
	uint64_t delivered, gap_bytes, retrans_bytes, ooo_dropped_bytes;
	unsigned gaps;
};

void reasm_init(struct reasm_dir *d, const struct reasm_callbacks *cb, void *ctx,
                const struct reasm_limits *lim, struct reasm_budget *budget);
/* One segment of this direction: its sequence number, flags (TCPF_* of
 * decode.h: SYN sets the ISN, FIN and RST are recorded) and payload. */
void reasm_segment(struct reasm_dir *d, uint32_t seq, uint8_t flags, const uint8_t *p,
                   size_t n);
/* The other direction acknowledged up to ack: bytes below it reached the
 * peer, so a hole there will never be filled from this capture: report it
 * as a gap and deliver what follows. Acks from before the stream started,
 * or beyond what was seen plus 2^31, are ignored. */
void reasm_acked(struct reasm_dir *d, uint32_t ack);
/* Deliver everything buffered, reporting the holes before it as gaps
 * (the stream is over, or the caller gives up waiting). */
void reasm_flush(struct reasm_dir *d);
/* Free what is buffered (no callbacks). */
void reasm_free(struct reasm_dir *d);

#endif

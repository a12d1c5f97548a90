/* reasm.c - TCP reassembly of one direction of one connection (reasm.h).
 *
 * Policy. Offsets are 64-bit: isn is always the sequence number of stream
 * offset 0 minus 1 (the SYN's own number with a SYN; the first segment's
 * number minus 1 when the capture starts mid-stream), and a sequence number
 * is unwrapped to the 64-bit offset closest to last_off. In-order bytes go
 * out at once; out-of-order bytes are copied into a sorted list of disjoint
 * segments, the first copy of a byte winning everywhere (also over a later
 * in-order segment that overlaps a buffered one). When a new segment does
 * not fit the limits or the shared budget, the oldest buffered runs are
 * delivered after a gap until it fits, and a segment that never fits is
 * delivered directly after a gap: nothing that reached us is dropped,
 * except bytes before offset 0 or at/after the FIN (ooo_dropped_bytes).
 * RST payload is not stream data and is ignored. Every byte seen is counted
 * once as delivered, retransmitted, dropped, or is still buffered. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "reasm.h"

#define REASM_DEFAULT_OOO_BYTES ((size_t)1 << 20)
#define REASM_DEFAULT_OOO_SEGMENTS ((size_t)1024)
#define REASM_DEFAULT_BUDGET ((size_t)64 << 20)
#define SEQ_HALF ((uint32_t)1 << 31)
#define SEQ_SPAN ((int64_t)1 << 32)

struct reasm_seg {
	struct reasm_seg *next;  /* NULL at the tail */
	struct reasm_seg *prev;  /* the head's prev is the tail */
	uint64_t off;
	size_t len;
	uint8_t data[];
};

/* The pieces of a new out-of-order segment not covered by buffered ones. */
struct ooo_plan {
	size_t bytes, pieces;
	struct reasm_seg *chain, *last;  /* built pieces, sorted, NULL-terminated */
	bool nomem;
};

static uint64_t seg_end(const struct reasm_seg *s)
{
	return s->off + s->len;
}

static void dir_reach(struct reasm_dir *d, uint64_t off)
{
	if (off > d->last_off)
		d->last_off = off;
}

/* The 64-bit offset of seq closest to last_off (negative: before offset 0). */
static int64_t seq_unwrap(const struct reasm_dir *d, uint32_t seq)
{
	uint32_t rel = seq - d->isn - 1u;
	uint32_t diff = rel - (uint32_t)d->last_off;
	int64_t delta = diff >= SEQ_HALF ? (int64_t)diff - SEQ_SPAN : (int64_t)diff;

	return (int64_t)d->last_off + delta;
}

static size_t budget_max(const struct reasm_budget *b)
{
	return b->max_bytes ? b->max_bytes : REASM_DEFAULT_BUDGET;
}

static void emit_data(struct reasm_dir *d, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	if (d->cb.data)
		d->cb.data(d->ctx, d->next, p, n);
	d->delivered += n;
	d->next += n;
	dir_reach(d, d->next);
}

/* Report [next, upto) as never seen and move next there. */
static void emit_gap(struct reasm_dir *d, uint64_t upto)
{
	if (upto <= d->next)
		return;
	if (d->cb.gap)
		d->cb.gap(d->ctx, d->next, upto - d->next);
	d->gap_bytes += upto - d->next;
	d->gaps++;
	d->next = upto;
	dir_reach(d, upto);
}

static void ooo_unlink(struct reasm_dir *d, struct reasm_seg *s)
{
	struct reasm_seg *head = d->ooo;

	if (s == head) {
		d->ooo = s->next;
		if (d->ooo)
			d->ooo->prev = s->prev;
	} else {
		s->prev->next = s->next;
		if (s->next)
			s->next->prev = s->prev;
		else
			head->prev = s->prev;
	}
	d->ooo_bytes -= s->len;
	d->ooo_count--;
	if (d->budget)
		d->budget->used -= s->len;
	free(s);
}

/* Deliver the buffered segments that start at or before next. */
static void ooo_drain(struct reasm_dir *d)
{
	struct reasm_seg *s;

	while ((s = d->ooo) != NULL && s->off <= d->next) {
		if (seg_end(s) > d->next) {
			size_t skip = (size_t)(d->next - s->off);

			d->retrans_bytes += skip;
			emit_data(d, s->data + skip, s->len - skip);
		} else {
			d->retrans_bytes += s->len;
		}
		ooo_unlink(d, s);
	}
}

/* Cut what lies before next; false when nothing is left. */
static bool seg_trim_old(struct reasm_dir *d, uint64_t *off, const uint8_t **p, size_t *n)
{
	uint64_t old;

	if (*off >= d->next)
		return *n > 0;
	old = d->next - *off;
	if (old >= *n) {
		d->retrans_bytes += *n;
		return false;
	}
	d->retrans_bytes += old;
	*p += old;
	*n -= (size_t)old;
	*off = d->next;
	return true;
}

/* Deliver a segment that starts at next, letting buffered bytes (seen
 * first) win where they overlap it; then drain what became contiguous. */
static void seg_deliver(struct reasm_dir *d, uint64_t off, const uint8_t *p, size_t n)
{
	while (seg_trim_old(d, &off, &p, &n)) {
		const struct reasm_seg *f = d->ooo;
		size_t take = n;

		assert(off == d->next && (f == NULL || f->off >= off));
		if (f && f->off - off < n)
			take = (size_t)(f->off - off);
		emit_data(d, p, take);
		off += take;
		p += take;
		n -= take;
		if (n == 0)
			break;
		ooo_drain(d);
	}
	ooo_drain(d);
}

/* The first buffered segment that ends after off, searched from the tail. */
static const struct reasm_seg *ooo_find(const struct reasm_dir *d, uint64_t off)
{
	const struct reasm_seg *s = d->ooo;

	if (s == NULL || seg_end(s->prev) <= off)
		return NULL;
	s = s->prev;
	while (s != d->ooo && seg_end(s->prev) > off)
		s = s->prev;
	return s;
}

static void plan_piece(struct ooo_plan *w, uint64_t off, const uint8_t *p, size_t n, bool build)
{
	struct reasm_seg *s;

	w->bytes += n;
	w->pieces++;
	if (!build || w->nomem)
		return;
	s = malloc(sizeof(*s) + n);
	if (s == NULL) {
		w->nomem = true;
		return;
	}
	s->next = NULL;
	s->prev = w->last;
	s->off = off;
	s->len = n;
	memcpy(s->data, p, n);
	if (w->last)
		w->last->next = s;
	else
		w->chain = s;
	w->last = s;
}

/* Split [off, off+n) into the pieces no buffered segment covers. */
static void ooo_plan_make(const struct reasm_dir *d, uint64_t off, const uint8_t *p, size_t n,
                          bool build, struct ooo_plan *w)
{
	const struct reasm_seg *s = ooo_find(d, off);
	uint64_t cur = off, end = off + n;

	memset(w, 0, sizeof(*w));
	while (cur < end) {
		if (s == NULL || s->off >= end) {
			plan_piece(w, cur, p + (cur - off), (size_t)(end - cur), build);
			break;
		}
		if (s->off > cur)
			plan_piece(w, cur, p + (cur - off), (size_t)(s->off - cur), build);
		if (seg_end(s) > cur)
			cur = seg_end(s);
		s = s->next;
	}
}

static bool ooo_fits(const struct reasm_dir *d, const struct ooo_plan *w)
{
	const struct reasm_budget *b = d->budget;

	if (w->pieces == 0)
		return true;
	if (d->ooo_count >= d->lim.max_ooo_segments ||
	    w->pieces > d->lim.max_ooo_segments - d->ooo_count)
		return false;
	if (d->ooo_bytes >= d->lim.max_ooo_bytes || w->bytes > d->lim.max_ooo_bytes - d->ooo_bytes)
		return false;
	if (b && (b->used >= budget_max(b) || w->bytes > budget_max(b) - b->used))
		return false;
	return true;
}

/* Merge a sorted chain of pieces (disjoint from the list) into the list. */
static void ooo_merge(struct reasm_dir *d, struct reasm_seg *chain)
{
	struct reasm_seg *a = d->ooo, *head = NULL, *prev = NULL, **link = &head;

	if (a && a->prev->off < chain->off) { /* all after the tail: append */
		head = a;
		prev = a->prev;
		link = &prev->next;
		a = NULL;
	}
	while (a || chain) {
		struct reasm_seg **src = (chain == NULL || (a && a->off < chain->off)) ? &a : &chain;
		struct reasm_seg *s = *src;

		*src = s->next;
		s->prev = prev;
		*link = s;
		link = &s->next;
		prev = s;
	}
	*link = NULL;
	head->prev = prev;
	d->ooo = head;
}

static void chain_free(struct reasm_seg *s)
{
	while (s) {
		struct reasm_seg *next = s->next;

		free(s);
		s = next;
	}
}

/* Buffer what is new in an out-of-order segment; false if it does not fit. */
static bool ooo_store(struct reasm_dir *d, uint64_t off, const uint8_t *p, size_t n)
{
	struct ooo_plan w;

	ooo_plan_make(d, off, p, n, false, &w);
	if (!ooo_fits(d, &w))
		return false;
	if (w.pieces > 0) {
		ooo_plan_make(d, off, p, n, true, &w);
		if (w.nomem) {
			chain_free(w.chain);
			return false;
		}
		ooo_merge(d, w.chain);
		d->ooo_bytes += w.bytes;
		d->ooo_count += w.pieces;
		if (d->budget)
			d->budget->used += w.bytes;
	}
	d->retrans_bytes += n - w.bytes;
	return true;
}

/* An out-of-order segment (off > next): buffer it, making room by
 * delivering the oldest buffered runs after a gap, or deliver it directly
 * after a gap when it is older than all of them or can never fit. */
static void ooo_add(struct reasm_dir *d, uint64_t off, const uint8_t *p, size_t n)
{
	while (!ooo_store(d, off, p, n)) {
		const struct reasm_seg *f = d->ooo;

		if (f == NULL || f->off >= off) {
			emit_gap(d, off);
			seg_deliver(d, off, p, n);
			return;
		}
		emit_gap(d, f->off);
		ooo_drain(d);
		if (off <= d->next) {
			seg_deliver(d, off, p, n);
			return;
		}
	}
}

static void seg_accept(struct reasm_dir *d, int64_t soff, const uint8_t *p, size_t n)
{
	uint64_t off;

	if (n == 0)
		return;
	if (soff < 0) { /* before the first byte of the stream */
		uint64_t before = (uint64_t)-soff;

		if (before >= n) {
			d->ooo_dropped_bytes += n;
			return;
		}
		d->ooo_dropped_bytes += before;
		p += before;
		n -= (size_t)before;
		soff = 0;
	}
	off = (uint64_t)soff;
	if (d->fin_seen && off + n > d->fin_off) { /* no data at or after the FIN */
		size_t after = off >= d->fin_off ? n : (size_t)(off + n - d->fin_off);

		d->ooo_dropped_bytes += after;
		n -= after;
	}
	if (!seg_trim_old(d, &off, &p, &n))
		return;
	if (off == d->next)
		seg_deliver(d, off, p, n);
	else
		ooo_add(d, off, p, n);
}

/* The first FIN wins; buffered bytes at or after it are dropped. */
static void fin_record(struct reasm_dir *d, int64_t fin)
{
	if (d->fin_seen)
		return;
	d->fin_seen = true;
	d->fin_off = fin < 0 ? 0 : (uint64_t)fin;
	dir_reach(d, d->fin_off);
	while (d->ooo && seg_end(d->ooo->prev) > d->fin_off) {
		struct reasm_seg *t = d->ooo->prev;
		size_t cut;

		if (t->off >= d->fin_off) {
			d->ooo_dropped_bytes += t->len;
			ooo_unlink(d, t);
			continue;
		}
		cut = (size_t)(seg_end(t) - d->fin_off);
		d->ooo_dropped_bytes += cut;
		t->len -= cut;
		d->ooo_bytes -= cut;
		if (d->budget)
			d->budget->used -= cut;
	}
}

void reasm_init(struct reasm_dir *d, const struct reasm_callbacks *cb, void *ctx,
                const struct reasm_limits *lim, struct reasm_budget *budget)
{
	memset(d, 0, sizeof(*d));
	if (cb)
		d->cb = *cb;
	d->ctx = ctx;
	if (lim)
		d->lim = *lim;
	if (d->lim.max_ooo_bytes == 0)
		d->lim.max_ooo_bytes = REASM_DEFAULT_OOO_BYTES;
	if (d->lim.max_ooo_segments == 0)
		d->lim.max_ooo_segments = REASM_DEFAULT_OOO_SEGMENTS;
	d->budget = budget;
}

void reasm_segment(struct reasm_dir *d, uint32_t seq, uint8_t flags, const uint8_t *p,
                   size_t n)
{
	int64_t off;

	assert(p != NULL || n == 0);
	if (flags & TCPF_RST) {
		d->rst_seen = true;
		return;
	}
	if (!d->started) {
		if (!(flags & (TCPF_SYN | TCPF_FIN)) && n == 0)
			return; /* a bare ACK does not tell where the stream starts */
		d->started = true;
		d->syn_seen = (flags & TCPF_SYN) != 0;
		d->isn = (flags & TCPF_SYN) ? seq : seq - 1u;
	}
	off = seq_unwrap(d, seq) + ((flags & TCPF_SYN) ? 1 : 0);
	if (n > 0 && off + (int64_t)n > 0)
		dir_reach(d, (uint64_t)(off + (int64_t)n));
	seg_accept(d, off, p, n);
	if (flags & TCPF_FIN)
		fin_record(d, off + (int64_t)n);
}

void reasm_acked(struct reasm_dir *d, uint32_t ack)
{
	int64_t a;
	uint64_t upto;

	if (!d->started)
		return;
	a = seq_unwrap(d, ack); /* at most 2^31 - 1 past last_off */
	if (a <= (int64_t)d->next)
		return;
	upto = (uint64_t)a;
	if (d->fin_seen && upto > d->fin_off)
		upto = d->fin_off; /* the FIN's own sequence number is no byte */
	while (upto > d->next) {
		uint64_t to = upto;

		if (d->ooo && d->ooo->off < to)
			to = d->ooo->off;
		emit_gap(d, to);
		ooo_drain(d);
	}
}

void reasm_flush(struct reasm_dir *d)
{
	while (d->ooo) {
		emit_gap(d, d->ooo->off);
		ooo_drain(d);
	}
	if (d->fin_seen && d->fin_off > d->next)
		emit_gap(d, d->fin_off);
}

void reasm_free(struct reasm_dir *d)
{
	while (d->ooo)
		ooo_unlink(d, d->ooo);
	d->ooo_bytes = 0;
	d->ooo_count = 0;
}

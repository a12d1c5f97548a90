/* engine.c - the flow table: each TCP connection is looked up by its two
 * endpoints, reassembled per direction and handed, as it turns out to be,
 * to the FTP model as a control connection or a data connection, or
 * ignored (bytes are then not even reassembled). Flows end on RST, on FIN
 * in both directions, after --flow-timeout idle, when the table is full
 * (the idlest first) and at the end of the input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "detect.h"
#include "engine.h"

#define DEFAULT_MAX_FLOWS 262144
#define DEFAULT_TIMEOUT 900.0
#define FIRST_BUCKETS 1024

enum flow_kind { FK_DETECT = 0, FK_CONTROL, FK_DATA, FK_IGNORE };

struct flow;

struct flow_dir {
	struct flow *f;
	int dir;             /* 0: a -> b, 1: b -> a */
	struct reasm_dir r;
};

struct flow {
	struct ftp_hostport a, b; /* a: the initiator (SYN) or the first sender */
	enum flow_kind kind;
	struct flow_dir d[2];
	struct msession *s;
	struct mdata *data;
	struct detect *det;       /* FK_DETECT: the first bytes */
	int client_dir;           /* control: the direction the client sends (0/1), -1 unknown */
	struct engine *e;
	unsigned id;              /* reserved session number (FTP ports) */
	bool ftp_port;
	bool fin[2];
	double ts_first, ts_last, ts_now;
	struct flow *hnext;       /* hash chain */
	struct flow *older, *newer; /* activity list: oldest first */
};

struct engine {
	struct engine_opts o;
	struct model *m;
	struct reasm_budget budget;
	struct flow **tab;
	size_t nbuckets;
	struct flow *oldest, *newest;
	struct flow *last;            /* the flow of the previous packet: most packets follow it */
	struct engine_stats st;
};

/* ---------------------------------------------------------------- table */

/* Flow keys as decode_frame fills them: family, then the address in
 * b[0..4) or b[0..16) with the rest zero. A packet's endpoints are compared
 * exactly as they came off the wire (an IPv4-mapped IPv6 address is another
 * flow than its IPv4 address: they are different packets). */
static void hp_words(const struct ftp_hostport *h, uint64_t w[2])
{
	memcpy(w, h->addr.b, 16);
}

static uint64_t hp_hash(const struct ftp_hostport *h)
{
	uint64_t w[2], x;

	hp_words(h, w);
	x = (w[0] ^ (w[1] * 0x9e3779b97f4a7c15ull) ^ h->port) * 0xff51afd7ed558ccdull;
	return x ^ x >> 29;
}

static size_t bucket(const struct engine *e, const struct ftp_hostport *x,
                     const struct ftp_hostport *y)
{
	return (size_t)((hp_hash(x) + hp_hash(y)) & (e->nbuckets - 1)); /* symmetric */
}

static bool hp_eq(const struct ftp_hostport *x, const struct ftp_hostport *y)
{
	uint64_t a[2], b[2];

	if (x->port != y->port || x->addr.family != y->addr.family)
		return false;
	hp_words(x, a);
	hp_words(y, b);
	return ((a[0] ^ b[0]) | (a[1] ^ b[1])) == 0;
}

static struct flow *lookup(struct engine *e, const struct seg *g, int *dir)
{
	struct flow *l = e->last;

	if (l && hp_eq(&l->a, &g->src) && hp_eq(&l->b, &g->dst)) {
		*dir = 0;
		return l;
	}
	if (l && hp_eq(&l->a, &g->dst) && hp_eq(&l->b, &g->src)) {
		*dir = 1;
		return l;
	}
	for (struct flow *f = e->tab[bucket(e, &g->src, &g->dst)]; f; f = f->hnext) {
		if (hp_eq(&f->a, &g->src) && hp_eq(&f->b, &g->dst)) {
			*dir = 0;
			return f;
		}
		if (hp_eq(&f->a, &g->dst) && hp_eq(&f->b, &g->src)) {
			*dir = 1;
			return f;
		}
	}
	return NULL;
}

static void grow(struct engine *e)
{
	size_t n = e->nbuckets * 2;
	struct flow **t = calloc(n, sizeof(*t));

	if (t == NULL)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < e->nbuckets; i++)
		while (e->tab[i]) {
			struct flow *f = e->tab[i];
			size_t b = (size_t)((hp_hash(&f->a) + hp_hash(&f->b)) & (n - 1));

			e->tab[i] = f->hnext;
			f->hnext = t[b];
			t[b] = f;
		}
	free(e->tab);
	e->tab = t;
	e->nbuckets = n;
}

static void touch(struct engine *e, struct flow *f)
{
	if (e->newest == f)
		return;
	if (f->older)
		f->older->newer = f->newer;
	else if (e->oldest == f)
		e->oldest = f->newer;
	if (f->newer)
		f->newer->older = f->older;
	f->older = e->newest;
	f->newer = NULL;
	if (e->newest)
		e->newest->newer = f;
	e->newest = f;
	if (e->oldest == NULL)
		e->oldest = f;
}

static void unlink_flow(struct engine *e, struct flow *f)
{
	if (e->last == f)
		e->last = NULL;
	struct flow **pp = &e->tab[bucket(e, &f->a, &f->b)];

	while (*pp && *pp != f)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = f->hnext;
	if (f->older)
		f->older->newer = f->newer;
	else
		e->oldest = f->newer;
	if (f->newer)
		f->newer->older = f->older;
	else
		e->newest = f->older;
	e->st.flows_now--;
}

/* ---------------------------------------------------------------- recognition */

static bool ftp_port(const struct engine *e, uint16_t port)
{
	for (size_t i = 0; i < e->o.nports; i++)
		if (e->o.ports[i] == port)
			return true;
	return false;
}

static void replay(void *ctx, int dir, double ts, const uint8_t *p, size_t n)
{
	struct flow *f = ctx;

	if (f->s == NULL || model_session_opaque(f->s))
		return;
	if (dir == f->client_dir)
		model_client_bytes(f->s, ts, p, n);
	else
		model_server_bytes(f->s, ts, p, n);
}

static void stop_reassembly(struct flow *f)
{
	reasm_free(&f->d[0].r);
	reasm_free(&f->d[1].r);
}

/* A verdict on a detecting flow: a session (the kept bytes replayed), a
 * not-ftp report, or nothing more to do with it. */
static void decide(struct flow *f)
{
	struct engine *e = f->e;
	char why[200] = "", msg[400];
	int c = -1;
	enum detect_verdict v = detect_verdict(f->det, &c, why, sizeof(why));
	const struct ftp_hostport *cl, *sv;

	if (v == DET_UNDECIDED)
		return;
	if (v == DET_FTP) {
		f->client_dir = c;
		cl = c == 0 ? &f->a : &f->b;
		sv = c == 0 ? &f->b : &f->a;
		f->s = model_session_open(e->m, f->id, cl, sv, f->ts_first);
		f->kind = FK_CONTROL;
		e->st.ftp_sessions++;
		detect_replay(f->det, replay, f);
	} else {
		if (v == DET_NOT_FTP) {
			snprintf(msg, sizeof(msg), "a connection on an FTP port carries something else%s%s",
			         why[0] ? ": " : "", why);
			model_flow_diag(e->m, &f->a, &f->b, f->ts_now, AN_DIAG_NOT_FTP, msg,
			                "first_line", why);
		}
		f->kind = FK_IGNORE; /* its reassembly is freed after this segment */
		e->st.ignored_flows++;
	}
	detect_free(f->det);
	f->det = NULL;
}

/* ---------------------------------------------------------------- stream bytes */

static void control_bytes(struct flow *f, int dir, const uint8_t *p, size_t n)
{
	if (dir == f->client_dir)
		model_client_bytes(f->s, f->ts_now, p, n);
	else
		model_server_bytes(f->s, f->ts_now, p, n);
}

static void on_data(void *ctx, uint64_t off, const uint8_t *p, size_t n)
{
	struct flow_dir *fd = ctx;
	struct flow *f = fd->f;

	(void)off;
	switch (f->kind) {
	case FK_CONTROL:
		if (f->s && !model_session_opaque(f->s))
			control_bytes(f, fd->dir, p, n);
		break;
	case FK_DATA:
		if (f->data)
			model_data_bytes(f->data, f->ts_now, fd->dir == 0, p, n);
		break;
	case FK_DETECT:
		detect_bytes(f->det, fd->dir, f->ts_now, p, n);
		decide(f);
		break;
	default:
		break;
	}
}

static void on_gap(void *ctx, uint64_t off, uint64_t n)
{
	struct flow_dir *fd = ctx;
	struct flow *f = fd->f;
	struct engine *e = f->e;

	e->st.gaps++;
	e->st.gap_bytes += n;
	if (f->kind == FK_CONTROL && f->s)
		model_control_gap(f->s, f->ts_now, fd->dir == f->client_dir, off, n);
	else if (f->kind == FK_DATA && f->data)
		model_data_gap(f->data, f->ts_now, n);
	else if (f->kind == FK_DETECT) {
		detect_gap(f->det, fd->dir);
		decide(f);
	}
}

/* ---------------------------------------------------------------- life of a flow */

static void close_flow(struct engine *e, struct flow *f, double ts)
{
	f->ts_now = ts;
	if (f->kind != FK_IGNORE) { /* what waits is delivered, holes told */
		reasm_flush(&f->d[0].r);
		reasm_flush(&f->d[1].r);
	}
	if (f->kind == FK_DETECT && f->ftp_port && f->det) {
		/* Too little to decide, on an FTP port: a session all the same. */
		detect_gap(f->det, 0);
		detect_gap(f->det, 1);
		decide(f);
	}
	if (f->kind == FK_CONTROL && f->s)
		model_session_close(f->s, ts);
	else if (f->kind == FK_DATA && f->data)
		model_data_close(f->data, ts);
	stop_reassembly(f);
	detect_free(f->det);
	unlink_flow(e, f);
	free(f);
}

static void set_dir(struct engine *e, struct flow *f, int i)
{
	struct reasm_callbacks cb = {on_data, on_gap};

	f->d[i].f = f;
	f->d[i].dir = i;
	reasm_init(&f->d[i].r, &cb, &f->d[i], &e->o.lim, &e->budget);
}

static void classify(struct engine *e, struct flow *f, bool syn)
{
	bool fa = ftp_port(e, f->a.port), fb = ftp_port(e, f->b.port);

	f->data = model_data_match(e->m, &f->a, &f->b, f->ts_first, syn);
	if (f->data == NULL && !syn) /* mid-stream: the other way round? */
		f->data = model_data_match(e->m, &f->b, &f->a, f->ts_first, false);
	if (f->data) {
		f->kind = FK_DATA;
		e->st.data_flows++;
		return;
	}
	if (fa || fb) {
		f->ftp_port = true;
		f->client_dir = fb ? 0 : 1; /* the side without the FTP port is the client */
		f->id = model_next_id(e->m);
	} else if (!e->o.heuristic) {
		f->kind = FK_IGNORE;
		e->st.ignored_flows++;
		return;
	}
	f->det = detect_new(f->ftp_port, f->ftp_port || syn ? f->client_dir : -1);
	if (f->det == NULL)
		f->kind = FK_IGNORE;
}

static struct flow *new_flow(struct engine *e, const struct seg *g, double ts)
{
	struct flow *f;
	bool synack = (g->flags & (TCPF_SYN | TCPF_ACK)) == (TCPF_SYN | TCPF_ACK);
	size_t b;

	if (e->st.flows_now >= e->o.max_flows && e->oldest) {
		e->st.flows_evicted++;
		close_flow(e, e->oldest, ts);
	}
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->e = e;
	f->a = synack ? g->dst : g->src; /* a SYN-ACK comes from the responder */
	f->b = synack ? g->src : g->dst;
	f->client_dir = 0;
	f->ts_first = f->ts_last = f->ts_now = ts;
	set_dir(e, f, 0);
	set_dir(e, f, 1);
	if (++e->st.flows_now > e->st.flows_peak)
		e->st.flows_peak = e->st.flows_now;
	e->st.flows++;
	if (e->st.flows_now > e->nbuckets)
		grow(e);
	b = bucket(e, &f->a, &f->b);
	f->hnext = e->tab[b];
	e->tab[b] = f;
	touch(e, f);
	classify(e, f, (g->flags & TCPF_SYN) != 0);
	return f;
}

static void expire(struct engine *e, double ts)
{
	while (e->oldest && ts - e->oldest->ts_last > e->o.flow_timeout) {
		e->st.flows_expired++;
		close_flow(e, e->oldest, e->oldest->ts_last);
	}
}

static void feed(struct engine *e, struct flow *f, int dir, const struct seg *g)
{
	if (f->kind == FK_DATA && f->data)
		model_data_packet(f->data, f->ts_now, dir == 0, g->flags);
	if (f->kind == FK_IGNORE)
		return;
	/* The ack first: what the sender acknowledges it received before it
	 * sent this segment (a hole there is a loss of the capture). */
	if (g->flags & TCPF_ACK)
		reasm_acked(&f->d[1 - dir].r, g->ack);
	if (f->kind != FK_IGNORE)
		reasm_segment(&f->d[dir].r, g->seq, g->flags, g->payload, g->len);
	if (f->kind == FK_IGNORE) /* decided during this segment */
		stop_reassembly(f);
	(void)e;
}

void engine_packet(struct engine *e, double ts, int linktype, const uint8_t *p, size_t caplen)
{
	struct seg g;
	struct flow *f;
	int dir = 0;
	enum dec_status st = decode_frame(linktype, p, caplen, &g);

	e->st.packets++;
	e->st.bytes += caplen;
	if (st != DEC_OK) {
		e->st.not_ip += st == DEC_NOT_IP || st == DEC_LINKTYPE;
		e->st.not_tcp += st == DEC_NOT_TCP;
		e->st.fragments += st == DEC_FRAGMENT;
		e->st.truncated += st == DEC_TRUNCATED;
		e->st.malformed += st == DEC_MALFORMED;
		return;
	}
	e->st.tcp++;
	expire(e, ts);
	f = lookup(e, &g, &dir);
	if (f == NULL) {
		if ((g.flags & TCPF_RST) || (!(g.flags & TCPF_SYN) && g.len == 0))
			return; /* acks and ends of something we never saw */
		if ((f = new_flow(e, &g, ts)) == NULL)
			return;
		dir = hp_eq(&f->a, &g.src) ? 0 : 1;
	}
	f->ts_last = f->ts_now = ts;
	touch(e, f);
	e->last = f;
	feed(e, f, dir, &g);
	if (g.flags & TCPF_FIN)
		f->fin[dir] = true;
	if ((g.flags & TCPF_RST) || (f->fin[0] && f->fin[1]))
		close_flow(e, f, ts);
}

void engine_finish(struct engine *e, double ts)
{
	while (e->oldest)
		close_flow(e, e->oldest, ts);
}

struct engine *engine_new(const struct engine_opts *o, struct model *m)
{
	struct engine *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->o = *o;
	if (e->o.nports == 0) {
		e->o.ports[0] = 21;
		e->o.nports = 1;
	}
	if (e->o.max_flows == 0)
		e->o.max_flows = DEFAULT_MAX_FLOWS;
	if (e->o.flow_timeout <= 0)
		e->o.flow_timeout = DEFAULT_TIMEOUT;
	e->budget.max_bytes = o->max_ooo_total;
	e->m = m;
	e->nbuckets = FIRST_BUCKETS;
	e->tab = calloc(e->nbuckets, sizeof(*e->tab));
	if (e->tab == NULL) {
		free(e);
		return NULL;
	}
	return e;
}

const struct engine_stats *engine_stats(const struct engine *e)
{
	return &e->st;
}

void engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	engine_finish(e, e->newest ? e->newest->ts_last : 0);
	free(e->tab);
	free(e);
}

/* outq.c - the writer in a second thread: decoding on one core, formatting
 * on the other. Each event is copied (its strings and the session fields
 * the writers read) into 256 KiB chunks; the writer thread rebuilds the
 * events in order and hands them to out_event. At most OUTQ_CHUNKS chunks
 * wait, so memory stays bounded when the writer is the slower side. */
#include "outq.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE (256 * 1024)
#define OUTQ_CHUNKS 32
#define OUTQ_SPARE 4  /* read chunks kept for reuse: no fresh pages per chunk */

struct chunk {
	struct chunk *next;
	size_t len;
	unsigned char data[CHUNK_SIZE];
};

struct outq {
	struct out_writer *w;
	unsigned last_id, last_gen; /* the session whose strings were sent last */
	bool have_last;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	struct chunk *head, *tail; /* full chunks, oldest first */
	unsigned queued;
	bool done;
	struct chunk *spare;       /* chunks the writer has read, for reuse */
	unsigned nspare;
	struct chunk *cur;         /* the producer's chunk being filled */
	bool oom;
};

/* ---------------------------------------------------------------- encoding */

struct enc {
	unsigned char *p, *end;
	bool full;
};

static void raw(struct enc *e, const void *v, size_t n)
{
	if ((size_t)(e->end - e->p) < n) {
		e->full = true;
		return;
	}
	memcpy(e->p, v, n);
	e->p += n;
}

/* A string: a length (SIZE_MAX for NULL), the bytes and a NUL. */
static void str(struct enc *e, const char *p, size_t n)
{
	size_t len = p ? n : SIZE_MAX;

	raw(e, &len, sizeof(len));
	if (p) {
		raw(e, p, n);
		raw(e, "", 1);
	}
}

static void cstr(struct enc *e, const char *s)
{
	str(e, s, s ? strlen(s) : 0);
}

static void enc_session(struct enc *e, const struct an_session *s, bool strings)
{
	unsigned char with = strings;

	raw(e, &s->id, sizeof(s->id));
	raw(e, &s->client, sizeof(s->client));
	raw(e, &s->server, sizeof(s->server));
	raw(e, &s->ts_start, sizeof(s->ts_start));
	raw(e, &s->ts_end, sizeof(s->ts_end));
	raw(e, &s->login, sizeof(s->login));
	raw(e, &s->commands, sizeof(s->commands));
	raw(e, &s->transfers, sizeof(s->transfers));
	raw(e, &s->encrypted, sizeof(s->encrypted));
	raw(e, &with, 1);
	if (strings) {
		cstr(e, s->user);
		cstr(e, s->cwd);
	}
}

/* strings: the session's user and cwd must be sent (not the same as the
 * previous event's). */
static void enc_event(struct enc *e, const struct an_event *ev, bool strings)
{
	unsigned char has_s = ev->s != NULL;

	raw(e, &ev->type, sizeof(ev->type));
	raw(e, &has_s, 1);
	if (has_s)
		enc_session(e, ev->s, strings);
	switch (ev->type) {
	case AN_EV_BANNER:
		raw(e, &ev->u.banner.ts, sizeof(double));
		raw(e, &ev->u.banner.code, sizeof(int));
		str(e, ev->u.banner.text.p, ev->u.banner.text.n);
		break;
	case AN_EV_COMMAND:
		raw(e, ev->u.cmd, sizeof(*ev->u.cmd));
		cstr(e, ev->u.cmd->verb);
		str(e, ev->u.cmd->arg.p, ev->u.cmd->arg.n);
		str(e, ev->u.cmd->reply.p, ev->u.cmd->reply.n);
		cstr(e, ev->u.cmd->cwd);
		cstr(e, ev->u.cmd->user);
		str(e, ev->u.cmd->password.p, ev->u.cmd->password.n);
		break;
	case AN_EV_TRANSFER:
		raw(e, ev->u.xfer, sizeof(*ev->u.xfer));
		cstr(e, ev->u.xfer->verb);
		str(e, ev->u.xfer->arg.p, ev->u.xfer->arg.n);
		cstr(e, ev->u.xfer->extracted);
		break;
	case AN_EV_DIAG: /* evidence keys are string literals: their pointers stay valid */
		raw(e, ev->u.diag, offsetof(struct an_diag, message));
		cstr(e, ev->u.diag->message);
		raw(e, &ev->u.diag->nev, sizeof(ev->u.diag->nev));
		for (unsigned i = 0; i < ev->u.diag->nev && i < AN_EVIDENCE_MAX; i++) {
			raw(e, &ev->u.diag->ev[i].key, sizeof(ev->u.diag->ev[i].key));
			cstr(e, ev->u.diag->ev[i].value);
		}
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------------- decoding */

struct dec {
	const unsigned char *p;
};

static void get(struct dec *d, void *v, size_t n)
{
	memcpy(v, d->p, n);
	d->p += n;
}

static const char *dstr(struct dec *d, size_t *n)
{
	size_t len;
	const char *s;

	get(d, &len, sizeof(len));
	if (len == SIZE_MAX) {
		if (n)
			*n = 0;
		return NULL;
	}
	s = (const char *)d->p;
	d->p += len + 1;
	if (n)
		*n = len;
	return s;
}

static void copy_str(char *dst, size_t cap, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	n = n < cap ? n : cap - 1;
	memcpy(dst, s ? s : "", n);
	dst[n] = '\0';
}

static void dec_session(struct dec *d, struct an_session *s)
{
	unsigned char with;

	get(d, &s->id, sizeof(s->id));
	get(d, &s->client, sizeof(s->client));
	get(d, &s->server, sizeof(s->server));
	get(d, &s->ts_start, sizeof(s->ts_start));
	get(d, &s->ts_end, sizeof(s->ts_end));
	get(d, &s->login, sizeof(s->login));
	get(d, &s->commands, sizeof(s->commands));
	get(d, &s->transfers, sizeof(s->transfers));
	get(d, &s->encrypted, sizeof(s->encrypted));
	get(d, &with, 1);
	if (with) { /* else: the previous event's session, whose strings are kept */
		copy_str(s->user, sizeof(s->user), dstr(d, NULL));
		copy_str(s->cwd, sizeof(s->cwd), dstr(d, NULL));
	}
}

static void bytes(struct dec *d, struct an_bytes *b)
{
	b->p = dstr(d, &b->n);
}

/* Rebuild one event into the thread's storage and write it. */
static void dec_event(struct out_writer *w, struct dec *d)
{
	static __thread struct an_session s;
	static __thread struct an_command c;
	static __thread struct an_transfer x;
	static __thread struct an_diag g;
	struct an_event ev;
	unsigned char has_s;

	memset(&ev, 0, sizeof(ev));
	get(d, &ev.type, sizeof(ev.type));
	get(d, &has_s, 1);
	if (has_s)
		dec_session(d, &s);
	ev.s = has_s ? &s : NULL;
	switch (ev.type) {
	case AN_EV_BANNER:
		get(d, &ev.u.banner.ts, sizeof(double));
		get(d, &ev.u.banner.code, sizeof(int));
		bytes(d, &ev.u.banner.text);
		break;
	case AN_EV_COMMAND:
		get(d, &c, sizeof(c));
		c.s = ev.s;
		c.verb = dstr(d, NULL);
		bytes(d, &c.arg);
		bytes(d, &c.reply);
		c.cwd = dstr(d, NULL);
		c.user = dstr(d, NULL);
		bytes(d, &c.password);
		ev.u.cmd = &c;
		break;
	case AN_EV_TRANSFER:
		get(d, &x, sizeof(x));
		x.s = ev.s;
		x.verb = dstr(d, NULL);
		bytes(d, &x.arg);
		x.extracted = dstr(d, NULL);
		ev.u.xfer = &x;
		break;
	case AN_EV_DIAG:
		get(d, &g, offsetof(struct an_diag, message));
		copy_str(g.message, sizeof(g.message), dstr(d, NULL));
		get(d, &g.nev, sizeof(g.nev));
		if (g.nev > AN_EVIDENCE_MAX)
			g.nev = AN_EVIDENCE_MAX;
		for (unsigned i = 0; i < g.nev; i++) {
			get(d, &g.ev[i].key, sizeof(g.ev[i].key));
			copy_str(g.ev[i].value, sizeof(g.ev[i].value), dstr(d, NULL));
		}
		g.s = ev.s;
		ev.u.diag = &g;
		break;
	default:
		break;
	}
	out_event(w, &ev);
}

/* ---------------------------------------------------------------- the queue */

static void *writer_main(void *arg)
{
	struct outq *q = arg;

	for (;;) {
		struct chunk *c;
		struct dec d;

		pthread_mutex_lock(&q->mu);
		while (q->head == NULL && !q->done)
			pthread_cond_wait(&q->more, &q->mu);
		c = q->head;
		if (c) {
			q->head = c->next;
			if (q->head == NULL)
				q->tail = NULL;
			q->queued--;
			pthread_cond_signal(&q->room);
		}
		pthread_mutex_unlock(&q->mu);
		if (c == NULL)
			return NULL; /* done, and nothing left */
		d.p = c->data;
		while (d.p < c->data + c->len)
			dec_event(q->w, &d);
		pthread_mutex_lock(&q->mu);
		if (q->nspare < OUTQ_SPARE) { /* a chunk is 256 KiB: malloc maps
		                               * fresh pages for each, reuse does not */
			c->next = q->spare;
			q->spare = c;
			q->nspare++;
			c = NULL;
		}
		pthread_mutex_unlock(&q->mu);
		free(c);
	}
}

static struct chunk *new_chunk(struct outq *q)
{
	struct chunk *c;

	pthread_mutex_lock(&q->mu);
	c = q->spare;
	if (c) {
		q->spare = c->next;
		q->nspare--;
	}
	pthread_mutex_unlock(&q->mu);
	if (c == NULL)
		c = malloc(sizeof(*c));
	if (c)
		c->len = 0;
	return c;
}

/* Hand the producer's chunk to the writer (waiting while OUTQ_CHUNKS wait). */
static void push(struct outq *q)
{
	struct chunk *c = q->cur;

	q->cur = NULL;
	if (c == NULL || c->len == 0) {
		free(c);
		return;
	}
	pthread_mutex_lock(&q->mu);
	while (q->queued >= OUTQ_CHUNKS)
		pthread_cond_wait(&q->room, &q->mu);
	c->next = NULL;
	if (q->tail)
		q->tail->next = c;
	else
		q->head = c;
	q->tail = c;
	q->queued++;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->mu);
}

static void on_event(void *ctx, const struct an_event *ev)
{
	struct outq *q = ctx;

	for (int attempt = 0; attempt < 2; attempt++) {
		struct enc e;

		if (q->cur == NULL)
			q->cur = new_chunk(q);
		if (q->cur == NULL) {
			q->oom = true;
			return;
		}
		bool strings = ev->s && !(q->have_last && ev->s->id == q->last_id &&
		                          ev->s->gen == q->last_gen && q->cur->len > 0);

		e = (struct enc){q->cur->data + q->cur->len, q->cur->data + CHUNK_SIZE, false};
		enc_event(&e, ev, strings);
		if (!e.full) {
			q->cur->len = (size_t)(e.p - q->cur->data);
			if (ev->s) {
				q->have_last = true;
				q->last_id = ev->s->id;
				q->last_gen = ev->s->gen;
			}
			return;
		}
		push(q); /* a fresh chunk for it */
	}
	q->oom = true; /* larger than a chunk: cannot happen with the model's bounds */
}

struct outq *outq_new(struct out_writer *w)
{
	struct outq *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return NULL;
	q->w = w;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->more, NULL);
	pthread_cond_init(&q->room, NULL);
	if (pthread_create(&q->thread, NULL, writer_main, q) != 0) {
		pthread_mutex_destroy(&q->mu);
		pthread_cond_destroy(&q->more);
		pthread_cond_destroy(&q->room);
		free(q);
		return NULL;
	}
	return q;
}

struct an_sink outq_sink(struct outq *q)
{
	return (struct an_sink){on_event, q};
}

int outq_close(struct outq *q)
{
	bool oom;

	push(q);
	pthread_mutex_lock(&q->mu);
	q->done = true;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->more);
	pthread_cond_destroy(&q->room);
	oom = q->oom;
	while (q->spare) {
		struct chunk *c = q->spare;

		q->spare = c->next;
		free(c);
	}
	free(q);
	return oom ? -1 : 0;
}

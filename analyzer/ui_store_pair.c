/* ui_store_pair.c - the legs of one conversation seen on both sides of a
 * NAT or a proxy (ui_store_pair), recomputed only when the store changed. */
#include "ui_store.h"
#include "ui_store_int.h"

#include <stdlib.h>
#include <string.h>

#define PAIR_WINDOW_S 2.0     /* legs of one conversation start this close */
#define PAIR_CMDS 4           /* first commands compared */
#define PAIR_CMDS_MIN 2       /* fewer: nothing to tell a pair by */

static bool addr_same(const struct ftp_addr *a, const struct ftp_addr *b)
{
	return a->family == b->family && memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

static bool hostport_same(const struct ftp_hostport *a, const struct ftp_hostport *b)
{
	return addr_same(&a->addr, &b->addr) && a->port == b->port;
}

/* PORT and EPRT carry an address a NAT rewrites. */
static bool arg_compared(const struct ui_cmd *c)
{
	return strcmp(c->verb, "PORT") != 0 && strcmp(c->verb, "EPRT") != 0;
}

static bool cmd_same(const struct ui_cmd *x, const struct ui_cmd *y)
{
	if (strcmp(x->verb, y->verb) != 0 || x->reply_code != y->reply_code)
		return false;
	if (!arg_compared(x))
		return true;
	return x->arg_n == y->arg_n && (x->arg_n == 0 || memcmp(x->arg, y->arg, x->arg_n) == 0);
}

/* Two legs: not the same client host talking to the same server endpoint
 * (that is one client's second connection: lftp's parallel ones), and the
 * same first commands (as many as both have, up to PAIR_CMDS). */
static bool legs_match(const struct ui_session *x, const struct ui_session *y)
{
	size_t k = x->ncmds < y->ncmds ? x->ncmds : y->ncmds;

	if (addr_same(&x->s.client.addr, &y->s.client.addr) &&
	    hostport_same(&x->s.server, &y->s.server))
		return false;
	if (k > PAIR_CMDS)
		k = PAIR_CMDS;
	if (k < PAIR_CMDS_MIN)
		return false;
	for (size_t j = 0; j < k; j++)
		if (!cmd_same(&x->cmds[j], &y->cmds[j]))
			return false;
	return true;
}

struct pair_cand {
	double start;
	size_t idx;
	uint64_t sig; /* of the first PAIR_CMDS_MIN commands: equal in any pair */
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3u;
	return h;
}

static uint64_t pair_sig(const struct ui_session *s)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (size_t j = 0; j < PAIR_CMDS_MIN; j++) {
		const struct ui_cmd *c = &s->cmds[j];

		h = fnv(h, c->verb, strlen(c->verb) + 1);
		h = fnv(h, &c->reply_code, sizeof(c->reply_code));
		if (arg_compared(c) && c->arg_n)
			h = fnv(h, c->arg, c->arg_n);
	}
	return h;
}

/* By signature, then start: a session's possible partners follow it. */
static int cand_cmp(const void *a, const void *b)
{
	const struct pair_cand *x = a, *y = b;

	if (x->sig != y->sig)
		return x->sig < y->sig ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* The sessions that could pair, in cand_cmp order. */
static struct pair_cand *pair_cands(const struct ui_store *st, size_t *n)
{
	struct pair_cand *c = malloc((st->nsessions ? st->nsessions : 1) * sizeof(*c));

	*n = 0;
	if (c == NULL)
		return NULL;
	for (size_t i = 0; i < st->nsessions; i++) {
		const struct ui_session *s = &st->sessions[i];

		if (s->ncmds < PAIR_CMDS_MIN)
			continue;
		c[(*n)++] = (struct pair_cand){s->s.ts_start, i, pair_sig(s)};
	}
	qsort(c, *n, sizeof(*c), cand_cmp);
	return c;
}

/* Greedy by start: each session takes the nearest later-starting free one
 * that matches (the earlier ones already had their turn). Only sessions
 * whose first commands have the same signature and that start within the
 * window are compared: a few per session, whatever their number.
 * Recomputed only when the store changed. */
void ui_store_pair(struct ui_store *st)
{
	struct store_priv *p = priv_of(st);
	struct pair_cand *c;
	size_t n;

	if (p->paired && p->pair_version == st->version)
		return;
	if ((c = pair_cands(st, &n)) == NULL)
		return;
	for (size_t i = 0; i < st->nsessions; i++)
		st->sessions[i].pair = 0;
	for (size_t a = 0; a < n; a++) {
		struct ui_session *x = &st->sessions[c[a].idx];

		for (size_t b = a + 1; x->pair == 0 && b < n; b++) {
			struct ui_session *y = &st->sessions[c[b].idx];

			if (c[b].sig != c[a].sig || c[b].start - c[a].start > PAIR_WINDOW_S)
				break;
			if (y->pair || !legs_match(x, y))
				continue;
			x->pair = c[b].idx + 1;
			y->pair = c[a].idx + 1;
		}
	}
	free(c);
	p->paired = true;
	p->pair_version = st->version;
}

size_t ui_pair_client_leg(const struct ui_store *st, size_t i)
{
	size_t j;
	double ti, tj;

	if (i >= st->nsessions || st->sessions[i].pair == 0)
		return i;
	j = st->sessions[i].pair - 1;
	ti = st->sessions[i].s.ts_start;
	tj = st->sessions[j].s.ts_start;
	if (tj < ti || (tj == ti && j < i))
		return j;
	return i;
}

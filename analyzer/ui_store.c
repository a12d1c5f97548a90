/* ui_store.c - the TUI's store: the engine's events copied into sessions,
 * their commands, transfers and diagnostics, within a memory cap. The
 * pairing of NAT legs is ui_store_pair.c; the view (states, filter, sort,
 * flows) is ui_store_view.c.
 *
 * Sessions are found by id through an open-addressing table of indices
 * that lives in a private struct around the public one (ui_store_int.h). */
#include "ui_store.h"
#include "ui_store_int.h"

#include <stdlib.h>
#include <string.h>

#define UI_MEM_CAP_DEFAULT ((size_t)256 << 20)
#define SLOTS_MIN 64          /* the id table's first size (a power of two) */
#define ARRAY_MIN 2           /* an array's first capacity (sessions are short); doubles */

/* ------------------------------------------------------------ memory */

/* How many bytes growing an array of n elements (capacity cap) would add. */
static size_t grow_cost(size_t n, size_t cap, size_t size)
{
	if (n < cap)
		return 0;
	return (cap ? cap : ARRAY_MIN) * size;
}

/* The array with room for one more element (NULL: out of memory, arr is
 * unchanged); *cap and st->mem follow. */
static void *grow_array(struct ui_store *st, void *arr, size_t n, size_t *cap, size_t size)
{
	size_t ncap = *cap ? *cap * 2 : ARRAY_MIN;
	void *p;

	if (n < *cap)
		return arr;
	if (ncap > SIZE_MAX / size || (p = realloc(arr, ncap * size)) == NULL)
		return NULL;
	st->mem += (ncap - *cap) * size;
	*cap = ncap;
	return p;
}

/* A NUL-terminated copy of n bytes (p may be NULL when n is 0). */
static char *store_dup(struct ui_store *st, const char *p, size_t n)
{
	char *s = n < SIZE_MAX ? malloc(n + 1) : NULL;

	if (s == NULL)
		return NULL;
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	st->mem += n + 1;
	return s;
}

static void store_release(struct ui_store *st, char *s, size_t n)
{
	if (s == NULL)
		return;
	free(s);
	st->mem -= n + 1;
}

/* Whether cost more bytes stay within the cap. */
static bool mem_room(const struct ui_store *st, size_t cost)
{
	return st->mem <= st->mem_cap && cost <= st->mem_cap - st->mem;
}

/* ------------------------------------------------------- new and free */

struct ui_store *ui_store_new(size_t mem_cap)
{
	struct store_priv *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->slots = calloc(SLOTS_MIN, sizeof(*p->slots));
	if (p->slots == NULL) {
		free(p);
		return NULL;
	}
	p->nslots = SLOTS_MIN;
	p->pub.mem_cap = mem_cap ? mem_cap : UI_MEM_CAP_DEFAULT;
	p->pub.mem = sizeof(*p) + SLOTS_MIN * sizeof(*p->slots);
	return &p->pub;
}

static void session_free(struct ui_session *s)
{
	for (size_t i = 0; i < s->ncmds; i++) {
		free(s->cmds[i].arg);
		free(s->cmds[i].reply);
		free(s->cmds[i].cwd);
	}
	for (size_t i = 0; i < s->nxfers; i++) {
		free(s->xfers[i].arg);
		free(s->xfers[i].extracted);
	}
	free(s->cmds);
	free(s->xfers);
	free(s->items);
	free(s->banner);
}

static void diag_free(struct ui_diag *d)
{
	free(d->message);
	for (unsigned k = 0; k < d->nev; k++)
		free(d->ev_value[k]);
}

void ui_store_free(struct ui_store *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < st->nsessions; i++)
		session_free(&st->sessions[i]);
	for (size_t i = 0; i < st->ndiags; i++)
		diag_free(&st->diags[i]);
	free(st->sessions);
	free(st->diags);
	free(priv_of(st)->slots);
	free(priv_of(st));
}

/* ---------------------------------------------------- sessions by id */

static size_t slot_of(unsigned id, size_t nslots)
{
	return (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15u) >> 32) & (nslots - 1);
}

/* The slot holding id's index + 1, or the empty slot where it would go. */
static size_t slot_find(const struct store_priv *p, unsigned id)
{
	size_t k = slot_of(id, p->nslots);

	while (p->slots[k] && p->pub.sessions[p->slots[k] - 1].s.id != id)
		k = (k + 1) & (p->nslots - 1);
	return k;
}

/* Doubles the table when it would be more than half full. */
static bool slots_reserve(struct store_priv *p)
{
	size_t n = p->nslots * 2, *t;

	if ((p->pub.nsessions + 1) * 2 <= p->nslots)
		return true;
	if ((t = calloc(n, sizeof(*t))) == NULL)
		return false;
	for (size_t i = 0; i < p->nslots; i++) {
		size_t k;

		if (p->slots[i] == 0)
			continue;
		k = slot_of(p->pub.sessions[p->slots[i] - 1].s.id, n);
		while (t[k])
			k = (k + 1) & (n - 1);
		t[k] = p->slots[i];
	}
	free(p->slots);
	p->pub.mem += (n - p->nslots) * sizeof(*t);
	p->slots = t;
	p->nslots = n;
	return true;
}

/* The index of the session of s->id, created when new; SIZE_MAX when out
 * of memory. Its copy of s is refreshed. */
static void sess_copy(struct ui_sess *d, const struct an_session *as)
{
	d->id = as->id;
	d->client = as->client;
	d->server = as->server;
	d->ts_start = as->ts_start;
	d->ts_end = as->ts_end;
	memcpy(d->user, as->user, sizeof(d->user));
	d->login = as->login;
	d->commands = as->commands;
	d->transfers = as->transfers;
	d->encrypted = as->encrypted;
}

static size_t session_get(struct ui_store *st, const struct an_session *as)
{
	struct store_priv *p = priv_of(st);
	size_t k = slot_find(p, as->id), i;
	struct ui_session *sessions;

	if (p->slots[k] == 0) {
		if (!slots_reserve(p))
			return SIZE_MAX;
		sessions = grow_array(st, st->sessions, st->nsessions, &st->cap_sessions,
		                      sizeof(*st->sessions));
		if (sessions == NULL)
			return SIZE_MAX;
		st->sessions = sessions;
		i = st->nsessions++;
		memset(&sessions[i], 0, sizeof(sessions[i]));
		k = slot_find(p, as->id); /* the table may have grown */
		p->slots[k] = i + 1;
	}
	i = p->slots[k] - 1;
	sess_copy(&st->sessions[i].s, as);
	return i;
}

/* ------------------------------------------------------------- items */

/* Room for one more item must be there. The new item goes after every item
 * whose ts is not later: in place, equal ts in arrival order; a walk back
 * from the end, so the usual in-order item costs nothing. */
static void item_insert(struct ui_session *s, enum ui_item_kind kind, double ts, size_t idx)
{
	size_t k = s->nitems;

	/* by time, equal times in arrival order, except that a command goes
	 * before the diagnostics of its own instant: they are about it, and
	 * came first only because a command is reported at its reply */
	while (k > 0 && (s->items[k - 1].ts > ts ||
	                 (kind == UI_ITEM_CMD && s->items[k - 1].ts == ts &&
	                  s->items[k - 1].kind == UI_ITEM_DIAG)))
		k--;
	memmove(&s->items[k + 1], &s->items[k], (s->nitems - k) * sizeof(*s->items));
	s->items[k] = (struct ui_item){kind, ts, idx};
	s->nitems++;
}

static bool items_reserve(struct ui_store *st, struct ui_session *s)
{
	struct ui_item *it = grow_array(st, s->items, s->nitems, &s->cap_items, sizeof(*it));

	if (it == NULL)
		return false;
	s->items = it;
	return true;
}

static void verb_copy(char dst[16], const char *verb, enum ftp_cmd cmd)
{
	const char *v = verb ? verb : cmd_name(cmd);
	size_t n = strnlen(v, 15);

	memcpy(dst, v, n);
	dst[n] = '\0';
}

/* ----------------------------------------------------------- banners */

/* The first banner is the item; a later one (the 220 after a 120) replaces
 * the code and the text. */
static void add_banner(struct ui_store *st, struct ui_session *s, const struct an_event *ev)
{
	size_t n = ev->u.banner.text.p ? ev->u.banner.text.n : 0, cost = n + 1;
	bool first = !s->have_banner;
	char *text;

	if (first)
		cost += grow_cost(s->nitems, s->cap_items, sizeof(*s->items));
	s->have_banner = true;
	s->banner_ts = ev->u.banner.ts;
	s->banner_code = ev->u.banner.code;
	store_release(st, s->banner, s->banner_n);
	s->banner = NULL;
	s->banner_n = 0;
	if (!mem_room(st, cost) || (first && !items_reserve(st, s)) ||
	    (text = store_dup(st, ev->u.banner.text.p, n)) == NULL) {
		st->dropped++;
		return;
	}
	s->banner = text;
	s->banner_n = n;
	if (first)
		item_insert(s, UI_ITEM_BANNER, ev->u.banner.ts, 0);
}

/* ---------------------------------------------------------- commands */

static size_t cmd_cost(const struct ui_session *s, const struct an_command *c)
{
	return c->arg.n + 1 + c->reply.n + 1 + (c->cwd ? strlen(c->cwd) + 1 : 0) +
	       grow_cost(s->ncmds, s->cap_cmds, sizeof(*s->cmds)) +
	       grow_cost(s->nitems, s->cap_items, sizeof(*s->items));
}

static void cmd_release(struct ui_store *st, struct ui_cmd *u)
{
	store_release(st, u->arg, u->arg_n);
	store_release(st, u->reply, u->reply_n);
	store_release(st, u->cwd, u->cwd ? strlen(u->cwd) : 0);
}

/* arg: NULL when none or empty; reply: NULL when there was neither a
 * code nor a line; cwd: NULL when unknown (""). */
static bool cmd_copy(struct ui_store *st, struct ui_cmd *u, const struct an_command *c)
{
	memset(u, 0, sizeof(*u));
	u->ts = c->ts;
	u->cmd = c->cmd;
	verb_copy(u->verb, c->verb, c->cmd);
	u->arg_masked = c->arg_masked;
	u->arg_truncated = c->arg_truncated;
	u->reply_code = c->reply_code;
	u->reply_lines = c->reply_lines;
	u->reply_truncated = c->reply_truncated;
	u->prelim_code = c->prelim_code;
	u->latency_ms = c->latency_ms;
	u->dc = c->dc;
	if (c->arg.p && c->arg.n) {
		if ((u->arg = store_dup(st, c->arg.p, c->arg.n)) == NULL)
			return false;
		u->arg_n = c->arg.n;
	}
	if (c->reply_code || (c->reply.p && c->reply.n)) {
		if ((u->reply = store_dup(st, c->reply.p, c->reply.p ? c->reply.n : 0)) == NULL)
			return false;
		u->reply_n = c->reply.p ? c->reply.n : 0;
	}
	if (c->cwd && c->cwd[0] && (u->cwd = store_dup(st, c->cwd, strlen(c->cwd))) == NULL)
		return false;
	return true;
}

static void add_command(struct ui_store *st, struct ui_session *s, const struct an_command *c)
{
	struct ui_cmd *cmds;

	if (c->reply_code >= 400 && c->reply_code <= 599)
		s->errors++;
	if (!mem_room(st, cmd_cost(s, c)) || !items_reserve(st, s))
		goto drop;
	cmds = grow_array(st, s->cmds, s->ncmds, &s->cap_cmds, sizeof(*cmds));
	if (cmds == NULL)
		goto drop;
	s->cmds = cmds;
	if (!cmd_copy(st, &cmds[s->ncmds], c)) {
		cmd_release(st, &cmds[s->ncmds]);
		goto drop;
	}
	item_insert(s, UI_ITEM_CMD, c->ts, s->ncmds++);
	return;
drop:
	st->dropped++;
}

/* --------------------------------------------------------- transfers */

static bool xfer_copy(struct ui_store *st, struct ui_xfer *u, const struct an_transfer *x)
{
	memset(u, 0, sizeof(*u));
	u->cmd = x->cmd;
	verb_copy(u->verb, x->verb, x->cmd);
	u->mode = x->mode;
	u->data_client = x->data_client;
	u->data_server = x->data_server;
	u->direction = x->direction;
	u->bytes = x->bytes;
	u->ts_start = x->ts_start;
	u->duration_s = x->duration_s;
	u->status = x->status;
	u->reply_code = x->reply_code;
	u->syn_seen = x->syn_seen;
	u->fin_seen = x->fin_seen;
	u->rst_seen = x->rst_seen;
	u->gaps = x->gaps;
	u->gap_bytes = x->gap_bytes;
	u->size_announced = x->size_announced;
	u->announced_size = x->announced_size;
	u->sha256_set = x->sha256_set;
	memcpy(u->sha256, x->sha256, sizeof(u->sha256) - 1);
	if (x->arg.p && x->arg.n) {
		if ((u->arg = store_dup(st, x->arg.p, x->arg.n)) == NULL)
			return false;
		u->arg_n = x->arg.n;
	}
	if (x->extracted &&
	    (u->extracted = store_dup(st, x->extracted, strlen(x->extracted))) == NULL)
		return false;
	return true;
}

static void add_transfer(struct ui_store *st, struct ui_session *s, const struct an_transfer *x)
{
	size_t cost = x->arg.n + 1 + (x->extracted ? strlen(x->extracted) + 1 : 0) +
	              grow_cost(s->nxfers, s->cap_xfers, sizeof(*s->xfers)) +
	              grow_cost(s->nitems, s->cap_items, sizeof(*s->items));
	struct ui_xfer *xs;

	s->bytes += x->bytes;
	if (!mem_room(st, cost) || !items_reserve(st, s))
		goto drop;
	xs = grow_array(st, s->xfers, s->nxfers, &s->cap_xfers, sizeof(*xs));
	if (xs == NULL)
		goto drop;
	s->xfers = xs;
	if (!xfer_copy(st, &xs[s->nxfers], x)) {
		store_release(st, xs[s->nxfers].arg, xs[s->nxfers].arg_n);
		goto drop;
	}
	item_insert(s, UI_ITEM_XFER, x->ts_start, s->nxfers++);
	return;
drop:
	st->dropped++;
}

/* ------------------------------------------------------- diagnostics */

static void diag_release(struct ui_store *st, struct ui_diag *u)
{
	store_release(st, u->message, u->message ? strlen(u->message) : 0);
	for (unsigned k = 0; k < u->nev; k++)
		store_release(st, u->ev_value[k], u->ev_value[k] ? strlen(u->ev_value[k]) : 0);
}

static size_t diag_cost(const struct ui_store *st, const struct ui_session *s,
                        const struct an_diag *d)
{
	size_t cost = strnlen(d->message, sizeof(d->message)) + 1 +
	              grow_cost(st->ndiags, st->cap_diags, sizeof(*st->diags));

	for (unsigned k = 0; k < d->nev && k < AN_EVIDENCE_MAX; k++)
		cost += strnlen(d->ev[k].value, sizeof(d->ev[k].value)) + 1;
	if (s)
		cost += grow_cost(s->nitems, s->cap_items, sizeof(*s->items));
	return cost;
}

/* session: the session's index + 1, 0 none. A session's diagnostic takes
 * its endpoints (client, server) as a and b; another keeps the flow's. */
static bool diag_copy(struct ui_store *st, struct ui_diag *u, const struct an_diag *d,
                      const struct ui_session *s, size_t session)
{
	memset(u, 0, sizeof(*u));
	u->session = (unsigned)session;
	u->a = s ? s->s.client : d->a;
	u->b = s ? s->s.server : d->b;
	u->ts = d->ts;
	u->kind = d->kind;
	u->message = store_dup(st, d->message, strnlen(d->message, sizeof(d->message)));
	if (u->message == NULL)
		return false;
	for (unsigned k = 0; k < d->nev && k < AN_EVIDENCE_MAX; k++) {
		u->ev_key[k] = d->ev[k].key;
		u->ev_value[k] = store_dup(st, d->ev[k].value,
		                           strnlen(d->ev[k].value, sizeof(d->ev[k].value)));
		u->nev = k + 1;
		if (u->ev_value[k] == NULL)
			return false;
	}
	return true;
}

/* s: the session (its index is si), or NULL. */
static void add_diag(struct ui_store *st, struct ui_session *s, size_t si, const struct an_diag *d)
{
	struct ui_diag *ds;

	if (s)
		s->ndiags++;
	if (!mem_room(st, diag_cost(st, s, d)) || (s && !items_reserve(st, s)))
		goto drop;
	ds = grow_array(st, st->diags, st->ndiags, &st->cap_diags, sizeof(*ds));
	if (ds == NULL)
		goto drop;
	st->diags = ds;
	if (!diag_copy(st, &ds[st->ndiags], d, s, s ? si + 1 : 0)) {
		diag_release(st, &ds[st->ndiags]);
		goto drop;
	}
	if (s)
		item_insert(s, UI_ITEM_DIAG, d->ts, st->ndiags);
	st->ndiags++;
	return;
drop:
	st->dropped++;
}

/* ------------------------------------------------------------ events */

static const struct an_session *event_session(const struct an_event *ev)
{
	if (ev->s)
		return ev->s;
	if (ev->type == AN_EV_COMMAND && ev->u.cmd)
		return ev->u.cmd->s;
	if (ev->type == AN_EV_TRANSFER && ev->u.xfer)
		return ev->u.xfer->s;
	if (ev->type == AN_EV_DIAG && ev->u.diag)
		return ev->u.diag->s;
	return NULL;
}

void ui_store_event(struct ui_store *st, const struct an_event *ev)
{
	const struct an_session *as = event_session(ev);
	struct ui_session *s = NULL;
	size_t si = 0;

	st->version++;
	if (as && (si = session_get(st, as)) != SIZE_MAX)
		s = &st->sessions[si];
	if (s == NULL && ev->type != AN_EV_DIAG) {
		if (as && ev->type != AN_EV_SESSION_OPEN && ev->type != AN_EV_SESSION_CLOSE)
			st->dropped++; /* out of memory for the session */
		return;
	}
	switch (ev->type) {
	case AN_EV_BANNER:
		add_banner(st, s, ev);
		break;
	case AN_EV_COMMAND:
		if (ev->u.cmd)
			add_command(st, s, ev->u.cmd);
		break;
	case AN_EV_TRANSFER:
		if (ev->u.xfer)
			add_transfer(st, s, ev->u.xfer);
		break;
	case AN_EV_DIAG:
		if (ev->u.diag && (s || as == NULL))
			add_diag(st, s, si, ev->u.diag);
		else if (ev->u.diag)
			st->dropped++; /* out of memory for its session */
		break;
	case AN_EV_SESSION_CLOSE:
		s->closed = true;
		break;
	default:
		break;
	}
}

/* ui_store_view.c - what the screens read from a ui_store: a session's
 * state, the Sessions screen's filter and sort, and the flows of a session
 * (its connections and its paired leg's) for saving or replaying them. */
#include "ui_store.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ states */

/* Precedence: encrypted first (after AUTH TLS nothing more was decoded, the
 * most useful thing to say even once it closed), then closed (the session
 * record came), then what the login says. */
enum ui_state ui_session_state(const struct ui_session *s)
{
	if (s->s.encrypted)
		return UI_STATE_ENCRYPTED;
	if (s->closed)
		return UI_STATE_CLOSED;
	if (s->s.login == AN_LOGIN_FAILED)
		return UI_STATE_LOGIN_FAILED;
	if (s->s.login == AN_LOGIN_OK)
		return UI_STATE_LOGGED_IN;
	return UI_STATE_CONNECTED;
}

const char *ui_state_name(enum ui_state st)
{
	static const char *const names[] = {
		[UI_STATE_CONNECTED] = "connected",
		[UI_STATE_LOGGED_IN] = "logged in",
		[UI_STATE_LOGIN_FAILED] = "login failed",
		[UI_STATE_ENCRYPTED] = "encrypted",
		[UI_STATE_CLOSED] = "closed",
	};

	if ((unsigned)st >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[st];
}

const char *ui_col_name(enum ui_col c)
{
	static const char *const names[UI_COL__COUNT] = {
		[UI_COL_START] = "Start", [UI_COL_CLIENT] = "Client", [UI_COL_SERVER] = "Server",
		[UI_COL_USER] = "User", [UI_COL_STATE] = "State", [UI_COL_CMDS] = "Cmds",
		[UI_COL_XFERS] = "Xfers", [UI_COL_BYTES] = "Bytes", [UI_COL_ERRORS] = "Errors",
		[UI_COL_DIAGS] = "Diags",
	};

	if ((unsigned)c >= UI_COL__COUNT)
		return "?";
	return names[c];
}

/* ------------------------------------------------------------ filter */

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Whether needle (m bytes, not empty) is in hay (n bytes), ignoring ASCII case. */
static bool contains_ci(const char *hay, size_t n, const char *needle, size_t m)
{
	const unsigned char *h = (const unsigned char *)hay, *w = (const unsigned char *)needle;

	for (size_t i = 0; hay && i + m <= n; i++) {
		size_t k = 0;

		while (k < m && lower(h[i + k]) == lower(w[k]))
			k++;
		if (k == m)
			return true;
	}
	return false;
}

static bool endpoint_contains(const struct ftp_hostport *hp, const char *f, size_t m)
{
	char buf[ADDR_ENDPOINT_STRLEN];

	if (addr_format_endpoint(buf, sizeof(buf), hp) != FTP_OK)
		return false;
	return contains_ci(buf, strlen(buf), f, m);
}

bool ui_session_matches(const struct ui_session *s, const char *filter)
{
	size_t m = filter ? strlen(filter) : 0;
	const char *state = ui_state_name(ui_session_state(s));

	if (m == 0)
		return true;
	if (endpoint_contains(&s->s.client, filter, m) ||
	    endpoint_contains(&s->s.server, filter, m) ||
	    contains_ci(s->s.user, strnlen(s->s.user, sizeof(s->s.user)), filter, m) ||
	    contains_ci(state, strlen(state), filter, m))
		return true;
	for (size_t i = 0; i < s->ncmds; i++) {
		const struct ui_cmd *c = &s->cmds[i];

		if (contains_ci(c->verb, strlen(c->verb), filter, m) ||
		    contains_ci(c->arg, c->arg_n, filter, m))
			return true;
	}
	return false;
}

/* -------------------------------------------------------------- sort */

struct view_order {
	enum ui_col col;
	bool descending;
};

struct view_row {
	const struct ui_session *s;
	size_t idx;
	const struct view_order *o;
};

#define CMP(x, y) (((x) > (y)) - ((x) < (y)))

/* By family, address bytes, then port: 10.0.0.2 before 10.0.0.10. */
static int hostport_cmp(const struct ftp_hostport *a, const struct ftp_hostport *b)
{
	int c = CMP(a->addr.family, b->addr.family);

	if (c == 0)
		c = memcmp(a->addr.b, b->addr.b, sizeof(a->addr.b));
	if (c == 0)
		c = CMP(a->port, b->port);
	return c;
}

static int col_cmp(const struct ui_session *a, const struct ui_session *b, enum ui_col col)
{
	switch (col) {
	case UI_COL_START:
		return CMP(a->s.ts_start, b->s.ts_start);
	case UI_COL_CLIENT:
		return hostport_cmp(&a->s.client, &b->s.client);
	case UI_COL_SERVER:
		return hostport_cmp(&a->s.server, &b->s.server);
	case UI_COL_USER:
		return strncmp(a->s.user, b->s.user, sizeof(a->s.user));
	case UI_COL_STATE:
		return CMP(ui_session_state(a), ui_session_state(b));
	case UI_COL_CMDS:     /* the engine's counts: commands dropped by mem_cap too */
		return CMP(a->s.commands, b->s.commands);
	case UI_COL_XFERS:
		return CMP(a->s.transfers, b->s.transfers);
	case UI_COL_BYTES:
		return CMP(a->bytes, b->bytes);
	case UI_COL_ERRORS:
		return CMP(a->errors, b->errors);
	case UI_COL_DIAGS:
		return CMP(a->ndiags, b->ndiags);
	default:
		return 0;
	}
}

/* The column's order (reversed when descending), ties by index ascending. */
static int row_cmp(const void *pa, const void *pb)
{
	const struct view_row *a = pa, *b = pb;
	int c = col_cmp(a->s, b->s, a->o->col);

	if (a->o->descending)
		c = -c;
	return c ? c : CMP(a->idx, b->idx);
}

/* Without memory for sorting, the matches are written in index order. */
size_t ui_store_view(const struct ui_store *st, enum ui_col col, bool descending,
                     const char *filter, size_t *out, size_t cap)
{
	struct view_order o = {col, descending};
	struct view_row *rows = NULL;
	size_t n = 0;

	if (out == NULL)
		cap = 0;
	if (cap && st->nsessions)
		rows = malloc(st->nsessions * sizeof(*rows));
	for (size_t i = 0; i < st->nsessions; i++) {
		if (!ui_session_matches(&st->sessions[i], filter))
			continue;
		if (rows)
			rows[n] = (struct view_row){&st->sessions[i], i, &o};
		else if (n < cap)
			out[n] = i;
		n++;
	}
	if (rows) {
		qsort(rows, n, sizeof(*rows), row_cmp);
		for (size_t k = 0; k < n && k < cap; k++)
			out[k] = rows[k].idx;
		free(rows);
	}
	return n;
}

/* ------------------------------------------------------------- flows */

static void flow_add(struct ui_flow *f, size_t *n, const struct ftp_hostport *a,
                     const struct ftp_hostport *b)
{
	if (a->addr.family == FTP_AF_NONE || b->addr.family == FTP_AF_NONE)
		return;
	f[(*n)++] = (struct ui_flow){*a, *b};
}

/* Session s's flows appended to f (room for 1 + nxfers + ncmds). An
 * announced connection: the listener's endpoint, the connecting host on
 * any port (orig's port is not announced). */
static void leg_flows(const struct ui_session *s, struct ui_flow *f, size_t *n)
{
	flow_add(f, n, &s->s.client, &s->s.server);
	for (size_t i = 0; i < s->nxfers; i++)
		flow_add(f, n, &s->xfers[i].data_client, &s->xfers[i].data_server);
	for (size_t i = 0; i < s->ncmds; i++) {
		const struct an_data_channel *dc = &s->cmds[i].dc;
		struct ftp_hostport orig = {dc->orig.addr, 0};

		if (dc->set)
			flow_add(f, n, &dc->resp, &orig);
	}
}

struct flow_key {
	struct ftp_hostport lo, hi; /* the endpoints in hostport_cmp order */
	size_t pos;
};

static int flow_key_cmp(const void *pa, const void *pb)
{
	const struct flow_key *a = pa, *b = pb;
	int c = hostport_cmp(&a->lo, &b->lo);

	if (c == 0)
		c = hostport_cmp(&a->hi, &b->hi);
	return c ? c : CMP(a->pos, b->pos);
}

/* Removes the flows equal (either direction) to an earlier one, keeping
 * the order; the new count. 0 without memory. */
static size_t flows_dedup(struct ui_flow *f, size_t n)
{
	struct flow_key *k = malloc((n ? n : 1) * sizeof(*k));
	bool *dup = calloc(n ? n : 1, sizeof(*dup));
	size_t m = 0;

	if (k && dup) {
		for (size_t i = 0; i < n; i++) {
			bool swap = hostport_cmp(&f[i].a, &f[i].b) > 0;

			k[i].lo = swap ? f[i].b : f[i].a;
			k[i].hi = swap ? f[i].a : f[i].b;
			k[i].pos = i;
		}
		qsort(k, n, sizeof(*k), flow_key_cmp);
		for (size_t i = 1; i < n; i++)
			if (hostport_cmp(&k[i].lo, &k[i - 1].lo) == 0 &&
			    hostport_cmp(&k[i].hi, &k[i - 1].hi) == 0)
				dup[k[i].pos] = true;
		for (size_t i = 0; i < n; i++)
			if (!dup[i])
				f[m++] = f[i];
	}
	free(k);
	free(dup);
	return m;
}

/* Session i's flows first (control, transfers, announced), then its pair's
 * as the last ui_store_pair set it. */
size_t ui_session_flows(const struct ui_store *st, size_t i, struct ui_flow *out, size_t cap)
{
	const struct ui_session *legs[2] = {NULL, NULL};
	struct ui_flow *f;
	size_t max = 0, n = 0;

	if (i >= st->nsessions)
		return 0;
	legs[0] = &st->sessions[i];
	if (legs[0]->pair && legs[0]->pair - 1 < st->nsessions && legs[0]->pair - 1 != i)
		legs[1] = &st->sessions[legs[0]->pair - 1];
	for (int l = 0; l < 2; l++)
		if (legs[l])
			max += 1 + legs[l]->nxfers + legs[l]->ncmds;
	if ((f = malloc(max * sizeof(*f))) == NULL)
		return 0;
	for (int l = 0; l < 2; l++)
		if (legs[l])
			leg_flows(legs[l], f, &n);
	n = flows_dedup(f, n);
	if (out)
		memcpy(out, f, (n < cap ? n : cap) * sizeof(*f));
	free(f);
	return n;
}

/* A flow's endpoint e matches a packet's p: the same family and address
 * bytes, and the same port unless e's is 0. */
static bool endpoint_match(const struct ftp_hostport *e, const struct ftp_hostport *p)
{
	size_t len = e->addr.family == FTP_AF_INET ? 4 : 16;

	if (e->addr.family == FTP_AF_NONE || e->addr.family != p->addr.family)
		return false;
	if (memcmp(e->addr.b, p->addr.b, len) != 0)
		return false;
	return e->port == 0 || e->port == p->port;
}

bool ui_flows_match(const struct ui_flow *f, size_t n, const struct ftp_hostport *src,
                    const struct ftp_hostport *dst)
{
	for (size_t i = 0; i < n; i++) {
		if (endpoint_match(&f[i].a, src) && endpoint_match(&f[i].b, dst))
			return true;
		if (endpoint_match(&f[i].a, dst) && endpoint_match(&f[i].b, src))
			return true;
	}
	return false;
}

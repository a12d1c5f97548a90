/* ui_ladder.c - one session as a ladder diagram (as sngrep's call flow):
 * a lane for the client and one for the server, an arrow per command and
 * per reply, data connections as double lines from who connected to who
 * listened, diagnostics on a row of their own where they happened. When
 * ui_store_pair found the other leg of a NAT or proxy, three lanes: the
 * client's leg on the left, the server's on the right, merged by time.
 *
 *   +0.012s  |--- USER anonymous ------------>|
 *   +0.013s  |<-- 331 Please specify the pa --|   0.4ms
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "ui_panel.h"

struct ref {               /* one shown item of leg 0 or 1 */
	unsigned leg;
	struct ui_item it;
};

struct ladder {
	size_t leg[2];         /* store indices: client's leg, server's leg (paired) */
	bool paired;
	struct ref *refs;
	size_t nrefs, cap;
	size_t sel, top;       /* positions in refs */
	bool sel_set, follow;  /* follow: End was pressed, stay on the last item */
	struct ref sel_ref;    /* the selected item, found again after inserts */
	size_t focus;          /* a diagnostic to select first (store index); SIZE_MAX none */
	int rows;              /* rows for items at the last draw */
};

struct lay {               /* columns of the diagram */
	int tw, nw, w;         /* time and notes column widths; the whole width */
	int lane[3];           /* x of each lane */
};

static void *ladder_create(struct ui_ctx *c, size_t session, size_t focus)
{
	struct ladder *l = calloc(1, sizeof(*l));

	if (l) {
		l->leg[0] = l->leg[1] = session;
		l->focus = focus;
	}
	return l;
}

static void ladder_destroy(void *state)
{
	struct ladder *l = state;

	if (l)
		free(l->refs);
	free(l);
}

static bool ref_same(const struct ref *a, const struct ref *b)
{
	return a->leg == b->leg && a->it.kind == b->it.kind && a->it.idx == b->it.idx;
}

static void find_legs(struct ladder *l, struct ui_ctx *c, size_t i)
{
	struct ui_store *st = c->st;
	size_t first, other;

	ui_store_pair(st);
	l->paired = false;
	l->leg[0] = l->leg[1] = i;
	if (i >= st->nsessions || st->sessions[i].pair == 0 || st->sessions[i].pair > st->nsessions)
		return;
	other = st->sessions[i].pair - 1;
	first = ui_pair_client_leg(st, i);
	l->leg[0] = first;
	l->leg[1] = first == i ? other : i;
	l->paired = l->leg[0] != l->leg[1];
}

/* The shown items of both legs merged by time (leg 0 first on a tie). */
static bool ladder_rebuild(struct ladder *l, struct ui_ctx *c)
{
	const struct ui_session *a = &c->st->sessions[l->leg[0]];
	const struct ui_session *b = l->paired ? &c->st->sessions[l->leg[1]] : NULL;
	size_t need = a->nitems + (b ? b->nitems : 0), i = 0, j = 0;

	if (need > l->cap) {
		struct ref *r = realloc(l->refs, need * sizeof(*r));

		if (r == NULL)
			return false;
		l->refs = r;
		l->cap = need;
	}
	l->nrefs = 0;
	while (i < a->nitems || (b && j < b->nitems)) {
		bool take_a = !b || j >= b->nitems ||
		              (i < a->nitems && a->items[i].ts <= b->items[j].ts);
		struct ref r = {take_a ? 0 : 1, take_a ? a->items[i++] : b->items[j++]};

		if (ui_ctx_item_shown(c, l->leg[r.leg], &r.it))
			l->refs[l->nrefs++] = r;
	}
	return true;
}

static int item_height(const struct ref *r)
{
	return r->it.kind == UI_ITEM_CMD || r->it.kind == UI_ITEM_XFER ? 2 : 1;
}

/* The selection found again (by identity), then scrolled into view. */
static void ladder_fit(struct ladder *l)
{
	int used = 0;

	if (l->nrefs == 0) {
		l->sel = l->top = 0;
		return;
	}
	for (size_t k = 0; l->focus != SIZE_MAX && k < l->nrefs; k++)
		if (l->refs[k].it.kind == UI_ITEM_DIAG && l->refs[k].it.idx == l->focus) {
			l->sel_ref = l->refs[k];
			l->sel_set = true;
			l->focus = SIZE_MAX;
		}
	if (l->follow || !l->sel_set) {
		l->sel = l->follow ? l->nrefs - 1 : 0;
	} else {
		size_t k;

		for (k = 0; k < l->nrefs && !ref_same(&l->refs[k], &l->sel_ref); k++)
			;
		l->sel = k < l->nrefs ? k : (l->sel < l->nrefs ? l->sel : l->nrefs - 1);
	}
	l->sel_ref = l->refs[l->sel];
	l->sel_set = true;
	if (l->top > l->sel)
		l->top = l->sel;
	for (size_t k = l->top; k <= l->sel; k++)
		used += item_height(&l->refs[k]);
	while (used > l->rows && l->top < l->sel)
		used -= item_height(&l->refs[l->top++]);
}

static void lay_out(struct lay *y, const struct ladder *l, int w)
{
	int left, right;

	y->w = w;
	y->tw = w >= 60 ? 9 : 0;
	y->nw = w >= 70 ? 8 : 0;
	left = y->tw + 3;
	right = w - y->nw - 3;
	y->lane[0] = left;
	y->lane[1] = l->paired ? (left + right) / 2 : right;
	y->lane[2] = right;
}

static int lane_client(const struct lay *y, const struct ladder *l, unsigned leg)
{
	return y->lane[l->paired ? leg : 0];
}

static int lane_server(const struct lay *y, const struct ladder *l, unsigned leg)
{
	return y->lane[l->paired ? leg + 1 : 1];
}

static void draw_lanes(const struct ui_ctx *c, const struct lay *y, const struct ladder *l, int row)
{
	attrset(ui_attr(&c->d, UI_S_DIM));
	for (int k = 0; k < (l->paired ? 3 : 2); k++)
		mvaddstr(row, y->lane[k], ui_glyph(&c->d, UI_G_VLINE));
	attrset(A_NORMAL);
}

/* An arrow from lane x `from` to lane x `to` with a label in its middle;
 * the label's first `hl` bytes (a reply code) in `ha`, the rest in `ta`. */
static void draw_arrow(const struct ui_ctx *c, int row, int from, int to, enum ui_glyph g,
                       attr_t la, const char *label, int hl, attr_t ha, attr_t ta)
{
	int lo = (from < to ? from : to) + 1, hi = (from < to ? to : from) - 1;
	int len = hi - lo + 1, room = len - 4, lw, x;

	if (len < 2)
		return;
	attrset(la);
	ui_repeat(&c->d, row, lo, len, g);
	mvaddstr(row, from < to ? hi : lo, ui_glyph(&c->d, from < to ? UI_G_RARROW : UI_G_LARROW));
	lw = ui_text_width(label);
	if (room <= 0 || lw == 0) {
		attrset(A_NORMAL);
		return;
	}
	lw = lw < room ? lw : room;
	x = lo + 2 + (room - lw) / 2;
	attrset(ta);
	mvhline(row, x - 1, ' ', lw + 2);
	if (hl > lw)
		hl = lw;
	attrset(ha);
	ui_put(row, x, hl, label);
	attrset(ta);
	ui_put_cut(&c->d, row, x + hl, lw - hl, label + hl);
	attrset(A_NORMAL);
}

static void put_time(const struct ui_ctx *c, const struct lay *y, int row, double rel, bool sel)
{
	char t[32];

	if (y->tw == 0)
		return;
	ui_fmt_rel(t, sizeof(t), rel);
	attrset(sel ? ui_attr(&c->d, UI_S_SELECTED) : ui_attr(&c->d, UI_S_DIM));
	ui_put_right(&c->d, row, 0, y->tw, t);
	attrset(A_NORMAL);
}

static void put_note(const struct ui_ctx *c, const struct lay *y, int row, const char *t,
                     attr_t a)
{
	if (y->nw == 0)
		return;
	attrset(a);
	ui_put_right(&c->d, row, y->w - y->nw, y->nw, t);
	attrset(A_NORMAL);
}

/* "226 Transfer complete", "(150) 226 ...", "(no reply)"; returns the
 * bytes of the code at its start. */
static int reply_label(const struct ui_ctx *c, int prelim, int code, const char *text,
                       size_t n, char *buf, size_t cap)
{
	char first[256], pre[16] = "";
	struct an_bytes all = {text, n}, line = {NULL, 0};

	out_text_line(&all, 0, &line);
	ui_escape(&c->d, first, sizeof(first), line.p, line.n);
	if (prelim)
		snprintf(pre, sizeof(pre), "(%03d) ", prelim);
	if (code == 0 && n == 0) {
		snprintf(buf, cap, "%s(no reply)", pre);
		return 0;
	}
	if (code == 0) {
		snprintf(buf, cap, "%s%s", pre, first);
		return 0;
	}
	snprintf(buf, cap, "%s%03d %s", pre, code, first);
	return (int)strlen(pre) + 3;
}

static void draw_banner(const struct ui_ctx *c, const struct lay *y, const struct ladder *l,
                        const struct ref *r, int row, bool sel)
{
	const struct ui_session *s = &c->st->sessions[l->leg[r->leg]];
	char label[300];
	int hl = reply_label(c, 0, s->banner_code, s->banner, s->banner_n, label, sizeof(label));
	attr_t ra = ui_attr(&c->d, ui_reply_style(s->banner_code));

	put_time(c, y, row, s->banner_ts - c->st->sessions[l->leg[0]].s.ts_start, sel);
	draw_arrow(c, row, lane_server(y, l, r->leg), lane_client(y, l, r->leg), UI_G_HLINE, ra,
	           label, hl, ra | (sel ? A_REVERSE : 0), sel ? A_REVERSE : A_NORMAL);
}

static void draw_cmd(const struct ui_ctx *c, const struct lay *y, const struct ladder *l,
                     const struct ref *r, int row, int rows, bool sel)
{
	const struct ui_session *s = &c->st->sessions[l->leg[r->leg]];
	const struct ui_cmd *u = &s->cmds[r->it.idx];
	double t0 = c->st->sessions[l->leg[0]].s.ts_start;
	char label[300], arg[256] = "", lat[32] = "";
	attr_t ra = ui_attr(&c->d, ui_reply_style(u->reply_code));
	int hl;

	ui_escape(&c->d, arg, sizeof(arg), u->arg, u->arg ? u->arg_n : 0);
	snprintf(label, sizeof(label), "%s%s%s%s", u->verb, arg[0] ? " " : "", arg,
	         u->arg_truncated ? " [cut]" : "");
	put_time(c, y, row, u->ts - t0, sel);
	draw_arrow(c, row, lane_client(y, l, r->leg), lane_server(y, l, r->leg), UI_G_HLINE,
	           A_NORMAL, label, 0, A_NORMAL, ui_attr(&c->d, UI_S_CMD) | (sel ? A_REVERSE : 0));
	if (rows < 2)
		return;
	hl = reply_label(c, u->prelim_code, u->reply_code, u->reply, u->reply ? u->reply_n : 0,
	                 label, sizeof(label));
	if (u->latency_ms >= 0) {
		put_time(c, y, row + 1, u->ts + u->latency_ms / 1000 - t0, sel);
		ui_fmt_duration(lat, sizeof(lat), u->latency_ms / 1000);
		put_note(c, y, row + 1, lat, ui_attr(&c->d, UI_S_DIM));
	}
	draw_arrow(c, row + 1, lane_server(y, l, r->leg), lane_client(y, l, r->leg), UI_G_HLINE,
	           u->reply_code ? ra : ui_attr(&c->d, UI_S_DIM), label, hl,
	           ra | (sel ? A_REVERSE : 0), sel ? A_REVERSE : A_NORMAL);
}

/* "192.0.2.10:40000 > 198.51.100.1:50000 SYN 1.2MB FIN 0.120s complete". */
static void xfer_detail(const struct ui_ctx *c, const struct ui_xfer *x, char *buf, size_t cap)
{
	char a[ADDR_ENDPOINT_STRLEN], b[ADDR_ENDPOINT_STRLEN], bytes[16], dur[16];
	const char *st = out_status_name(x->status);

	ui_fmt_endpoint(a, sizeof(a), &x->data_client);
	ui_fmt_endpoint(b, sizeof(b), &x->data_server);
	ui_fmt_si(bytes, sizeof(bytes), x->bytes, "B");
	ui_fmt_duration(dur, sizeof(dur), x->duration_s);
	if (x->data_client.addr.family == FTP_AF_NONE) {
		snprintf(buf, cap, "no data connection, %s", st ? st : "?");
		return;
	}
	snprintf(buf, cap, "%s %s %s %s%s%s %s %s %s", a, ui_glyph(&c->d, UI_G_TO), b,
	         x->syn_seen ? "SYN" : "no-SYN", x->rst_seen ? " RST" : "",
	         x->fin_seen ? " FIN" : (x->rst_seen ? "" : " no-FIN"), dur, st ? st : "?", bytes);
}

static void draw_xfer(const struct ui_ctx *c, const struct lay *y, const struct ladder *l,
                      const struct ref *r, int row, int rows, bool sel)
{
	const struct ui_session *s = &c->st->sessions[l->leg[r->leg]];
	const struct ui_xfer *x = &s->xfers[r->it.idx];
	int cl = lane_client(y, l, r->leg), sv = lane_server(y, l, r->leg);
	bool from_server = x->mode == AN_MODE_ACTIVE || x->mode == AN_MODE_EPRT ||
	                   (x->mode == AN_MODE_NONE &&
	                    addr_equal(&x->data_client.addr, &s->s.server.addr));
	char label[300], arg[256], bytes[16];
	attr_t da = ui_attr(&c->d, UI_S_DATA);

	ui_escape(&c->d, arg, sizeof(arg), x->arg, x->arg ? x->arg_n : 0);
	ui_fmt_si(bytes, sizeof(bytes), x->bytes, "B");
	snprintf(label, sizeof(label), "DATA %s%s%s %s", x->verb, arg[0] ? " " : "", arg, bytes);
	put_time(c, y, row, x->ts_start - c->st->sessions[l->leg[0]].s.ts_start, sel);
	if (x->data_client.addr.family == FTP_AF_NONE)
		draw_arrow(c, row, cl, sv, UI_G_DOT, ui_attr(&c->d, UI_S_DIM), label, 0, da, da);
	else
		draw_arrow(c, row, from_server ? sv : cl, from_server ? cl : sv, UI_G_DLINE, da,
		           label, 0, da, da | (sel ? A_REVERSE : 0));
	if (rows < 2)
		return;
	xfer_detail(c, x, label, sizeof(label));
	attrset(da);
	ui_put_cut(&c->d, row + 1, cl + 2, (l->paired && r->leg == 0 ? sv : y->w) - cl - 3, label);
	attrset(A_NORMAL);
}

static void draw_diag(const struct ui_ctx *c, const struct lay *y, const struct ladder *l,
                      const struct ref *r, int row, bool sel)
{
	const struct ui_diag *g = &c->st->diags[r->it.idx];
	char msg[512], label[600];

	ui_plain(msg, sizeof(msg), g->message);
	if (l->paired) /* across both legs: which one it is about */
		snprintf(label, sizeof(label), "! #%u %s: %s", c->st->sessions[l->leg[r->leg]].s.id,
		         an_diag_name(g->kind), msg);
	else
		snprintf(label, sizeof(label), "! %s: %s", an_diag_name(g->kind), msg);
	put_time(c, y, row, g->ts - c->st->sessions[l->leg[0]].s.ts_start, sel);
	attrset(ui_attr(&c->d, UI_S_DIAG) | (sel ? A_REVERSE : 0));
	ui_put_cut(&c->d, row, y->lane[0] + 2, y->w - y->nw - y->lane[0] - 2, label);
	attrset(A_NORMAL);
}

static bool ref_valid(const struct ui_ctx *c, const struct ladder *l, const struct ref *r)
{
	const struct ui_session *s = &c->st->sessions[l->leg[r->leg]];

	switch (r->it.kind) {
	case UI_ITEM_BANNER: return s->have_banner;
	case UI_ITEM_CMD:    return r->it.idx < s->ncmds;
	case UI_ITEM_XFER:   return r->it.idx < s->nxfers;
	case UI_ITEM_DIAG:   return r->it.idx < c->st->ndiags;
	}
	return false;
}

static void draw_ref(const struct ui_ctx *c, const struct lay *y, const struct ladder *l,
                     const struct ref *r, int row, int rows, bool sel)
{
	for (int k = 0; k < item_height(r) && k < rows; k++)
		draw_lanes(c, y, l, row + k);
	if (!ref_valid(c, l, r))
		return;
	switch (r->it.kind) {
	case UI_ITEM_BANNER: draw_banner(c, y, l, r, row, sel); break;
	case UI_ITEM_CMD:    draw_cmd(c, y, l, r, row, rows, sel); break;
	case UI_ITEM_XFER:   draw_xfer(c, y, l, r, row, rows, sel); break;
	case UI_ITEM_DIAG:   draw_diag(c, y, l, r, row, sel); break;
	}
}

/* A text centred on a lane x (cut to the room around it and the screen's w). */
static void put_centred(const struct ui_ctx *c, int row, int x, int room, int w, const char *t)
{
	int tw = ui_text_width(t), left;

	tw = tw < room ? tw : room;
	tw = tw < w ? tw : w;
	left = x - tw / 2;
	left = left + tw > w ? w - tw : left;
	left = left < 0 ? 0 : left;
	ui_put_tail(&c->d, row, left, tw, t);
}

/* The session line and the lanes' names and endpoints; returns its rows. */
static int draw_head(const struct ui_ctx *c, const struct lay *y, const struct ladder *l,
                     const struct ui_rect *r)
{
	const struct ui_session *a = &c->st->sessions[l->leg[0]], *b = &c->st->sessions[l->leg[1]];
	int room = l->paired ? (y->lane[1] - y->lane[0]) - 1 : 2 * y->lane[0] + 8;
	char t[600], e[ADDR_ENDPOINT_STRLEN];

	ui_session_label(c, l->leg[0], t, sizeof(t));
	if (l->paired)
		snprintf(t + strlen(t), sizeof(t) - strlen(t), "  (other leg: #%u)", b->s.id);
	attrset(A_BOLD);
	ui_put_cut(&c->d, r->y, 0, r->w, t);
	attrset(ui_attr(&c->d, UI_S_HEADER));
	mvhline(r->y + 1, 0, ' ', r->w);
	put_centred(c, r->y + 1, y->lane[0], room, r->w, "Client");
	put_centred(c, r->y + 1, y->lane[l->paired ? 2 : 1], room, r->w, "Server");
	if (l->paired)
		put_centred(c, r->y + 1, y->lane[1], room, r->w, "NAT/proxy");
	attrset(A_NORMAL);
	ui_fmt_endpoint(e, sizeof(e), &a->s.client);
	put_centred(c, r->y + 2, y->lane[0], room, r->w, e);
	ui_fmt_endpoint(e, sizeof(e), &b->s.server);
	put_centred(c, r->y + 2, y->lane[l->paired ? 2 : 1], room, r->w, e);
	if (!l->paired)
		return 3;
	ui_fmt_endpoint(e, sizeof(e), &a->s.server);
	put_centred(c, r->y + 2, y->lane[1], room, r->w, e);
	ui_fmt_endpoint(e, sizeof(e), &b->s.client);
	put_centred(c, r->y + 3, y->lane[1], room, r->w, e);
	return 4;
}

static void ladder_draw(struct ui_panel *p, struct ui_ctx *c, const struct ui_rect *r)
{
	struct ladder *l = p->state;
	struct lay y;
	int head, row;

	if (p->session >= c->st->nsessions)
		return;
	find_legs(l, c, p->session);
	lay_out(&y, l, r->w);
	head = draw_head(c, &y, l, r);
	l->rows = r->h - head;
	if (!ladder_rebuild(l, c))
		ui_ctx_msg(c, "%s", "out of memory");
	ladder_fit(l);
	if (l->nrefs == 0 && l->rows > 0) {
		attrset(ui_attr(&c->d, UI_S_DIM));
		ui_put(r->y + head, 1, r->w - 1, "Nothing recorded for this session yet.");
		attrset(A_NORMAL);
	}
	row = r->y + head;
	for (size_t k = l->top; k < l->nrefs && row < r->y + r->h; k++) {
		draw_ref(c, &y, l, &l->refs[k], row, r->y + r->h - row, k == l->sel);
		row += item_height(&l->refs[k]);
	}
}

static bool ladder_key(struct ui_panel *p, struct ui_ctx *c, int key)
{
	struct ladder *l = p->state;
	struct ui_list list = {l->sel, l->top};
	const struct ref *r;

	if (ui_list_key(&list, key, l->nrefs, l->rows > 2 ? l->rows / 2 : 1)) {
		l->follow = l->nrefs > 0 && list.sel == l->nrefs - 1 &&
		            (key == KEY_END || key == 'G');
		l->sel = list.sel;
		if (l->sel < l->nrefs)
			l->sel_ref = l->refs[l->sel];
		return true;
	}
	if (key != '\r' && key != '\n' && key != KEY_ENTER)
		return false;
	if (l->sel >= l->nrefs)
		return true;
	r = &l->refs[l->sel];
	if (r->it.kind == UI_ITEM_XFER)
		ui_ctx_open(c, UI_PANEL_TRANSFERS, l->leg[r->leg], r->it.idx);
	else if (r->it.kind == UI_ITEM_DIAG)
		ui_ctx_open(c, UI_PANEL_DIAGS, l->leg[r->leg], r->it.idx);
	else
		ui_ctx_open(c, UI_PANEL_TRANSCRIPT, l->leg[r->leg], SIZE_MAX);
	return true;
}

static const struct ui_panel_ops ladder_ops = {
	.title = "Ladder",
	.keys = "Tab Next view|Enter Details|Esc Back|p Pause|w Save|e Extract|? Help",
	.create = ladder_create,
	.draw = ladder_draw,
	.handle_key = ladder_key,
	.destroy = ladder_destroy,
};

const struct ui_panel_ops *ui_ladder_panel(void)
{
	return &ladder_ops;
}

/* ui_diags.c - diagnostics: of one session (from its views) or of every
 * session (d on the Sessions screen). A row each, and below, for the
 * selected one, its message, its evidence and the paragraph for learners
 * (an_diag_explain), wrapped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_panel.h"

enum { C_TIME, C_SESSION, C_KIND, C_MSG, C__COUNT };

static const struct ui_column columns[C__COUNT] = {
	[C_TIME]    = {"Time", 9, 0, 2, 1, 0, 0},
	[C_SESSION] = {"Session", 7, 0, 1, 1, 0, 0},
	[C_KIND]    = {"Diagnostic", 22, 0, 0, 0, 0, 0},
	[C_MSG]     = {"Message", 10, 1, 0, 0, 0, 0},
};

struct diags {
	struct ui_list list;
	size_t focus;            /* a store diagnostic to select first; SIZE_MAX none */
	size_t *idx, n, cap;     /* one session's: the store indices of its diagnostics */
	int rows;
};

static void *diags_create(struct ui_ctx *c, size_t session, size_t focus)
{
	struct diags *g = calloc(1, sizeof(*g));

	if (g)
		g->focus = focus;
	return g;
}

static void diags_destroy(void *state)
{
	struct diags *g = state;

	if (g)
		free(g->idx);
	free(g);
}

/* The rows: every diagnostic, or those of the session's items. */
static size_t diags_rows(struct diags *g, const struct ui_ctx *c, size_t session)
{
	const struct ui_session *s;

	if (session == UI_ALL)
		return ui_ctx_ndiags(c);
	if (session >= c->st->nsessions)
		return 0;
	s = &c->st->sessions[session];
	if (s->nitems > g->cap) {
		size_t *v = realloc(g->idx, s->nitems * sizeof(*v));

		if (v == NULL)
			return g->n;
		g->idx = v;
		g->cap = s->nitems;
	}
	g->n = 0;
	for (size_t k = 0; k < s->nitems; k++)
		if (s->items[k].kind == UI_ITEM_DIAG && s->items[k].idx < c->st->ndiags &&
		    ui_ctx_item_shown(c, session, &s->items[k]))
			g->idx[g->n++] = s->items[k].idx;
	return g->n;
}

static size_t row_diag(const struct diags *g, size_t session, size_t row)
{
	return session == UI_ALL ? row : g->idx[row];
}

static void cell(const struct ui_ctx *c, const struct ui_diag *d, bool all, int col,
                 char *t, size_t cap)
{
	char a[ADDR_ENDPOINT_STRLEN], b[ADDR_ENDPOINT_STRLEN], m[512];
	const struct ui_session *s = d->session && d->session <= c->st->nsessions
	                             ? &c->st->sessions[d->session - 1] : NULL;

	switch (col) {
	case C_TIME:
		if (all || s == NULL)
			ui_fmt_clock(t, cap, d->ts);
		else
			ui_fmt_rel(t, cap, d->ts - s->s.ts_start);
		break;
	case C_SESSION:
		snprintf(t, cap, s ? "#%u" : "-", s ? s->s.id : 0);
		break;
	case C_KIND:
		snprintf(t, cap, "%s", an_diag_name(d->kind));
		break;
	case C_MSG:
		ui_plain(m, sizeof(m), d->message);
		ui_fmt_endpoint(a, sizeof(a), &d->a);
		ui_fmt_endpoint(b, sizeof(b), &d->b);
		if (s == NULL)
			snprintf(t, cap, "%s %s %s: %s", a, ui_glyph(&c->d, UI_G_TO), b, m);
		else
			snprintf(t, cap, "%s", m);
		break;
	default:
		t[0] = '\0';
	}
}

static void draw_row(const struct ui_ctx *c, const struct ui_column *cols, int y, int w,
                     const struct ui_diag *d, bool all, bool sel)
{
	attr_t base = sel ? ui_attr(&c->d, UI_S_SELECTED) : A_NORMAL;

	attrset(base);
	if (sel)
		mvhline(y, 0, ' ', w);
	for (int col = 0; col < C__COUNT; col++) {
		char t[700];

		if (cols[col].w <= 0)
			continue;
		cell(c, d, all, col, t, sizeof(t));
		attrset(!sel && col == C_KIND ? ui_attr(&c->d, UI_S_DIAG) : base);
		ui_column_put(&c->d, &cols[col], y, t);
	}
	attrset(A_NORMAL);
}

/* The message, "key=value, ..." and the explanation, blank-line separated. */
static void detail_text(const struct ui_diag *d, char *buf, size_t cap)
{
	size_t o;
	char v[512];

	ui_plain(v, sizeof(v), d->message);
	o = (size_t)snprintf(buf, cap, "%s\n", v);
	for (unsigned i = 0; i < d->nev && i < AN_EVIDENCE_MAX && o < cap; i++) {
		char k[64];

		ui_plain(k, sizeof(k), d->ev_key[i] ? d->ev_key[i] : "?");
		ui_plain(v, sizeof(v), d->ev_value[i] ? d->ev_value[i] : "");
		o += (size_t)snprintf(buf + o, cap - o, "%s%s=%s", i ? ", " : "", k, v);
	}
	if (o < cap)
		snprintf(buf + o, cap - o, "%s\n%s", d->nev ? "\n" : "", an_diag_explain(d->kind));
}

static void draw_detail(const struct ui_ctx *c, const struct ui_diag *d, int y, int h, int w)
{
	char text[4096], head[64];

	attrset(ui_attr(&c->d, UI_S_HEADER));
	mvhline(y, 0, ' ', w);
	snprintf(head, sizeof(head), "%s", an_diag_name(d->kind));
	ui_put(y, 1, w - 1, head);
	attrset(A_NORMAL);
	detail_text(d, text, sizeof(text));
	ui_wrap(y + 1, 1, h - 1, w - 2, text);
}

static int detail_rows(const struct ui_diag *d, int h, int w)
{
	char text[4096];
	int need;

	detail_text(d, text, sizeof(text));
	need = 1 + ui_wrap_rows(w - 2, text);
	return need < h / 2 + 1 ? need : h / 2 + 1;
}

static void draw_heading(struct ui_panel *p, struct ui_ctx *c, const struct ui_rect *r, size_t n)
{
	char head[600];

	if (p->session == UI_ALL)
		snprintf(head, sizeof(head), "Diagnostics of every session: %zu", n);
	else
		ui_session_label(c, p->session, head, sizeof(head));
	attrset(A_BOLD);
	ui_put_cut(&c->d, r->y, 0, r->w, head);
	attrset(A_NORMAL);
}

static void diags_draw(struct ui_panel *p, struct ui_ctx *c, const struct ui_rect *r)
{
	struct diags *g = p->state;
	struct ui_column cols[C__COUNT];
	size_t n = diags_rows(g, c, p->session);
	const struct ui_diag *sel;
	int det = 0;

	for (size_t k = 0; g->focus != SIZE_MAX && k < n; k++)
		if (row_diag(g, p->session, k) == g->focus) {
			g->list.sel = k;
			g->focus = SIZE_MAX;
		}
	draw_heading(p, c, r, n);
	memcpy(cols, columns, sizeof(cols));
	if (p->session != UI_ALL)
		cols[C_SESSION].min = 0;
	ui_columns_layout(cols, C__COUNT, 0, r->w);
	ui_columns_header(&c->d, cols, C__COUNT, r->y + 1, 0, r->w, -1, false);
	if (n == 0) {
		g->rows = r->h - 2;
		attrset(ui_attr(&c->d, UI_S_DIM));
		ui_put(r->y + 2, 1, r->w - 1, "No diagnostics.");
		attrset(A_NORMAL);
		return;
	}
	g->list.sel = g->list.sel < n ? g->list.sel : n - 1;
	sel = &c->st->diags[row_diag(g, p->session, g->list.sel)];
	if (r->h >= 10)
		det = detail_rows(sel, r->h - 2, r->w);
	g->rows = r->h - 2 - det;
	ui_list_fit(&g->list, n, g->rows);
	for (int row = 0; row < g->rows && g->list.top + (size_t)row < n; row++) {
		size_t k = g->list.top + (size_t)row;

		draw_row(c, cols, r->y + 2 + row, r->w, &c->st->diags[row_diag(g, p->session, k)],
		         p->session == UI_ALL, k == g->list.sel);
	}
	if (det > 0)
		draw_detail(c, sel, r->y + r->h - det, det, r->w);
}

static bool diags_key(struct ui_panel *p, struct ui_ctx *c, int key)
{
	struct diags *g = p->state;
	size_t n = p->session == UI_ALL ? ui_ctx_ndiags(c) : g->n;
	size_t d;

	if (ui_list_key(&g->list, key, n, g->rows))
		return true;
	if ((key != '\r' && key != '\n' && key != KEY_ENTER) || g->list.sel >= n)
		return false;
	d = row_diag(g, p->session, g->list.sel);
	if (c->st->diags[d].session && c->st->diags[d].session <= c->st->nsessions)
		ui_ctx_open(c, UI_PANEL_LADDER, c->st->diags[d].session - 1, d);
	return true;
}

static size_t diags_selected(struct ui_panel *p, struct ui_ctx *c)
{
	struct diags *g = p->state;
	size_t d;

	if (p->session != UI_ALL)
		return p->session;
	if (g->list.sel >= ui_ctx_ndiags(c))
		return SIZE_MAX;
	d = c->st->diags[g->list.sel].session;
	return d && d <= c->st->nsessions ? d - 1 : SIZE_MAX;
}

static const struct ui_panel_ops diags_ops = {
	.title = "Diagnostics",
	.keys = "Tab Next view|Enter Ladder|Esc Back|p Pause|w Save|e Extract|? Help",
	.create = diags_create,
	.draw = diags_draw,
	.handle_key = diags_key,
	.destroy = diags_destroy,
	.selected = diags_selected,
};

const struct ui_panel_ops *ui_diags_panel(void)
{
	return &diags_ops;
}

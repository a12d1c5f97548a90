/* ui_transcript.c - one session's control channel as text, with times:
 *
 *   +0.000s S: 220 (vsFTPd 3.0.5)
 *   +0.012s C: FEAT
 *   +0.013s S: 211-Features:                                   0.4ms
 *              S:  EPSV
 *              S: 211 End
 *
 * Multi-line replies are shown whole, one row per line (the code on the
 * first and the last, as on the wire); transfers and diagnostics as notes
 * between them. It scrolls like a pager: arrows, pages, Home/End (End
 * follows a live session), left/right for long lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "ui_panel.h"

#define TIME_W 9
#define NOTE_W 8
#define HSTEP 16

struct transcript {
	size_t top;        /* first line shown */
	size_t total;      /* lines at the last draw */
	int rows;
	int hoff;          /* columns scrolled to the right */
	bool follow;       /* stay at the end while lines arrive */
};

/* One line of the transcript, ready to draw. */
struct tline {
	bool has_time;
	double ts;
	const char *tag;   /* "C:", "S:", "" */
	char code[8];      /* "226 ", "211-", "    " or "" */
	enum ui_style code_style, text_style;
	char text[600];    /* escaped */
	char note[16];
};

static void *transcript_create(struct ui_ctx *c, size_t session, size_t focus)
{
	return calloc(1, sizeof(struct transcript));
}

static void transcript_destroy(void *state)
{
	free(state);
}

static unsigned text_lines(const char *p, size_t n)
{
	unsigned k = 1;

	for (size_t i = 0; p && i < n; i++)
		k += p[i] == '\n';
	return k;
}

static size_t item_lines(const struct ui_session *s, const struct ui_item *it)
{
	const struct ui_cmd *u;

	switch (it->kind) {
	case UI_ITEM_BANNER:
		return text_lines(s->banner, s->banner ? s->banner_n : 0);
	case UI_ITEM_CMD:
		if (it->idx >= s->ncmds)
			return 0;
		u = &s->cmds[it->idx];
		return 1 + (u->prelim_code != 0) + text_lines(u->reply, u->reply ? u->reply_n : 0);
	case UI_ITEM_XFER: case UI_ITEM_DIAG:
		return 1;
	}
	return 0;
}

/* Line k of a reply: "226 " on a single line, "211-" on the first of
 * several, "211 " on the last, indented in between. */
static void reply_line(const struct ui_ctx *c, struct tline *t, int code, const char *p,
                       size_t n, unsigned k)
{
	struct an_bytes all = {p, n}, line = {NULL, 0};
	unsigned last = text_lines(p, n) - 1;

	t->tag = "S:";
	t->code_style = ui_reply_style(code);
	if (code == 0)
		snprintf(t->code, sizeof(t->code), "%s", "");
	else if (k == last || k == 0)
		snprintf(t->code, sizeof(t->code), "%03d%c", code, k == last ? ' ' : '-');
	else
		snprintf(t->code, sizeof(t->code), "%s", "    ");
	out_text_line(&all, k, &line);
	ui_escape(&c->d, t->text, sizeof(t->text), line.p, line.n);
	if (code == 0 && n == 0) {
		snprintf(t->text, sizeof(t->text), "%s", "(no reply)");
		t->text_style = UI_S_DIM;
	}
}

static void cmd_line(const struct ui_ctx *c, const struct ui_cmd *u, unsigned k, struct tline *t)
{
	char arg[500];

	if (k == 0) {
		ui_escape(&c->d, arg, sizeof(arg), u->arg, u->arg ? u->arg_n : 0);
		*t = (struct tline){.has_time = true, .ts = u->ts, .tag = "C:",
		                    .text_style = UI_S_CMD};
		snprintf(t->text, sizeof(t->text), "%s%s%s%s", u->verb, arg[0] ? " " : "", arg,
		         u->arg_truncated ? " [cut]" : "");
		return;
	}
	if (u->prelim_code && k == 1) {
		*t = (struct tline){.tag = "S:", .code_style = ui_reply_style(u->prelim_code),
		                    .text_style = UI_S_DIM};
		snprintf(t->code, sizeof(t->code), "%03d ", u->prelim_code);
		snprintf(t->text, sizeof(t->text), "%s", "(preliminary)");
		return;
	}
	k -= u->prelim_code ? 2 : 1;
	reply_line(c, t, u->reply_code, u->reply, u->reply ? u->reply_n : 0, k);
	t->has_time = k == 0 && u->latency_ms >= 0;
	t->ts = u->ts + u->latency_ms / 1000;
	if (t->has_time)
		ui_fmt_duration(t->note, sizeof(t->note), u->latency_ms / 1000);
	if (k == 0 && u->reply_truncated)
		snprintf(t->text + strlen(t->text), sizeof(t->text) - strlen(t->text), " [cut]");
}

static void xfer_line(const struct ui_ctx *c, const struct ui_xfer *x, struct tline *t)
{
	char arg[256], a[ADDR_ENDPOINT_STRLEN], b[ADDR_ENDPOINT_STRLEN], by[16], dur[16], rate[24];
	const char *mode = out_mode_name(x->mode), *st = out_status_name(x->status);

	*t = (struct tline){.has_time = true, .ts = x->ts_start, .tag = "  ",
	                    .text_style = UI_S_DATA};
	ui_escape(&c->d, arg, sizeof(arg), x->arg, x->arg ? x->arg_n : 0);
	ui_fmt_endpoint(a, sizeof(a), &x->data_client);
	ui_fmt_endpoint(b, sizeof(b), &x->data_server);
	ui_fmt_si(by, sizeof(by), x->bytes, "B");
	ui_fmt_duration(dur, sizeof(dur), x->duration_s);
	ui_fmt_rate(rate, sizeof(rate), x->bytes, x->duration_s);
	snprintf(t->text, sizeof(t->text), "%s data %s%s%s: %s %s %s %s, %s in %s%s%s, %s",
	         ui_glyph(&c->d, UI_G_DLINE), x->verb, arg[0] ? " " : "", arg,
	         mode ? mode : "no mode", a, ui_glyph(&c->d, UI_G_TO), b, by, dur,
	         rate[0] ? " " : "", rate, st ? st : "?");
}

static void item_line(const struct ui_ctx *c, const struct ui_session *s, const struct ui_item *it,
                      unsigned k, struct tline *t)
{
	char msg[512];

	memset(t, 0, sizeof(*t));
	t->tag = "";
	switch (it->kind) {
	case UI_ITEM_BANNER:
		reply_line(c, t, s->banner_code, s->banner, s->banner ? s->banner_n : 0, k);
		t->has_time = k == 0;
		t->ts = s->banner_ts;
		break;
	case UI_ITEM_CMD:
		cmd_line(c, &s->cmds[it->idx], k, t);
		break;
	case UI_ITEM_XFER:
		if (it->idx < s->nxfers)
			xfer_line(c, &s->xfers[it->idx], t);
		break;
	case UI_ITEM_DIAG:
		if (it->idx >= c->st->ndiags)
			break;
		ui_plain(msg, sizeof(msg), c->st->diags[it->idx].message);
		*t = (struct tline){.has_time = true, .ts = c->st->diags[it->idx].ts, .tag = "  ",
		                    .text_style = UI_S_DIAG};
		snprintf(t->text, sizeof(t->text), "! %s: %s",
		         an_diag_name(c->st->diags[it->idx].kind), msg);
		break;
	}
}

static void draw_line(const struct ui_ctx *c, const struct transcript *tr, const struct tline *t,
                      double t0, int y, int w)
{
	int x = TIME_W + 1, nw = w >= 60 ? NOTE_W : 0;
	char tm[32];

	if (t->has_time) {
		ui_fmt_rel(tm, sizeof(tm), t->ts - t0);
		attrset(ui_attr(&c->d, UI_S_DIM));
		ui_put_right(&c->d, y, 0, TIME_W, tm);
	}
	attrset(A_NORMAL);
	x += ui_put(y, x, w - x, t->tag) + 1;
	attrset(ui_attr(&c->d, t->code_style));
	x += ui_put(y, x, w - x, t->code);
	attrset(ui_attr(&c->d, t->text_style));
	ui_put_cut(&c->d, y, x, w - nw - x - (nw ? 1 : 0), ui_skip_cols(t->text, tr->hoff));
	attrset(ui_attr(&c->d, UI_S_DIM));
	if (nw && t->note[0])
		ui_put_right(&c->d, y, w - nw, nw, t->note);
	attrset(A_NORMAL);
}

static size_t count_lines(const struct ui_ctx *c, size_t i)
{
	const struct ui_session *s = &c->st->sessions[i];
	size_t n = 0;

	for (size_t k = 0; k < s->nitems; k++)
		if (ui_ctx_item_shown(c, i, &s->items[k]))
			n += item_lines(s, &s->items[k]);
	return n;
}

static void transcript_draw(struct ui_panel *p, struct ui_ctx *c, const struct ui_rect *r)
{
	struct transcript *tr = p->state;
	const struct ui_session *s;
	size_t line = 0;
	int y = r->y + 1;
	char head[600];

	if (p->session >= c->st->nsessions)
		return;
	s = &c->st->sessions[p->session];
	ui_session_label(c, p->session, head, sizeof(head));
	attrset(A_BOLD);
	ui_put_cut(&c->d, r->y, 0, r->w, head);
	attrset(A_NORMAL);
	tr->rows = r->h - 1;
	tr->total = count_lines(c, p->session);
	if (tr->follow || tr->top + (size_t)(tr->rows > 0 ? tr->rows : 0) > tr->total)
		tr->top = tr->total > (size_t)tr->rows ? tr->total - (size_t)tr->rows : 0;
	if (tr->total == 0 && tr->rows > 0) {
		attrset(ui_attr(&c->d, UI_S_DIM));
		ui_put(y, 1, r->w - 1, "Nothing recorded for this session yet.");
		attrset(A_NORMAL);
	}
	for (size_t k = 0; k < s->nitems && y < r->y + r->h; k++) {
		size_t n;

		if (!ui_ctx_item_shown(c, p->session, &s->items[k]))
			continue;
		n = item_lines(s, &s->items[k]);
		for (size_t j = 0; j < n && y < r->y + r->h; j++, line++) {
			struct tline t;

			if (line < tr->top)
				continue;
			item_line(c, s, &s->items[k], (unsigned)j, &t);
			draw_line(c, tr, &t, s->s.ts_start, y++, r->w);
		}
	}
}

static bool transcript_key(struct ui_panel *p, struct ui_ctx *c, int key)
{
	struct transcript *tr = p->state;

	if (key == KEY_LEFT || key == 'h') {
		tr->hoff = tr->hoff > HSTEP ? tr->hoff - HSTEP : 0;
		return true;
	}
	if (key == KEY_RIGHT || key == 'l') {
		tr->hoff += tr->hoff < 4000 ? HSTEP : 0;
		return true;
	}
	if (!ui_scroll_key(&tr->top, key, tr->total, tr->rows))
		return false;
	tr->follow = key == KEY_END || key == 'G';
	return true;
}

static const struct ui_panel_ops transcript_ops = {
	.title = "Transcript",
	.keys = "Tab Next view|Left/Right Scroll|End Follow|Esc Back|p Pause|w Save|? Help",
	.create = transcript_create,
	.draw = transcript_draw,
	.handle_key = transcript_key,
	.destroy = transcript_destroy,
};

const struct ui_panel_ops *ui_transcript_panel(void)
{
	return &transcript_ops;
}

/* ui_transfers.c - one session's data transfers: a row each (time,
 * command, mode, bytes, duration, rate, status, sha256 prefix) and the
 * selected one's details below (endpoints, SYN/FIN/RST, gaps, announced
 * size, hash, extracted file). e extracts the session's files (ui.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "ui_panel.h"

#define DETAIL_ROWS 6   /* a rule and five lines, when the screen has room */

enum { C_TIME, C_CMD, C_MODE, C_BYTES, C_DUR, C_RATE, C_STATUS, C_SHA, C__COUNT };

static const struct ui_column columns[C__COUNT] = {
	[C_TIME]   = {"Time", 9, 0, 0, 1, 0, 0},
	[C_CMD]    = {"Command", 12, 1, 0, 0, 0, 0},
	[C_MODE]   = {"Mode", 7, 0, 0, 0, 0, 0},
	[C_BYTES]  = {"Bytes", 6, 0, 0, 1, 0, 0},
	[C_DUR]    = {"Took", 8, 0, 3, 1, 0, 0},
	[C_RATE]   = {"Rate", 9, 0, 2, 1, 0, 0},
	[C_STATUS] = {"Status", 10, 0, 0, 0, 0, 0},
	[C_SHA]    = {"SHA256", 8, 0, 1, 0, 0, 0},
};

struct transfers {
	struct ui_list list;
	size_t focus;
	int rows;
};

static void *transfers_create(struct ui_ctx *c, size_t session, size_t focus)
{
	struct transfers *t = calloc(1, sizeof(*t));

	if (t)
		t->focus = focus;
	return t;
}

static void transfers_destroy(void *state)
{
	free(state);
}

static void cell(const struct ui_ctx *c, const struct ui_xfer *x, double t0, int col,
                 char *t, size_t cap)
{
	char arg[256];
	const char *s;

	switch (col) {
	case C_TIME: ui_fmt_rel(t, cap, x->ts_start - t0); break;
	case C_CMD:
		ui_escape(&c->d, arg, sizeof(arg), x->arg, x->arg ? x->arg_n : 0);
		snprintf(t, cap, "%s%s%s", x->verb, arg[0] ? " " : "", arg);
		break;
	case C_MODE:
		s = out_mode_name(x->mode);
		snprintf(t, cap, "%s", s ? s : "-");
		break;
	case C_BYTES: ui_fmt_si(t, cap, x->bytes, "B"); break;
	case C_DUR: ui_fmt_duration(t, cap, x->duration_s); break;
	case C_RATE: ui_fmt_rate(t, cap, x->bytes, x->duration_s); break;
	case C_STATUS:
		s = out_status_name(x->status);
		snprintf(t, cap, "%s", s ? s : "?");
		break;
	case C_SHA: snprintf(t, cap, "%.8s", x->sha256_set ? x->sha256 : ""); break;
	default: t[0] = '\0'; break;
	}
}

static void draw_row(const struct ui_ctx *c, const struct ui_column *cols, int y, int w,
                     const struct ui_xfer *x, double t0, bool sel)
{
	attr_t base = sel ? ui_attr(&c->d, UI_S_SELECTED) : A_NORMAL;

	attrset(base);
	if (sel)
		mvhline(y, 0, ' ', w);
	for (int col = 0; col < C__COUNT; col++) {
		char t[300];

		if (cols[col].w <= 0)
			continue;
		cell(c, x, t0, col, t, sizeof(t));
		if (!sel && col == C_STATUS && x->status != AN_XFER_COMPLETE)
			attrset(ui_attr(&c->d, x->status == AN_XFER_INCOMPLETE ? UI_S_R4XX
			                                                         : UI_S_R5XX));
		else
			attrset(base);
		ui_column_put(&c->d, &cols[col], y, t);
	}
	attrset(A_NORMAL);
}

/* The five lines about one transfer. */
static void detail_lines(const struct ui_ctx *c, const struct ui_xfer *x, char l[5][400])
{
	char a[ADDR_ENDPOINT_STRLEN], b[ADDR_ENDPOINT_STRLEN], by[16], an[24], e[300];
	const char *dir = out_direction_name(x->direction), *mode = out_mode_name(x->mode);

	cell(c, x, 0, C_CMD, e, sizeof(e));
	snprintf(l[0], 400, x->reply_code ? "%s (%s), %s, final reply %03d"
	                                  : "%s (%s), %s, no reply",
	         e, dir ? dir : "?", mode ? mode : "no mode", x->reply_code);
	ui_fmt_endpoint(a, sizeof(a), &x->data_client);
	ui_fmt_endpoint(b, sizeof(b), &x->data_server);
	snprintf(l[1], 400, "data: %s %s %s (who connected %s who listened); %s, %s%s", a,
	         ui_glyph(&c->d, UI_G_TO), b, ui_glyph(&c->d, UI_G_TO),
	         x->syn_seen ? "SYN seen" : "no SYN seen", x->fin_seen ? "FIN seen" : "no FIN seen",
	         x->rst_seen ? ", reset (RST)" : "");
	ui_fmt_duration(by, sizeof(by), x->duration_s);
	ui_fmt_rate(an, sizeof(an), x->bytes, x->duration_s);
	snprintf(e, sizeof(e), " of %llu announced", (unsigned long long)x->announced_size);
	snprintf(l[2], 400, "%llu bytes%s in %s%s%s, %u gap%s (%llu bytes missing)",
	         (unsigned long long)x->bytes, x->size_announced ? e : "", by, an[0] ? ", " : "",
	         an, x->gaps, x->gaps == 1 ? "" : "s", (unsigned long long)x->gap_bytes);
	snprintf(l[3], 400, "sha256 %s", x->sha256_set ? x->sha256 : "(not computed: incomplete)");
	ui_escape(&c->d, e, sizeof(e), x->extracted, x->extracted ? strlen(x->extracted) : 0);
	snprintf(l[4], 400, "%s%s", x->extracted ? "saved as " : "not extracted (e extracts)", e);
}

static void draw_detail(const struct ui_ctx *c, const struct ui_xfer *x, int y, int w)
{
	char l[5][400];

	attrset(ui_attr(&c->d, UI_S_HEADER));
	mvhline(y, 0, ' ', w);
	ui_put(y, 1, w - 1, "Selected transfer");
	attrset(A_NORMAL);
	detail_lines(c, x, l);
	for (int i = 0; i < 5; i++)
		ui_put_cut(&c->d, y + 1 + i, 1, w - 1, l[i]);
}

static void transfers_draw(struct ui_panel *p, struct ui_ctx *c, const struct ui_rect *r)
{
	struct transfers *t = p->state;
	struct ui_column cols[C__COUNT];
	const struct ui_session *s;
	size_t n;
	bool detail = r->h >= 12;
	char head[600];

	if (p->session >= c->st->nsessions)
		return;
	s = &c->st->sessions[p->session];
	n = ui_ctx_nxfers(c, p->session);
	if (t->focus < n) {
		t->list.sel = t->focus;
		t->focus = SIZE_MAX;
	}
	ui_session_label(c, p->session, head, sizeof(head));
	attrset(A_BOLD);
	ui_put_cut(&c->d, r->y, 0, r->w, head);
	attrset(A_NORMAL);
	t->rows = r->h - 2 - (detail ? DETAIL_ROWS : 0);
	ui_list_fit(&t->list, n, t->rows);
	memcpy(cols, columns, sizeof(cols));
	ui_columns_layout(cols, C__COUNT, 0, r->w);
	ui_columns_header(&c->d, cols, C__COUNT, r->y + 1, 0, r->w, -1, false);
	if (n == 0) {
		attrset(ui_attr(&c->d, UI_S_DIM));
		ui_put(r->y + 2, 1, r->w - 1, s->s.transfers
		       ? "The transfers were not kept (memory cap)."
		       : "No data transfer in this session yet.");
		attrset(A_NORMAL);
		return;
	}
	for (int row = 0; row < t->rows && t->list.top + (size_t)row < n; row++) {
		size_t i = t->list.top + (size_t)row;

		draw_row(c, cols, r->y + 2 + row, r->w, &s->xfers[i], s->s.ts_start,
		         i == t->list.sel);
	}
	if (detail)
		draw_detail(c, &s->xfers[t->list.sel], r->y + r->h - DETAIL_ROWS, r->w);
}

static bool transfers_key(struct ui_panel *p, struct ui_ctx *c, int key)
{
	struct transfers *t = p->state;

	return ui_list_key(&t->list, key, ui_ctx_nxfers(c, p->session), t->rows);
}

static const struct ui_panel_ops transfers_ops = {
	.title = "Transfers",
	.keys = "Tab Next view|e Extract|w Save|Esc Back|p Pause|? Help",
	.create = transfers_create,
	.draw = transfers_draw,
	.handle_key = transfers_key,
	.destroy = transfers_destroy,
};

const struct ui_panel_ops *ui_transfers_panel(void)
{
	return &transfers_ops;
}

/* ui_sessions.c - the first screen: one row per FTP session, sortable by
 * any column, filtered by a text, updated live. The selection follows the
 * session (its store index), not the row, while rows arrive or move. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_panel.h"

#define FILTER_MAX 128

struct sessions {
	enum ui_col col;
	bool desc;
	char filter[FILTER_MAX];
	size_t *view, nview, cap;  /* store indices of the rows, in order */
	size_t sel_idx;            /* the selected session; SIZE_MAX none yet */
	struct ui_list list;
	int rows;                  /* list rows at the last draw */
};

enum { PROMPT_FILTER = 0 };

/* Widths for 80 columns: Start is dropped first, then Xfr. */
static const struct ui_column columns[UI_COL__COUNT] = {
	[UI_COL_START]  = {"Start", 8, 0, 3, 0, 0, 0},
	[UI_COL_CLIENT] = {"Client", 15, 3, 0, 2, 0, 0},
	[UI_COL_SERVER] = {"Server", 15, 3, 0, 2, 0, 0},
	[UI_COL_USER]   = {"User", 8, 2, 0, 0, 0, 0},
	[UI_COL_STATE]  = {"State", 12, 0, 0, 0, 0, 0},
	[UI_COL_CMDS]   = {"Cmds", 4, 0, 0, 1, 0, 0},
	[UI_COL_XFERS]  = {"Xfr", 4, 0, 2, 1, 0, 0},
	[UI_COL_BYTES]  = {"Bytes", 5, 0, 0, 1, 0, 0},
	[UI_COL_ERRORS] = {"Err", 3, 0, 0, 1, 0, 0},
	[UI_COL_DIAGS]  = {"Diag", 4, 0, 1, 1, 0, 0},
};

static void *sessions_create(struct ui_ctx *c, size_t session, size_t focus)
{
	struct sessions *s = calloc(1, sizeof(*s));

	if (s)
		s->sel_idx = SIZE_MAX;
	return s;
}

static void sessions_destroy(void *state)
{
	struct sessions *s = state;

	if (s)
		free(s->view);
	free(s);
}

/* The rows now: the store's view, less what a paused screen did not have. */
static void sessions_refresh(struct sessions *s, struct ui_ctx *c)
{
	size_t n = c->st->nsessions, limit = ui_ctx_nsessions(c), k = 0;

	if (n > s->cap) {
		size_t *v = realloc(s->view, n * sizeof(*v));

		if (v == NULL) {
			ui_ctx_msg(c, "%s", "out of memory: the list is not updated");
			return;
		}
		s->view = v;
		s->cap = n;
	}
	s->nview = ui_store_view(c->st, s->col, s->desc, s->filter, s->view, s->cap);
	if (s->nview > s->cap)
		s->nview = s->cap;
	for (size_t i = 0; i < s->nview; i++)
		if (s->view[i] < limit)
			s->view[k++] = s->view[i];
	s->nview = k;
}

/* Puts the cursor on the selected session's row (or, when it left the
 * view, selects the session now at the cursor's row). */
static void sessions_follow(struct sessions *s)
{
	size_t i;

	for (i = 0; s->sel_idx != SIZE_MAX && i < s->nview; i++)
		if (s->view[i] == s->sel_idx)
			break;
	if (s->sel_idx != SIZE_MAX && i < s->nview)
		s->list.sel = i;
	ui_list_fit(&s->list, s->nview, s->rows);
	s->sel_idx = s->nview ? s->view[s->list.sel] : SIZE_MAX;
}

static void cell_text(const struct ui_ctx *c, const struct ui_session *ss, enum ui_col col,
                      char *t, size_t cap)
{
	switch (col) {
	case UI_COL_START:  ui_fmt_clock(t, cap, ss->s.ts_start); break;
	case UI_COL_CLIENT: ui_fmt_endpoint(t, cap, &ss->s.client); break;
	case UI_COL_SERVER: ui_fmt_endpoint(t, cap, &ss->s.server); break;
	case UI_COL_USER:
		ui_escape(&c->d, t, cap, ss->s.user, strnlen(ss->s.user, sizeof(ss->s.user)));
		break;
	case UI_COL_STATE:  snprintf(t, cap, "%s", ui_state_name(ui_session_state(ss))); break;
	case UI_COL_CMDS:   ui_fmt_si(t, cap, ss->s.commands, ""); break;
	case UI_COL_XFERS:  ui_fmt_si(t, cap, ss->s.transfers, ""); break;
	case UI_COL_BYTES:  ui_fmt_si(t, cap, ss->bytes, ""); break;
	case UI_COL_ERRORS: ui_fmt_si(t, cap, ss->errors, ""); break;
	case UI_COL_DIAGS:
		if (ss->ndiags)
			snprintf(t, cap, "!%u", ss->ndiags);
		else
			snprintf(t, cap, "%s", "");
		break;
	case UI_COL__COUNT: t[0] = '\0'; break;
	}
}

static void draw_row(const struct ui_ctx *c, const struct ui_column *cols, int y, int w,
                     const struct ui_session *ss, bool selected)
{
	attr_t base = selected ? ui_attr(&c->d, UI_S_SELECTED) : A_NORMAL;

	attrset(base);
	if (selected)
		mvhline(y, 0, ' ', w);
	for (int col = 0; col < UI_COL__COUNT; col++) {
		char t[300];

		if (cols[col].w <= 0)
			continue;
		cell_text(c, ss, (enum ui_col)col, t, sizeof(t));
		if (!selected && col == UI_COL_DIAGS && ss->ndiags)
			attrset(ui_attr(&c->d, UI_S_DIAG));
		else if (!selected && col == UI_COL_ERRORS && ss->errors)
			attrset(ui_attr(&c->d, UI_S_R5XX));
		else
			attrset(base);
		ui_column_put(&c->d, &cols[col], y, t);
	}
	attrset(A_NORMAL);
}

static void draw_heading(const struct sessions *s, const struct ui_ctx *c, const struct ui_rect *r)
{
	char t[512], f[FILTER_MAX * 4 + 16] = "";

	if (s->filter[0]) {
		char e[FILTER_MAX * 4];

		ui_escape(&c->d, e, sizeof(e), s->filter, strlen(s->filter));
		snprintf(f, sizeof(f), "  filter: \"%s\"", e);
	}
	snprintf(t, sizeof(t), "Sessions: %zu of %zu%s  sort: %s %s", s->nview, ui_ctx_nsessions(c),
	         f, ui_col_name(s->col), ui_glyph(&c->d, s->desc ? UI_G_DOWN : UI_G_UP));
	attrset(A_BOLD);
	ui_put_cut(&c->d, r->y, r->x, r->w, t);
	attrset(A_NORMAL);
}

static void sessions_draw(struct ui_panel *p, struct ui_ctx *c, const struct ui_rect *r)
{
	struct sessions *s = p->state;
	struct ui_column cols[UI_COL__COUNT];

	memcpy(cols, columns, sizeof(cols));
	s->rows = r->h - 2 > 0 ? r->h - 2 : 0;
	sessions_refresh(s, c);
	sessions_follow(s);
	draw_heading(s, c, r);
	if (r->h < 2)
		return;
	ui_columns_layout(cols, UI_COL__COUNT, r->x, r->w);
	ui_columns_header(&c->d, cols, UI_COL__COUNT, r->y + 1, r->x, r->w, (int)s->col, s->desc);
	if (s->nview == 0 && s->rows > 0) {
		attrset(ui_attr(&c->d, UI_S_DIM));
		ui_put(r->y + 2, r->x + 1, r->w - 1, s->filter[0] ? "No session matches the filter"
		       " (/ changes it, Esc clears it)." : "No FTP session yet.");
		attrset(A_NORMAL);
	}
	for (int row = 0; row < s->rows && s->list.top + (size_t)row < s->nview; row++) {
		size_t i = s->view[s->list.top + (size_t)row];

		draw_row(c, cols, r->y + 2 + row, r->w, &c->st->sessions[i],
		         s->list.top + (size_t)row == s->list.sel);
	}
}

static bool sessions_key(struct ui_panel *p, struct ui_ctx *c, int key)
{
	static const enum ui_panel_kind open[] = {
		['\r'] = UI_PANEL_LADDER, ['t'] = UI_PANEL_TRANSCRIPT,
		['x'] = UI_PANEL_TRANSFERS, ['D'] = UI_PANEL_DIAGS,
	};
	struct sessions *s = p->state;

	if (ui_list_key(&s->list, key, s->nview, s->rows)) {
		s->sel_idx = s->nview ? s->view[s->list.sel] : SIZE_MAX;
		return true;
	}
	if (key == '\n' || key == KEY_ENTER)
		key = '\r';
	switch (key) {
	case '\r': case 't': case 'x': case 'D':
		if (s->sel_idx != SIZE_MAX)
			ui_ctx_open(c, open[key], s->sel_idx, SIZE_MAX);
		return true;
	case 'd':
		ui_ctx_open(c, UI_PANEL_DIAGS, UI_ALL, SIZE_MAX);
		return true;
	case '/':
		ui_ctx_prompt(c, PROMPT_FILTER, "Filter: ", s->filter);
		return true;
	case 's':
		s->col = (enum ui_col)((s->col + 1) % UI_COL__COUNT);
		s->desc = false;
		return true;
	case 'S':
		s->desc = !s->desc;
		return true;
	case 27:
		if (!s->filter[0])
			return false;
		s->filter[0] = '\0';
		return true;
	default:
		return false;
	}
}

static size_t sessions_selected(struct ui_panel *p, struct ui_ctx *c)
{
	struct sessions *s = p->state;

	return s->sel_idx;
}

static void sessions_prompt(struct ui_panel *p, struct ui_ctx *c, int id, const char *text)
{
	struct sessions *s = p->state;

	if (id == PROMPT_FILTER)
		snprintf(s->filter, sizeof(s->filter), "%s", text);
}

void ui_session_label(const struct ui_ctx *c, size_t session, char *buf, size_t cap)
{
	const struct ui_session *s;
	char cl[ADDR_ENDPOINT_STRLEN], sv[ADDR_ENDPOINT_STRLEN], user[300];

	if (session >= c->st->nsessions) {
		snprintf(buf, cap, "%s", "(no session)");
		return;
	}
	s = &c->st->sessions[session];
	ui_fmt_endpoint(cl, sizeof(cl), &s->s.client);
	ui_fmt_endpoint(sv, sizeof(sv), &s->s.server);
	ui_escape(&c->d, user, sizeof(user), s->s.user, strnlen(s->s.user, sizeof(s->s.user)));
	snprintf(buf, cap, "#%u %s %s %s%s%s, %s", s->s.id, cl, ui_glyph(&c->d, UI_G_TO), sv,
	         user[0] ? " user " : "", user, ui_state_name(ui_session_state(s)));
}

static const struct ui_panel_ops sessions_ops = {
	.title = "Sessions",
	.keys = "Enter Open|/ Filter|s Sort|S Rev|d Diags|p Pause|w Save|? Help|q Quit|"
	        "t Transcript|x Transfers|e Extract",
	.create = sessions_create,
	.draw = sessions_draw,
	.handle_key = sessions_key,
	.destroy = sessions_destroy,
	.selected = sessions_selected,
	.prompt_done = sessions_prompt,
};

const struct ui_panel_ops *ui_sessions_panel(void)
{
	return &sessions_ops;
}

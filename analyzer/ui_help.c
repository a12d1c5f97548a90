/* ui_help.c - every key of every screen, and what the colours mean (? or
 * F1 from any screen; Esc or q goes back). */
#include <stdio.h>
#include <stdlib.h>

#include "ui_panel.h"

#define KEY_W 16

struct help_line {
	const char *key;   /* NULL: a heading */
	const char *text;
};

static const struct help_line help[] = {
	{NULL, "Every screen"},
	{"Up Down  j k", "move the selection (or scroll)"},
	{"PgUp PgDn", "a page up or down"},
	{"Home End  g G", "the first or last row; End follows new rows"},
	{"Enter", "open the selected row"},
	{"Esc  q", "back to the previous screen"},
	{"q", "on Sessions: quit (a live capture is stopped first)"},
	{"Tab  Shift-Tab", "a session's next/previous view: Ladder, Transcript,"},
	{"", "Transfers, Diagnostics"},
	{"p", "pause or resume live updates: a paused view shows only"},
	{"", "the sessions and rows it had when p was pressed"},
	{"w", "save the selected session's packets (its control and data"},
	{"", "connections, and the other leg of a NAT or proxy) to a pcap"},
	{"e", "extract the files the selected session transferred"},
	{"?  F1", "this help"},
	{"Ctrl-C", "quit at once"},
	{"", ""},
	{NULL, "Sessions"},
	{"Enter", "the session's ladder"},
	{"t  x  D", "its transcript, transfers, diagnostics"},
	{"d", "the diagnostics of every session"},
	{"/", "filter: client, server, user, state, or any command and"},
	{"", "argument containing the text (no case); Enter applies it"},
	{"Esc", "clear the filter"},
	{"s", "sort by the next column"},
	{"S", "reverse the order"},
	{"", ""},
	{NULL, "Ladder"},
	{"", "client on the left, server on the right, a NAT or proxy in"},
	{"", "the middle when both legs were captured; double lines are"},
	{"", "data connections from the side that connected"},
	{"Enter", "a transfer: its details; a diagnostic: its explanation;"},
	{"", "a command: the transcript"},
	{"", ""},
	{NULL, "Transcript"},
	{"Left Right", "scroll long lines sideways"},
	{"", ""},
	{NULL, "Diagnostics"},
	{"Enter", "the ladder of the diagnostic's session"},
	{"", ""},
	{NULL, "Prompts"},
	{"Enter", "apply"},
	{"Esc", "cancel"},
	{"Backspace  ^U", "delete a character, clear the line"},
	{"", ""},
	{NULL, "Reply codes"},
	{"1xx", "preliminary: more replies follow (150 opening data)"},
	{"2xx", "done"},
	{"3xx", "more is needed (331 password please)"},
	{"4xx", "transient failure: try again (425 no data connection)"},
	{"5xx", "permanent failure (530 not logged in, 550 no such file)"},
};

#define HELP_N (sizeof(help) / sizeof(help[0]))

struct help {
	size_t top;
	int rows;
};

static void *help_create(struct ui_ctx *c, size_t session, size_t focus)
{
	return calloc(1, sizeof(struct help));
}

static void help_destroy(void *state)
{
	free(state);
}

static enum ui_style key_style(const char *key)
{
	if (key[0] >= '1' && key[0] <= '5' && key[1] == 'x')
		return ui_reply_style((key[0] - '0') * 100);
	return UI_S_CMD;
}

static void help_draw(struct ui_panel *p, struct ui_ctx *c, const struct ui_rect *r)
{
	struct help *h = p->state;

	h->rows = r->h;
	if (h->top + (size_t)r->h > HELP_N)
		h->top = HELP_N > (size_t)r->h ? HELP_N - (size_t)r->h : 0;
	for (int row = 0; row < r->h && h->top + (size_t)row < HELP_N; row++) {
		const struct help_line *l = &help[h->top + (size_t)row];
		int y = r->y + row;

		if (l->key == NULL) {
			attrset(ui_attr(&c->d, UI_S_HEADER));
			mvhline(y, 0, ' ', r->w);
			ui_put_cut(&c->d, y, 1, r->w - 1, l->text);
			attrset(A_NORMAL);
			continue;
		}
		attrset(ui_attr(&c->d, key_style(l->key)));
		ui_put_cut(&c->d, y, 2, KEY_W - 1, l->key);
		attrset(A_NORMAL);
		ui_put_cut(&c->d, y, KEY_W + 2, r->w - KEY_W - 2, l->text);
	}
}

static bool help_key(struct ui_panel *p, struct ui_ctx *c, int key)
{
	struct help *h = p->state;

	return ui_scroll_key(&h->top, key, HELP_N, h->rows);
}

static const struct ui_panel_ops help_ops = {
	.title = "Help",
	.keys = "Up/Down Scroll|Esc Back|q Back",
	.create = help_create,
	.draw = help_draw,
	.handle_key = help_key,
	.destroy = help_destroy,
};

const struct ui_panel_ops *ui_help_panel(void)
{
	return &help_ops;
}

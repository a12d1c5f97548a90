/* ui_panel.h - the shape of one TUI screen (as sngrep's panels: create,
 * draw, handle_key, destroy) and what ui.c offers the screens: the store,
 * the drawing style, the pause limits, requests to open a screen or to ask
 * for a line of text, and the status message.
 *
 * ui.c keeps a stack of panels; the top one is drawn below the title line
 * and above the status and key bars, and gets the keys first. create,
 * draw, handle_key, selected and prompt_done are called with the store's
 * mutex held (destroy frees the panel's own state only). A panel keeps
 * store indices, never pointers: the store's arrays move when they grow. */
#ifndef FTPLAB_ANALYZER_UI_PANEL_H
#define FTPLAB_ANALYZER_UI_PANEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ui.h"
#include "ui_draw.h"
#include "ui_store.h"

#define UI_ALL SIZE_MAX  /* a panel of every session rather than one */

enum ui_panel_kind {
	UI_PANEL_SESSIONS = 0,
	UI_PANEL_LADDER,      /* LADDER .. DIAGS: the views of one session, */
	UI_PANEL_TRANSCRIPT,  /* in the order Tab cycles them */
	UI_PANEL_TRANSFERS,
	UI_PANEL_DIAGS,
	UI_PANEL_HELP,
	UI_PANEL__COUNT
};

/* What a paused view still shows: the sessions, diagnostics, and each
 * session's commands and transfers that existed when p was pressed. */
struct ui_frozen {
	size_t ncmds, nxfers;
	bool banner;
};

struct ui_ctx {
	struct ui_store *st;
	const struct ui_opts *o;
	const struct ui_hooks *h;
	struct ui_draw d;
	bool paused;
	size_t p_nsessions, p_ndiags;
	struct ui_frozen *p_sess;  /* p_nsessions of them; NULL: per-session counts not frozen */
	char msg[256];             /* for the status line (ui_ctx_msg) */
	/* Requests a panel makes in handle_key; ui.c acts on them after it. */
	bool open_req;
	enum ui_panel_kind open_kind;
	size_t open_session, open_focus;
	bool prompt_req;
	int prompt_id;
	char prompt_label[64], prompt_text[256];
};

struct ui_panel;

struct ui_panel_ops {
	const char *title;
	/* The key bar: "key label" pairs separated by '|'. */
	const char *keys;
	/* session: a store index or UI_ALL; focus: what to select first (a
	 * transfer's or a diagnostic's index; SIZE_MAX none). NULL: no memory. */
	void *(*create)(struct ui_ctx *c, size_t session, size_t focus);
	void (*draw)(struct ui_panel *p, struct ui_ctx *c, const struct ui_rect *r);
	/* true when the panel used the key (else ui.c's global keys get it). */
	bool (*handle_key)(struct ui_panel *p, struct ui_ctx *c, int key);
	void (*destroy)(void *state);
	/* Optional. The session w and e act on (SIZE_MAX none); NULL: p->session. */
	size_t (*selected)(struct ui_panel *p, struct ui_ctx *c);
	/* Optional. The text of a prompt the panel asked for (Enter). */
	void (*prompt_done)(struct ui_panel *p, struct ui_ctx *c, int id, const char *text);
};

struct ui_panel {
	const struct ui_panel_ops *ops;
	enum ui_panel_kind kind;
	size_t session;   /* store index, or UI_ALL */
	void *state;      /* create's result */
};

const struct ui_panel_ops *ui_sessions_panel(void);
const struct ui_panel_ops *ui_ladder_panel(void);
const struct ui_panel_ops *ui_transcript_panel(void);
const struct ui_panel_ops *ui_transfers_panel(void);
const struct ui_panel_ops *ui_diags_panel(void);
const struct ui_panel_ops *ui_help_panel(void);

/* ---- ui.c, for the panels ---- */

/* Push a panel after this key (Enter on a row). */
static inline void ui_ctx_open(struct ui_ctx *c, enum ui_panel_kind k, size_t session,
                               size_t focus)
{
	c->open_req = true;
	c->open_kind = k;
	c->open_session = session;
	c->open_focus = focus;
}

/* Ask for a line of text in the status line; Enter calls prompt_done(id). */
static inline void ui_ctx_prompt(struct ui_ctx *c, int id, const char *label,
                                 const char *initial)
{
	c->prompt_req = true;
	c->prompt_id = id;
	snprintf(c->prompt_label, sizeof(c->prompt_label), "%s", label);
	snprintf(c->prompt_text, sizeof(c->prompt_text), "%s", initial ? initial : "");
}

/* A message for the status line (printf-like, our own text). */
static inline void __attribute__((format(printf, 2, 3)))
ui_ctx_msg(struct ui_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
}

/* ---- ui_sessions.c, for the session's screens ---- */

/* "#3 192.0.2.10:51234 -> 198.51.100.1:21 user anonymous, logged in" (escaped). */
void ui_session_label(const struct ui_ctx *c, size_t session, char *buf, size_t cap);

/* ---- What a view shows, paused or not ---- */

static inline size_t ui_ctx_nsessions(const struct ui_ctx *c)
{
	if (c->paused && c->p_nsessions < c->st->nsessions)
		return c->p_nsessions;
	return c->st->nsessions;
}

static inline size_t ui_ctx_ndiags(const struct ui_ctx *c)
{
	if (c->paused && c->p_ndiags < c->st->ndiags)
		return c->p_ndiags;
	return c->st->ndiags;
}

static inline size_t ui_ctx_nxfers(const struct ui_ctx *c, size_t session)
{
	size_t n;

	if (session >= c->st->nsessions)
		return 0;
	n = c->st->sessions[session].nxfers;
	if (c->paused && c->p_sess && session < c->p_nsessions && c->p_sess[session].nxfers < n)
		n = c->p_sess[session].nxfers;
	return n;
}

/* Whether a session's item existed when the view was paused. */
static inline bool ui_ctx_item_shown(const struct ui_ctx *c, size_t session,
                                     const struct ui_item *it)
{
	const struct ui_frozen *f;

	if (!c->paused || c->p_sess == NULL)
		return it->kind != UI_ITEM_DIAG || it->idx < c->st->ndiags;
	if (session >= c->p_nsessions)
		return false;
	f = &c->p_sess[session];
	switch (it->kind) {
	case UI_ITEM_BANNER: return f->banner;
	case UI_ITEM_CMD:    return it->idx < f->ncmds;
	case UI_ITEM_XFER:   return it->idx < f->nxfers;
	case UI_ITEM_DIAG:   return it->idx < c->p_ndiags;
	}
	return false;
}

#endif

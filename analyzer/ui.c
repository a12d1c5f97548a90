/* ui.c - the TUI's main loop (see ui.h): the terminal, the stack of
 * panels (ui_panel.h), keys, the title, status and key bars, the prompt,
 * pausing, and the hooks behind w, e and q.
 *
 * The loop waits for a key at most 1/UI_FPS s (getch with a timeout, so
 * ncurses delivers a resize as KEY_RESIZE), then looks at the store's
 * version, the capture's progress and the program's stderr, and redraws
 * when something moved: at once after a key, otherwise at most UI_FPS
 * times a second (less when a redraw is slow: the capture waits for the
 * mutex while the screen reads the store). */
#include "ui.h"

#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ui_panel.h"

#define UI_STACK_MAX 8
#define UI_MIN_W 30        /* smaller: "terminal too small" */
#define UI_MIN_H 6
#define UI_STOP_WAIT 5.0   /* seconds q waits for a live capture to stop */
#define UI_LOG_KEEP (64 * 1024) /* bytes of stderr put back when the screen ends */
#define UI_PROMPT_SAVE (-1) /* ui.c's own prompt (w); the panels' are >= 0 */

struct ui_app {
	struct ui_ctx c;
	SCREEN *scr;
	pthread_mutex_t *mu;
	struct ui_panel stack[UI_STACK_MAX];
	int depth;
	struct ui_progress prog;
	uint64_t version;
	bool dirty, status_dirty, done, stopping;
	double last_draw, draw_cost, stop_at;
	bool prompting;            /* the status line is the prompt of c.prompt_* */
	size_t prompt_session;     /* w: the session to save */
	int log_fd;
	char log_part[256];        /* the stderr line being read */
	size_t log_part_n;
	char *log_kept;            /* what was read, put back to stderr at the end */
	size_t log_kept_n;
};

static double now_mono(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void app_lock(struct ui_app *a)
{
	if (a->mu)
		pthread_mutex_lock(a->mu);
}

static void app_unlock(struct ui_app *a)
{
	if (a->mu)
		pthread_mutex_unlock(a->mu);
}

static const struct ui_panel_ops *panel_ops(enum ui_panel_kind k)
{
	switch (k) {
	case UI_PANEL_SESSIONS:   return ui_sessions_panel();
	case UI_PANEL_LADDER:     return ui_ladder_panel();
	case UI_PANEL_TRANSCRIPT: return ui_transcript_panel();
	case UI_PANEL_TRANSFERS:  return ui_transfers_panel();
	case UI_PANEL_DIAGS:      return ui_diags_panel();
	case UI_PANEL_HELP:       return ui_help_panel();
	case UI_PANEL__COUNT:     break;
	}
	return NULL;
}

/* A new panel in slot i (the top, or the one after it). Store lock held. */
static bool panel_make(struct ui_app *a, int i, enum ui_panel_kind k, size_t session,
                       size_t focus)
{
	const struct ui_panel_ops *ops = panel_ops(k);
	void *state = ops ? ops->create(&a->c, session, focus) : NULL;

	if (state == NULL) {
		ui_ctx_msg(&a->c, "out of memory");
		return false;
	}
	a->stack[i] = (struct ui_panel){ops, k, session, state};
	return true;
}

static void panel_free(struct ui_panel *p)
{
	if (p->ops)
		p->ops->destroy(p->state);
	memset(p, 0, sizeof(*p));
}

static void app_push(struct ui_app *a, enum ui_panel_kind k, size_t session, size_t focus)
{
	int i = a->depth < UI_STACK_MAX ? a->depth : UI_STACK_MAX - 1;
	struct ui_panel old = a->stack[i];

	app_lock(a);
	if (panel_make(a, i, k, session, focus)) {
		if (i < a->depth)
			panel_free(&old); /* the stack is full: the new panel replaces the top */
		else
			a->depth++;
	}
	app_unlock(a);
}

/* Tab / Shift-Tab: the next of a session's views in place of this one. */
static void app_cycle(struct ui_app *a, int step)
{
	struct ui_panel *p = &a->stack[a->depth - 1], old = *p;
	int n = UI_PANEL_DIAGS - UI_PANEL_LADDER + 1;
	enum ui_panel_kind k;

	if (p->kind < UI_PANEL_LADDER || p->kind > UI_PANEL_DIAGS || p->session == UI_ALL)
		return;
	k = (enum ui_panel_kind)(UI_PANEL_LADDER + ((int)p->kind - UI_PANEL_LADDER + step + n) % n);
	app_lock(a);
	if (panel_make(a, a->depth - 1, k, old.session, SIZE_MAX))
		panel_free(&old);
	app_unlock(a);
}

static int term_open(struct ui_app *a, const struct ui_opts *o)
{
	const char *term = getenv("TERM");

	setlocale(LC_ALL, "");
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "ftplab-analyzer: the TUI needs a terminal "
		        "(use --text or --json)\n");
		return -1;
	}
	a->scr = newterm(NULL, stdout, stdin);
	if (a->scr == NULL) {
		fprintf(stderr, "ftplab-analyzer: cannot use the terminal (TERM=%s)\n",
		        term ? term : "unset");
		return -1;
	}
	set_term(a->scr);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	timeout(1000 / UI_FPS);
	ui_draw_init(&a->c.d, o->ascii, o->monochrome);
	return 0;
}

/* A copy of what the program wrote to stderr (up to UI_LOG_KEEP bytes). */
static void log_keep(struct ui_app *a, const char *p, size_t n)
{
	char *k;

	if (a->log_kept_n + n > UI_LOG_KEEP ||
	    (k = realloc(a->log_kept, a->log_kept_n + n)) == NULL)
		return;
	memcpy(k + a->log_kept_n, p, n);
	a->log_kept = k;
	a->log_kept_n += n;
}

/* The last complete line the program wrote to stderr, as the message. */
static bool poll_log(struct ui_app *a)
{
	char buf[4096];
	bool got = false;
	ssize_t n = -1;

	while (a->log_fd >= 0 && (n = read(a->log_fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno != EINTR)
				break;
			continue;
		}
		log_keep(a, buf, (size_t)n);
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n' && buf[i] != '\r') {
				if (a->log_part_n < sizeof(a->log_part))
					a->log_part[a->log_part_n++] = buf[i];
				continue;
			}
			if (a->log_part_n == 0)
				continue;
			ui_escape(&a->c.d, a->c.msg, sizeof(a->c.msg), a->log_part, a->log_part_n);
			a->log_part_n = 0;
			got = true;
		}
	}
	if (n == 0)
		a->log_fd = -1; /* the writer closed it */
	return got;
}

/* What the screen took from stderr goes back to it, in order (the program
 * shows it once the terminal is its own again). */
static void log_put_back(struct ui_app *a)
{
	poll_log(a);
	for (size_t off = 0; off < a->log_kept_n;) {
		ssize_t k = write(STDERR_FILENO, a->log_kept + off, a->log_kept_n - off);

		if (k <= 0)
			break;
		off += (size_t)k;
	}
	free(a->log_kept);
}

/* Sets dirty / status_dirty from the store's version and the progress. */
static void app_poll(struct ui_app *a)
{
	const struct ui_hooks *h = a->c.h;
	uint64_t v;

	app_lock(a);
	v = a->c.st->version;
	app_unlock(a);
	if (v != a->version && !a->c.paused)
		a->dirty = true;
	a->version = v;
	if (h && h->progress) {
		struct ui_progress p;

		memset(&p, 0, sizeof(p));
		h->progress(h->ctx, &p);
		if (memcmp(&p, &a->prog, sizeof(p)) != 0)
			a->status_dirty = true;
		a->prog = p;
	}
	if (poll_log(a))
		a->status_dirty = true;
}

static void draw_title(struct ui_app *a)
{
	const struct ui_panel *p = &a->stack[a->depth - 1];
	char t[512], id[32] = "";
	int w = COLS;

	if (p->session != UI_ALL && p->session < a->c.st->nsessions)
		snprintf(id, sizeof(id), " #%u", a->c.st->sessions[p->session].s.id);
	snprintf(t, sizeof(t), " ftplab-analyzer %s %s %s %s%s", ui_glyph(&a->c.d, UI_G_DOT),
	         a->c.o->title ? a->c.o->title : "", ui_glyph(&a->c.d, UI_G_DOT), p->ops->title,
	         id);
	attrset(ui_attr(&a->c.d, UI_S_TITLE));
	mvhline(0, 0, ' ', w);
	ui_put_cut(&a->c.d, 0, 0, w, t);
	attrset(A_NORMAL);
}

static void draw_status(struct ui_app *a)
{
	const struct ui_draw *d = &a->c.d;
	char prog[128], dropped[64] = "", line[600];
	int y = LINES - 2, x = 0;

	move(y, 0);
	clrtoeol();
	if (a->prompting) {
		char shown[512];

		ui_escape(d, shown, sizeof(shown), a->c.prompt_text, strlen(a->c.prompt_text));
		snprintf(line, sizeof(line), "%s%s", a->c.prompt_label, shown);
		attrset(ui_attr(d, UI_S_CMD));
		x = ui_put_tail(d, y, 0, COLS - 1, line);
		attrset(A_NORMAL);
		move(y, x);
		return;
	}
	if (a->c.h && a->c.h->progress)
		ui_fmt_progress(prog, sizeof(prog), &a->prog);
	else
		prog[0] = '\0';
	if (a->c.st->dropped)
		snprintf(dropped, sizeof(dropped), " (%llu items not kept: memory cap)",
		         (unsigned long long)a->c.st->dropped);
	if (a->c.paused) {
		attrset(ui_attr(d, UI_S_PAUSED));
		x = ui_put(y, 0, COLS, "PAUSED") + 1;
		attrset(A_NORMAL);
	}
	snprintf(line, sizeof(line), "%s%s%s%s", prog, dropped, prog[0] && a->c.msg[0] ? " | " : "",
	         a->c.msg);
	ui_put_cut(d, y, x, COLS - x, line);
}

static void draw_keybar(struct ui_app *a)
{
	ui_keybar(&a->c.d, LINES - 1, COLS, a->prompting ? "Enter Apply|Esc Cancel|^U Clear"
	                                                : a->stack[a->depth - 1].ops->keys);
}

static void app_draw(struct ui_app *a, bool full)
{
	double t0 = now_mono();

	if (COLS < UI_MIN_W || LINES < UI_MIN_H) {
		erase();
		ui_put(0, 0, COLS, "terminal too small");
		refresh();
		return;
	}
	app_lock(a);
	if (full) {
		struct ui_panel *p = &a->stack[a->depth - 1];
		struct ui_rect r = {1, 0, LINES - 3, COLS};

		erase();
		draw_title(a);
		p->ops->draw(p, &a->c, &r);
		draw_keybar(a);
	}
	draw_status(a);
	app_unlock(a);
	curs_set(a->prompting ? 1 : 0);
	refresh();
	a->last_draw = now_mono();
	if (full)
		a->draw_cost = a->last_draw - t0;
}

/* The flows of session i (lock held); NULL when out of memory. */
static struct ui_flow *session_flows(struct ui_app *a, size_t i, size_t *n)
{
	struct ui_flow *f;

	*n = ui_session_flows(a->c.st, i, NULL, 0);
	if ((f = malloc((*n ? *n : 1) * sizeof(*f))) != NULL)
		*n = ui_session_flows(a->c.st, i, f, *n);
	return f;
}

static unsigned session_id(struct ui_app *a, size_t i)
{
	return i < a->c.st->nsessions ? a->c.st->sessions[i].s.id : 0;
}

/* w (after its prompt) and e: the hooks run without the store's lock. */
static void run_hook(struct ui_app *a, size_t i, const char *path, bool save)
{
	const struct ui_hooks *h = a->c.h;
	char msg[256] = "", shown[256];
	struct ui_flow *f;
	size_t n = 0;
	unsigned id;
	int rc;

	app_lock(a);
	id = session_id(a, i);
	f = i < a->c.st->nsessions ? session_flows(a, i, &n) : NULL;
	app_unlock(a);
	if (f == NULL) {
		ui_ctx_msg(&a->c, "%s", "out of memory");
		return;
	}
	ui_ctx_msg(&a->c, "%s session #%u...", save ? "saving" : "extracting", id);
	app_draw(a, true);
	if (save)
		rc = h->save(h->ctx, f, n, path, msg, sizeof(msg));
	else
		rc = h->extract(h->ctx, f, n, path, msg, sizeof(msg));
	free(f);
	poll_log(a); /* what the hook wrote to stderr: before its result, not over it */
	if (save && rc == 0 && msg[0] == '\0')
		snprintf(msg, sizeof(msg), "written to %s", path);
	ui_escape(&a->c.d, shown, sizeof(shown), msg, strnlen(msg, sizeof(msg)));
	if (save)
		ui_ctx_msg(&a->c, rc == 0 ? "save #%u: %s" : "save #%u failed: %s", id, shown);
	else
		ui_ctx_msg(&a->c, rc < 0 ? "extract #%u failed: %s" : "extract #%u: %s", id, shown);
}

static void prompt_done(struct ui_app *a)
{
	struct ui_panel *p = &a->stack[a->depth - 1];

	a->prompting = false;
	if (a->c.prompt_id == UI_PROMPT_SAVE) {
		if (a->c.prompt_text[0])
			run_hook(a, a->prompt_session, a->c.prompt_text, true);
		return;
	}
	if (p->ops->prompt_done) {
		app_lock(a);
		p->ops->prompt_done(p, &a->c, a->c.prompt_id, a->c.prompt_text);
		app_unlock(a);
	}
}

static void prompt_key(struct ui_app *a, int key)
{
	if (key == '\r' || key == '\n' || key == KEY_ENTER)
		prompt_done(a);
	else if (key == 27)
		a->prompting = false;
	else
		ui_edit_key(a->c.prompt_text, sizeof(a->c.prompt_text), key);
}

static void pause_toggle(struct ui_app *a)
{
	struct ui_ctx *c = &a->c;

	if (c->paused) {
		free(c->p_sess);
		c->p_sess = NULL;
		c->paused = false;
		return;
	}
	app_lock(a);
	c->p_nsessions = c->st->nsessions;
	c->p_ndiags = c->st->ndiags;
	c->p_sess = calloc(c->p_nsessions ? c->p_nsessions : 1, sizeof(*c->p_sess));
	for (size_t i = 0; c->p_sess && i < c->p_nsessions; i++) {
		const struct ui_session *s = &c->st->sessions[i];

		c->p_sess[i] = (struct ui_frozen){s->ncmds, s->nxfers, s->have_banner};
	}
	app_unlock(a);
	c->paused = true;
}

static void app_quit(struct ui_app *a)
{
	const struct ui_hooks *h = a->c.h;

	if (a->stopping || !a->prog.live || a->prog.done || h == NULL || h->stop == NULL) {
		a->done = true;
		return;
	}
	h->stop(h->ctx);
	a->stopping = true;
	a->stop_at = now_mono() + UI_STOP_WAIT;
	ui_ctx_msg(&a->c, "%s", "stopping the capture...");
}

/* w and e: on the session the top panel has selected. */
static void session_key(struct ui_app *a, int key)
{
	struct ui_panel *p = &a->stack[a->depth - 1];
	const struct ui_hooks *h = a->c.h;
	size_t i;
	char name[64];

	app_lock(a);
	i = p->ops->selected ? p->ops->selected(p, &a->c) : p->session;
	if (i >= a->c.st->nsessions)
		i = SIZE_MAX;
	app_unlock(a);
	if (i == SIZE_MAX) {
		ui_ctx_msg(&a->c, "%s", "no session selected");
	} else if (key == 'w') {
		if (h == NULL || h->save == NULL) {
			ui_ctx_msg(&a->c, "%s", "saving is not available here");
			return;
		}
		snprintf(name, sizeof(name), "ftplab-session-%u.pcap", session_id(a, i));
		a->prompt_session = i;
		ui_ctx_prompt(&a->c, UI_PROMPT_SAVE, "Save packets to: ", name);
	} else if (h == NULL || h->extract == NULL || a->c.o->extract_dir == NULL) {
		ui_ctx_msg(&a->c, "%s", "extracting is not available here");
	} else {
		run_hook(a, i, a->c.o->extract_dir, false);
	}
}

static void global_key(struct ui_app *a, int key)
{
	enum ui_panel_kind top = a->stack[a->depth - 1].kind;

	switch (key) {
	case 'q': case 27:
		if (a->depth > 1)
			panel_free(&a->stack[--a->depth]);
		else if (key == 'q')
			app_quit(a);
		break;
	case '?': case KEY_F(1):
		if (top != UI_PANEL_HELP)
			app_push(a, UI_PANEL_HELP, UI_ALL, SIZE_MAX);
		break;
	case '\t':
		app_cycle(a, 1);
		break;
	case KEY_BTAB:
		app_cycle(a, -1);
		break;
	case 'p':
		pause_toggle(a);
		break;
	case 'w': case 'e':
		session_key(a, key);
		break;
	default:
		break;
	}
}

static void app_key(struct ui_app *a, int key)
{
	struct ui_panel *p = &a->stack[a->depth - 1];
	struct ui_ctx *c = &a->c;
	bool used;

	if (key == KEY_RESIZE)
		return;
	if (a->prompting) {
		prompt_key(a, key);
		return;
	}
	app_lock(a);
	used = p->ops->handle_key(p, c, key);
	app_unlock(a);
	if (!used)
		global_key(a, key);
	if (c->open_req) {
		c->open_req = false;
		app_push(a, c->open_kind, c->open_session, c->open_focus);
	}
	if (c->prompt_req) {
		c->prompt_req = false;
		a->prompting = true;
	}
}

/* Keys waiting now, all before one redraw. */
static bool app_keys(struct ui_app *a)
{
	int key = getch();
	bool any = false;

	while (key != ERR && !a->done) {
		app_key(a, key);
		any = true;
		timeout(0);
		key = getch();
		timeout(1000 / UI_FPS);
	}
	return any;
}

static void app_loop(struct ui_app *a, volatile sig_atomic_t *quit)
{
	while (!a->done && !(quit && *quit)) {
		bool keys = app_keys(a);
		double now, gap;

		app_poll(a);
		if (a->stopping && (a->prog.done || now_mono() > a->stop_at))
			a->done = true;
		if (a->done)
			break;
		now = now_mono();
		gap = 4 * a->draw_cost > 1.0 / UI_FPS ? 4 * a->draw_cost : 1.0 / UI_FPS;
		gap = gap > 2.0 ? 2.0 : gap;
		if (keys || (a->dirty && now - a->last_draw >= gap)) {
			app_draw(a, true);
			a->dirty = a->status_dirty = false;
		} else if (a->status_dirty && now - a->last_draw >= 1.0 / UI_FPS) {
			app_draw(a, false);
			a->status_dirty = false;
		}
	}
}

int ui_run(struct ui_store *st, pthread_mutex_t *mu, const struct ui_opts *o,
           const struct ui_hooks *h, volatile sig_atomic_t *quit)
{
	static const struct ui_opts no_opts = {.log_fd = -1};
	struct ui_app *a = calloc(1, sizeof(*a));

	if (a == NULL || st == NULL) {
		free(a);
		fprintf(stderr, "ftplab-analyzer: out of memory\n");
		return -1;
	}
	a->c = (struct ui_ctx){.st = st, .o = o ? o : &no_opts, .h = h};
	a->mu = mu;
	a->log_fd = a->c.o->log_fd;
	if (term_open(a, a->c.o) < 0) {
		free(a);
		return -1;
	}
	app_push(a, UI_PANEL_SESSIONS, UI_ALL, SIZE_MAX);
	if (a->depth == 1) {
		app_poll(a);
		app_draw(a, true);
		app_loop(a, quit);
	}
	while (a->depth > 0)
		panel_free(&a->stack[--a->depth]);
	endwin();
	delscreen(a->scr);
	log_put_back(a);
	free(a->c.p_sess);
	free(a);
	return 0;
}

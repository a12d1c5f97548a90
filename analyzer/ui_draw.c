/* ui_draw.c - styles, glyphs, escaping, formatting, lists and columns for
 * the TUI's screens (see ui_draw.h). */
#include "ui_draw.h"

#include <langinfo.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "ftplab/textesc.h"

/* Colours of each style (pair number = the style), and what stands in
 * for them on a monochrome terminal. */
struct style_def {
	short fg, bg;
	attr_t extra, mono;
};

static const struct style_def styles[UI_S__COUNT] = {
	[UI_S_NORMAL]   = {-1, -1, 0, 0},
	[UI_S_TITLE]    = {COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE},
	[UI_S_HEADER]   = {COLOR_BLACK, COLOR_GREEN, 0, A_REVERSE | A_BOLD},
	[UI_S_SELECTED] = {COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE},
	[UI_S_KEY]      = {COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE},
	[UI_S_DIM]      = {-1, -1, A_DIM, A_DIM},
	[UI_S_CMD]      = {-1, -1, A_BOLD, A_BOLD},
	[UI_S_DATA]     = {COLOR_MAGENTA, -1, 0, 0},
	[UI_S_DIAG]     = {COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE},
	[UI_S_PAUSED]   = {COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_REVERSE | A_BOLD},
	[UI_S_R1XX]     = {COLOR_CYAN, -1, 0, 0},
	[UI_S_R2XX]     = {COLOR_GREEN, -1, 0, 0},
	[UI_S_R3XX]     = {COLOR_YELLOW, -1, 0, 0},
	[UI_S_R4XX]     = {COLOR_MAGENTA, -1, A_BOLD, A_BOLD},
	[UI_S_R5XX]     = {COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE},
};

static const char *const glyphs[UI_G__COUNT][2] = {
	[UI_G_HLINE]    = {"-", "\u2500"},
	[UI_G_VLINE]    = {"|", "\u2502"},
	[UI_G_DLINE]    = {"=", "\u2550"},
	[UI_G_RARROW]   = {">", "\u2192"},
	[UI_G_LARROW]   = {"<", "\u2190"},
	[UI_G_UP]       = {"^", "\u25b2"},
	[UI_G_DOWN]     = {"v", "\u25bc"},
	[UI_G_ELLIPSIS] = {"~", "\u2026"},
	[UI_G_TO]       = {">", "\u2192"},
	[UI_G_DOT]      = {"-", "\u00b7"},
	[UI_G_CROSS]    = {"+", "\u253c"},
};

void ui_draw_init(struct ui_draw *d, bool ascii, bool monochrome)
{
	const char *cs = nl_langinfo(CODESET);
	bool defaults;

	d->utf8 = cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
	d->lines = d->utf8 && !ascii;
	d->color = !monochrome && has_colors() && start_color() == OK && COLOR_PAIRS > UI_S__COUNT;
	if (!d->color)
		return;
	defaults = use_default_colors() == OK;
	for (int s = 1; s < UI_S__COUNT; s++) {
		short fg = styles[s].fg, bg = styles[s].bg;

		if (!defaults) {
			fg = fg < 0 ? COLOR_WHITE : fg;
			bg = bg < 0 ? COLOR_BLACK : bg;
		}
		init_pair((short)s, fg, bg);
	}
}

attr_t ui_attr(const struct ui_draw *d, enum ui_style s)
{
	if ((unsigned)s >= UI_S__COUNT || s == UI_S_NORMAL)
		return A_NORMAL;
	if (!d->color)
		return styles[s].mono;
	if (styles[s].fg < 0 && styles[s].bg < 0)
		return styles[s].extra;
	return COLOR_PAIR(s) | styles[s].extra;
}

enum ui_style ui_reply_style(int code)
{
	switch (code / 100) {
	case 1: return UI_S_R1XX;
	case 2: return UI_S_R2XX;
	case 3: return UI_S_R3XX;
	case 4: return UI_S_R4XX;
	case 5: return UI_S_R5XX;
	default: return UI_S_NORMAL;
	}
}

const char *ui_glyph(const struct ui_draw *d, enum ui_glyph g)
{
	if ((unsigned)g >= UI_G__COUNT)
		return "?";
	return glyphs[g][d->lines ? 1 : 0];
}

/* Without a UTF-8 terminal: every byte outside printable ASCII as \xNN. */
static size_t escape_ascii(char *out, size_t cap, const unsigned char *p, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char tmp[5];
		bool plain = p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\';
		int k = snprintf(tmp, sizeof(tmp), plain ? "%c" : p[i] == '\\' ? "\\\\" : "\\x%02x",
		                 p[i]);

		if (o + (size_t)k >= cap)
			break;
		memcpy(out + o, tmp, (size_t)k);
		o += (size_t)k;
	}
	out[o] = '\0';
	return o;
}

size_t ui_escape(const struct ui_draw *d, char *out, size_t cap, const void *p, size_t n)
{
	if (cap == 0)
		return 0;
	if (p == NULL)
		n = 0;
	if (n > cap)
		n = cap; /* more than fits in any case */
	if (!d->utf8)
		return escape_ascii(out, cap, p, n);
	return textesc(out, cap, p, n, NULL);
}

size_t ui_plain(char *out, size_t cap, const char *s)
{
	if (cap == 0)
		return 0;
	return escape_ascii(out, cap, (const unsigned char *)(s ? s : ""), s ? strlen(s) : 0);
}

/* The next character of s (len bytes left): its byte length and columns
 * (-1: not printable here; drawn as '?'). */
static size_t next_char(const char *s, size_t len, mbstate_t *st, int *cols)
{
	wchar_t wc;
	size_t k = mbrtowc(&wc, s, len, st);

	if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
		memset(st, 0, sizeof(*st));
		*cols = -1;
		return 1;
	}
	*cols = wcwidth(wc);
	return k;
}

int ui_text_width(const char *s)
{
	size_t len = strlen(s);
	mbstate_t st;
	int w = 0;

	memset(&st, 0, sizeof(st));
	while (len > 0) {
		int c;
		size_t k = next_char(s, len, &st, &c);

		w += c < 0 ? 1 : c;
		s += k;
		len -= k;
	}
	return w;
}

const char *ui_skip_cols(const char *s, int cols)
{
	size_t len = strlen(s);
	mbstate_t st;

	memset(&st, 0, sizeof(st));
	while (cols > 0 && len > 0) {
		int c;
		size_t k = next_char(s, len, &st, &c);

		cols -= c < 0 ? 1 : c;
		s += k;
		len -= k;
	}
	return s;
}

int ui_put(int y, int x, int w, const char *s)
{
	size_t len = strlen(s);
	const char *run = s;
	int used = 0, run_x = x;
	mbstate_t st;

	memset(&st, 0, sizeof(st));
	while (len > 0 && used < w) {
		int c;
		size_t k = next_char(s, len, &st, &c);

		if (used + (c < 0 ? 1 : c) > w)
			break;
		if (c < 0) {
			if (s > run)
				mvaddnstr(y, run_x, run, (int)(s - run));
			mvaddch(y, x + used, '?');
			run = s + k;
			run_x = x + used + 1;
		}
		used += c < 0 ? 1 : c;
		s += k;
		len -= k;
	}
	if (s > run)
		mvaddnstr(y, run_x, run, (int)(s - run));
	return used;
}

int ui_put_cut(const struct ui_draw *d, int y, int x, int w, const char *s)
{
	int used;

	if (w <= 0)
		return 0;
	if (ui_text_width(s) <= w)
		return ui_put(y, x, w, s);
	used = ui_put(y, x, w - 1, s);
	mvaddstr(y, x + used, ui_glyph(d, UI_G_ELLIPSIS));
	return used + 1;
}

int ui_put_tail(const struct ui_draw *d, int y, int x, int w, const char *s)
{
	int over = ui_text_width(s) - w;
	size_t len = strlen(s);
	mbstate_t st;

	if (w <= 0)
		return 0;
	if (over <= 0)
		return ui_put(y, x, w, s);
	over++; /* room for the ellipsis */
	memset(&st, 0, sizeof(st));
	while (over > 0 && len > 0) {
		int c;
		size_t k = next_char(s, len, &st, &c);

		over -= c < 0 ? 1 : c;
		s += k;
		len -= k;
	}
	mvaddstr(y, x, ui_glyph(d, UI_G_ELLIPSIS));
	return 1 + ui_put(y, x + 1, w - 1, s);
}

int ui_put_right(const struct ui_draw *d, int y, int x, int w, const char *s)
{
	int tw = ui_text_width(s);

	if (tw >= w)
		return ui_put_cut(d, y, x, w, s);
	return ui_put(y, x + w - tw, tw, s);
}

void ui_repeat(const struct ui_draw *d, int y, int x, int n, enum ui_glyph g)
{
	const char *s = ui_glyph(d, g);

	for (int i = 0; i < n; i++)
		mvaddstr(y, x + i, s);
}

/* The length of the next line of text wrapped at w columns (ASCII), and
 * where the line after starts. */
static size_t wrap_line(const char *p, int w, const char **next)
{
	size_t n = strcspn(p, "\n"), cut = n;

	if (n > (size_t)w) {
		cut = (size_t)w;
		while (cut > 0 && p[cut] != ' ')
			cut--;
		if (cut == 0)
			cut = (size_t)w;
	}
	*next = p + cut;
	if (**next == '\n')
		(*next)++;
	else
		while (**next == ' ')
			(*next)++;
	return cut;
}

int ui_wrap(int y, int x, int h, int w, const char *text)
{
	const char *p = text;
	int row = 0;

	if (w <= 0)
		return 0;
	while (*p && row < h) {
		const char *next;
		size_t n = wrap_line(p, w, &next);

		mvaddnstr(y + row, x, p, (int)n);
		row++;
		p = next;
	}
	return row;
}

int ui_wrap_rows(int w, const char *text)
{
	const char *p = text;
	int rows = 0;

	if (w <= 0)
		return 0;
	while (*p) {
		wrap_line(p, w, &p);
		rows++;
	}
	return rows;
}

void ui_keybar(const struct ui_draw *d, int y, int w, const char *k)
{
	int x = 0;

	move(y, 0);
	clrtoeol();
	while (*k && x < w) {
		size_t n = strcspn(k, "|"), sp = strcspn(k, " ");
		char key[32], label[64];

		sp = sp > n ? n : sp;
		snprintf(key, sizeof(key), "%.*s", (int)sp, k);
		snprintf(label, sizeof(label), "%.*s", (int)(n > sp ? n - sp - 1 : 0),
		         k + sp + (n > sp));
		if (x + ui_text_width(key) + ui_text_width(label) + 1 > w)
			break;
		attrset(ui_attr(d, UI_S_KEY));
		x += ui_put(y, x, w - x, key);
		attrset(A_NORMAL);
		x += ui_put(y, x + 1, w - x - 1, label) + 2;
		k += n + (k[n] == '|');
	}
}

bool ui_edit_key(char *buf, size_t cap, int key)
{
	size_t n = strlen(buf);

	if (key == KEY_BACKSPACE || key == 127 || key == 8) {
		while (n > 0 && ((unsigned char)buf[--n] & 0xc0) == 0x80)
			; /* back to the first byte of a UTF-8 character */
		buf[n] = '\0';
	} else if (key == 21) { /* ^U */
		buf[0] = '\0';
	} else if (key >= 0x20 && key <= 0xff && key != 0x7f) {
		if (n + 1 < cap) {
			buf[n] = (char)key;
			buf[n + 1] = '\0';
		}
	} else {
		return false;
	}
	return true;
}

void ui_fmt_rel(char *buf, size_t cap, double secs)
{
	if (secs < 0 && secs > -0.0005)
		secs = 0;
	snprintf(buf, cap, "%+.3fs", secs);
}

void ui_fmt_duration(char *buf, size_t cap, double secs)
{
	if (secs < 0.0001)
		snprintf(buf, cap, "%.0fus", secs * 1e6);
	else if (secs < 1)
		snprintf(buf, cap, "%.1fms", secs * 1e3);
	else
		snprintf(buf, cap, "%.3fs", secs);
}

void ui_fmt_si(char *buf, size_t cap, uint64_t v, const char *unit)
{
	static const char prefix[] = "kMGTPE";
	double r = (double)v;
	int p = -1;

	if (v < 1000) {
		snprintf(buf, cap, "%llu%s", (unsigned long long)v, unit);
		return;
	}
	while (r >= 999.5 && p < 5) {
		r /= 1000;
		p++;
	}
	snprintf(buf, cap, r < 9.95 ? "%.1f%c%s" : "%.0f%c%s", r, prefix[p], unit);
}

void ui_fmt_rate(char *buf, size_t cap, uint64_t bytes, double secs)
{
	if (!(secs > 0)) {
		snprintf(buf, cap, "%s", "");
		return;
	}
	ui_fmt_si(buf, cap, (uint64_t)llround((double)bytes / secs), "B/s");
}

void ui_fmt_clock(char *buf, size_t cap, double ts)
{
	time_t t = (time_t)ts;
	struct tm tm;

	if (ts < 0 || localtime_r(&t, &tm) == NULL || strftime(buf, cap, "%H:%M:%S", &tm) == 0)
		snprintf(buf, cap, "%.0f", ts);
}

void ui_fmt_endpoint(char *buf, size_t cap, const struct ftp_hostport *hp)
{
	if (hp->addr.family == FTP_AF_NONE || addr_format_endpoint(buf, cap, hp) != FTP_OK)
		snprintf(buf, cap, "?");
}

void ui_fmt_progress(char *buf, size_t cap, const struct ui_progress *p)
{
	char frames[16], drop[16];

	ui_fmt_si(frames, sizeof(frames), p->frames, "");
	ui_fmt_si(drop, sizeof(drop), p->dropped, "");
	if (p->live)
		snprintf(buf, cap, "live%s: %s packets, %s dropped", p->done ? " (stopped)" : "",
		         frames, drop);
	else if (p->done)
		snprintf(buf, cap, "done (%s packets)", frames);
	else if (p->bytes_total > 0)
		snprintf(buf, cap, "reading %d%% (%s packets)",
		         (int)((double)p->bytes_read * 100.0 / (double)p->bytes_total), frames);
	else
		snprintf(buf, cap, "reading (%s packets)", frames);
}

void ui_list_fit(struct ui_list *l, size_t n, int rows)
{
	size_t r = rows > 0 ? (size_t)rows : 1;

	if (n == 0) {
		l->sel = l->top = 0;
		return;
	}
	if (l->sel >= n)
		l->sel = n - 1;
	if (l->top > l->sel)
		l->top = l->sel;
	if (l->sel >= l->top + r)
		l->top = l->sel - r + 1;
	if (l->top + r > n) /* no empty rows below the last while rows are above */
		l->top = n > r ? n - r : 0;
}

bool ui_list_key(struct ui_list *l, int key, size_t n, int rows)
{
	size_t page = rows > 1 ? (size_t)rows - 1 : 1;

	switch (key) {
	case KEY_UP: case 'k':
		l->sel = l->sel > 0 ? l->sel - 1 : 0;
		break;
	case KEY_DOWN: case 'j':
		l->sel = l->sel + 1 < n ? l->sel + 1 : l->sel;
		break;
	case KEY_PPAGE:
		l->sel = l->sel > page ? l->sel - page : 0;
		break;
	case KEY_NPAGE:
		l->sel = l->sel + page < n ? l->sel + page : (n ? n - 1 : 0);
		break;
	case KEY_HOME: case 'g':
		l->sel = 0;
		break;
	case KEY_END: case 'G':
		l->sel = n ? n - 1 : 0;
		break;
	default:
		return false;
	}
	ui_list_fit(l, n, rows);
	return true;
}

bool ui_scroll_key(size_t *top, int key, size_t n, int rows)
{
	size_t r = rows > 0 ? (size_t)rows : 1, last = n > r ? n - r : 0;
	struct ui_list l = {*top, *top};

	switch (key) {
	case KEY_DOWN: case 'j':
		*top = *top < last ? *top + 1 : last;
		return true;
	case KEY_NPAGE:
		*top = *top + (r > 1 ? r - 1 : 1) < last ? *top + (r > 1 ? r - 1 : 1) : last;
		return true;
	case KEY_END: case 'G':
		*top = last;
		return true;
	default:
		break;
	}
	if (!ui_list_key(&l, key, n, 1))
		return false;
	*top = l.sel;
	return true;
}

void ui_columns_layout(struct ui_column *c, size_t n, int x, int width)
{
	int total = -1, flex = 0, extra, right = x + width;

	for (size_t i = 0; i < n; i++) { /* min 0: a column not shown at all */
		c[i].w = c[i].min;
		total += c[i].min > 0 ? c[i].min + 1 : 0;
	}
	while (total > width) { /* drop the highest rank (the rightmost of a tie) */
		size_t worst = n;

		for (size_t i = 0; i < n; i++)
			if (c[i].w > 0 && c[i].drop > 0 &&
			    (worst == n || c[i].drop >= c[worst].drop))
				worst = i;
		if (worst == n)
			break;
		total -= c[worst].w + 1;
		c[worst].w = 0;
	}
	for (size_t i = 0; i < n; i++)
		flex += c[i].w > 0 ? c[i].flex : 0;
	extra = width > total ? width - total : 0;
	for (size_t i = 0; i < n && flex > 0; i++) {
		if (c[i].w > 0 && c[i].flex > 0) {
			int add = extra * c[i].flex / flex;

			extra -= add;
			flex -= c[i].flex;
			c[i].w += add;
		}
	}
	for (size_t i = 0; i < n; i++) {
		int end = x + c[i].w;

		c[i].x = x;
		if (c[i].w > 0)
			x = end + 1;
		if (end > right) /* a layout that does not fit: clip the rest */
			c[i].w = c[i].x < right ? right - c[i].x : 0;
	}
}

void ui_columns_header(const struct ui_draw *d, const struct ui_column *c, size_t n,
                       int y, int x, int width, int sorted, bool desc)
{
	attrset(ui_attr(d, UI_S_HEADER));
	mvhline(y, x, ' ', width);
	for (size_t i = 0; i < n; i++) {
		char t[64];

		if (c[i].w <= 0)
			continue;
		snprintf(t, sizeof(t), "%s%s", c[i].title,
		         (int)i == sorted ? ui_glyph(d, desc ? UI_G_DOWN : UI_G_UP) : "");
		if (c[i].align == 1)
			ui_put_right(d, y, c[i].x, c[i].w, t);
		else
			ui_put_cut(d, y, c[i].x, c[i].w, t);
	}
	attrset(A_NORMAL);
}

void ui_column_put(const struct ui_draw *d, const struct ui_column *c, int y, const char *s)
{
	if (c->w <= 0)
		return;
	if (c->align == 1)
		ui_put_right(d, y, c->x, c->w, s);
	else if (c->align == 2)
		ui_put_tail(d, y, c->x, c->w, s);
	else
		ui_put_cut(d, y, c->x, c->w, s);
}

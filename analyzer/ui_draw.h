/* ui_draw.h - what the TUI's screens share for drawing (curses): styles
 * with a monochrome fallback, line glyphs with an ASCII fallback, escaping
 * of network bytes, formatting of times, sizes and rates, a scrolling list
 * and a column layout. The screens (ui_*.c) draw only through these and
 * plain curses calls; every string they draw from the network went through
 * ui_escape first, so no control byte reaches the terminal. */
#ifndef FTPLAB_ANALYZER_UI_DRAW_H
#define FTPLAB_ANALYZER_UI_DRAW_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftplab/addr.h"
#include "ui.h"

struct ui_rect {
	int y, x, h, w;
};

enum ui_style {
	UI_S_NORMAL = 0,
	UI_S_TITLE,      /* top line */
	UI_S_HEADER,     /* column headers */
	UI_S_SELECTED,   /* the selected row */
	UI_S_KEY,        /* a key in the key bar */
	UI_S_DIM,        /* secondary text */
	UI_S_CMD,        /* a client's command */
	UI_S_DATA,       /* data connections */
	UI_S_DIAG,       /* diagnostics */
	UI_S_PAUSED,
	UI_S_R1XX, UI_S_R2XX, UI_S_R3XX, UI_S_R4XX, UI_S_R5XX,
	UI_S__COUNT
};

enum ui_glyph {
	UI_G_HLINE = 0, UI_G_VLINE, UI_G_DLINE, UI_G_RARROW, UI_G_LARROW, UI_G_UP, UI_G_DOWN,
	UI_G_ELLIPSIS, UI_G_TO, UI_G_DOT, UI_G_CROSS,
	UI_G__COUNT
};

struct ui_draw {
	bool color;  /* colour pairs are set up */
	bool utf8;   /* the locale is UTF-8: UTF-8 from the network may be shown as it is */
	bool lines;  /* UTF-8 line drawing (utf8 and not --ascii) */
};

/* After the terminal is set up (start_color is called here). */
void ui_draw_init(struct ui_draw *d, bool ascii, bool monochrome);
attr_t ui_attr(const struct ui_draw *d, enum ui_style s);
/* The style of a reply code's class (1xx .. 5xx; others: UI_S_NORMAL). */
enum ui_style ui_reply_style(int code);
const char *ui_glyph(const struct ui_draw *d, enum ui_glyph g);

/* Bytes from the network as one safe line: textesc (\xNN for controls,
 * invalid UTF-8 and C1 controls, \\), and every byte >= 0x80 too when the
 * terminal is not UTF-8. Always NUL-terminated; stops when out is full. */
size_t ui_escape(const struct ui_draw *d, char *out, size_t cap, const void *p, size_t n);
/* Text the engine built (messages, evidence): printable ASCII stays, any
 * other byte becomes \xNN. */
size_t ui_plain(char *out, size_t cap, const char *s);

/* Safe text (escaped, or our own) at (y, x), at most w columns; returns the
 * columns drawn. _cut ends a text that does not fit with an ellipsis;
 * _tail keeps its end instead (endpoints: the port stays visible); _right
 * aligns it to the right of the w columns. */
int ui_text_width(const char *s);
int ui_put(int y, int x, int w, const char *s);
int ui_put_cut(const struct ui_draw *d, int y, int x, int w, const char *s);
int ui_put_tail(const struct ui_draw *d, int y, int x, int w, const char *s);
int ui_put_right(const struct ui_draw *d, int y, int x, int w, const char *s);
/* s past its first `cols` columns (a view scrolled to the right). */
const char *ui_skip_cols(const char *s, int cols);
/* A glyph n times from (y, x). */
void ui_repeat(const struct ui_draw *d, int y, int x, int n, enum ui_glyph g);
/* ASCII text wrapped at spaces into the rows y .. y+h-1; returns the rows used. */
int ui_wrap(int y, int x, int h, int w, const char *text);
/* Rows ui_wrap would use without a limit on h. */
int ui_wrap_rows(int w, const char *text);

/* The key bar: "key label|key label|...", keys highlighted, as many as fit. */
void ui_keybar(const struct ui_draw *d, int y, int w, const char *keys);
/* A line being typed (a prompt): printable bytes (UTF-8 too) append,
 * Backspace deletes a character, ^U clears; true when the key was one. */
bool ui_edit_key(char *buf, size_t cap, int key);

/* Formatting into buf (NUL-terminated, cut to cap). */
void ui_fmt_rel(char *buf, size_t cap, double secs);       /* "+0.012s" */
void ui_fmt_duration(char *buf, size_t cap, double secs);  /* "43us" "0.4ms" "2.500s" */
void ui_fmt_si(char *buf, size_t cap, uint64_t v, const char *unit); /* "999" "1.2k" "12M" */
void ui_fmt_rate(char *buf, size_t cap, uint64_t bytes, double secs); /* "9.5MB/s"; "" no time */
void ui_fmt_clock(char *buf, size_t cap, double ts);       /* "14:03:07" local time */
void ui_fmt_endpoint(char *buf, size_t cap, const struct ftp_hostport *hp); /* "?" none */
/* "reading 45% (1.2M packets)", "done (...)", "live: 1.2M packets, 0 dropped". */
void ui_fmt_progress(char *buf, size_t cap, const struct ui_progress *p);

/* A list with a cursor: sel is the selected row, top the first row shown. */
struct ui_list {
	size_t sel, top;
};

/* Arrows, PgUp/PgDn, Home/End (and j/k, g/G) over n rows of which rows are
 * visible; true when the key was one of them. */
bool ui_list_key(struct ui_list *l, int key, size_t n, int rows);
/* Keeps sel below n and inside the visible rows. */
void ui_list_fit(struct ui_list *l, size_t n, int rows);
/* A view without a cursor (top only): the same keys scroll it. */
bool ui_scroll_key(size_t *top, int key, size_t n, int rows);

/* Columns of a table: the layout gives each its x and w (0: dropped for
 * lack of room, those of the highest drop rank first), then spreads what
 * is left over by flex. */
struct ui_column {
	const char *title;
	int min;      /* columns it needs */
	int flex;     /* its share of the width left over (0: none) */
	int drop;     /* 0: always shown; larger ranks are dropped first */
	int align;    /* 0 left, 1 right, 2 left but keep the end when cut */
	int x, w;     /* set by ui_columns_layout */
};

void ui_columns_layout(struct ui_column *c, size_t n, int x, int width);
/* The header row; the column `sorted` (-1: none) gets an up or down mark. */
void ui_columns_header(const struct ui_draw *d, const struct ui_column *c, size_t n,
                       int y, int x, int width, int sorted, bool desc);
void ui_column_put(const struct ui_draw *d, const struct ui_column *c, int y, const char *s);

#endif

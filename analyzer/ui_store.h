/* ui_store.h - what the TUI shows, built from the engine's events (as
 * sngrep's store: the decoder fills it, the panels read it). Pure: no
 * curses, no I/O, no locks (the caller serialises: ui.c holds a mutex
 * around ui_store_event and around each redraw).
 *
 * Every string of an event is copied (events' bytes live only during the
 * sink call). Memory is bounded: past mem_cap bytes, the items of new
 * commands, transfers and diagnostics are counted but not kept
 * (ui_store.dropped), sessions themselves always are.
 *
 * Indices are stable: sessions, and each session's items, only grow, so a
 * panel may keep an index (its selection) across updates. */
#ifndef FTPLAB_ANALYZER_UI_STORE_H
#define FTPLAB_ANALYZER_UI_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* A copy of an an_command, owning its strings (NUL-terminated too; the
 * bytes may hold anything the network sent: panels escape them). */
struct ui_cmd {
	double ts;                  /* sent */
	enum ftp_cmd cmd;
	char verb[16];
	char *arg;                  /* NULL: no argument */
	size_t arg_n;
	bool arg_masked, arg_truncated;
	int reply_code;             /* 0: none */
	char *reply;                /* final reply, lines joined by '\n'; NULL none */
	size_t reply_n;
	unsigned reply_lines;
	bool reply_truncated;
	int prelim_code;            /* 150/125 before it, 0 none */
	double latency_ms;          /* < 0 without reply */
	char *cwd;                  /* NULL unknown */
	struct an_data_channel dc;  /* PORT/EPRT/227/229: the announced connection */
};

/* A copy of an an_transfer. */
struct ui_xfer {
	enum ftp_cmd cmd;
	char verb[16];
	char *arg;
	size_t arg_n;
	enum an_mode mode;
	struct ftp_hostport data_client, data_server;
	enum ftp_xfer direction;
	uint64_t bytes;
	double ts_start, duration_s;
	enum an_xfer_status status;
	int reply_code;
	bool syn_seen, fin_seen, rst_seen;
	unsigned gaps;
	uint64_t gap_bytes;
	bool size_announced;
	uint64_t announced_size;
	bool sha256_set;
	char sha256[65];
	char *extracted;            /* a file written for it, NULL none */
};

/* A copy of an an_diag. */
struct ui_diag {
	unsigned session;           /* the session's index + 1; 0: not a session (not-ftp) */
	struct ftp_hostport a, b;   /* the flow's endpoints when session is 0 */
	double ts;
	enum an_diag_kind kind;
	char *message;
	unsigned nev;
	const char *ev_key[AN_EVIDENCE_MAX]; /* string literals of the model */
	char *ev_value[AN_EVIDENCE_MAX];
};

/* One row of the ladder and the transcript, in the order the events came
 * (commands are reported at their reply: ts orders them, see ui_store). */
enum ui_item_kind { UI_ITEM_BANNER, UI_ITEM_CMD, UI_ITEM_XFER, UI_ITEM_DIAG };

struct ui_item {
	enum ui_item_kind kind;
	double ts;                  /* banner; command sent; transfer start; diagnostic */
	size_t idx;                 /* into the session's cmds / xfers, or the store's diags */
};

enum ui_state {                 /* the Sessions screen's state column */
	UI_STATE_CONNECTED = 0,     /* no login answered yet */
	UI_STATE_LOGGED_IN,
	UI_STATE_LOGIN_FAILED,
	UI_STATE_ENCRYPTED,         /* AUTH TLS accepted: not decoded after */
	UI_STATE_CLOSED,            /* the session record came (closed, or the capture ended) */
};

/* What the screens show of an an_session (the same names; not its cwd,
 * 1 KB that every command carries anyway). */
struct ui_sess {
	unsigned id;
	struct ftp_hostport client, server;
	double ts_start, ts_end;
	char user[256];
	enum an_login login;
	unsigned commands, transfers;
	bool encrypted;
};

struct ui_session {
	struct ui_sess s;           /* the latest copy the engine reported */
	bool closed;
	bool have_banner;
	double banner_ts;
	int banner_code;
	char *banner;               /* NULL none */
	size_t banner_n;
	uint64_t bytes;             /* data bytes of its transfers */
	unsigned errors;            /* final replies 4xx/5xx */
	unsigned ndiags;            /* diagnostics about it (kept or not) */
	struct ui_cmd *cmds;
	size_t ncmds, cap_cmds;
	struct ui_xfer *xfers;
	size_t nxfers, cap_xfers;
	struct ui_item *items;      /* sorted by ts (stable: equal ts keep arrival order) */
	size_t nitems, cap_items;
	size_t pair;                /* the other leg (same conversation seen on the other
	                             * side of a NAT or proxy): its index + 1; 0 none */
};

struct ui_store {
	struct ui_session *sessions; /* in order of first packet: sessions[i].s.id need not
	                              * be i + 1, ids are unique */
	size_t nsessions, cap_sessions;
	struct ui_diag *diags;       /* every diagnostic, sessions' and others' */
	size_t ndiags, cap_diags;
	uint64_t version;            /* changes with every event: redraw when it moved */
	size_t mem, mem_cap;         /* bytes held by strings and arrays; the limit */
	uint64_t dropped;            /* items not kept because of mem_cap */
};

/* mem_cap 0: 256 MiB. NULL when out of memory. */
struct ui_store *ui_store_new(size_t mem_cap);
void ui_store_free(struct ui_store *st);

/* One engine event. Sessions are found by s->id (a session first seen in a
 * DIAG/BANNER/COMMAND is created then); the copy of an_session is
 * refreshed from every event that carries one. */
void ui_store_event(struct ui_store *st, const struct an_event *ev);

enum ui_state ui_session_state(const struct ui_session *s);
const char *ui_state_name(enum ui_state st); /* "logged in", "login failed", ... */

/* Sessions screen columns, and the view: indices of the sessions that
 * match filter (NULL or "": all), sorted by col (ties: by index), written
 * to out (at most cap); returns how many match. filter matches, ignoring
 * case, a substring of the client or server endpoint ("10.0.0.1:2121"),
 * the user, the state's name, or any command's verb or argument. */
enum ui_col {
	UI_COL_START = 0, UI_COL_CLIENT, UI_COL_SERVER, UI_COL_USER, UI_COL_STATE,
	UI_COL_CMDS, UI_COL_XFERS, UI_COL_BYTES, UI_COL_ERRORS, UI_COL_DIAGS,
	UI_COL__COUNT
};
const char *ui_col_name(enum ui_col c); /* "Start", "Client", ... */
bool ui_session_matches(const struct ui_session *s, const char *filter);
size_t ui_store_view(const struct ui_store *st, enum ui_col col, bool descending,
                     const char *filter, size_t *out, size_t cap);

/* Legs of one conversation seen on both sides of a NAT or a proxy (a
 * capture on the NAT box, or on both of its interfaces): two sessions
 * whose starts are within 2 s, whose endpoints differ, and whose first
 * commands (up to 4; PORT/EPRT arguments not compared, as a NAT rewrites
 * them) are the same verbs and arguments with the same reply codes. Sets
 * each session's pair. Called by the UI before drawing a ladder. */
void ui_store_pair(struct ui_store *st);
/* Of session i's pair, the index of the leg on the client's side: the one
 * that started first (a NAT or proxy forwards after it received), ties by
 * index; i itself when it has no pair. */
size_t ui_pair_client_leg(const struct ui_store *st, size_t i);

/* The flows of session i, for saving its packets (w) or replaying them
 * (e): its control connection, the data connections of its transfers and
 * those its commands announced (PORT/227/EPRT/229: a connection that
 * failed is in the capture too), and the same of its paired leg. A flow is
 * two endpoints in either direction; a zero port matches any port (the
 * client's port of an announced passive connection, the server's of an
 * active one, are not announced). Returns how many there are (at most
 * cap written). */
struct ui_flow {
	struct ftp_hostport a, b;
};
size_t ui_session_flows(const struct ui_store *st, size_t i, struct ui_flow *out, size_t cap);
/* Whether a packet from src to dst belongs to one of the flows. */
bool ui_flows_match(const struct ui_flow *f, size_t n, const struct ftp_hostport *src,
                    const struct ftp_hostport *dst);

#endif

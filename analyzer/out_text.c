/* out_text.c - the transcript for people: one line per event, each line
 * self-contained (session and time first) so that grep finds whole facts.
 *
 *   #1 +0.000 OPEN 192.0.2.10:51234 -> 198.51.100.1:21
 *   #1 +0.003 S> 220 (vsFTPd 3.0.5)
 *   #1 +0.012 C> USER anonymous  <331 Please specify the password. (0.4 ms)
 *   #1 +0.030 C> FEAT  <211 Features: (0.3 ms)
 *   #1 +0.030    |  EPSV
 *   #1 +0.120 DATA RETR big.bin: passive 10.0.0.1:40000 -> 10.0.0.2:50000, ...
 *   #1 +0.100 ! pasv-address-mismatch: <message> [key=value, ...]
 *   #1 +0.100 !   <explanation, wrapped>
 *   #1 +9.000 CLOSE 192.0.2.10:51234 -> 198.51.100.1:21: user anonymous, ...
 *
 * Times are seconds since the session's first packet (or, with opts.utc,
 * UTC dates); a diagnostic without a session counts from the first event
 * this writer saw and shows "#-". Network strings are escaped by textesc
 * and cut after TEXT_FIELD_MAX bytes ("...(N bytes)").
 */
#include "out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TEXT_FIELD_MAX 256  /* bytes of one network string shown */
#define TEXT_WRAP 72        /* columns of an explanation line after its prefix */

struct text_writer {
	struct out_writer base;
	bool explained[AN_DIAG__COUNT];
	bool have_t0;
	double t0;              /* first event's time: origin for session-less lines */
};

static void put_utc(FILE *f, double ts)
{
	long long ms = llround(ts * 1000.0);
	time_t sec;
	struct tm tm;
	char date[32];

	if (ms < 0)
		ms = 0;
	sec = (time_t)(ms / 1000);
	if (gmtime_r(&sec, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		fprintf(f, "%.3f", ts);
		return;
	}
	fprintf(f, "%s.%03dZ", date, (int)(ms % 1000));
}

/* "#1 +0.012 " or "#- +3.000 " (or "#1 2024-...Z "). */
static void put_prefix(struct text_writer *tw, const struct an_session *s, double ts)
{
	FILE *f = tw->base.f;
	double rel;

	if (s)
		fprintf(f, "#%u ", s->id);
	else
		fputs("#- ", f);
	if (tw->base.o.utc) {
		put_utc(f, ts);
		fputc(' ', f);
		return;
	}
	rel = ts - (s ? s->ts_start : tw->t0);
	if (rel < 0 && rel > -0.0005)
		rel = 0;
	fprintf(f, "%+.3f ", rel);
}

static void put_bytes(FILE *f, struct an_bytes b)
{
	out_put_escaped(f, b.p, b.n, TEXT_FIELD_MAX);
}

static void put_endpoints(FILE *f, const struct ftp_hostport *a, const struct ftp_hostport *b)
{
	char ea[ADDR_ENDPOINT_STRLEN], eb[ADDR_ENDPOINT_STRLEN];
	const char *sa = out_endpoint(ea, a), *sb = out_endpoint(eb, b);

	fprintf(f, "%s -> %s", sa ? sa : "?", sb ? sb : "?");
}

/* Lines 2.. of a reply, one output line each under the event's prefix. */
static void put_more_lines(struct text_writer *tw, const struct an_session *s, double ts,
                           const struct an_bytes *text)
{
	struct an_bytes line;

	for (unsigned i = 1; out_text_line(text, i, &line); i++) {
		put_prefix(tw, s, ts);
		fputs("   | ", tw->base.f);
		put_bytes(tw->base.f, line);
		fputc('\n', tw->base.f);
	}
}

static void text_session_open(struct text_writer *tw, const struct an_session *s)
{
	put_prefix(tw, s, s->ts_start);
	fputs("OPEN ", tw->base.f);
	put_endpoints(tw->base.f, &s->client, &s->server);
	fputc('\n', tw->base.f);
}

static void text_session_close(struct text_writer *tw, const struct an_session *s)
{
	FILE *f = tw->base.f;
	static const char *const login[] = {"not logged in", "login ok", "login failed"};

	put_prefix(tw, s, s->ts_end);
	fputs("CLOSE ", f);
	put_endpoints(f, &s->client, &s->server);
	fputs(": ", f);
	if (s->user[0]) {
		fputs("user ", f);
		out_put_escaped(f, s->user, strnlen(s->user, sizeof(s->user)), TEXT_FIELD_MAX);
	} else {
		fputs("no user", f);
	}
	fprintf(f, ", %s, %u command%s, %u transfer%s, %.3f s",
	        (unsigned)s->login < 3 ? login[s->login] : "?", s->commands,
	        s->commands == 1 ? "" : "s", s->transfers, s->transfers == 1 ? "" : "s",
	        s->ts_end - s->ts_start);
	if (s->encrypted)
		fputs(", encrypted after AUTH TLS", f);
	fputc('\n', f);
}

static void text_banner(struct text_writer *tw, const struct an_event *ev)
{
	struct an_bytes first = {NULL, 0};

	put_prefix(tw, ev->s, ev->u.banner.ts);
	fprintf(tw->base.f, "S> %03d", ev->u.banner.code);
	if (out_text_line(&ev->u.banner.text, 0, &first) && first.n > 0) {
		fputc(' ', tw->base.f);
		put_bytes(tw->base.f, first);
	}
	fputc('\n', tw->base.f);
	put_more_lines(tw, ev->s, ev->u.banner.ts, &ev->u.banner.text);
}

/* "43 us", "0.4 ms", "2.500 s": what a reader takes in at a glance. */
static void put_duration(FILE *f, double secs)
{
	if (secs < 0.0001)
		fprintf(f, "%.0f us", secs * 1e6);
	else if (secs < 1)
		fprintf(f, "%.1f ms", secs * 1e3);
	else
		fprintf(f, "%.3f s", secs);
}

static void put_latency(FILE *f, double ms)
{
	if (ms < 0)
		return;
	fputs(" (", f);
	put_duration(f, ms / 1000);
	fputc(')', f);
}

static void text_command(struct text_writer *tw, const struct an_command *c)
{
	FILE *f = tw->base.f;
	struct an_bytes first = {NULL, 0};

	put_prefix(tw, c->s, c->ts);
	fputs("C> ", f);
	out_put_escaped(f, c->verb, c->verb ? strlen(c->verb) : 0, TEXT_FIELD_MAX);
	if (c->arg.n > 0) {
		fputc(' ', f);
		put_bytes(f, c->arg);
	}
	if (c->arg_truncated)
		fputs(" [cut]", f);
	fputs("  ", f);
	if (c->prelim_code)
		fprintf(f, "<%03d ", c->prelim_code);
	if (c->reply_code == 0 && c->reply.n == 0) {
		fputs("(no reply)\n", f);
		return;
	}
	if (c->reply_code == 0)
		fputs("<(not a reply)", f);
	else
		fprintf(f, "<%03d", c->reply_code);
	if (out_text_line(&c->reply, 0, &first) && first.n > 0) {
		fputc(' ', f);
		put_bytes(f, first);
	}
	if (c->reply_truncated)
		fputs(" [reply cut]", f);
	put_latency(f, c->latency_ms);
	fputc('\n', f);
	put_more_lines(tw, c->s, c->ts, &c->reply);
}

/* "95.3 MB/s": decimal units, as network people count. */
static void put_rate(FILE *f, uint64_t bytes, double secs)
{
	static const char *const unit[] = {"B/s", "kB/s", "MB/s", "GB/s", "TB/s"};
	double r = (double)bytes / secs;
	unsigned u = 0;

	while (r >= 1000 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		r /= 1000;
		u++;
	}
	fprintf(f, " (%.*f %s)", u == 0 ? 0 : 1, r, unit[u]);
}

/* ", 2 gaps (2896 bytes missing), no FIN, sha256 ...". */
static void put_xfer_extras(FILE *f, const struct an_transfer *x)
{
	if (x->gaps)
		fprintf(f, ", %u gap%s (%llu bytes missing)", x->gaps, x->gaps == 1 ? "" : "s",
		        (unsigned long long)x->gap_bytes);
	if (x->data_client.addr.family != FTP_AF_NONE) {
		if (!x->syn_seen)
			fputs(", no SYN seen", f);
		if (!x->fin_seen)
			fputs(", no FIN seen", f);
	}
	if (x->rst_seen)
		fputs(", reset (RST)", f);
	if (x->sha256_set) {
		fputs(", sha256 ", f);
		out_put_escaped(f, x->sha256, strnlen(x->sha256, sizeof(x->sha256)), 0);
	}
	if (x->extracted) {
		fputs(", saved as ", f);
		out_put_escaped(f, x->extracted, strlen(x->extracted), 0);
	}
}

static void text_transfer(struct text_writer *tw, const struct an_transfer *x)
{
	FILE *f = tw->base.f;
	const char *mode = out_mode_name(x->mode), *dir = out_direction_name(x->direction);
	const char *st = out_status_name(x->status);

	put_prefix(tw, x->s, x->ts_start);
	fputs("DATA ", f);
	out_put_escaped(f, x->verb, x->verb ? strlen(x->verb) : 0, TEXT_FIELD_MAX);
	if (x->arg.n > 0) {
		fputc(' ', f);
		put_bytes(f, x->arg);
	}
	fprintf(f, ": %s", mode ? mode : "no mode");
	if (x->data_client.addr.family != FTP_AF_NONE) {
		fputc(' ', f);
		put_endpoints(f, &x->data_client, &x->data_server);
	} else {
		fputs(", no data connection", f);
	}
	fprintf(f, ", %s, %llu bytes", dir ? dir : "?", (unsigned long long)x->bytes);
	if (x->size_announced && x->announced_size != x->bytes)
		fprintf(f, " of %llu announced", (unsigned long long)x->announced_size);
	if (x->duration_s > 0) {
		fputs(" in ", f);
		if (x->duration_s < 0.001)
			put_duration(f, x->duration_s);
		else
			fprintf(f, "%.3f s", x->duration_s);
		put_rate(f, x->bytes, x->duration_s);
	}
	fprintf(f, ", %s", st ? st : "?");
	if (x->reply_code)
		fprintf(f, " (%03d)", x->reply_code);
	else
		fputs(" (no reply)", f);
	put_xfer_extras(f, x);
	fputc('\n', f);
}

/* The explanation, wrapped at spaces, each line under the diagnostic's prefix. */
static void put_explanation(struct text_writer *tw, const struct an_diag *d)
{
	const char *p = an_diag_explain(d->kind);

	while (*p) {
		size_t n = strlen(p), cut = n;

		if (n > TEXT_WRAP) {
			cut = TEXT_WRAP;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = TEXT_WRAP;
		}
		put_prefix(tw, d->s, d->ts);
		fprintf(tw->base.f, "!   %.*s\n", (int)cut, p);
		p += cut;
		while (*p == ' ')
			p++;
	}
}

static void text_diag(struct text_writer *tw, const struct an_diag *d)
{
	FILE *f = tw->base.f;
	unsigned nev = d->nev < AN_EVIDENCE_MAX ? d->nev : AN_EVIDENCE_MAX;

	put_prefix(tw, d->s, d->ts);
	fprintf(f, "! %s: ", an_diag_name(d->kind));
	if (d->s == NULL) {
		put_endpoints(f, &d->a, &d->b);
		fputs(": ", f);
	}
	out_put_plain(f, d->message, sizeof(d->message));
	for (unsigned i = 0; i < nev; i++) {
		fputs(i == 0 ? " [" : ", ", f);
		out_put_plain(f, d->ev[i].key ? d->ev[i].key : "?", SIZE_MAX);
		fputc('=', f);
		out_put_plain(f, d->ev[i].value, sizeof(d->ev[i].value));
	}
	fputs(nev ? "]\n" : "\n", f);
	if (tw->base.o.explain && (unsigned)d->kind < AN_DIAG__COUNT &&
	    !tw->explained[d->kind]) {
		tw->explained[d->kind] = true;
		put_explanation(tw, d);
	}
}

static void text_event(struct out_writer *w, const struct an_event *ev)
{
	struct text_writer *tw = (struct text_writer *)w;

	if (!tw->have_t0) {
		tw->t0 = out_event_ts(ev);
		tw->have_t0 = true;
	}
	switch (ev->type) {
	case AN_EV_SESSION_OPEN:
		if (ev->s)
			text_session_open(tw, ev->s);
		break;
	case AN_EV_SESSION_CLOSE:
		if (ev->s)
			text_session_close(tw, ev->s);
		break;
	case AN_EV_BANNER:
		text_banner(tw, ev);
		break;
	case AN_EV_COMMAND:
		if (ev->u.cmd)
			text_command(tw, ev->u.cmd);
		break;
	case AN_EV_TRANSFER:
		if (ev->u.xfer)
			text_transfer(tw, ev->u.xfer);
		break;
	case AN_EV_DIAG:
		if (ev->u.diag)
			text_diag(tw, ev->u.diag);
		break;
	}
}

static void text_finish(struct out_writer *w)
{
	(void)w;
}

static void text_destroy(struct out_writer *w)
{
	free(w);
}

static const struct out_ops text_ops = {text_event, text_finish, text_destroy};

struct out_writer *out_text_new(FILE *f, const struct out_opts *o)
{
	struct text_writer *tw = calloc(1, sizeof(*tw));

	if (tw == NULL)
		return NULL;
	out_writer_init(&tw->base, &text_ops, f, o);
	return &tw->base;
}

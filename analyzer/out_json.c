/* out_json.c - one JSON object per line, written by libftplab's jsonw (so
 * network bytes are always escaped: control bytes as \n or \u00XX, bytes that
 * are not UTF-8 as the text \\xNN). The records and their fields are listed
 * in docs/analyzer-json.md; field order is fixed. AN_EV_SESSION_OPEN writes
 * nothing: the session record is written when the session closes.
 *
 * A record is built in the writer's buffer, which doubles (up to
 * JSON_BUF_MAX) when a record does not fit, then written in one fwrite; with
 * the batch option, records gather in the buffer and are written
 * JSON_BATCH bytes at a time (one copy fewer per byte, no stdio per record).
 */
#include "out.h"

#include <stdlib.h>
#include <string.h>

#include "ftplab/jsonw.h"

#define JSON_BUF_START 4096
#define JSON_BATCH (64u << 10)    /* written once this much has gathered */
#define JSON_BUF_MAX (64u << 20)  /* a reply of 1000 long lines, escaped, fits */
#define TS_DECIMALS 6

struct json_writer {
	struct out_writer base;
	char *buf;
	size_t cap;
	size_t used;      /* finished records not yet written (batch) */
};

typedef void json_fill_fn(struct jsonw *j, const struct an_event *ev);

static void key_endpoint(struct jsonw *j, const char *key, const struct ftp_hostport *hp)
{
	char buf[ADDR_ENDPOINT_STRLEN];

	jsonw_key(j, key);
	jsonw_cstr(j, out_endpoint(buf, hp));
}

static void key_session(struct jsonw *j, const struct an_session *s)
{
	jsonw_key(j, "session");
	if (s)
		jsonw_uint(j, s->id);
	else
		jsonw_null(j);
}

/* The bytes, or null when there are none. */
static void key_bytes_or_null(struct jsonw *j, const char *key, struct an_bytes b)
{
	jsonw_key(j, key);
	if (b.n > 0 && b.p)
		jsonw_string(j, b.p, b.n);
	else
		jsonw_null(j);
}

static void key_code_or_null(struct jsonw *j, const char *key, int code)
{
	jsonw_key(j, key);
	if (code)
		jsonw_int(j, code);
	else
		jsonw_null(j);
}

static void key_ts(struct jsonw *j, const char *key, double ts)
{
	jsonw_key(j, key);
	jsonw_double(j, ts, TS_DECIMALS);
}

static void begin_record(struct jsonw *j, const char *type)
{
	jsonw_object_begin(j);
	jsonw_key(j, "type");
	jsonw_cstr(j, type);
}

static void fill_session(struct jsonw *j, const struct an_event *ev)
{
	const struct an_session *s = ev->s;
	size_t ulen = strnlen(s->user, sizeof(s->user));

	begin_record(j, "session");
	key_session(j, s);
	key_endpoint(j, "client", &s->client);
	key_endpoint(j, "server", &s->server);
	key_ts(j, "ts_start", s->ts_start);
	key_ts(j, "ts_end", s->ts_end);
	key_bytes_or_null(j, "user", (struct an_bytes){s->user, ulen});
	jsonw_key(j, "login");
	jsonw_cstr(j, out_login_name(s->login));
	jsonw_key(j, "commands");
	jsonw_uint(j, s->commands);
	jsonw_key(j, "transfers");
	jsonw_uint(j, s->transfers);
	jsonw_key(j, "encrypted");
	jsonw_bool(j, s->encrypted);
	jsonw_object_end(j);
}

static void fill_banner(struct jsonw *j, const struct an_event *ev)
{
	begin_record(j, "banner");
	key_session(j, ev->s);
	key_ts(j, "ts", ev->u.banner.ts);
	jsonw_key(j, "code");
	jsonw_int(j, ev->u.banner.code);
	jsonw_key(j, "reply");
	jsonw_string(j, ev->u.banner.text.p ? ev->u.banner.text.p : "", ev->u.banner.text.n);
	jsonw_object_end(j);
}

/* {"passive":true,"orig_h":"10.0.0.1","resp_h":"10.0.0.2","resp_p":50000}:
 * Zeek's data_channel, the connection that PORT/PASV/EPRT/EPSV announced. */
static void key_data_channel(struct jsonw *j, const struct an_data_channel *dc)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN];

	jsonw_key(j, "data_channel");
	if (!dc->set) {
		jsonw_null(j);
		return;
	}
	jsonw_object_begin(j);
	jsonw_key(j, "passive");
	jsonw_bool(j, dc->passive);
	jsonw_key(j, "orig_h");
	jsonw_cstr(j, out_address(a, &dc->orig.addr));
	jsonw_key(j, "resp_h");
	jsonw_cstr(j, out_address(b, &dc->resp.addr));
	jsonw_key(j, "resp_p");
	jsonw_uint(j, dc->resp.port);
	jsonw_object_end(j);
}

static void fill_command(struct jsonw *j, const struct an_event *ev)
{
	const struct an_command *c = ev->u.cmd;

	begin_record(j, "command");
	key_session(j, c->s);
	key_ts(j, "ts", c->ts);
	jsonw_key(j, "cmd");
	jsonw_cstr(j, c->verb ? c->verb : cmd_name(c->cmd));
	key_bytes_or_null(j, "arg", c->arg);
	key_code_or_null(j, "reply_code", c->reply_code);
	jsonw_key(j, "reply");
	if (c->reply_code || (c->reply.p && c->reply.n > 0)) /* a reply, or a line in its place */
		jsonw_string(j, c->reply.p ? c->reply.p : "", c->reply.n);
	else
		jsonw_null(j);
	jsonw_key(j, "latency_ms");
	if (c->latency_ms >= 0)
		jsonw_double(j, c->latency_ms, 3);
	else
		jsonw_null(j);
	jsonw_key(j, "cwd");
	jsonw_cstr(j, c->cwd && c->cwd[0] ? c->cwd : NULL);
	key_code_or_null(j, "prelim_code", c->prelim_code);
	jsonw_key(j, "file_size");
	if (c->file_size_set)
		jsonw_uint(j, c->file_size);
	else
		jsonw_null(j);
	key_data_channel(j, &c->dc);
	jsonw_key(j, "arg_truncated");
	jsonw_bool(j, c->arg_truncated);
	jsonw_key(j, "reply_truncated");
	jsonw_bool(j, c->reply_truncated);
	jsonw_object_end(j);
}

static void fill_transfer_tail(struct jsonw *j, const struct an_transfer *x)
{
	jsonw_key(j, "gaps");
	jsonw_uint(j, x->gaps);
	jsonw_key(j, "gap_bytes");
	jsonw_uint(j, x->gap_bytes);
	jsonw_key(j, "announced_size");
	if (x->size_announced)
		jsonw_uint(j, x->announced_size);
	else
		jsonw_null(j);
	jsonw_key(j, "extracted");
	jsonw_cstr(j, x->extracted);
	jsonw_key(j, "syn_seen");
	jsonw_bool(j, x->syn_seen);
	jsonw_key(j, "fin_seen");
	jsonw_bool(j, x->fin_seen);
	jsonw_key(j, "rst_seen");
	jsonw_bool(j, x->rst_seen);
}

static void fill_transfer(struct jsonw *j, const struct an_event *ev)
{
	const struct an_transfer *x = ev->u.xfer;

	begin_record(j, "transfer");
	key_session(j, x->s);
	jsonw_key(j, "cmd");
	jsonw_cstr(j, x->verb ? x->verb : cmd_name(x->cmd));
	key_bytes_or_null(j, "arg", x->arg);
	jsonw_key(j, "mode");
	jsonw_cstr(j, out_mode_name(x->mode));
	key_endpoint(j, "data_client", &x->data_client);
	key_endpoint(j, "data_server", &x->data_server);
	jsonw_key(j, "direction");
	jsonw_cstr(j, out_direction_name(x->direction));
	jsonw_key(j, "bytes");
	jsonw_uint(j, x->bytes);
	key_ts(j, "ts_start", x->ts_start);
	key_ts(j, "duration_s", x->duration_s);
	jsonw_key(j, "status");
	jsonw_cstr(j, out_status_name(x->status));
	key_code_or_null(j, "reply_code", x->reply_code);
	jsonw_key(j, "sha256");
	if (x->sha256_set)
		jsonw_string(j, x->sha256, strnlen(x->sha256, sizeof(x->sha256)));
	else
		jsonw_null(j);
	fill_transfer_tail(j, x);
	jsonw_object_end(j);
}

static void fill_diag(struct jsonw *j, const struct an_event *ev)
{
	const struct an_diag *d = ev->u.diag;
	unsigned nev = d->nev < AN_EVIDENCE_MAX ? d->nev : AN_EVIDENCE_MAX;

	begin_record(j, "diagnostic");
	key_session(j, d->s);
	if (d->s == NULL) {
		char a[ADDR_ENDPOINT_STRLEN], b[ADDR_ENDPOINT_STRLEN], flow[2 * sizeof(a) + 8];
		const char *ea = out_endpoint(a, &d->a), *eb = out_endpoint(b, &d->b);

		snprintf(flow, sizeof(flow), "%s -> %s", ea ? ea : "?", eb ? eb : "?");
		jsonw_key(j, "flow");
		jsonw_cstr(j, flow);
	}
	key_ts(j, "ts", d->ts);
	jsonw_key(j, "kind");
	jsonw_cstr(j, an_diag_name(d->kind));
	jsonw_key(j, "message");
	jsonw_string(j, d->message, strnlen(d->message, sizeof(d->message)));
	jsonw_key(j, "evidence");
	jsonw_object_begin(j);
	for (unsigned i = 0; i < nev; i++) {
		jsonw_key(j, d->ev[i].key ? d->ev[i].key : "?");
		jsonw_string(j, d->ev[i].value, strnlen(d->ev[i].value, sizeof(d->ev[i].value)));
	}
	jsonw_object_end(j);
	jsonw_object_end(j);
}

/* Build one record, growing the buffer until it fits, and write it. */
static void json_flush(struct json_writer *jw)
{
	if (jw->used > 0 && fwrite(jw->buf, 1, jw->used, jw->base.f) != jw->used)
		jw->base.failed = true;
	jw->used = 0;
}

static void json_emit(struct json_writer *jw, json_fill_fn *fill, const struct an_event *ev)
{
	for (;;) {
		struct jsonw j;
		size_t len = 0;
		enum ftp_status st;
		char *nb;

		jsonw_init(&j, jw->buf + jw->used, jw->cap - jw->used);
		fill(&j, ev);
		st = jsonw_finish(&j, &len);
		if (st == FTP_OK) {
			jw->used += len;
			if (!jw->base.o.batch || jw->used >= JSON_BATCH)
				json_flush(jw);
			return;
		}
		if (st != FTP_ENOSPACE)
			break;
		if (jw->used > 0) { /* room again after writing what gathered */
			json_flush(jw);
			continue;
		}
		if (jw->cap >= JSON_BUF_MAX)
			break;
		nb = realloc(jw->buf, jw->cap * 2);
		if (nb == NULL)
			break;
		jw->buf = nb;
		jw->cap *= 2;
	}
	jw->base.failed = true;
}

static void json_event(struct out_writer *w, const struct an_event *ev)
{
	struct json_writer *jw = (struct json_writer *)w;
	json_fill_fn *fill = NULL;

	switch (ev->type) {
	case AN_EV_SESSION_OPEN:
		break;
	case AN_EV_SESSION_CLOSE:
		fill = ev->s ? fill_session : NULL;
		break;
	case AN_EV_BANNER:
		fill = fill_banner;
		break;
	case AN_EV_COMMAND:
		fill = ev->u.cmd ? fill_command : NULL;
		break;
	case AN_EV_TRANSFER:
		fill = ev->u.xfer ? fill_transfer : NULL;
		break;
	case AN_EV_DIAG:
		fill = ev->u.diag ? fill_diag : NULL;
		break;
	}
	if (fill)
		json_emit(jw, fill, ev);
}

static void json_finish(struct out_writer *w)
{
	json_flush((struct json_writer *)w);
}

static void json_destroy(struct out_writer *w)
{
	struct json_writer *jw = (struct json_writer *)w;

	free(jw->buf);
	free(jw);
}

static const struct out_ops json_ops = {json_event, json_finish, json_destroy};

struct out_writer *out_json_new(FILE *f, const struct out_opts *o)
{
	struct json_writer *jw = calloc(1, sizeof(*jw));

	if (jw == NULL)
		return NULL;
	jw->cap = o && o->batch ? 2 * JSON_BATCH : JSON_BUF_START;
	jw->buf = malloc(jw->cap);
	if (jw->buf == NULL) {
		free(jw);
		return NULL;
	}
	out_writer_init(&jw->base, &json_ops, f, o);
	return &jw->base;
}

/* log.c - text log on stderr, JSON lines (--log-json), xferlog(5). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "ftplab/jsonw.h"
#include "ftplab/textesc.h"
#include "server.h"
#include "session.h"

const char *log_escaped(char *buf, size_t cap, const char *p, size_t n)
{
	textesc(buf, cap, p, n, NULL);
	return buf;
}

static double now_ts(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void stamp(char *buf, size_t cap)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), cap - strlen(buf), ".%03dZ", (int)(tv.tv_usec / 1000));
}

void log_server(const char *fmt, ...)
{
	char ts[40], msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	stamp(ts, sizeof(ts));
	fprintf(stderr, "%s ftplab-server: %s\n", ts, msg);
}

static void json_begin(struct jsonw *w, char *buf, size_t cap, const struct session *s,
                       const char *type)
{
	jsonw_init(w, buf, cap);
	jsonw_object_begin(w);
	jsonw_key(w, "ts");
	jsonw_double(w, now_ts(), 6);
	jsonw_key(w, "session");
	jsonw_uint(w, s->id);
	jsonw_key(w, "type");
	jsonw_cstr(w, type);
}

static void json_end(const struct session *s, struct jsonw *w)
{
	size_t len;

	jsonw_object_end(w);
	if (jsonw_finish(w, &len) == FTP_OK) {
		fwrite(w->buf, 1, len, s->srv->jsonlog);
		fflush(s->srv->jsonlog);
	}
}

static bool secret(const struct session *s, const char *verb)
{
	bool alias;

	return !s->srv->cfg.log_passwords &&
	       (cmd_info(cmd_lookup(verb, strlen(verb), &alias))->flags & CMD_F_SECRET);
}

void log_command(const struct session *s, const char *verb, const char *arg, size_t arg_len)
{
	char buf[8192], esc[4 * LINEBUF_DEFAULT_MAX + 1], ts[40];

	if (!s->srv->verbose && s->srv->jsonlog == NULL)
		return;
	if (secret(s, verb)) {
		arg = "****";
		arg_len = arg_len ? 4 : 0;
	}
	if (s->srv->verbose) {
		stamp(ts, sizeof(ts));
		fprintf(stderr, "%s #%llu C> %s%s%s\n", ts, (unsigned long long)s->id, verb,
		        arg_len ? " " : "", log_escaped(esc, sizeof(esc), arg, arg_len));
	}
	if (s->srv->jsonlog) {
		struct jsonw w;

		json_begin(&w, buf, sizeof(buf), s, "command");
		jsonw_key(&w, "cmd");
		jsonw_cstr(&w, verb);
		jsonw_key(&w, "arg");
		jsonw_string(&w, arg, arg_len);
		json_end(s, &w);
	}
}

void log_reply(const struct session *s, int code, const char *text, size_t len)
{
	char buf[16384], esc[4 * 4096], ts[40];

	if (s->srv->verbose) {
		stamp(ts, sizeof(ts));
		fprintf(stderr, "%s #%llu S> %d %s\n", ts, (unsigned long long)s->id, code,
		        log_escaped(esc, sizeof(esc), text, len));
	}
	if (s->srv->jsonlog) {
		struct jsonw w;

		json_begin(&w, buf, sizeof(buf), s, "reply");
		jsonw_key(&w, "code");
		jsonw_int(&w, code);
		jsonw_key(&w, "text");
		jsonw_string(&w, text, len);
		json_end(s, &w);
	}
}

/* Events that --quiet keeps off stderr (the JSON log still has them). */
static bool routine(const char *kind)
{
	static const char *const kinds[] = {"connect", "close", "login", "transfer", "info"};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return true;
	return false;
}

void log_event(const struct session *s, const char *kind, const char *fmt, ...)
{
	char msg[2048], esc[4 * 2048], ts[40], peer[ADDR_ENDPOINT_STRLEN], buf[16384];
	bool to_stderr = !s->srv->cfg.quiet || !routine(kind);
	va_list ap;

	if (!to_stderr && s->srv->jsonlog == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	addr_format_endpoint(peer, sizeof(peer), &s->peer);
	stamp(ts, sizeof(ts));
	if (to_stderr)
		fprintf(stderr, "%s #%llu %s [%s] %s\n", ts, (unsigned long long)s->id, kind, peer,
	        log_escaped(esc, sizeof(esc), msg, strlen(msg)));
	if (s->srv->jsonlog) {
		struct jsonw w;

		json_begin(&w, buf, sizeof(buf), s, "event");
		jsonw_key(&w, "kind");
		jsonw_cstr(&w, kind);
		jsonw_key(&w, "client");
		jsonw_cstr(&w, peer);
		jsonw_key(&w, "message");
		jsonw_cstr(&w, msg);
		json_end(s, &w);
	}
}

/* xferlog(5): one line per transfer, the format of wu-ftpd and vsftpd. */
static void xferlog_line(const struct session *s, const struct xfer_record *r)
{
	char when[64], host[ADDR_STRLEN], name[4 * 4096];
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", &tm);
	addr_format(host, sizeof(host), &s->peer.addr);
	log_escaped(name, sizeof(name), r->path, strlen(r->path));
	for (char *p = name; *p; p++)
		if (*p == ' ')
			*p = '_';
	fprintf(s->srv->xferlog, "%s %.0f %s %llu %s %c _ %c %c %s ftp 0 * %c\n", when,
	        r->seconds < 1 ? 1 : r->seconds, host, (unsigned long long)r->bytes, name,
	        r->ascii ? 'a' : 'b', r->upload ? 'i' : 'o', s->anonymous ? 'a' : 'r',
	        s->anonymous ? "anonymous" : (s->user ? s->user : "-"), r->complete ? 'c' : 'i');
	fflush(s->srv->xferlog);
}

void log_transfer(const struct session *s, const struct xfer_record *r)
{
	char buf[16384];

	log_event(s, "transfer", "%s %s: %llu bytes in %.3f s, %s (%d)", r->cmd, r->path,
	          (unsigned long long)r->bytes, r->seconds, r->complete ? "complete" : "incomplete",
	          r->reply_code);
	if (s->srv->xferlog)
		xferlog_line(s, r);
	if (s->srv->jsonlog) {
		struct jsonw w;

		json_begin(&w, buf, sizeof(buf), s, "transfer");
		jsonw_key(&w, "cmd");
		jsonw_cstr(&w, r->cmd);
		jsonw_key(&w, "path");
		jsonw_cstr(&w, r->path);
		jsonw_key(&w, "bytes");
		jsonw_uint(&w, r->bytes);
		jsonw_key(&w, "seconds");
		jsonw_double(&w, r->seconds, 6);
		jsonw_key(&w, "direction");
		jsonw_cstr(&w, r->upload ? "upload" : "download");
		jsonw_key(&w, "xfer_type"); /* "type" is the record's own kind */
		jsonw_cstr(&w, r->ascii ? "ascii" : "binary");
		jsonw_key(&w, "status");
		jsonw_cstr(&w, r->complete ? "complete" : "incomplete");
		jsonw_key(&w, "reply_code");
		jsonw_int(&w, r->reply_code);
		json_end(s, &w);
	}
}

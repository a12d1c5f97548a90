/* plog.c - the proxy's logs: the teaching transcript on stderr (-v), the
 * events that always matter (refusals, failures, NAT symptoms), and every
 * event as JSON lines (--log-json). Network bytes are escaped. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "ftplab/jsonw.h"
#include "ftplab/textesc.h"
#include "proxy.h"

/* Shown only with -v: the flow of a normal session. */
static bool chatty(const char *kind)
{
	static const char *const kinds[] = {"C>S", "S>C", "rewrite", "connect", "upstream",
	                                    "data-open", "data-close", "close", "forward",
	                                    "closing"};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return true;
	return false;
}

static void stamp(char *buf, size_t cap)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(buf, cap, "%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), cap - strlen(buf), ".%03d", (int)(tv.tv_usec / 1000));
}

static void json(const struct psession *ps, const char *kind, const char *msg)
{
	char buf[8192], c[ADDR_ENDPOINT_STRLEN], s[ADDR_ENDPOINT_STRLEN];
	struct jsonw w;
	struct timeval tv;
	size_t len;

	gettimeofday(&tv, NULL);
	addr_format_endpoint(c, sizeof(c), &ps->c.peer);
	jsonw_init(&w, buf, sizeof(buf));
	jsonw_object_begin(&w);
	jsonw_key(&w, "ts");
	jsonw_double(&w, (double)tv.tv_sec + (double)tv.tv_usec / 1e6, 6);
	jsonw_key(&w, "session");
	jsonw_uint(&w, ps->id);
	jsonw_key(&w, "type");
	jsonw_cstr(&w, kind);
	jsonw_key(&w, "client");
	jsonw_cstr(&w, c);
	if (ps->upstream.addr.family != FTP_AF_NONE) {
		addr_format_endpoint(s, sizeof(s), &ps->upstream);
		jsonw_key(&w, "server");
		jsonw_cstr(&w, s);
	}
	jsonw_key(&w, "message");
	jsonw_cstr(&w, msg);
	jsonw_object_end(&w);
	if (jsonw_finish(&w, &len) == FTP_OK) {
		fwrite(buf, 1, len, ps->px->jsonlog);
		fflush(ps->px->jsonlog);
	}
}

void plog(const struct psession *ps, const char *kind, const char *fmt, ...)
{
	char msg[2048], esc[4 * 2048], ts[32];
	bool show = ps->px->cfg.verbose || !chatty(kind);
	va_list ap;

	if (!show && ps->px->jsonlog == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->px->jsonlog)
		json(ps, kind, msg);
	if (!show)
		return;
	stamp(ts, sizeof(ts));
	if (strcmp(kind, "rewrite") == 0) { /* rewrite_transcript escaped it already */
		fprintf(stderr, "%s #%llu %s\n", ts, (unsigned long long)ps->id, msg);
		return;
	}
	textesc(esc, sizeof(esc), msg, strlen(msg), NULL);
	if (strcmp(kind, "C>S") == 0 || strcmp(kind, "S>C") == 0)
		fprintf(stderr, "%s #%llu %s %s\n", ts, (unsigned long long)ps->id, kind, esc);
	else
		fprintf(stderr, "%s #%llu %s: %s\n", ts, (unsigned long long)ps->id, kind, esc);
}

void plog_process(const char *fmt, ...)
{
	char msg[2048], ts[32];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	stamp(ts, sizeof(ts));
	fprintf(stderr, "%s ftplab-proxy: %s\n", ts, msg);
}

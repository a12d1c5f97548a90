/* log.h - the server's logs: text on stderr, JSON lines, xferlog(5). */
#ifndef FTPLAB_SERVER_LOG_H
#define FTPLAB_SERVER_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct session;
struct server;

/* Escape untrusted bytes for a text log line (NUL-terminated in buf). */
const char *log_escaped(char *buf, size_t cap, const char *p, size_t n);

/* Process-level line on stderr ("ftplab-server: ..."). */
void log_server(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A command as received (PASS masked unless --log-passwords). */
void log_command(const struct session *s, const char *verb, const char *arg, size_t arg_len);
/* A reply as sent. */
void log_reply(const struct session *s, int code, const char *text, size_t len);
/* An event with fields: kind ("connect", "login", "fault", ...) and message. */
void log_event(const struct session *s, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct xfer_record {
	const char *cmd;       /* RETR, STOR, ... */
	const char *path;      /* virtual path */
	uint64_t bytes;
	double seconds;
	bool ascii;
	bool upload;
	bool complete;
	int reply_code;
};
void log_transfer(const struct session *s, const struct xfer_record *r);

#endif

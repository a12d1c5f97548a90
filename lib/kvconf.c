/* kvconf.c - "name = value" configuration text, shared by the programs. */
#include "ftplab/kvconf.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

static void trim(const char **p, size_t *n)
{
	while (*n > 0 && is_blank(**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && is_blank((*p)[*n - 1]))
		(*n)--;
}

/* One line without its line end: "name = value", "name", a comment, nothing. */
static int parse_line(const char *p, size_t n, kvconf_fn fn, void *ctx, char *err,
                      size_t errlen)
{
	char name[KVCONF_LINE_MAX + 1], value[KVCONF_LINE_MAX + 1];
	const char *eq, *v;
	size_t klen, vlen;

	trim(&p, &n);
	if (n == 0 || p[0] == '#')
		return 0;
	eq = memchr(p, '=', n);
	klen = eq != NULL ? (size_t)(eq - p) : n;
	v = eq != NULL ? eq + 1 : p + n;
	vlen = n - (size_t)(v - p);
	trim(&p, &klen);
	trim(&v, &vlen);
	if (klen == 0) {
		snprintf(err, errlen, "no option name before '='");
		return -1;
	}
	memcpy(name, p, klen);
	name[klen] = '\0';
	memcpy(value, v, vlen);
	value[vlen] = '\0';
	return fn(ctx, name, eq != NULL ? value : NULL, err, errlen);
}

int kvconf_parse(const char *text, size_t len, kvconf_fn fn, void *ctx, char *err, size_t errlen)
{
	char msg[768];
	size_t pos = 0, lineno = 0;

	while (pos < len) {
		const char *p = text + pos;
		const char *nl = memchr(p, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - p) : len - pos;
		int rc;

		lineno++;
		pos += n + (nl != NULL);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		msg[0] = '\0';
		if (memchr(p, '\0', n) != NULL) {
			snprintf(msg, sizeof(msg), "NUL byte in the line");
			rc = -1;
		} else if (n > KVCONF_LINE_MAX) {
			snprintf(msg, sizeof(msg), "line longer than %d bytes", KVCONF_LINE_MAX);
			rc = -1;
		} else {
			rc = parse_line(p, n, fn, ctx, msg, sizeof(msg));
		}
		if (rc != 0) {
			if (errlen > 0)
				snprintf(err, errlen, "%zu: %s", lineno, msg);
			return -1;
		}
	}
	return 0;
}

/* optset.c - option values from text, shared by the programs' configs. */
#include "ftplab/optset.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ftplab/textesc.h"

const char *optset_show(char *buf, size_t cap, const char *v, size_t n)
{
	bool truncated = false;

	n = textesc(buf, cap - 3, v, n, &truncated);
	if (truncated)
		memcpy(buf + n, "...", 4);
	return buf;
}

const char *optset_shown(struct optset *x, const char *v)
{
	return optset_show(x->shown, sizeof(x->shown), v, strlen(v));
}

int optset_fail(struct optset *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (x->errlen == 0)
		return -1;
	n = snprintf(x->err, x->errlen, "%s%s: ", x->dash, x->name);
	if (n >= 0 && (size_t)n < x->errlen) {
		va_start(ap, fmt);
		vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int optset_parse_u64(const char *s, size_t n, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned char)s[i] - (unsigned)'0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int optset_parse_bool(const char *v, bool *out)
{
	static const char *const words[] = {"no", "yes", "false", "true", "off", "on", "0", "1"};

	if (v == NULL) {
		*out = true;
		return 0;
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcasecmp(v, words[i]) == 0) {
			*out = i % 2 == 1;
			return 0;
		}
	}
	return -1;
}

static void *field(struct optset *x, const struct optset_impl *o)
{
	return (char *)x->cfg + o->off;
}

int optset_set_uint(struct optset *x, const struct optset_impl *o, const char *v)
{
	uint64_t n;

	if (optset_parse_u64(v, strlen(v), o->lo, o->hi, &n) != 0)
		return optset_fail(x, "'%s' is not a number in %" PRIu64 "..%" PRIu64,
		                   optset_shown(x, v), o->lo, o->hi);
	*(unsigned *)field(x, o) = (unsigned)n;
	return 0;
}

int optset_set_flag(struct optset *x, const struct optset_impl *o, const char *v)
{
	bool b;

	if (optset_parse_bool(v, &b) != 0)
		return optset_fail(x, "'%s' is not yes|no|true|false|on|off|1|0", optset_shown(x, v));
	*(bool *)field(x, o) = b;
	return 0;
}

int optset_set_path(struct optset *x, const struct optset_impl *o, const char *v)
{
	size_t n = strlen(v);

	if (n == 0)
		return optset_fail(x, "the value is empty");
	if (n >= OPTSET_PATH_MAX)
		return optset_fail(x, "'%s' is longer than %d bytes", optset_shown(x, v),
		                   OPTSET_PATH_MAX - 1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return optset_fail(x, "'%s' contains a control byte", optset_shown(x, v));
	memcpy(field(x, o), v, n + 1);
	return 0;
}

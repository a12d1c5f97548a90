/* listfmt.c - LIST and MLSx lines, MLST options, MDTM/MFMT times. */
#include "listfmt.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SECS_PER_DAY 86400
/* GNU ls: a time is recent within half a Gregorian year before now... */
#define SIX_MONTHS (31556952 / 2)
/* ...and up to an hour after it (clock skew between hosts). */
#define FUTURE_SLACK 3600
/* How vsftpd shows owner and group with hide_ids. */
#define LS_OWNER "ftp"

/* A line being written: once something does not fit, nothing more is. */
struct lf_out {
	char *buf;
	size_t cap;
	size_t len;
	bool full;
};

/* A time broken down in the proleptic Gregorian calendar, UTC. */
struct utc {
	long long year;
	int mon; /* 1..12 */
	int day; /* 1..31 */
	int hour, min, sec;
};

static const struct {
	const char *name;
	unsigned bit;
} fact_names[] = {
	{"type", LISTFMT_FACT_TYPE},     {"size", LISTFMT_FACT_SIZE},
	{"modify", LISTFMT_FACT_MODIFY}, {"perm", LISTFMT_FACT_PERM},
	{"unique", LISTFMT_FACT_UNIQUE},
};
#define NFACTS (sizeof(fact_names) / sizeof(fact_names[0]))

static const char month_names[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static void out_init(struct lf_out *o, char *buf, size_t cap)
{
	o->buf = buf;
	o->cap = cap;
	o->len = 0;
	o->full = cap == 0;
}

/* Keeps one byte free for the NUL. */
static bool out_room(struct lf_out *o, size_t n)
{
	if (!o->full && n >= o->cap - o->len)
		o->full = true;
	return !o->full;
}

static void out_put(struct lf_out *o, const char *p, size_t n)
{
	if (!out_room(o, n))
		return;
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void out_str(struct lf_out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

/* A name as given, except the bytes that would end or cut the line. */
static void out_name(struct lf_out *o, const char *name, size_t n)
{
	if (!out_room(o, n))
		return;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		o->buf[o->len++] = (c == '\r' || c == '\n' || c == '\0') ? '?' : c;
	}
}

static size_t out_finish(struct lf_out *o)
{
	if (o->full) {
		if (o->cap > 0)
			o->buf[0] = '\0';
		return 0;
	}
	o->buf[o->len] = '\0';
	return o->len;
}

/* Howard Hinnant's days_from_civil: days since 1970-01-01. */
static long long days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Its inverse, civil_from_days. */
static void civil_from_days(long long z, struct utc *u)
{
	long long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	u->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	u->mon = (int)(mp < 10 ? mp + 3 : mp - 9);
	u->year = yoe + era * 400 + (u->mon <= 2);
}

static void utc_from_time(time_t t, struct utc *u)
{
	long long days = (long long)t / SECS_PER_DAY;
	long long secs = (long long)t % SECS_PER_DAY;

	if (secs < 0) {
		secs += SECS_PER_DAY;
		days--;
	}
	civil_from_days(days, u);
	u->hour = (int)(secs / 3600);
	u->min = (int)(secs / 60 % 60);
	u->sec = (int)(secs % 60);
}

static bool is_recent(time_t when, time_t now)
{
	/* Unsigned differences: exact, and no overflow at the ends of time_t. */
	if (when <= now)
		return (uint64_t)now - (uint64_t)when < SIX_MONTHS;
	return (uint64_t)when - (uint64_t)now <= FUTURE_SLACK;
}

static char type_char(mode_t m)
{
	if (S_ISDIR(m))
		return 'd';
	if (S_ISLNK(m))
		return 'l';
	if (S_ISCHR(m))
		return 'c';
	if (S_ISBLK(m))
		return 'b';
	if (S_ISFIFO(m))
		return 'p';
	if (S_ISSOCK(m))
		return 's';
	return '-';
}

/* "drwsr-sr-t": the special bits show in the x column, upper case
 * when the x bit under them is not set. */
static void mode_string(mode_t m, char s[11])
{
	static const char rwx[] = "rwxrwxrwx";

	s[0] = type_char(m);
	for (int i = 0; i < 9; i++)
		s[i + 1] = (m & (0400u >> i)) ? rwx[i] : '-';
	if (m & S_ISUID)
		s[3] = (m & S_IXUSR) ? 's' : 'S';
	if (m & S_ISGID)
		s[6] = (m & S_IXGRP) ? 's' : 'S';
	if (m & S_ISVTX)
		s[9] = (m & S_IXOTH) ? 't' : 'T';
	s[10] = '\0';
}

size_t listfmt_ls(char *buf, size_t cap, const struct stat *st, const char *name,
                  size_t name_len, time_t now)
{
	struct lf_out o;
	struct utc u;
	char mode[11], head[160];
	long long size = st->st_size < 0 ? 0 : (long long)st->st_size;
	const char *mon;
	int k;

	mode_string(st->st_mode, mode);
	utc_from_time(st->st_mtime, &u);
	mon = month_names[u.mon - 1];
	if (is_recent(st->st_mtime, now))
		k = snprintf(head, sizeof(head), "%s %4llu %-8s %-8s %8lld %s %02d %02d:%02d ",
		             mode, (unsigned long long)st->st_nlink, LS_OWNER, LS_OWNER, size, mon,
		             u.day, u.hour, u.min);
	else
		k = snprintf(head, sizeof(head), "%s %4llu %-8s %-8s %8lld %s %02d  %lld ",
		             mode, (unsigned long long)st->st_nlink, LS_OWNER, LS_OWNER, size, mon,
		             u.day, u.year);
	assert(k > 0 && (size_t)k < sizeof(head));
	out_init(&o, buf, cap);
	out_put(&o, head, (size_t)k);
	out_name(&o, name, name_len);
	out_put(&o, "\r\n", 2);
	return out_finish(&o);
}

static const char *mlsx_type(mode_t m)
{
	if (S_ISDIR(m))
		return "dir";
	if (S_ISREG(m))
		return "file";
	if (S_ISLNK(m))
		return "OS.unix=symlink";
	if (S_ISCHR(m))
		return "OS.unix=chardev";
	if (S_ISBLK(m))
		return "OS.unix=blockdev";
	if (S_ISFIFO(m))
		return "OS.unix=fifo";
	if (S_ISSOCK(m))
		return "OS.unix=socket";
	return "file";
}

static const char *mlsx_perm(mode_t m, unsigned perms)
{
	bool w = perms & LISTFMT_PERM_WRITE;

	if (S_ISDIR(m))
		return w ? "cdeflmp" : "el";
	return w ? "adfrw" : "r";
}

/* "name=value;" */
static void out_fact(struct lf_out *o, const char *name, const char *value)
{
	out_str(o, name);
	out_put(o, "=", 1);
	out_str(o, value);
	out_put(o, ";", 1);
}

size_t listfmt_mlsx(char *buf, size_t cap, const struct stat *st, const char *name,
                    size_t name_len, unsigned facts, unsigned perms, const char *type_override)
{
	struct lf_out o;
	char v[48];

	out_init(&o, buf, cap);
	if (facts & LISTFMT_FACT_TYPE)
		out_fact(&o, "type", type_override ? type_override : mlsx_type(st->st_mode));
	if ((facts & LISTFMT_FACT_SIZE) && !S_ISDIR(st->st_mode)) {
		snprintf(v, sizeof(v), "%lld", st->st_size < 0 ? 0LL : (long long)st->st_size);
		out_fact(&o, "size", v);
	}
	if ((facts & LISTFMT_FACT_MODIFY) && listfmt_mdtm(v, sizeof(v), st->st_mtime) > 0)
		out_fact(&o, "modify", v);
	if (facts & LISTFMT_FACT_PERM)
		out_fact(&o, "perm", mlsx_perm(st->st_mode, perms));
	if (facts & LISTFMT_FACT_UNIQUE) {
		snprintf(v, sizeof(v), "%llxg%llx", (unsigned long long)st->st_dev,
		         (unsigned long long)st->st_ino);
		out_fact(&o, "unique", v);
	}
	out_put(&o, " ", 1);
	out_name(&o, name, name_len);
	out_put(&o, "\r\n", 2);
	return out_finish(&o);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static unsigned fact_lookup(const char *p, size_t n)
{
	while (n > 0 && is_blank(p[0])) {
		p++;
		n--;
	}
	while (n > 0 && is_blank(p[n - 1]))
		n--;
	for (size_t i = 0; i < NFACTS; i++) {
		if (strlen(fact_names[i].name) == n && strncasecmp(p, fact_names[i].name, n) == 0)
			return fact_names[i].bit;
	}
	return 0;
}

int listfmt_parse_opts_mlst(const char *arg, size_t n, unsigned *facts)
{
	unsigned sel = 0;
	size_t start = 0;

	if (n == 0) {
		*facts = 0;
		return 0;
	}
	if ((memchr(arg, '\0', n) || memchr(arg, '\r', n) || memchr(arg, '\n', n)))
		return -1;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && arg[i] != ';')
			continue;
		sel |= fact_lookup(arg + start, i - start);
		start = i + 1;
	}
	*facts = sel;
	return 0;
}

size_t listfmt_feat_mlst(char *buf, size_t cap, unsigned facts)
{
	struct lf_out o;

	out_init(&o, buf, cap);
	out_str(&o, "MLST ");
	for (size_t i = 0; i < NFACTS; i++) {
		out_str(&o, fact_names[i].name);
		if (facts & fact_names[i].bit)
			out_put(&o, "*", 1);
		out_put(&o, ";", 1);
	}
	return out_finish(&o);
}

size_t listfmt_opts_mlst_reply(char *buf, size_t cap, unsigned facts)
{
	struct lf_out o;

	out_init(&o, buf, cap);
	out_str(&o, "MLST OPTS");
	if (facts & LISTFMT_FACTS_ALL)
		out_put(&o, " ", 1);
	for (size_t i = 0; i < NFACTS; i++) {
		if (!(facts & fact_names[i].bit))
			continue;
		out_str(&o, fact_names[i].name);
		out_put(&o, ";", 1);
	}
	return out_finish(&o);
}

size_t listfmt_mdtm(char *buf, size_t cap, time_t t)
{
	struct lf_out o;
	struct utc u;
	char v[24];
	int k;

	out_init(&o, buf, cap);
	utc_from_time(t, &u);
	if (u.year < 0 || u.year > 9999) {
		o.full = true; /* not four digits */
		return out_finish(&o);
	}
	k = snprintf(v, sizeof(v), "%04lld%02d%02d%02d%02d%02d", u.year, u.mon, u.day, u.hour,
	             u.min, u.sec);
	assert(k == LISTFMT_TIME_LEN);
	out_put(&o, v, (size_t)k);
	return out_finish(&o);
}

/* The decimal value of p[0..n), all digits. */
static bool take_digits(const char *p, size_t n, int *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		*v = *v * 10 + (p[i] - '0');
	}
	return true;
}

static int days_in_month(int y, int m)
{
	static const unsigned char mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : mdays[m - 1];
}

int listfmt_parse_time(const char *p, size_t n, time_t *out)
{
	int y, mo, d, h, mi, s, frac;
	long long v;

	if (n < LISTFMT_TIME_LEN || (n > LISTFMT_TIME_LEN && p[LISTFMT_TIME_LEN] != '.'))
		return -1;
	if (n == LISTFMT_TIME_LEN + 1)
		return -1; /* "." needs at least one digit after it */
	for (size_t i = LISTFMT_TIME_LEN + 1; i < n; i++) {
		if (!take_digits(p + i, 1, &frac))
			return -1;
	}
	if (!take_digits(p, 4, &y) || !take_digits(p + 4, 2, &mo) || !take_digits(p + 6, 2, &d) ||
	    !take_digits(p + 8, 2, &h) || !take_digits(p + 10, 2, &mi) ||
	    !take_digits(p + 12, 2, &s))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60)
		return -1;
	v = days_from_civil(y, mo, d) * SECS_PER_DAY + h * 3600 + mi * 60 + s;
	if ((long long)(time_t)v != v)
		return -1; /* a 32-bit time_t */
	*out = (time_t)v;
	return 0;
}

/* "-la": a '-' then only GNU ls option letters that take no argument. */
static bool is_ls_option(const char *p, size_t n)
{
	static const char letters[] = "aAbBcCdDfFgGhHiklLmnNopqQrRsStuUvxXZ";

	if (n < 2 || p[0] != '-')
		return false;
	for (size_t i = 1; i < n; i++) {
		if (memchr(letters, p[i], sizeof(letters) - 1) == NULL)
			return false;
	}
	return true;
}

void listfmt_split_list_arg(const char *arg, size_t n, unsigned *flags, const char **path,
                            size_t *path_len)
{
	size_t i = 0;

	*flags = 0;
	*path = arg == NULL ? "" : arg;
	*path_len = 0;
	if (n == 0)
		return;
	for (;;) {
		size_t start;

		while (i < n && is_blank(arg[i]))
			i++;
		start = i;
		while (i < n && !is_blank(arg[i]))
			i++;
		if (!is_ls_option(arg + start, i - start)) {
			i = start;
			break;
		}
		for (size_t k = start + 1; k < i; k++) {
			if (arg[k] == 'a')
				*flags |= LISTFMT_OPT_ALL;
			else if (arg[k] == 'l')
				*flags |= LISTFMT_OPT_LONG;
		}
	}
	*path = arg + i;
	*path_len = n - i;
}

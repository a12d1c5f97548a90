/* users.c - the virtual users file and password checks (libxcrypt). */
#include "users.h"

#include <crypt.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftplab/textesc.h"

#define SHOW_CAP 84 /* an escaped field quoted in a message: 80 bytes + "..." */

/* yescrypt of a password nobody knows, with the default cost that
 * users_hash_password uses: unknown users cost as much as known ones. */
static const char dummy_hash[] =
	"$y$j9T$yTgtxxumXIYL.CPFg.VVk.$eEoBzbdDIiMQKdNJOuO86U0iUDmH2DJu.fAYH7demoC";

static const char *show(char *buf, size_t cap, const char *v, size_t n)
{
	bool truncated = false;

	n = textesc(buf, cap - 3, v, n, &truncated);
	if (truncated)
		memcpy(buf + n, "...", 4);
	return buf;
}

static bool is_name_byte(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '_' || ch == '@' || ch == '-';
}

static int check_name(const char *p, size_t n, char *err, size_t errlen)
{
	char buf[SHOW_CAP];
	size_t i = 0;

	while (i < n && is_name_byte(p[i]))
		i++;
	if (n == 0 || n > USERS_NAME_MAX || i < n) {
		snprintf(err, errlen, "user name '%s' is not 1..%d bytes of A-Z a-z 0-9 . _ @ -",
		         show(buf, sizeof(buf), p, n), USERS_NAME_MAX);
		return -1;
	}
	return 0;
}

/* crypt strings are printable ASCII without spaces ('$', '/', '.', '=', ...). */
static int check_hash(const char *p, size_t n, char *err, size_t errlen)
{
	if (n == 0) {
		snprintf(err, errlen, "the password hash is empty");
		return -1;
	}
	if (n > USERS_HASH_MAX) {
		snprintf(err, errlen, "the password hash is longer than %d bytes", USERS_HASH_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] <= ' ' || p[i] > '~') {
			snprintf(err, errlen, "the password hash has a byte that is not printable "
			         "ASCII at %zu", i + 1);
			return -1;
		}
	}
	return 0;
}

static int parse_home(const char *p, size_t n, struct user_entry *out, char *err,
                      size_t errlen)
{
	char buf[SHOW_CAP];
	size_t len;

	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f) {
			snprintf(err, errlen, "home '%s' has a control byte",
			         show(buf, sizeof(buf), p, n));
			return -1;
		}
	}
	if (n == 0 || p[0] != '/') {
		snprintf(err, errlen, "home '%s' is not an absolute virtual path like /home/alice",
		         show(buf, sizeof(buf), p, n));
		return -1;
	}
	if (vpath_join("/", 1, p, n, out->home, sizeof(out->home), &len) != FTP_OK) {
		snprintf(err, errlen, "home '%s' is longer than %d bytes",
		         show(buf, sizeof(buf), p, n), VPATH_MAX);
		return -1;
	}
	return 0;
}

/* Up to 4 ':'-separated fields into f/flen; returns how many there are. */
static size_t split_fields(const char *p, size_t n, const char **f, size_t *flen)
{
	size_t nf = 0, start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i < n && p[i] != ':')
			continue;
		if (nf < 4) {
			f[nf] = p + start;
			flen[nf] = i - start;
		}
		nf++;
		start = i + 1;
	}
	return nf;
}

static bool is_blank_line(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i == n || p[i] == '#';
}

int users_parse_line(const char *line, size_t n, struct user_entry *out, char *err,
                     size_t errlen)
{
	const char *f[4];
	size_t flen[4], nf;
	char buf[SHOW_CAP];

	if (memchr(line, '\0', n) != NULL) {
		snprintf(err, errlen, "NUL byte in the line");
		return -1;
	}
	if (is_blank_line(line, n))
		return 1;
	nf = split_fields(line, n, f, flen);
	if (nf != 4) {
		snprintf(err, errlen, "%zu fields, want 4: name:crypt-hash:home:ro|rw", nf);
		return -1;
	}
	if (check_name(f[0], flen[0], err, errlen) != 0 ||
	    check_hash(f[1], flen[1], err, errlen) != 0 ||
	    parse_home(f[2], flen[2], out, err, errlen) != 0)
		return -1;
	if (!(flen[3] == 2 && f[3][0] == 'r' && (f[3][1] == 'o' || f[3][1] == 'w'))) {
		snprintf(err, errlen, "mode '%s' is not ro or rw",
		         show(buf, sizeof(buf), f[3], flen[3]));
		return -1;
	}
	memcpy(out->name, f[0], flen[0]);
	out->name[flen[0]] = '\0';
	memcpy(out->hash, f[1], flen[1]);
	out->hash[flen[1]] = '\0';
	out->rw = f[3][1] == 'w';
	return 0;
}

/* The whole file into a malloc'ed buffer, at most max bytes. */
static int read_file(const char *path, size_t max, char **buf, size_t *len, char *err,
                     size_t errlen)
{
	FILE *fp = fopen(path, "rbe"); /* "e": O_CLOEXEC */
	size_t n;

	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	*buf = malloc(max + 1);
	if (*buf == NULL) {
		fclose(fp);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	n = fread(*buf, 1, max + 1, fp);
	if (ferror(fp) || n > max) {
		if (ferror(fp))
			snprintf(err, errlen, "%s: read error", path);
		else
			snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
		fclose(fp);
		free(*buf);
		*buf = NULL;
		return -1;
	}
	fclose(fp);
	*len = n;
	return 0;
}

/* Append one entry, growing the array; lines[] keeps each entry's line. */
static int db_append(struct user_db *db, size_t *cap, size_t max, unsigned **lines,
                     const struct user_entry *e, unsigned lineno)
{
	if (db->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct user_entry *nu;
		unsigned *nl;

		if (ncap > max)
			ncap = max;
		nu = realloc(db->users, ncap * sizeof(*nu));
		if (nu == NULL)
			return -1;
		db->users = nu;
		nl = realloc(*lines, ncap * sizeof(*nl));
		if (nl == NULL)
			return -1;
		*lines = nl;
		*cap = ncap;
	}
	db->users[db->n] = *e;
	(*lines)[db->n++] = lineno;
	return 0;
}

/* Every line of text into db; "FILE:LINE: message" on error. */
static int parse_all(struct user_db *db, unsigned **lines, size_t max_users, const char *path,
                     const char *text, size_t len, char *err, size_t errlen)
{
	struct user_entry *e = malloc(sizeof(*e)); /* 4.4 KiB: not on the stack */
	char msg[256];
	size_t pos = 0, cap = 0;
	unsigned lineno = 0;
	int rc = 0;

	if (e == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	while (pos < len && rc == 0) {
		const char *p = text + pos;
		const char *nl = memchr(p, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - p) : len - pos;

		lineno++;
		pos += n + (nl != NULL);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		memset(e, 0, sizeof(*e));
		rc = users_parse_line(p, n, e, msg, sizeof(msg));
		if (rc == 1) {
			rc = 0;
		} else if (rc != 0) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, msg);
		} else if (db->n >= max_users) {
			snprintf(err, errlen, "%s:%u: more than %zu users", path, lineno,
			         max_users);
			rc = -1;
		} else if (db_append(db, &cap, max_users, lines, e, lineno) != 0) {
			snprintf(err, errlen, "%s:%u: out of memory", path, lineno);
			rc = -1;
		}
	}
	free(e);
	return rc;
}

static int cmp_by_name(const void *a, const void *b)
{
	const struct user_entry *ua = *(const struct user_entry *const *)a;
	const struct user_entry *ub = *(const struct user_entry *const *)b;
	int r = strcmp(ua->name, ub->name);

	return r != 0 ? r : (ua > ub) - (ua < ub);
}

/* Sort by name for users_find; a name given twice is an error. */
static int index_names(struct user_db *db, const unsigned *lines, const char *path, char *err,
                       size_t errlen)
{
	db->by_name = malloc((db->n ? db->n : 1) * sizeof(*db->by_name));
	if (db->by_name == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	for (size_t i = 0; i < db->n; i++)
		db->by_name[i] = &db->users[i];
	qsort(db->by_name, db->n, sizeof(*db->by_name), cmp_by_name);
	for (size_t i = 1; i < db->n; i++) {
		const struct user_entry *prev = db->by_name[i - 1], *u = db->by_name[i];

		if (strcmp(prev->name, u->name) == 0) {
			snprintf(err, errlen, "%s:%u: user '%s' is already on line %u", path,
			         lines[u - db->users], u->name, lines[prev - db->users]);
			return -1;
		}
	}
	return 0;
}

int users_load_bounded(struct user_db *db, const char *path, size_t max_bytes,
                       size_t max_users, char *err, size_t errlen)
{
	char *text = NULL;
	unsigned *lines = NULL;
	size_t len = 0;
	int rc;

	memset(db, 0, sizeof(*db));
	if (read_file(path, max_bytes, &text, &len, err, errlen) != 0)
		return -1;
	rc = parse_all(db, &lines, max_users, path, text, len, err, errlen);
	if (rc == 0)
		rc = index_names(db, lines, path, err, errlen);
	free(lines);
	free(text);
	if (rc != 0)
		users_free(db);
	return rc;
}

int users_load(struct user_db *db, const char *path, char *err, size_t errlen)
{
	return users_load_bounded(db, path, USERS_FILE_MAX, USERS_MAX, err, errlen);
}

void users_free(struct user_db *db)
{
	free(db->users);
	free(db->by_name);
	memset(db, 0, sizeof(*db));
}

static int cmp_key_name(const void *key, const void *elem)
{
	const struct user_entry *u = *(const struct user_entry *const *)elem;

	return strcmp(key, u->name);
}

const struct user_entry *users_find(const struct user_db *db, const char *name)
{
	const struct user_entry *const *hit;

	if (db == NULL || db->n == 0 || name == NULL)
		return NULL;
	hit = bsearch(name, db->by_name, db->n, sizeof(*db->by_name), cmp_key_name);
	return hit != NULL ? *hit : NULL;
}

/* Equal strings, in time that depends on their lengths only. */
static bool equal_const_time(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	volatile unsigned char diff = na != nb;

	for (size_t i = 0; i < nb; i++)
		diff |= (unsigned char)((i < na ? a[i] : 0) ^ b[i]);
	return diff == 0;
}

static bool hash_matches(const char *hash, const char *password)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	const char *out;
	bool ok = false;

	if (cd == NULL)
		return false;
	out = crypt_rn(password, hash, cd, sizeof(*cd));
	if (out != NULL) /* crypt_rn gives NULL, never a "*0" token, on failure */
		ok = equal_const_time(out, hash);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

bool users_check_password(const struct user_entry *u, const char *password)
{
	if (u == NULL || password == NULL)
		return false;
	return hash_matches(u->hash, password);
}

bool users_authenticate(const struct user_db *db, const char *name, const char *password,
                        const struct user_entry **out)
{
	const struct user_entry *u = users_find(db, name);
	bool ok = hash_matches(u != NULL ? u->hash : dummy_hash, password != NULL ? password : "");

	ok = ok && u != NULL && password != NULL;
	if (out != NULL)
		*out = ok ? u : NULL;
	return ok;
}

int users_hash_password(const char *password, char *out, size_t cap)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	const char *h;
	int rc = -1;

	if (password == NULL || crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL)
		return -1;
	cd = calloc(1, sizeof(*cd));
	if (cd == NULL)
		return -1;
	h = crypt_rn(password, salt, cd, sizeof(*cd));
	if (h != NULL && strlen(h) < cap) {
		memcpy(out, h, strlen(h) + 1);
		rc = 0;
	}
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return rc;
}

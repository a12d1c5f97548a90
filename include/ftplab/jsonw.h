/* jsonw.h - a small writer of JSON lines into a caller's buffer.
 *
 * Every control byte is escaped (\n, \t, ... or \u00XX), DEL as \u007f, and
 * bytes that are not valid UTF-8 are written as the five characters \\xNN, the
 * convention of Zeek's logs, so a record is always valid JSON and no byte is
 * silently lost. Running out of room is remembered and reported once by
 * jsonw_finish, never written past the buffer.
 *
 *   struct jsonw w;
 *   jsonw_init(&w, buf, sizeof(buf));
 *   jsonw_object_begin(&w);
 *   jsonw_key(&w, "cmd"); jsonw_cstr(&w, "RETR");
 *   jsonw_object_end(&w);
 *   if (jsonw_finish(&w, &len) == FTP_OK) write(fd, buf, len);
 */
#ifndef FTPLAB_JSONW_H
#define FTPLAB_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <stdint.h>

#include "ftplab/status.h"

#define JSONW_MAX_DEPTH 32

struct jsonw {
	char *buf;
	size_t cap;
	size_t len;
	unsigned depth;
	uint32_t has_items; /* bit d: the container at depth d has an item */
	uint32_t objects;   /* bit d: the container at depth d is an object */
	bool after_key;     /* a key was written; its value comes next */
	bool overflow;      /* out of room */
	bool misuse;        /* unbalanced or misplaced calls */
	bool finished;      /* jsonw_finish was called */
};

void jsonw_init(struct jsonw *w, char *buf, size_t cap);
void jsonw_object_begin(struct jsonw *w);
void jsonw_object_end(struct jsonw *w);
void jsonw_array_begin(struct jsonw *w);
void jsonw_array_end(struct jsonw *w);
void jsonw_key_n(struct jsonw *w, const char *key, size_t n);
/* Inline so that the length of a literal key is known at compile time. */
static inline void jsonw_key(struct jsonw *w, const char *key)
{
	jsonw_key_n(w, key, strlen(key));
}
void jsonw_string(struct jsonw *w, const void *p, size_t n);
void jsonw_cstr(struct jsonw *w, const char *s); /* NULL writes null */
void jsonw_int(struct jsonw *w, long long v);
void jsonw_uint(struct jsonw *w, unsigned long long v);
void jsonw_double(struct jsonw *w, double v, int decimals); /* NaN/inf: null */
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);

/* End the record with '\n' and NUL. FTP_ENOSPACE if anything did not fit,
 * FTP_ESYNTAX if containers are unbalanced or a key has no value. */
enum ftp_status jsonw_finish(struct jsonw *w, size_t *out_len);

#endif

/* jsonw.c - JSON lines writer with complete escaping of untrusted bytes. */
#include "ftplab/jsonw.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ftplab/textesc.h"

void jsonw_init(struct jsonw *w, char *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
}

static void put(struct jsonw *w, const char *p, size_t n)
{
	if (w->overflow)
		return;
	if (w->cap < 2 || n > w->cap - 2 - w->len) { /* keep room for '\n' and NUL */
		w->overflow = true;
		return;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

/* Before any value: a comma between items; a value inside an object needs a key. */
static void before_value(struct jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->objects >> w->depth & 1u)
		w->misuse = true; /* a value in an object without its key */
	if (w->depth == 0 && (w->has_items & 1u))
		w->misuse = true; /* one value per record */
	if (w->depth == 0)
		w->has_items |= 1u;
	if (w->depth > 0 && (w->has_items >> w->depth & 1u))
		put(w, ",", 1);
	if (w->depth > 0)
		w->has_items |= 1u << w->depth;
}

static void open_container(struct jsonw *w, char c)
{
	before_value(w);
	if (w->depth + 1 >= JSONW_MAX_DEPTH) {
		w->misuse = true;
		return;
	}
	w->depth++;
	w->has_items &= ~(1u << w->depth);
	if (c == '{')
		w->objects |= 1u << w->depth;
	else
		w->objects &= ~(1u << w->depth);
	put(w, &c, 1);
}

static void close_container(struct jsonw *w, char c)
{
	bool object = w->objects >> w->depth & 1u;

	if (w->depth == 0 || w->after_key || object != (c == '}')) {
		w->misuse = true;
		return;
	}
	w->depth--;
	put(w, &c, 1);
}

void jsonw_object_begin(struct jsonw *w) { open_container(w, '{'); }
void jsonw_object_end(struct jsonw *w) { close_container(w, '}'); }
void jsonw_array_begin(struct jsonw *w) { open_container(w, '['); }
void jsonw_array_end(struct jsonw *w) { close_container(w, ']'); }

static void put_escaped(struct jsonw *w, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	put(w, "\"", 1);
	for (size_t i = 0; i < n && !w->overflow;) {
		size_t k = utf8_seq_len(p + i, n - i);
		unsigned char c = p[i];
		char esc[8];

		if (k > 1 || (k == 1 && c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)) {
			put(w, (const char *)p + i, k);
			i += k;
			continue;
		}
		switch (c) {
		case '"':  put(w, "\\\"", 2); break;
		case '\\': put(w, "\\\\", 2); break;
		case '\n': put(w, "\\n", 2); break;
		case '\r': put(w, "\\r", 2); break;
		case '\t': put(w, "\\t", 2); break;
		default:
			if (k == 1) { /* other control bytes and DEL */
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
				put(w, esc, 6);
			} else { /* not UTF-8 */
				memcpy(esc, "\\\\x", 3);
				esc[3] = hex[c >> 4];
				esc[4] = hex[c & 15];
				put(w, esc, 5);
			}
		}
		i++;
	}
	put(w, "\"", 1);
}

void jsonw_key(struct jsonw *w, const char *key)
{
	if (w->after_key || !(w->objects >> w->depth & 1u)) {
		w->misuse = true;
		return;
	}
	if (w->has_items >> w->depth & 1u)
		put(w, ",", 1);
	w->has_items |= 1u << w->depth;
	put_escaped(w, (const unsigned char *)key, strlen(key));
	put(w, ":", 1);
	w->after_key = true;
}

void jsonw_string(struct jsonw *w, const void *p, size_t n)
{
	before_value(w);
	put_escaped(w, p, n);
}

void jsonw_cstr(struct jsonw *w, const char *s)
{
	if (s == NULL)
		jsonw_null(w);
	else
		jsonw_string(w, s, strlen(s));
}

static void put_number(struct jsonw *w, int len, const char *tmp)
{
	if (len > 0)
		put(w, tmp, (size_t)len);
}

void jsonw_int(struct jsonw *w, long long v)
{
	char tmp[32];

	before_value(w);
	put_number(w, snprintf(tmp, sizeof(tmp), "%lld", v), tmp);
}

void jsonw_uint(struct jsonw *w, unsigned long long v)
{
	char tmp[32];

	before_value(w);
	put_number(w, snprintf(tmp, sizeof(tmp), "%llu", v), tmp);
}

void jsonw_double(struct jsonw *w, double v, int decimals)
{
	char tmp[64];

	if (!isfinite(v)) {
		jsonw_null(w);
		return;
	}
	if (decimals < 0 || decimals > 17)
		decimals = 6;
	before_value(w);
	if (fabs(v) >= 1e15)
		put_number(w, snprintf(tmp, sizeof(tmp), "%.17g", v), tmp);
	else
		put_number(w, snprintf(tmp, sizeof(tmp), "%.*f", decimals, v), tmp);
}

void jsonw_bool(struct jsonw *w, bool v)
{
	before_value(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void jsonw_null(struct jsonw *w)
{
	before_value(w);
	put(w, "null", 4);
}

enum ftp_status jsonw_finish(struct jsonw *w, size_t *out_len)
{
	if (w->overflow || w->cap < 2)
		return FTP_ENOSPACE;
	if (w->misuse || w->depth != 0 || w->after_key || w->finished)
		return FTP_ESYNTAX;
	w->finished = true;
	w->buf[w->len++] = '\n';
	w->buf[w->len] = '\0';
	if (out_len)
		*out_len = w->len;
	return FTP_OK;
}

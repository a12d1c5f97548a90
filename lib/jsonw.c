/* jsonw.c - JSON lines writer with complete escaping of untrusted bytes. */
#include "ftplab/jsonw.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ftplab/textesc.h"
#include "swar.h"

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

/* Bytes that stand for themselves in a JSON string: printable ASCII but
 * the quote and the backslash. */
static bool plain(unsigned char c)
{
	return (unsigned char)(c - 0x20) < 0x5f && c != '"' && c != '\\';
}

/* One byte that is not plain ASCII: a UTF-8 sequence (kept), an escape, or
 * \\xNN for a byte that is not UTF-8. Returns the bytes used. */
static size_t put_special(struct jsonw *w, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t k = utf8_seq_len(p, n);
	unsigned char c = p[0];
	char esc[8];

	if (k > 1) {
		put(w, (const char *)p, k);
		return k;
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
	return 1;
}

/* Eight bytes at once: are they all plain? */
static bool plain8(const unsigned char *p)
{
	uint64_t x = swar_load(p);

	return !(swar_has_below(x, 0x20) || swar_has_high(x) || swar_has_byte(x, '"') ||
	         swar_has_byte(x, '\\') || swar_has_byte(x, 0x7f));
}

/* Runs of plain bytes are copied at once: most of what is logged. */
static void put_escaped(struct jsonw *w, const unsigned char *p, size_t n)
{
	put(w, "\"", 1);
	for (size_t i = 0; i < n && !w->overflow;) {
		size_t j = i;

		while (j + 8 <= n && plain8(p + j))
			j += 8;
		while (j < n && plain(p[j]))
			j++;
		if (j > i) {
			put(w, (const char *)p + i, j - i);
			i = j;
			continue;
		}
		i += put_special(w, p + i, n - i);
	}
	put(w, "\"", 1);
}

/* ,"key": written in place when it is plain and fits; false otherwise
 * (nothing written). The writers emit millions of keys. */
static bool key_fast(struct jsonw *w, const char *key, size_t n, bool comma)
{
	char *o, *start;

	if (w->overflow || w->cap < 2 || n + 4 > w->cap - 2 - w->len)
		return false;
	start = o = w->buf + w->len;
	if (comma)
		*o++ = ',';
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		if (!plain((unsigned char)key[i]))
			return false; /* w->len unchanged: the slow path rewrites it */
		*o++ = key[i];
	}
	*o++ = '"';
	*o++ = ':';
	w->len += (size_t)(o - start);
	return true;
}

void jsonw_key_n(struct jsonw *w, const char *key, size_t n)
{
	bool comma;

	if (w->after_key || !(w->objects >> w->depth & 1u)) {
		w->misuse = true;
		return;
	}
	w->after_key = true;
	comma = w->has_items >> w->depth & 1u;
	w->has_items |= 1u << w->depth;
	if (key_fast(w, key, n, comma))
		return;
	if (comma)
		put(w, ",", 1);
	put_escaped(w, (const unsigned char *)key, n);
	put(w, ":", 1);
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

/* Decimal digits of v, without printf (the writer's hot path). */
static int fmt_u64(char *out, unsigned long long v)
{
	char rev[24];
	int n = 0;

	do {
		rev[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (int i = 0; i < n; i++)
		out[i] = rev[n - 1 - i];
	return n;
}

void jsonw_int(struct jsonw *w, long long v)
{
	char tmp[32];
	int n = 0;

	before_value(w);
	if (v < 0)
		tmp[n++] = '-';
	n += fmt_u64(tmp + n, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v);
	put_number(w, n, tmp);
}

void jsonw_uint(struct jsonw *w, unsigned long long v)
{
	char tmp[32];

	before_value(w);
	put_number(w, fmt_u64(tmp, v), tmp);
}

/* "%.*f" for the common case (|v| * 10^decimals below 2^53, decimals <= 9)
 * in integer arithmetic, rounding halves to even as printf does for exact
 * halves; -1 when it is not the common case. */
static int fmt_fixed(char *out, double v, int decimals)
{
	static const double pow10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
	double a = fabs(v), scaled, fl, err, half;
	unsigned long long r, p = 1, ip, fp;
	int n = 0;

	if (decimals > 9)
		return -1;
	scaled = a * pow10[decimals];
	if (!(scaled < 9007199254740992.0))
		return -1;
	/* a * 10^d = scaled + err exactly (fma), so halves are judged on the
	 * exact value, as printf does, not on the rounded product. */
	err = fma(a, pow10[decimals], -scaled);
	fl = floor(scaled);
	r = (unsigned long long)fl;
	half = scaled - fl; /* exact: both are below 2^53 */
	if (half > 0.5 || (half == 0.5 && (err > 0 || (err == 0 && (r & 1)))))
		r++;
	for (int i = 0; i < decimals; i++)
		p *= 10;
	ip = r / p;
	fp = r % p;
	if (signbit(v))
		out[n++] = '-';
	n += fmt_u64(out + n, ip);
	if (decimals > 0) {
		char frac[24];
		int k = fmt_u64(frac, fp);

		out[n++] = '.';
		for (int i = k; i < decimals; i++)
			out[n++] = '0';
		memcpy(out + n, frac, (size_t)k);
		n += k;
	}
	return n;
}

void jsonw_double(struct jsonw *w, double v, int decimals)
{
	char tmp[64];
	int n;

	if (!isfinite(v)) {
		jsonw_null(w);
		return;
	}
	if (decimals < 0 || decimals > 17)
		decimals = 6;
	before_value(w);
	if (fabs(v) >= 1e15)
		n = snprintf(tmp, sizeof(tmp), "%.17g", v);
	else if ((n = fmt_fixed(tmp, v, decimals)) < 0)
		n = snprintf(tmp, sizeof(tmp), "%.*f", decimals, v);
	put_number(w, n, tmp);
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

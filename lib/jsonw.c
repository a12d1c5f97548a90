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
static inline __attribute__((always_inline)) bool plain_word(uint64_t x)
{
	return !(swar_has_below(x, 0x20) || swar_has_high(x) || swar_has_byte(x, '"') ||
	         swar_has_byte(x, '\\') || swar_has_byte(x, 0x7f));
}

static bool plain8(const unsigned char *p)
{
	return plain_word(swar_load(p));
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

/* Copies the n bytes of k to o if they are all plain; false otherwise
 * (o[0..n) may then hold some of them). Whole words, overlapping at the
 * end, so that a key costs a few loads and stores: the writers emit
 * millions of keys. Writes nothing beyond o + n. */
static bool copy_plain(char *o, const char *k, size_t n)
{
	uint32_t lo, hi;
	size_t i;

	if (n >= 8) {
		uint64_t x;

		for (i = 0; i + 8 <= n; i += 8) {
			memcpy(&x, k + i, 8);
			if (!plain_word(x))
				return false;
			memcpy(o + i, &x, 8);
		}
		if (i < n) { /* the last eight bytes, overlapping the loop's */
			memcpy(&x, k + n - 8, 8);
			if (!plain_word(x))
				return false;
			memcpy(o + n - 8, &x, 8);
		}
		return true;
	}
	if (n >= 4) { /* two 4-byte halves, overlapping when n < 8 */
		memcpy(&lo, k, 4);
		memcpy(&hi, k + n - 4, 4);
		if (!plain_word((uint64_t)hi << 32 | lo))
			return false;
		memcpy(o, &lo, 4);
		memcpy(o + n - 4, &hi, 4);
		return true;
	}
	for (i = 0; i < n; i++) {
		if (!plain((unsigned char)k[i]))
			return false;
		o[i] = k[i];
	}
	return true;
}

/* ,"key": written in place when it is plain and fits; false otherwise
 * (w->len unchanged: the slow path writes it again). */
static bool key_fast(struct jsonw *w, const char *key, size_t n, bool comma)
{
	char *o;

	if (w->overflow || w->cap < 2 || n + 4 > w->cap - 2 - w->len)
		return false;
	o = w->buf + w->len;
	if (comma)
		*o++ = ',';
	*o++ = '"';
	if (!copy_plain(o, key, n))
		return false;
	o += n;
	*o++ = '"';
	*o++ = ':';
	w->len = (size_t)(o - w->buf);
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

static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Writes the decimal digits of v backwards, ending just before end (at
 * least min_digits, zero-padded); returns where they start. Two digits per
 * step: no printf, no division by a variable (the writer's hot path). */
static char *digits_back(char *end, unsigned long long v, int min_digits)
{
	char *p = end;

	while (v >= 100) {
		unsigned d = (unsigned)(v % 100);

		v /= 100;
		p -= 2;
		memcpy(p, digit_pairs + 2 * d, 2);
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * v, 2);
	} else {
		*--p = (char)('0' + v);
	}
	while (end - p < min_digits)
		*--p = '0';
	return p;
}

/* Decimal digits of v into out; returns their count. */
static int fmt_u64(char *out, unsigned long long v)
{
	char tmp[24];
	char *p = digits_back(tmp + sizeof(tmp), v, 1);
	int n = (int)(tmp + sizeof(tmp) - p);

	memcpy(out, p, (size_t)n);
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
	unsigned long long r;
	char tmp[48], *end = tmp + sizeof(tmp), *p;
	int n;

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
	p = end;
	if (decimals > 0) { /* the fraction's digits, then the point */
		for (int i = 0; i < decimals; i++, r /= 10)
			*--p = (char)('0' + r % 10);
		*--p = '.';
	}
	p = digits_back(p, r, 1);
	if (signbit(v))
		*--p = '-';
	n = (int)(end - p);
	memcpy(out, p, (size_t)n);
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

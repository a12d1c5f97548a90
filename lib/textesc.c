/* textesc.c - UTF-8 validation and escaping of untrusted bytes. */
#include "ftplab/textesc.h"

#include <string.h>

size_t utf8_seq_len(const unsigned char *p, size_t n)
{
	unsigned c;
	size_t len;
	unsigned cp;

	if (n == 0)
		return 0;
	c = p[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

size_t textesc(char *out, size_t cap, const void *data, size_t n, bool *truncated)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = data;
	size_t o = 0, i = 0;

	if (truncated)
		*truncated = false;
	while (i < n) {
		size_t k = utf8_seq_len(p + i, n - i);
		char esc[4];
		const char *src;
		size_t len;

		if (k == 1 && (p[i] < 0x20 || p[i] == 0x7f || p[i] == '\\'))
			k = 0;
		if (k == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0)
			k = 0; /* C1 controls (U+0080..U+009F): terminals act on them */
		if (k > 0) {
			src = (const char *)p + i;
			len = k;
		} else if (p[i] == '\\') {
			src = "\\\\";
			len = 2;
		} else {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex[p[i] >> 4];
			esc[3] = hex[p[i] & 15];
			src = esc;
			len = 4;
		}
		if (o + len + 1 > cap) {
			if (truncated)
				*truncated = true;
			break;
		}
		memcpy(out + o, src, len);
		o += len;
		i += k ? k : 1;
	}
	if (cap > 0)
		out[o] = '\0';
	return o;
}

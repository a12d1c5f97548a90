/* textesc.h - make untrusted bytes safe to print, and UTF-8 validation.
 *
 * Bytes from the network are never written to a log or a terminal as they
 * are: control bytes, DEL, backslash, bytes that are not valid UTF-8 and
 * the bytes of C1 controls (U+0080..U+009F, which terminals act on) become
 * \xNN (backslash as \\); other valid UTF-8 is kept.
 */
#ifndef FTPLAB_TEXTESC_H
#define FTPLAB_TEXTESC_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the valid UTF-8 sequence at p[0..n) (1..4; 1 for ASCII), or 0 if
 * it is not one (overlong forms, surrogates and values past U+10FFFF are not). */
size_t utf8_seq_len(const unsigned char *p, size_t n);

/* Escape p[0..n) into out (cap >= 1), always NUL-terminated. Stops before an
 * escape that would not fit and sets *truncated (may be NULL). Returns the
 * length written. */
size_t textesc(char *out, size_t cap, const void *p, size_t n, bool *truncated);

#endif

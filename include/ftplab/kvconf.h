/* kvconf.h - the syntax of ftplab's configuration files (-c FILE):
 *
 *   # a comment (only at the start of a line, after optional blanks)
 *   name = value        value trimmed; it may itself hold '=' (CIDR=IP)
 *   flag                a bare name: a flag set to "on"
 *
 * CRLF is accepted; a line longer than KVCONF_LINE_MAX or holding a NUL
 * byte is an error. Errors come back as "LINE: message". The programs'
 * option tables give names their meaning through the callback. */
#ifndef FTPLAB_KVCONF_H
#define FTPLAB_KVCONF_H

#include <stddef.h>

#define KVCONF_LINE_MAX 8192

/* One setting: value is NULL for a bare name. 0, or -1 with err filled. */
typedef int (*kvconf_fn)(void *ctx, const char *name, const char *value, char *err,
                         size_t errlen);

/* Apply every setting of text[0..len) in order; stops at the first error.
 * 0, or -1 with "LINE: message" in err. */
int kvconf_parse(const char *text, size_t len, kvconf_fn fn, void *ctx, char *err, size_t errlen);

#endif

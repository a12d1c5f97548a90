/* vpath.h - virtual paths as the client sees them, normalised.
 *
 * A virtual path is absolute ("/a/b"), has no ".", ".." or empty components
 * and no trailing slash (except "/" itself). Joining never climbs above "/":
 * "/.." is "/". This is the first of two walls; the server's file-system jail
 * (openat2 RESOLVE_IN_ROOT) is the second, which also covers symlinks.
 */
#ifndef FTPLAB_VPATH_H
#define FTPLAB_VPATH_H

#include <stddef.h>

#include "ftplab/status.h"

#define VPATH_MAX 4096 /* longest result, NUL excluded */

/* Resolve arg against cwd (both may be unnormalised; a relative cwd is taken
 * from "/"). An argument starting with '/' ignores cwd; an empty one is cwd.
 * Writes the normalised path and a NUL to out (cap bytes). FTP_ENUL for a NUL
 * byte in either input, FTP_ETOOLONG when the result passes VPATH_MAX,
 * FTP_ENOSPACE when it does not fit in cap. */
enum ftp_status vpath_join(const char *cwd, size_t cwd_len, const char *arg, size_t arg_len,
                           char *out, size_t cap, size_t *out_len);

/* The path relative to the root for *at() calls: "a/b" for "/a/b", "." for "/".
 * vpath must be normalised. */
const char *vpath_relative(const char *vpath);

/* The last component of a normalised path ("b" for "/a/b", "/" for "/"). */
const char *vpath_basename(const char *vpath);

/* The parent of a normalised path into out ("/a" for "/a/b", "/" for "/a" and "/"). */
enum ftp_status vpath_dirname(const char *vpath, char *out, size_t cap);

#endif

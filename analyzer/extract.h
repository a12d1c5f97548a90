/* extract.h - --extract DIR: each transfer's bytes into DIR under a
 * generated name (session, transfer number, a sanitised base name), never
 * outside DIR: names have no '/', files are created O_EXCL|O_NOFOLLOW
 * relative to DIR's descriptor, and an incomplete transfer's file is
 * removed. */
#ifndef FTPLAB_ANALYZER_EXTRACT_H
#define FTPLAB_ANALYZER_EXTRACT_H

#include <stddef.h>

#include "model.h"

struct extractor;

struct extractor *extract_open(const char *dir, char *err, size_t errlen);
/* The callbacks the model calls (ctx: the extractor). */
struct an_extract_ops extract_ops(struct extractor *x);
/* Sanitised file name for a transfer into out: "s3-t2-name.bin". Pure. */
void extract_name(char *out, size_t cap, unsigned session, unsigned n, const char *arg,
                  size_t arg_len);
void extract_close(struct extractor *x);

#endif

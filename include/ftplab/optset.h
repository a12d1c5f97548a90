/* optset.h - setting one option of a program's configuration from text:
 * the messages (the option named "--name" on the command line, "name" in a
 * file, the bad value escaped and cut short) and the setters every program
 * shares (bounded unsigned numbers, flags, paths). Each program keeps its
 * own option table and its special setters; pure code, no I/O. */
#ifndef FTPLAB_OPTSET_H
#define FTPLAB_OPTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OPTSET_SHOW_CAP 84   /* an escaped value quoted in a message: 80 bytes + "..." */
#define OPTSET_PATH_MAX 4096 /* a path value, NUL included */

/* One setting in progress. */
struct optset {
	void *cfg;         /* the program's configuration struct */
	const char *dash;  /* "--" on the command line, "" in a file */
	const char *name;  /* the option's long name */
	char *err;
	size_t errlen;
	char shown[OPTSET_SHOW_CAP];
};

/* A row of a program's option table: its setter, and for the generic
 * setters the field's offset in cfg and the bounds of a number. */
struct optset_impl {
	int (*set)(struct optset *x, const struct optset_impl *o, const char *v);
	size_t off;
	uint64_t lo, hi;
};

/* v[0..n) made printable and short enough to quote. */
const char *optset_show(char *buf, size_t cap, const char *v, size_t n);
/* The same into x->shown. */
const char *optset_shown(struct optset *x, const char *v);
/* "--name: <message>" into x->err; returns -1. */
int optset_fail(struct optset *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Decimal digits only, lo <= value <= hi: no sign, spaces or overflow. 0 or -1. */
int optset_parse_u64(const char *s, size_t n, uint64_t lo, uint64_t hi, uint64_t *out);
/* NULL (a bare flag) or yes|no|true|false|on|off|1|0, any case. 0 or -1. */
int optset_parse_bool(const char *v, bool *out);

/* Generic setters for table rows: an unsigned in lo..hi, a bool, a path
 * (non-empty, no control bytes, shorter than OPTSET_PATH_MAX). */
int optset_set_uint(struct optset *x, const struct optset_impl *o, const char *v);
int optset_set_flag(struct optset *x, const struct optset_impl *o, const char *v);
int optset_set_path(struct optset *x, const struct optset_impl *o, const char *v);

#endif

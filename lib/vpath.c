/* vpath.c - join and normalise virtual paths without leaving "/". */
#include "ftplab/vpath.h"

#include <stdbool.h>
#include <string.h>

struct vp_out {
	char *buf;
	size_t cap;
	size_t len;
	enum ftp_status st;
};

/* Drop the last component: "/a/b" -> "/a", "/a" -> "" (root). */
static void pop_component(struct vp_out *o)
{
	while (o->len > 0 && o->buf[o->len - 1] != '/')
		o->len--;
	if (o->len > 0)
		o->len--; /* the slash before it */
}

static void push_component(struct vp_out *o, const char *p, size_t n)
{
	if (o->st != FTP_OK)
		return;
	if (o->len + 1 + n > VPATH_MAX) {
		o->st = FTP_ETOOLONG;
		return;
	}
	if (o->len + 1 + n + 1 > o->cap) {
		o->st = FTP_ENOSPACE;
		return;
	}
	o->buf[o->len++] = '/';
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

/* Apply every component of p[0..n) to the path being built. */
static void apply(struct vp_out *o, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && o->st == FTP_OK) {
		size_t start, len;

		while (i < n && p[i] == '/')
			i++;
		start = i;
		while (i < n && p[i] != '/')
			i++;
		len = i - start;
		if (len == 0 || (len == 1 && p[start] == '.'))
			continue;
		if (len == 2 && p[start] == '.' && p[start + 1] == '.')
			pop_component(o);
		else
			push_component(o, p + start, len);
	}
}

enum ftp_status vpath_join(const char *cwd, size_t cwd_len, const char *arg, size_t arg_len,
                           char *out, size_t cap, size_t *out_len)
{
	struct vp_out o = {out, cap, 0, FTP_OK};

	if (cap < 2)
		return FTP_ENOSPACE;
	if ((cwd_len && memchr(cwd, '\0', cwd_len)) || (arg_len && memchr(arg, '\0', arg_len)))
		return FTP_ENUL;
	if (arg_len == 0 || arg[0] != '/')
		apply(&o, cwd, cwd_len);
	if (arg_len > 0)
		apply(&o, arg, arg_len);
	if (o.st != FTP_OK)
		return o.st;
	if (o.len == 0)
		out[o.len++] = '/';
	out[o.len] = '\0';
	if (out_len)
		*out_len = o.len;
	return FTP_OK;
}

const char *vpath_relative(const char *vpath)
{
	while (*vpath == '/')
		vpath++;
	return *vpath ? vpath : ".";
}

const char *vpath_basename(const char *vpath)
{
	const char *slash = strrchr(vpath, '/');

	if (slash == NULL)
		return vpath;
	return slash[1] ? slash + 1 : vpath;
}

enum ftp_status vpath_dirname(const char *vpath, char *out, size_t cap)
{
	const char *slash = strrchr(vpath, '/');
	size_t len = slash ? (size_t)(slash - vpath) : 0;

	if (len == 0)
		len = 1; /* "/" */
	if (len + 1 > cap)
		return FTP_ENOSPACE;
	memcpy(out, len == 1 && vpath[0] != '/' ? "/" : vpath, len);
	out[len] = '\0';
	return FTP_OK;
}

/* vpath.c - join and normalise virtual paths without leaving "/".
 *
 * Components are taken from the end backwards, counting the ".." still to
 * apply, so only the result is ever written and its length alone decides
 * FTP_ETOOLONG and FTP_ENOSPACE ("x/.." never costs room on the way). */
#include "ftplab/vpath.h"

#include <stdbool.h>
#include <string.h>

struct vp_out {
	char *buf;
	size_t cap;
	size_t start;  /* the result is buf[start..cap-1), built right to left */
	size_t len;    /* its length with the slashes */
	size_t skip;   /* ".." not yet applied */
	enum ftp_status st;
};

/* Put "/" + component in front of what is built. */
static void prepend(struct vp_out *o, const char *p, size_t n)
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
	o->start -= n;
	memcpy(o->buf + o->start, p, n);
	o->buf[--o->start] = '/';
	o->len += n + 1;
}

/* Apply the components of p[0..n), last first. */
static void apply_backwards(struct vp_out *o, const char *p, size_t n)
{
	size_t end = n;

	while (end > 0 && o->st == FTP_OK) {
		size_t start, len;

		while (end > 0 && p[end - 1] == '/')
			end--;
		start = end;
		while (start > 0 && p[start - 1] != '/')
			start--;
		len = end - start;
		if (len == 2 && p[start] == '.' && p[start + 1] == '.')
			o->skip++;
		else if (len == 0 || (len == 1 && p[start] == '.'))
			;
		else if (o->skip > 0)
			o->skip--;
		else
			prepend(o, p + start, len);
		end = start;
	}
}

enum ftp_status vpath_join(const char *cwd, size_t cwd_len, const char *arg, size_t arg_len,
                           char *out, size_t cap, size_t *out_len)
{
	struct vp_out o = {out, cap, cap ? cap - 1 : 0, 0, 0, FTP_OK};

	if (cap < 2)
		return FTP_ENOSPACE;
	if ((cwd_len && memchr(cwd, '\0', cwd_len)) || (arg_len && memchr(arg, '\0', arg_len)))
		return FTP_ENUL;
	if (arg_len > 0)
		apply_backwards(&o, arg, arg_len);
	if (arg_len == 0 || arg[0] != '/')
		apply_backwards(&o, cwd, cwd_len);
	if (o.st != FTP_OK)
		return o.st;
	if (o.len == 0)
		out[0] = '/', o.len = 1;
	else
		memmove(out, out + o.start, o.len);
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

/* extract.c - transfers written to files; see extract.h. */
#include "extract.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NAME_KEEP 64

struct extractor {
	int dirfd;
	unsigned n;
	char dir[4096];
};

struct xfile {
	int fd;
	char name[128];
};

void extract_name(char *out, size_t cap, unsigned session, unsigned n, const char *arg,
                  size_t arg_len)
{
	char base[NAME_KEEP + 1];
	size_t start = 0, k = 0;

	for (size_t i = 0; i < arg_len; i++)
		if (arg[i] == '/' || arg[i] == '\\')
			start = i + 1;
	for (size_t i = start; i < arg_len && k < NAME_KEEP; i++) {
		char ch = arg[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		          (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_';

		base[k++] = ok ? ch : '_';
	}
	base[k] = '\0';
	while (base[0] == '.') /* no hidden files, no "." or ".." */
		memmove(base, base + 1, strlen(base));
	snprintf(out, cap, "s%u-t%u%s%s", session, n, base[0] ? "-" : "", base);
}

static void *x_open(void *ctx, const struct an_transfer *t, char *path, size_t cap)
{
	struct extractor *x = ctx;
	struct xfile *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	extract_name(f->name, sizeof(f->name), t->s->id, ++x->n, t->arg.p, t->arg.n);
	f->fd = openat(x->dirfd, f->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	               0644);
	if (f->fd < 0) {
		fprintf(stderr, "ftplab-analyzer: --extract %s/%s: %s\n", x->dir, f->name,
		        strerror(errno));
		free(f);
		return NULL;
	}
	snprintf(path, cap, "%s/%s", x->dir, f->name);
	return f;
}

static int x_write(void *ctx, void *file, const uint8_t *p, size_t n)
{
	struct xfile *f = file;

	(void)ctx;
	while (n > 0) {
		ssize_t w = write(f->fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void x_close(void *ctx, void *file, bool keep)
{
	struct extractor *x = ctx;
	struct xfile *f = file;

	if (close(f->fd) < 0)
		keep = false;
	if (!keep)
		(void)unlinkat(x->dirfd, f->name, 0);
	free(f);
}

struct extractor *extract_open(const char *dir, char *err, size_t errlen)
{
	struct extractor *x = calloc(1, sizeof(*x));

	if (x == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	(void)mkdir(dir, 0755);
	x->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x->dirfd < 0) {
		snprintf(err, errlen, "--extract %s: %s", dir, strerror(errno));
		free(x);
		return NULL;
	}
	snprintf(x->dir, sizeof(x->dir), "%s", dir);
	return x;
}

struct an_extract_ops extract_ops(struct extractor *x)
{
	return (struct an_extract_ops){x_open, x_write, x_close, x};
}

void extract_close(struct extractor *x)
{
	if (x == NULL)
		return;
	close(x->dirfd);
	free(x);
}

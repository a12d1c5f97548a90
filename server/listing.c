/* listing.c - LIST/NLST/MLSD/STAT listings, a buffer at a time. */
#include "listing.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsjail.h"
#include "listfmt.h"

#define LINE_MAX_BYTES (2 * VPATH_MAX + 512) /* the longest line we write */

int listing_open(struct listing *l, enum listing_kind kind, int rootfd, const char *vpath,
                 bool show_hidden, bool writable, unsigned facts)
{
	struct stat st;

	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->rootfd = rootfd;
	l->show_hidden = show_hidden;
	l->writable = writable;
	l->facts = facts;
	l->now = time(NULL);
	snprintf(l->vpath, sizeof(l->vpath), "%s", vpath);
	if (jail_stat(rootfd, vpath, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		if (kind == LISTING_MLSD) {
			errno = ENOTDIR;
			return -1;
		}
		return 0; /* a single file */
	}
	l->dir = jail_opendir(rootfd, vpath);
	return l->dir ? 0 : -1;
}

void listing_close(struct listing *l)
{
	if (l->dir)
		closedir(l->dir);
	l->dir = NULL;
}

/* One entry as a line; 0 when it is skipped. */
static size_t format_entry(struct listing *l, const char *name, const struct stat *st,
                           char *buf, size_t cap)
{
	size_t n = strlen(name);

	switch (l->kind) {
	case LISTING_NAMES:
		if (n + 3 > cap)
			return 0;
		memcpy(buf, name, n);
		memcpy(buf + n, "\r\n", 3);
		return n + 2;
	case LISTING_MLSD:
		return listfmt_mlsx(buf, cap, st, name, n, l->facts,
		                    l->writable ? LISTFMT_PERM_WRITE : 0, NULL);
	case LISTING_LS:
		break;
	}
	if (S_ISLNK(st->st_mode) && l->dir != NULL) {
		char target[VPATH_MAX], shown[2 * VPATH_MAX + 8];
		ssize_t t = readlinkat(dirfd(l->dir), name, target, sizeof(target) - 1);

		if (t > 0) {
			int k = snprintf(shown, sizeof(shown), "%s -> %.*s", name, (int)t, target);

			return listfmt_ls(buf, cap, st, shown, (size_t)k, l->now);
		}
	}
	return listfmt_ls(buf, cap, st, name, n, l->now);
}

/* stat an entry without leaving the jail: links are resolved by openat2. */
static int stat_entry(struct listing *l, const char *name, struct stat *st)
{
	char path[VPATH_MAX + 1];

	if (fstatat(dirfd(l->dir), name, st, AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	if (!S_ISLNK(st->st_mode) || l->kind != LISTING_MLSD)
		return 0;
	if (vpath_join(l->vpath, strlen(l->vpath), name, strlen(name), path, sizeof(path),
	               NULL) != FTP_OK)
		return -1;
	return jail_stat(l->rootfd, path, st);
}

static bool skipped(const struct listing *l, const char *name)
{
	if (jail_is_temp_name(name))
		return true;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return l->kind != LISTING_LS || !l->show_hidden;
	return name[0] == '.' && l->kind != LISTING_MLSD && !l->show_hidden;
}

size_t listing_next(struct listing *l, char *buf, size_t cap)
{
	size_t len = 0;
	struct stat st;

	if (l->dir == NULL) {
		if (l->single_done || jail_stat(l->rootfd, l->vpath, &st) < 0)
			return 0;
		l->single_done = true;
		return format_entry(l, vpath_basename(l->vpath), &st, buf, cap);
	}
	while (cap - len > LINE_MAX_BYTES) {
		struct dirent *de = readdir(l->dir);

		if (de == NULL)
			break;
		if (skipped(l, de->d_name) || stat_entry(l, de->d_name, &st) < 0)
			continue;
		len += format_entry(l, de->d_name, &st, buf + len, cap - len);
	}
	return len;
}

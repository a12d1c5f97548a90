/* fsjail.c - file-system access confined to a root with openat2(2). */
#include "fsjail.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ftplab/vpath.h"

static int sys_openat2(int dirfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	do
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN); /* RESOLVE_IN_ROOT retries on renames */
	return fd;
}

int jail_probe(void)
{
	int fd = sys_openat2(AT_FDCWD, "/", O_PATH | O_DIRECTORY, 0);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

int jail_open_root(const char *dir)
{
	return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int jail_open_subroot(int rootfd, const char *vpath)
{
	return sys_openat2(rootfd, vpath_relative(vpath), O_PATH | O_DIRECTORY, 0);
}

int jail_open(int rootfd, const char *vpath, int flags, mode_t mode)
{
	return sys_openat2(rootfd, vpath_relative(vpath), flags, mode);
}

int jail_stat(int rootfd, const char *vpath, struct stat *st)
{
	int fd = jail_open(rootfd, vpath, O_PATH, 0);
	int rc;

	if (fd < 0)
		return -1;
	rc = fstat(fd, st);
	close(fd);
	return rc;
}

int jail_parent(int rootfd, const char *vpath, const char **base)
{
	char dir[VPATH_MAX + 1];

	if (strcmp(vpath, "/") == 0) {
		errno = EPERM;
		return -1;
	}
	if (vpath_dirname(vpath, dir, sizeof(dir)) != FTP_OK) {
		errno = ENAMETOOLONG;
		return -1;
	}
	*base = vpath_basename(vpath);
	return jail_open(rootfd, dir, O_PATH | O_DIRECTORY, 0);
}

/* Run op on (parent fd, last component); keeps errno from op. */
#define WITH_PARENT(rootfd, vpath, call)                                  \
	do {                                                              \
		const char *base;                                         \
		int pfd = jail_parent(rootfd, vpath, &base), rc, saved;   \
		if (pfd < 0)                                              \
			return -1;                                        \
		rc = (call);                                              \
		saved = errno;                                            \
		close(pfd);                                               \
		errno = saved;                                            \
		return rc;                                                \
	} while (0)

int jail_mkdir(int rootfd, const char *vpath, mode_t mode)
{
	WITH_PARENT(rootfd, vpath, mkdirat(pfd, base, mode));
}

int jail_rmdir(int rootfd, const char *vpath)
{
	WITH_PARENT(rootfd, vpath, unlinkat(pfd, base, AT_REMOVEDIR));
}

int jail_unlink(int rootfd, const char *vpath)
{
	WITH_PARENT(rootfd, vpath, unlinkat(pfd, base, 0));
}

int jail_rename(int rootfd, const char *from, const char *to)
{
	const char *to_base;
	int tfd = jail_parent(rootfd, to, &to_base), saved, rc;

	if (tfd < 0)
		return -1;
	{
		const char *base;
		int pfd = jail_parent(rootfd, from, &base);

		rc = pfd < 0 ? -1 : renameat(pfd, base, tfd, to_base);
		saved = errno;
		if (pfd >= 0)
			close(pfd);
	}
	close(tfd);
	errno = saved;
	return rc;
}

/* Act on the file itself through its O_PATH fd (no symlink is followed
 * again: /proc/self/fd/N names exactly what openat2 resolved). */
static int via_proc(int rootfd, const char *vpath, int (*op)(const char *, const void *),
                    const void *arg)
{
	char path[64];
	int fd = jail_open(rootfd, vpath, O_PATH, 0), rc, saved;

	if (fd < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = op(path, arg);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

static int op_mtime(const char *path, const void *arg)
{
	const time_t *t = arg;
	struct timespec ts[2] = {{.tv_nsec = UTIME_OMIT}, {.tv_sec = *t}};

	return utimensat(AT_FDCWD, path, ts, 0);
}

static int op_chmod(const char *path, const void *arg)
{
	return chmod(path, *(const mode_t *)arg);
}

int jail_set_mtime(int rootfd, const char *vpath, time_t t)
{
	return via_proc(rootfd, vpath, op_mtime, &t);
}

int jail_chmod(int rootfd, const char *vpath, mode_t mode)
{
	return via_proc(rootfd, vpath, op_chmod, &mode);
}

DIR *jail_opendir(int rootfd, const char *vpath)
{
	int fd = jail_open(rootfd, vpath, O_RDONLY | O_DIRECTORY, 0);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (d == NULL) {
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return d;
}

bool jail_is_temp_name(const char *name)
{
	return strncmp(name, JAIL_TMP_PREFIX, sizeof(JAIL_TMP_PREFIX) - 1) == 0;
}

int jail_create_temp(int rootfd, const char *vpath, char *name, size_t cap, int *dirfd)
{
	const char *base;
	int pfd = jail_parent(rootfd, vpath, &base);

	if (pfd < 0)
		return -1;
	for (int tries = 0; tries < 16; tries++) {
		unsigned long r = 0;
		int fd;

		(void)getrandom(&r, sizeof(r), GRND_NONBLOCK);
		snprintf(name, cap, JAIL_TMP_PREFIX "%016lx", r ^ (unsigned long)tries);
		fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0) {
			*dirfd = pfd;
			return fd;
		}
		if (errno != EEXIST)
			break;
	}
	{
		int saved = errno;

		close(pfd);
		errno = saved;
	}
	return -1;
}

/* fsjail.h - every file-system access of the server, confined to a root.
 *
 * Paths are virtual and normalised (see ftplab/vpath.h). Each is resolved by
 * openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS under the jail's
 * directory fd, so neither ".." nor a symlink (absolute or relative) can lead
 * outside it: a link to /etc means <root>/etc. Operations on a name (mkdir,
 * unlink, rename) resolve the parent that way and act on the last component
 * without following it. Functions return -1 with errno set on failure.
 */
#ifndef FTPLAB_SERVER_FSJAIL_H
#define FTPLAB_SERVER_FSJAIL_H

#include <dirent.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>

/* Prefix of the hidden temporary files of --atomic-uploads. */
#define JAIL_TMP_PREFIX ".ftplab-upload."

/* 0 when openat2 with RESOLVE_IN_ROOT works on this kernel. */
int jail_probe(void);
/* O_PATH directory fd for dir (a real path), or for vpath inside rootfd. */
int jail_open_root(const char *dir);
int jail_open_subroot(int rootfd, const char *vpath);

int jail_open(int rootfd, const char *vpath, int flags, mode_t mode);
int jail_stat(int rootfd, const char *vpath, struct stat *st);
/* The parent of vpath as an O_PATH directory fd; *base is its last component.
 * Fails with EPERM for "/" itself. */
int jail_parent(int rootfd, const char *vpath, const char **base);
int jail_mkdir(int rootfd, const char *vpath, mode_t mode);
int jail_rmdir(int rootfd, const char *vpath);
int jail_unlink(int rootfd, const char *vpath);
int jail_rename(int rootfd, const char *from, const char *to);
int jail_set_mtime(int rootfd, const char *vpath, time_t t);
int jail_chmod(int rootfd, const char *vpath, mode_t mode);
DIR *jail_opendir(int rootfd, const char *vpath);
/* A new hidden file in the directory of vpath for an atomic upload: returns
 * a writable fd and its name (in name, cap bytes) relative to that directory. */
int jail_create_temp(int rootfd, const char *vpath, char *name, size_t cap, int *dirfd);
/* A regular file that cannot be a name in the jail's listings. */
bool jail_is_temp_name(const char *name);

#endif

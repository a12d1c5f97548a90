/* users.h - virtual users: the users file and password checks.
 *
 * The file (--users FILE) has one user a line, "name:crypt-hash:home:ro|rw":
 *   alice:$y$j9T$...:/home/alice:rw
 * home is a virtual path inside the served root. Lines whose first non-blank
 * byte is '#' and blank lines are ignored. Hashes are crypt(3) strings as made
 * by `ftplab-server --hash-password` or mkpasswd(1) (yescrypt preferred); a
 * hash crypt cannot use (e.g. "!" or "*") locks the account.
 */
#ifndef FTPLAB_SERVER_USERS_H
#define FTPLAB_SERVER_USERS_H

#include <stdbool.h>
#include <stddef.h>

#include "ftplab/vpath.h"

#define USERS_NAME_MAX 64             /* bytes of [A-Za-z0-9._@-] */
#define USERS_HASH_MAX 255
#define USERS_FILE_MAX (1024 * 1024)  /* bytes of a users file */
#define USERS_MAX 100000              /* users in a users file */

struct user_entry {
	char name[USERS_NAME_MAX + 1];
	char hash[USERS_HASH_MAX + 1];
	char home[VPATH_MAX + 1]; /* normalised: "/", "/home/alice" */
	bool rw;
};

struct user_db {
	struct user_entry *users;          /* in file order */
	size_t n;
	const struct user_entry **by_name; /* the same, sorted by name */
};

/* Parse one line (without its line end: users_load strips "\n" and "\r\n")
 * into out. Returns 0 for a user, 1 for a blank or comment line (out untouched),
 * or -1 with a message in err (out partly written). Pure. */
int users_parse_line(const char *line, size_t n, struct user_entry *out, char *err,
                     size_t errlen);

/* Read a users file into db (whatever db held is not freed: load into a fresh
 * struct and swap, e.g. on SIGHUP). Names must be unique. Returns 0, or -1 with
 * "FILE:LINE: message" (or "FILE: message") in err and db empty. */
int users_load(struct user_db *db, const char *path, char *err, size_t errlen);
/* The same with other bounds than USERS_FILE_MAX bytes and USERS_MAX users. */
int users_load_bounded(struct user_db *db, const char *path, size_t max_bytes,
                       size_t max_users, char *err, size_t errlen);
void users_free(struct user_db *db);
/* The user called name, or NULL. */
const struct user_entry *users_find(const struct user_db *db, const char *name);

/* Does password match u's hash? Constant-time comparison of the crypt output. */
bool users_check_password(const struct user_entry *u, const char *password);

/* Log-in check that costs one crypt whether or not the user exists (unknown
 * names are checked against a dummy yescrypt hash). On success *out (may be
 * NULL) is the user; otherwise NULL. */
bool users_authenticate(const struct user_db *db, const char *name, const char *password,
                        const struct user_entry **out);

/* A new yescrypt hash of password into out (cap >= 128 is plenty). 0 or -1. */
int users_hash_password(const char *password, char *out, size_t cap);

#endif

/* listing.h - directory listings for LIST, NLST, MLSD (data connection)
 * and STAT/MLST (control connection), produced a buffer at a time so a
 * huge directory never sits in memory whole. */
#ifndef FTPLAB_SERVER_LISTING_H
#define FTPLAB_SERVER_LISTING_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "ftplab/vpath.h"

enum listing_kind { LISTING_LS, LISTING_NAMES, LISTING_MLSD };

struct listing {
	enum listing_kind kind;
	int rootfd;
	DIR *dir;             /* NULL for a single file */
	bool single_done;
	bool show_hidden;     /* ls -a */
	bool writable;        /* for MLSD perm facts */
	unsigned facts;       /* MLSD facts selected by OPTS MLST */
	time_t now;
	char vpath[VPATH_MAX + 1]; /* the directory (or the single file) */
};

/* Open a listing of vpath (a directory, or one file). Returns 0 or -1 with
 * errno (ENOENT, ENOTDIR for MLSD of a file, ...). */
int listing_open(struct listing *l, enum listing_kind kind, int rootfd, const char *vpath,
                 bool show_hidden, bool writable, unsigned facts);
/* Fill buf with whole lines (CRLF-terminated); 0 when the listing is over. */
size_t listing_next(struct listing *l, char *buf, size_t cap);
void listing_close(struct listing *l);

#endif

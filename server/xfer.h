/* xfer.h - data transfers: RETR (sendfile), STOR/APPE/STOU (with atomic
 * uploads), listings; ASCII conversion, rate limits, ABOR, lab faults. */
#ifndef FTPLAB_SERVER_XFER_H
#define FTPLAB_SERVER_XFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftplab/cmd.h"
#include "listing.h"

struct session;

/* What a transfer command prepared before the data connection exists. */
struct xfer_source {
	enum ftp_cmd cmd;
	const char *path;      /* virtual path, for logs and replies */
	int file_fd;           /* RETR: source; STOR/APPE/STOU: sink; -1 for listings */
	uint64_t offset;       /* REST */
	uint64_t size;         /* RETR: file size */
	struct listing *list;  /* listings: taken over by the transfer */
	int tmp_dirfd;         /* atomic upload: the directory holding tmp_name, else -1 */
	const char *tmp_name;
	const char *final_name;
};

/* Start a transfer: reply 125/150 and move the data, or 425. Takes the
 * source's descriptors and listing whatever happens. */
void xfer_begin(struct session *s, const struct xfer_source *src);
/* The data connection a waiting transfer asked for (-1: it failed). */
void xfer_connected(struct session *s, int fd);
/* End a transfer (or the wait for its connection) early; with reply, answer
 * its command 426 (ABOR then says 226 itself). Nothing when none runs. */
void xfer_abort(struct session *s, bool reply);
/* STAT during a transfer: a progress line into buf. */
void xfer_progress(const struct session *s, char *buf, size_t cap);

#endif

/* detect.h - is this TCP connection FTP? The first bytes of each direction
 * are kept (bounded) until a verdict: on an FTP port, the server's first
 * line must be a reply (or, when the capture starts mid-session, the
 * client's first line an FTP command); on any other port, the server
 * greets with 120/220 and the client's first line is an FTP command. The
 * kept bytes are then replayed in arrival order to the FTP model. Pure. */
#ifndef FTPLAB_ANALYZER_DETECT_H
#define FTPLAB_ANALYZER_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DETECT_KEEP 1024   /* bytes kept per direction */
#define DETECT_CHUNKS 32   /* arrival chunks kept per direction */

enum detect_verdict {
	DET_UNDECIDED = 0,
	DET_FTP,            /* *client_dir tells which direction the client sends */
	DET_NOT_FTP,        /* on an FTP port: report it */
	DET_IGNORE,         /* not FTP, on another port: say nothing */
};

struct detect;

/* client_dir: 0 or 1 when known (the SYN's sender sends in direction 0), -1 not. */
struct detect *detect_new(bool ftp_port, int client_dir);
void detect_bytes(struct detect *d, int dir, double ts, const uint8_t *p, size_t n);
/* Bytes of dir were lost. */
void detect_gap(struct detect *d, int dir);
/* why: on DET_NOT_FTP, what the server sent instead (escaped). */
enum detect_verdict detect_verdict(const struct detect *d, int *client_dir, char *why,
                                   size_t cap);
/* The kept bytes, chunk by chunk in arrival order. */
void detect_replay(const struct detect *d,
                   void (*fn)(void *ctx, int dir, double ts, const uint8_t *p, size_t n),
                   void *ctx);
void detect_free(struct detect *d);

#endif

/* ascii.h - TYPE A (RFC 959 3.1.1.1): the network's CRLF line ends.
 *
 * Downloads turn each LF that is not already after a CR into CRLF; uploads
 * turn CRLF into LF and keep any other CR. A transfer arrives in chunks, so
 * a CRLF may be cut between two of them: the state carries the CR across.
 * Pure: caller-owned buffers, no I/O.
 *
 *   struct ascii_state s = {0};
 *   while ((n = read(...)) > 0)
 *           write(..., out, ascii_from_crlf(&s, in, n, out));
 *   write(..., out, ascii_flush(&s, out));
 */
#ifndef FTPLAB_SERVER_ASCII_H
#define FTPLAB_SERVER_ASCII_H

#include <stdbool.h>
#include <stddef.h>

/* Zero it (or ascii_init) at the start of each transfer. */
struct ascii_state {
	bool cr; /* to CRLF: the last byte written was CR; from CRLF: a CR is held */
};

void ascii_init(struct ascii_state *s);

/* Download: convert in[0..n) into out[0..cap). Stops when out is full, and
 * never writes half of a CRLF: an LF needing two bytes where one is left
 * waits for the next call. *used gets the input bytes consumed (the caller
 * passes the rest again); with cap >= 2 it is never 0 when n > 0. Returns
 * the bytes written. */
size_t ascii_to_crlf(struct ascii_state *s, const char *in, size_t n, char *out, size_t cap,
                     size_t *used);

/* Upload: convert all of in[0..n) into out, which has room for n + 1 bytes
 * (a CR held from the previous chunk). A CR ending the chunk is held until
 * the next byte shows whether it starts a CRLF. Returns the bytes written. */
size_t ascii_from_crlf(struct ascii_state *s, const char *in, size_t n, char *out);

/* End of upload: write a CR still held (out has room for 1). Returns 0 or 1. */
size_t ascii_flush(struct ascii_state *s, char *out);

#endif

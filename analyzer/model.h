/* model.h - the FTP model: control streams to sessions (commands paired
 * with replies, user, login, cwd, TYPE, AUTH TLS), data-connection
 * expectations from PORT/EPRT and 227/229, transfers, and diagnostics.
 * Pure: no I/O, no globals; it is fed reassembled bytes with timestamps and
 * reports through an an_sink (event.h). The engine (engine.c) finds the
 * streams; tests drive the model directly. */
#ifndef FTPLAB_ANALYZER_MODEL_H
#define FTPLAB_ANALYZER_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct an_config {
	bool show_passwords;     /* --show-passwords: PASS arguments in clear */
	double slow_reply_ms;    /* --slow-reply MS: slow-reply above this (0: 5000) */
	bool hash;               /* sha256 of complete transfers */
	const char *extract_dir; /* --extract DIR, or NULL */
};

struct model;
struct msession;
struct mdata;

/* File extraction is I/O: the caller gives these (NULL: no extraction). */
struct an_extract_ops {
	void *(*open)(void *ctx, const struct an_transfer *x, char *path, size_t pathcap);
	int (*write)(void *ctx, void *file, const uint8_t *p, size_t n);
	/* keep: the transfer is complete; otherwise remove what was written */
	void (*close)(void *ctx, void *file, bool keep);
	void *ctx;
};

struct model *model_new(const struct an_config *cfg, const struct an_sink *sink,
                        const struct an_extract_ops *ext);
/* Ends every open session (ts: the last packet's time) and frees. */
void model_free(struct model *m, double ts);

/* A control connection recognised as FTP. id 0: the next number. */
struct msession *model_session_open(struct model *m, unsigned id, const struct ftp_hostport *client,
                                    const struct ftp_hostport *server, double ts);
/* Numbers handed out so far (the engine reserves one per FTP-port flow). */
unsigned model_next_id(struct model *m);
/* Reassembled bytes of the control connection. */
void model_client_bytes(struct msession *s, double ts, const uint8_t *p, size_t n);
void model_server_bytes(struct msession *s, double ts, const uint8_t *p, size_t n);
void model_control_gap(struct msession *s, double ts, bool from_client, uint64_t off,
                       uint64_t n);
/* The control connection ended (FIN/RST both ways, expiry, end of input):
 * pending commands, transfers and the session record are reported; s is
 * freed. */
void model_session_close(struct msession *s, double ts);
/* Whether the session stopped decoding (AUTH TLS accepted, not FTP). */
bool model_session_opaque(const struct msession *s);

/* A diagnostic about a flow that is no session (not-ftp). */
void model_flow_diag(struct model *m, const struct ftp_hostport *a, const struct ftp_hostport *b,
                     double ts, enum an_diag_kind k, const char *message,
                     const char *evidence_key, const char *evidence);

/* A new TCP connection orig -> resp: the data connection some session
 * expects? NULL when none. */
struct mdata *model_data_match(struct model *m, const struct ftp_hostport *orig,
                               const struct ftp_hostport *resp, double ts, bool syn);
/* Its packets: flags of the segment (TCPF_*), from the connecting side or
 * not; payload bytes reassembled in each direction. */
void model_data_packet(struct mdata *d, double ts, bool from_orig, uint8_t flags);
void model_data_bytes(struct mdata *d, double ts, bool from_orig, const uint8_t *p, size_t n);
void model_data_gap(struct mdata *d, double ts, uint64_t n);
/* The data connection ended (both FINs, RST, expiry, end of input). d is
 * freed (or kept by its transfer until the reply). */
void model_data_close(struct mdata *d, double ts);

#endif

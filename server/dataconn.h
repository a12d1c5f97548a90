/* dataconn.h - setting up data connections: PASV/EPSV listeners that only
 * accept the control connection's peer, and PORT/EPRT connects that only go
 * to it (bounce defence), from port L-1 when the process may bind it. */
#ifndef FTPLAB_SERVER_DATACONN_H
#define FTPLAB_SERVER_DATACONN_H

#include <stdbool.h>

#include "ftplab/addr.h"

struct session;

/* Close any listener or waiting connection; the mode becomes DATA_NONE. */
void dataconn_reset(struct session *s);

/* PASV (extended false) or EPSV: open a listener and reply 227/229. */
void dataconn_passive(struct session *s, bool extended);

/* PORT/EPRT: check the target and reply 200 (or refuse). */
void dataconn_active(struct session *s, const struct ftp_hostport *target, bool extended);

/* Get the data connection for a transfer. Returns true and *fd when it is
 * already open (reply 125); false with *fd = -1 when it will be (reply 150;
 * xfer_connected() is called later with the socket or -1). */
enum dataconn_result {
	DATA_OPEN_NOW,
	DATA_OPEN_LATER,
	DATA_OPEN_NONE,   /* no PORT/EPRT/PASV/EPSV before the command */
	DATA_OPEN_FAILED, /* the connection could not be started (logged as data-failed) */
};
enum dataconn_result dataconn_open(struct session *s, int *fd);

/* Stop waiting for a connection (ABOR, REIN, close). */
void dataconn_cancel(struct session *s);

#endif

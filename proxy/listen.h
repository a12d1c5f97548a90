/* listen.h - start-up and shutdown of the proxy process (main.c wires). */
#ifndef FTPLAB_PROXY_LISTEN_H
#define FTPLAB_PROXY_LISTEN_H

#include <stddef.h>

struct proxy;

/* Bind and listen on every --listen address (no events yet). */
int proxy_bind_all(struct proxy *px, char *err, size_t errlen);
/* Accept on them in px->base. */
int proxy_listen_events(struct proxy *px);
void proxy_close_listeners(struct proxy *px);
/* Accept what waits on a listener, with the limits: -1 when out of
 * descriptors (pause accepting a while). */
int proxy_accept_ready(struct proxy *px, int lfd);
/* Answer 421 text and close. */
void proxy_refuse(int fd, const char *text);
int proxy_open_kpath(struct proxy *px, char *err, size_t errlen);
/* The event loop of one process; returns the exit status. */
int proxy_serve(struct proxy *px);
/* Reverse mode: resolve --upstream once, at start. */
int proxy_resolve_upstream(struct proxy *px, char *err, size_t errlen);
int proxy_install_signals(struct proxy *px);
void proxy_free(struct proxy *px);

#endif

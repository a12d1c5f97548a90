/* listen.h - start-up and shutdown of the proxy process (main.c wires). */
#ifndef FTPLAB_PROXY_LISTEN_H
#define FTPLAB_PROXY_LISTEN_H

#include <stddef.h>

struct proxy;

int proxy_listen_all(struct proxy *px, char *err, size_t errlen);
/* Reverse mode: resolve --upstream once, at start. */
int proxy_resolve_upstream(struct proxy *px, char *err, size_t errlen);
int proxy_install_signals(struct proxy *px);
void proxy_free(struct proxy *px);

#endif

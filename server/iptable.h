/* iptable.h - how many sessions each client address has (--max-per-ip). */
#ifndef FTPLAB_SERVER_IPTABLE_H
#define FTPLAB_SERVER_IPTABLE_H

#include "ftplab/addr.h"

struct iptable;

struct iptable *iptable_new(void);
void iptable_free(struct iptable *t);
unsigned iptable_count(const struct iptable *t, const struct ftp_addr *a);
/* -1 when out of memory. */
int iptable_add(struct iptable *t, const struct ftp_addr *a);
void iptable_remove(struct iptable *t, const struct ftp_addr *a);

#endif

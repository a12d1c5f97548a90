/* server.h - the process-wide state of ftplab-server, shared by its modules. */
#ifndef FTPLAB_SERVER_SERVER_H
#define FTPLAB_SERVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "users.h"

struct event_base;
struct event;
struct session;
struct iptable;

#define SERVER_READ_CHUNK 16384

struct listener {
	int fd;
	struct ftp_hostport addr;
	struct event *ev;
};

struct server {
	struct event_base *base;
	struct server_config cfg;
	struct user_db users;
	int rootfd;                 /* O_PATH directory fd of the served root */
	struct listener listeners[CONFIG_MAX_LISTEN];
	size_t nlisteners;
	struct session *sessions;   /* doubly linked list of live sessions */
	unsigned nsessions;
	struct iptable *per_ip;     /* sessions per client address */
	uint64_t next_id;           /* session ids: #1, #2, ... */
	FILE *xferlog;
	FILE *jsonlog;
	bool verbose;
	const struct timeval *common_tv[2]; /* libevent common timeouts: login, idle */
	unsigned common_secs[2];
	int argc;                   /* the command line, re-applied on SIGHUP */
	char **argv;
	int (*apply_args)(struct server *srv, struct server_config *cfg, char *err, size_t errlen);
	bool stopping;              /* SIGTERM: no new sessions; finish transfers */
	bool active_port_warned;    /* said once that L-1 could not be bound */
	char linebuf[4096];         /* shared line storage (see linebuf_set_storage) */
	char readbuf[SERVER_READ_CHUNK];
	char *iobuf;                /* transfer buffer shared by all sessions */
	size_t iobuf_size;
	struct event *sig_term, *sig_int, *sig_hup, *stop_timer;
};

/* Start-up helpers (main.c wires them). */
int server_open_root(struct server *srv, char *err, size_t errlen);
int server_listen_all(struct server *srv, char *err, size_t errlen);
int server_open_logs(struct server *srv, char *err, size_t errlen);
int server_install_signals(struct server *srv);
/* Read a config file (-c) into cfg; 0, or -1 with err. */
int server_read_config(struct server_config *cfg, const char *path, char *err, size_t errlen);
/* Load the users file named in the config (if any) into db. */
int server_load_users(const struct server_config *cfg, struct user_db *db, char *err,
                      size_t errlen);
/* SIGHUP: reload the config file and the users file (listeners stay). */
void server_reload(struct server *srv);
void server_free(struct server *srv);

#endif

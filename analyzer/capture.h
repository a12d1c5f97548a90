/* capture.h - frames in, through libpcap: a file (pcap or pcapng; "-" for
 * standard input; gzip-compressed files read transparently) or a live
 * interface (immediate mode, a buffer size), a BPF filter, a copy of what
 * was read (-w), and the ends of a live capture (-c, --duration, a stop
 * flag set by SIGINT). The one module of the analyzer that includes pcap.h. */
#ifndef FTPLAB_ANALYZER_CAPTURE_H
#define FTPLAB_ANALYZER_CAPTURE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct capture_opts {
	const char *file;       /* -r FILE, or NULL */
	const char *iface;      /* -i IFACE, or NULL */
	const char *filter;     /* -f BPF, or NULL */
	const char *write_file; /* -w FILE, or NULL */
	uint64_t count;         /* -c N: stop after N frames (0: no limit) */
	double duration;        /* --duration S: stop a live capture after S s (0: none) */
	unsigned buffer_mib;    /* --buffer-mib N: live kernel buffer (0: 64 MiB) */
	unsigned snaplen;       /* 0: 65600 (a loopback frame) */
	bool no_promisc;
};

struct capture_stats {
	uint64_t frames;            /* read */
	bool live;
	uint64_t received, dropped, if_dropped; /* pcap_stats, live only */
};

typedef void (*capture_fn)(void *ctx, double ts, const uint8_t *p, size_t caplen);

struct capture;

struct capture *capture_open(const struct capture_opts *o, char *err, size_t errlen);
int capture_linktype(const struct capture *c);
/* Every frame to fn until the end of the file, -c, --duration or *stop;
 * 0, or -1 with err on a read error (what was read before counts). */
int capture_run(struct capture *c, capture_fn fn, void *ctx, volatile sig_atomic_t *stop,
                char *err, size_t errlen);
void capture_get_stats(struct capture *c, struct capture_stats *st);
/* While capture_run runs on another thread (the TUI's progress line):
 * frames read, for a regular file the bytes read and its size (else 0),
 * for a live capture the kernel's drops (refreshed each second). */
void capture_progress(const struct capture *c, uint64_t *frames, uint64_t *bytes_read,
                      uint64_t *bytes_total, uint64_t *dropped);

/* The frames of file src (pcap, pcapng, .gz) for which keep() is true,
 * copied with their headers to a new pcap file dst (the TUI's w): how many,
 * or -1 with err. A file that ends in a partial frame (one still being
 * written) ends there. */
typedef bool (*capture_keep_fn)(void *ctx, int linktype, const uint8_t *p, size_t caplen);
long long capture_copy(const char *src, const char *dst, capture_keep_fn keep, void *ctx,
                       char *err, size_t errlen);
void capture_close(struct capture *c);

#endif

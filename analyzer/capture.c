/* capture.c - libpcap input for the analyzer; see capture.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <poll.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <zlib.h>

/* Immediate mode makes libpcap use fixed-size ring slots of the snapshot
 * length: 262144-byte slots in libpcap's 2 MiB buffer would hold 8 frames
 * and drop a burst of loopback segments. A loopback frame fits in 65600
 * bytes, and 64 MiB holds about a thousand of them. */
#define DEFAULT_SNAPLEN 65600
#define DEFAULT_BUFFER_MIB 64
#define POLL_MS 100

struct mapped;

struct capture {
	pcap_t *p;
	pcap_dumper_t *dump;
	FILE *gzfile;         /* a gzip stream behind a FILE (fopencookie) */
	FILE *plain;          /* a file opened here (libpcap owns it once opened) */
	bool live;
	struct mapped *mapped; /* a regular file read through the window, or NULL */
	uint64_t size;        /* of that file, 0 unknown */
	uint64_t dropped;     /* live: the kernel's drop count, refreshed each second */
	double stats_at;
	uint64_t frames, count;
	double duration, start;
	capture_fn fn;
	void *ctx;
	volatile sig_atomic_t *stop;
};

static ssize_t gz_read(void *cookie, char *buf, size_t n)
{
	int r = gzread(cookie, buf, (unsigned)(n > 1u << 30 ? 1u << 30 : n));

	return r < 0 ? -1 : r;
}

static int gz_close(void *cookie)
{
	return gzclose(cookie) == Z_OK ? 0 : EOF;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* A regular file read through a sliding mmap window: libpcap's fread then
 * copies straight from the page cache, without a read(2) copy per chunk,
 * and the window (not the file) is what stays mapped, so memory stays
 * bounded on a capture of any size. */
#define WINDOW (4u << 20)

struct mapped {
	int fd;
	off_t size, pos;       /* file size, read position */
	off_t wstart;          /* file offset of the window */
	unsigned char *w;      /* the window, NULL when none */
	size_t wlen;
};

static int map_window(struct mapped *m)
{
	off_t start = m->pos & ~(off_t)(WINDOW - 1);
	size_t len = (size_t)(m->size - start < (off_t)WINDOW ? m->size - start : (off_t)WINDOW);

	if (m->w)
		munmap(m->w, m->wlen);
	m->w = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, m->fd, start);
	if (m->w == MAP_FAILED) {
		m->w = NULL;
		return -1;
	}
	m->wstart = start;
	m->wlen = len;
	return 0;
}

static ssize_t mapped_read(void *cookie, char *buf, size_t n)
{
	struct mapped *m = cookie;
	size_t done = 0;

	while (done < n && m->pos < m->size) {
		size_t off, k;

		if ((m->w == NULL || m->pos < m->wstart || m->pos >= m->wstart + (off_t)m->wlen) &&
		    map_window(m) < 0)
			return done ? (ssize_t)done : -1;
		off = (size_t)(m->pos - m->wstart);
		k = m->wlen - off < n - done ? m->wlen - off : n - done;
		memcpy(buf + done, m->w + off, k);
		done += k;
		/* read by capture_progress on another thread */
		__atomic_store_n(&m->pos, m->pos + (off_t)k, __ATOMIC_RELAXED);
	}
	return (ssize_t)done;
}

static int mapped_close(void *cookie)
{
	struct mapped *m = cookie;

	if (m->w)
		munmap(m->w, m->wlen);
	close(m->fd);
	free(m);
	return 0;
}

static FILE *open_mapped(const char *file, struct mapped **out)
{
	cookie_io_functions_t io = {.read = mapped_read, .close = mapped_close};
	struct mapped *m = calloc(1, sizeof(*m));
	struct stat st;
	FILE *f;

	if (m == NULL)
		return NULL;
	m->fd = open(file, O_RDONLY | O_CLOEXEC);
	if (m->fd < 0 || fstat(m->fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		if (m->fd >= 0)
			close(m->fd);
		free(m);
		return NULL; /* the caller falls back to stdio (and reports its errors) */
	}
	m->size = st.st_size;
	f = fopencookie(m, "r", io);
	if (f == NULL) {
		mapped_close(m);
		return NULL;
	}
	/* A buffer that stays in the cache (unbuffered, glibc would read byte
	 * by byte): each record is copied from the window through it. */
	setvbuf(f, NULL, _IOFBF, 64 << 10);
	/* Only the decoding thread reads it: no lock per fread (two per packet). */
	__fsetlocking(f, FSETLOCKING_BYCALLER);
	*out = m;
	return f;
}

/* "-" and *.gz through zlib (which passes plain data through unchanged). */
static pcap_t *open_file(struct capture *c, const char *file, char *ebuf)
{
	cookie_io_functions_t io = {.read = gz_read, .close = gz_close};
	gzFile gz;

	if (strcmp(file, "-") != 0 && !ends_with(file, ".gz")) {
		FILE *f = open_mapped(file, &c->mapped);

		if (f == NULL) { /* not mappable (a pipe, say): a 1 MiB stdio buffer */
			f = fopen(file, "rbe");
			if (f == NULL) {
				snprintf(ebuf, PCAP_ERRBUF_SIZE, "%s: %s", file, strerror(errno));
				return NULL;
			}
			setvbuf(f, NULL, _IOFBF, 1 << 20);
			__fsetlocking(f, FSETLOCKING_BYCALLER);
		}
		c->plain = f;
		return pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	}
	gz = strcmp(file, "-") == 0 ? gzdopen(dup(0), "rb") : gzopen(file, "rb");
	if (gz == NULL) {
		snprintf(ebuf, PCAP_ERRBUF_SIZE, "%s: %s", file, strerror(errno ? errno : ENOMEM));
		return NULL;
	}
	gzbuffer(gz, 1 << 17);
	c->gzfile = fopencookie(gz, "r", io);
	if (c->gzfile == NULL) {
		gzclose(gz);
		snprintf(ebuf, PCAP_ERRBUF_SIZE, "%s: %s", file, strerror(errno));
		return NULL;
	}
	__fsetlocking(c->gzfile, FSETLOCKING_BYCALLER);
	return pcap_fopen_offline_with_tstamp_precision(c->gzfile, PCAP_TSTAMP_PRECISION_MICRO,
	                                                ebuf);
}

static pcap_t *open_live(const struct capture_opts *o, char *ebuf, char *err, size_t errlen)
{
	pcap_t *p = pcap_create(o->iface, ebuf);
	int rc;

	if (p == NULL)
		return NULL;
	pcap_set_snaplen(p, o->snaplen ? (int)o->snaplen : DEFAULT_SNAPLEN);
	pcap_set_promisc(p, !o->no_promisc);
	pcap_set_immediate_mode(p, 1);
	pcap_set_timeout(p, POLL_MS);
	pcap_set_buffer_size(p, (int)((o->buffer_mib ? o->buffer_mib : DEFAULT_BUFFER_MIB) *
	                              1024u * 1024u));
	rc = pcap_activate(p);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", o->iface,
		         rc == PCAP_ERROR ? pcap_geterr(p) : pcap_statustostr(rc));
		pcap_close(p);
		return NULL;
	}
	if (pcap_setnonblock(p, 1, ebuf) < 0) {
		snprintf(err, errlen, "%s: %s", o->iface, ebuf);
		pcap_close(p);
		return NULL;
	}
	return p;
}

static int set_filter(struct capture *c, const char *filter, char *err, size_t errlen)
{
	struct bpf_program prog;

	if (filter == NULL)
		return 0;
	if (pcap_compile(c->p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "filter '%s': %s", filter, pcap_geterr(c->p));
		return -1;
	}
	if (pcap_setfilter(c->p, &prog) < 0) {
		snprintf(err, errlen, "filter '%s': %s", filter, pcap_geterr(c->p));
		pcap_freecode(&prog);
		return -1;
	}
	pcap_freecode(&prog);
	return 0;
}

struct capture *capture_open(const struct capture_opts *o, char *err, size_t errlen)
{
	struct capture *c = calloc(1, sizeof(*c));
	char ebuf[PCAP_ERRBUF_SIZE] = "";

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->live = o->iface != NULL;
	c->count = o->count;
	c->duration = o->duration;
	err[0] = '\0';
	c->p = c->live ? open_live(o, ebuf, err, errlen) : open_file(c, o->file, ebuf);
	if (c->p == NULL) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s", ebuf);
		capture_close(c);
		return NULL;
	}
	if (set_filter(c, o->filter, err, errlen) < 0) {
		capture_close(c);
		return NULL;
	}
	if (o->write_file && (c->dump = pcap_dump_open(c->p, o->write_file)) == NULL) {
		snprintf(err, errlen, "-w %s: %s", o->write_file, pcap_geterr(c->p));
		capture_close(c);
		return NULL;
	}
	return c;
}

int capture_linktype(const struct capture *c)
{
	return pcap_datalink(c->p);
}

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)user;

	if (c->dump)
		pcap_dump((u_char *)c->dump, h, bytes);
	__atomic_store_n(&c->frames, c->frames + 1, __ATOMIC_RELAXED); /* capture_progress */
	c->fn(c->ctx, (double)h->ts.tv_sec + (double)h->ts.tv_usec / 1e6, bytes, h->caplen);
	if ((c->count && c->frames >= c->count) || (c->stop && *c->stop))
		pcap_breakloop(c->p);
}

static bool done(const struct capture *c)
{
	return (c->count && c->frames >= c->count) || (c->stop && *c->stop) ||
	       (c->duration > 0 && now_s() - c->start >= c->duration);
}

/* After each batch of a live capture: what -w saved is on disk (the TUI
 * reads it back for w and e; a killed capture keeps its frames), and the
 * drop count for capture_progress, once a second. */
static void live_tick(struct capture *c, int n)
{
	struct pcap_stat ps;
	double t;

	if (n > 0 && c->dump)
		pcap_dump_flush(c->dump);
	t = now_s();
	if (t - c->stats_at >= 1.0) {
		c->stats_at = t;
		if (pcap_stats(c->p, &ps) == 0)
			__atomic_store_n(&c->dropped, (uint64_t)ps.ps_drop, __ATOMIC_RELAXED);
	}
}

static int run_live(struct capture *c, char *err, size_t errlen)
{
	struct pollfd pf = {pcap_get_selectable_fd(c->p), POLLIN, 0};

	while (!done(c)) {
		int n = pcap_dispatch(c->p, -1, on_frame, (u_char *)c);

		if (n == PCAP_ERROR) {
			snprintf(err, errlen, "%s", pcap_geterr(c->p));
			return -1;
		}
		live_tick(c, n);
		if (n == 0 && pf.fd >= 0 && poll(&pf, 1, POLL_MS) < 0 && errno != EINTR) {
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

int capture_run(struct capture *c, capture_fn fn, void *ctx, volatile sig_atomic_t *stop,
                char *err, size_t errlen)
{
	int n;

	c->fn = fn;
	c->ctx = ctx;
	c->stop = stop;
	c->start = now_s();
	if (c->live)
		return run_live(c, err, errlen);
	n = pcap_loop(c->p, -1, on_frame, (u_char *)c);
	if (n == PCAP_ERROR) {
		snprintf(err, errlen, "%s", pcap_geterr(c->p));
		return -1;
	}
	return 0;
}

void capture_progress(const struct capture *c, uint64_t *frames, uint64_t *bytes_read,
                      uint64_t *bytes_total, uint64_t *dropped)
{
	*frames = __atomic_load_n(&c->frames, __ATOMIC_RELAXED);
	*bytes_read = c->mapped ? (uint64_t)__atomic_load_n(&c->mapped->pos, __ATOMIC_RELAXED) : 0;
	*bytes_total = c->mapped ? (uint64_t)c->mapped->size : 0;
	*dropped = __atomic_load_n(&c->dropped, __ATOMIC_RELAXED);
}

void capture_get_stats(struct capture *c, struct capture_stats *st)
{
	struct pcap_stat ps;

	memset(st, 0, sizeof(*st));
	st->frames = c->frames;
	st->live = c->live;
	if (c->live && pcap_stats(c->p, &ps) == 0) {
		st->received = ps.ps_recv;
		st->dropped = ps.ps_drop;
		st->if_dropped = ps.ps_ifdrop;
	}
}

void capture_close(struct capture *c)
{
	if (c == NULL)
		return;
	if (c->dump)
		pcap_dump_close(c->dump);
	if (c->p)
		pcap_close(c->p); /* closes gzfile or plain too (pcap_fopen_offline owns it) */
	else if (c->gzfile)
		fclose(c->gzfile);
	else if (c->plain)
		fclose(c->plain);
	free(c);
}

struct copy_ctx {
	pcap_dumper_t *d;
	capture_keep_fn keep;
	void *ctx;
	int linktype;
	long long n;
};

static void on_copy(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct copy_ctx *k = (struct copy_ctx *)user;

	if (k->keep(k->ctx, k->linktype, bytes, h->caplen)) {
		pcap_dump((u_char *)k->d, h, bytes);
		k->n++;
	}
}

long long capture_copy(const char *src, const char *dst, capture_keep_fn keep, void *ctx,
                       char *err, size_t errlen)
{
	struct capture_opts o = {.file = src};
	struct capture *c = capture_open(&o, err, errlen);
	struct copy_ctx k = {NULL, keep, ctx, 0, 0};
	int rc;

	if (c == NULL)
		return -1;
	k.linktype = pcap_datalink(c->p);
	if ((k.d = pcap_dump_open(c->p, dst)) == NULL) {
		snprintf(err, errlen, "%s: %s", dst, pcap_geterr(c->p));
		capture_close(c);
		return -1;
	}
	rc = pcap_loop(c->p, -1, on_copy, (u_char *)&k);
	if (rc == PCAP_ERROR && strstr(pcap_geterr(c->p), "truncated") == NULL) {
		snprintf(err, errlen, "%s: %s", src, pcap_geterr(c->p));
		k.n = -1;
	}
	if (pcap_dump_flush(k.d) != 0 && k.n >= 0) {
		snprintf(err, errlen, "%s: %s", dst, strerror(errno));
		k.n = -1;
	}
	pcap_dump_close(k.d);
	capture_close(c);
	return k.n;
}

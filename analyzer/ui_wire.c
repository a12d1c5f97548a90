/* ui_wire.c - the program's side of the TUI: see ui_wire.h. */
#include "ui_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode.h"
#include "engine.h"
#include "model.h"
#include "ui.h"
#include "ui_store.h"

#define DEFAULT_EXTRACT_DIR "ftplab-extract"

struct ui_wire {
	struct aopts *o;
	struct capture *cap;
	struct ui_store *st;
	pthread_mutex_t mu;
	const char *source;      /* read back by w and e */
	char spool[4096];        /* the temporary copy, "" none */
	char title[512];
	volatile sig_atomic_t cap_stop;
	int done;                /* the decoding thread ended (atomic) */
	int rc;
	char err[512];
	struct extractor *x;
};

/* ---------------------------------------------------------------- set-up */

struct ui_wire *ui_wire_new(struct aopts *o, char *err, size_t errlen)
{
	struct ui_wire *w = calloc(1, sizeof(*w));
	const char *tmp = getenv("TMPDIR");
	int fd;

	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->o = o;
	pthread_mutex_init(&w->mu, NULL);
	snprintf(w->title, sizeof(w->title), "%s %s", o->cap.iface ? "-i" : "-r",
	         o->cap.iface ? o->cap.iface : o->cap.file);
	w->source = o->cap.iface ? o->cap.write_file : o->cap.file;
	if (w->source && strcmp(w->source, "-") != 0)
		return w;
	/* live or standard input without -w: a temporary copy to read back */
	snprintf(w->spool, sizeof(w->spool), "%s/ftplab-analyzer-XXXXXX.pcap",
	         tmp && *tmp ? tmp : "/tmp");
	if ((fd = mkstemps(w->spool, 5)) < 0) {
		snprintf(err, errlen, "%s: %s", w->spool, strerror(errno));
		w->spool[0] = '\0';
		ui_wire_free(w);
		return NULL;
	}
	close(fd);
	o->cap.write_file = w->source = w->spool;
	return w;
}

void ui_wire_free(struct ui_wire *w)
{
	if (w == NULL)
		return;
	if (w->spool[0])
		unlink(w->spool);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

/* ---------------------------------------------------------------- decoding */

struct run {
	struct engine *eng;
	int linktype;
	double last_ts;
	const struct ui_flow *flows; /* replay: only these; NULL: every frame */
	size_t nflows;
};

static bool on_flows(const struct run *r, const uint8_t *p, size_t caplen)
{
	struct seg g;

	return decode_frame(r->linktype, p, caplen, &g) == DEC_OK &&
	       ui_flows_match(r->flows, r->nflows, &g.src, &g.dst);
}

static void on_frame(void *ctx, double ts, const uint8_t *p, size_t caplen)
{
	struct run *r = ctx;

	if (r->flows && !on_flows(r, p, caplen))
		return;
	r->last_ts = ts;
	engine_packet(r->eng, ts, r->linktype, p, caplen);
}

/* Engine and model over cap, events to sink; 0 or -1 with err. */
static int decode(const struct aopts *o, struct capture *cap, const struct an_sink *sink,
                  struct extractor *x, struct run *r, volatile sig_atomic_t *stop,
                  char *err, size_t errlen)
{
	struct an_extract_ops ops = x ? extract_ops(x) : (struct an_extract_ops){0};
	struct model *m = model_new(&o->cfg, sink, x ? &ops : NULL);
	int rc = 0;

	r->linktype = capture_linktype(cap);
	r->eng = m ? engine_new(&o->eng, m) : NULL;
	if (r->eng == NULL) {
		snprintf(err, errlen, "out of memory");
		model_free(m, 0);
		return -1;
	}
	if (capture_run(cap, on_frame, r, stop, err, errlen) < 0)
		rc = -1;
	engine_finish(r->eng, r->last_ts);
	model_free(m, r->last_ts);
	engine_free(r->eng);
	return rc;
}

static void store_event(void *ctx, const struct an_event *ev)
{
	struct ui_wire *w = ctx;

	pthread_mutex_lock(&w->mu);
	ui_store_event(w->st, ev);
	pthread_mutex_unlock(&w->mu);
}

static void *decode_main(void *arg)
{
	struct ui_wire *w = arg;
	struct an_sink sink = {store_event, w};
	struct run r = {0};

	if (decode(w->o, w->cap, &sink, w->x, &r, &w->cap_stop, w->err, sizeof(w->err)) < 0) {
		fprintf(stderr, "ftplab-analyzer: reading: %s (what came before is shown)\n",
		        w->err);
		w->rc = 1;
	}
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* ---------------------------------------------------------------- hooks */

static void hook_progress(void *ctx, struct ui_progress *p)
{
	struct ui_wire *w = ctx;

	memset(p, 0, sizeof(*p));
	p->live = w->o->cap.iface != NULL;
	p->done = __atomic_load_n(&w->done, __ATOMIC_ACQUIRE);
	capture_progress(w->cap, &p->frames, &p->bytes_read, &p->bytes_total, &p->dropped);
}

struct keep {
	const struct ui_flow *f;
	size_t n;
};

static bool keep_frame(void *ctx, int linktype, const uint8_t *p, size_t caplen)
{
	struct keep *k = ctx;
	struct run r = {.linktype = linktype, .flows = k->f, .nflows = k->n};

	return on_flows(&r, p, caplen);
}

static int hook_save(void *ctx, const struct ui_flow *f, size_t n, const char *path,
                     char *err, size_t errlen)
{
	struct ui_wire *w = ctx;
	struct keep k = {f, n};
	long long got;

	if (w->source == NULL) {
		snprintf(err, errlen, "nothing to read the packets back from");
		return -1;
	}
	got = capture_copy(w->source, path, keep_frame, &k, err, errlen);
	if (got < 0)
		return -1;
	snprintf(err, errlen, "%lld packets written to %s", got, path);
	return 0;
}

static int extract_into(struct ui_wire *w, const struct ui_flow *f, size_t n, const char *dir,
                        char *msg, size_t msglen);

struct collect {
	int files;
	char last[512];
};

static void collect_event(void *ctx, const struct an_event *ev)
{
	struct collect *c = ctx;

	if (ev->type == AN_EV_TRANSFER && ev->u.xfer->extracted) {
		c->files++;
		snprintf(c->last, sizeof(c->last), "%s", ev->u.xfer->extracted);
	}
}

/* dir/extract-N, the first N free: a session's files again, never mixed
 * with (or refused by) what --extract or an earlier e wrote. */
static int fresh_dir(const char *dir, char *out, size_t cap, char *msg, size_t msglen)
{
	(void)mkdir(dir, 0755);
	for (unsigned i = 1; i < 10000; i++) {
		snprintf(out, cap, "%s/extract-%u", dir, i);
		if (mkdir(out, 0755) == 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	snprintf(msg, msglen, "%s: %s", out, strerror(errno));
	return -1;
}

static int hook_extract(void *ctx, const struct ui_flow *f, size_t n, const char *parent,
                        char *msg, size_t msglen)
{
	struct ui_wire *w = ctx;
	char dir[4096];

	int files;

	if (fresh_dir(parent, dir, sizeof(dir), msg, msglen) < 0)
		return -1;
	if ((files = extract_into(w, f, n, dir, msg, msglen)) <= 0)
		rmdir(dir); /* nothing in it */
	return files;
}

static int extract_into(struct ui_wire *w, const struct ui_flow *f, size_t n, const char *dir,
                        char *msg, size_t msglen)
{
	struct capture_opts co = {.file = w->source};
	struct collect c = {0, ""};
	struct an_sink sink = {collect_event, &c};
	struct run r = {.flows = f, .nflows = n};
	struct capture *cap = w->source ? capture_open(&co, msg, msglen) : NULL;
	struct extractor *x = cap ? extract_open(dir, msg, msglen) : NULL;
	int rc = -1;

	if (cap && x && decode(w->o, cap, &sink, x, &r, NULL, msg, msglen) == 0) {
		rc = c.files;
		if (c.files == 0)
			snprintf(msg, msglen, "no complete transfer to extract in this session");
		else
			snprintf(msg, msglen, "%d file%s written to %s (last: %s)", c.files,
			         c.files == 1 ? "" : "s", dir, c.last);
	}
	extract_close(x);
	capture_close(cap);
	return rc;
}

static void hook_stop(void *ctx)
{
	((struct ui_wire *)ctx)->cap_stop = 1;
}

/* ---------------------------------------------------------------- run */

/* stderr into a pipe while the screen is up (the UI shows its last line);
 * the saved descriptor, or -1 when it stays as it is. */
static int stderr_to_pipe(int *read_end)
{
	int fds[2], saved;

	*read_end = -1;
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	fflush(stderr);
	if ((saved = fcntl(2, F_DUPFD_CLOEXEC, 3)) < 0 || dup2(fds[1], 2) < 0) {
		if (saved >= 0)
			close(saved);
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	close(fds[1]);
	*read_end = fds[0];
	return saved;
}

/* Back to the terminal, with what the UI did not show. */
static void stderr_restore(int saved, int read_end)
{
	char buf[4096];
	ssize_t n;

	if (saved < 0)
		return;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	while ((n = read(read_end, buf, sizeof(buf))) > 0)
		if (write(2, buf, (size_t)n) < 0)
			break;
	close(read_end);
}

int ui_wire_run(struct ui_wire *w, struct capture *cap, struct extractor *x,
                volatile sig_atomic_t *stop)
{
	struct ui_opts uo = {w->o->ascii, w->o->monochrome, w->title,
	                     w->o->cfg.extract_dir ? w->o->cfg.extract_dir : DEFAULT_EXTRACT_DIR,
	                     -1};
	struct ui_hooks h = {w, hook_progress, hook_save, hook_extract, hook_stop};
	pthread_t t;
	int saved, rc;

	w->cap = cap;
	w->x = x;
	if ((w->st = ui_store_new(0)) == NULL) {
		fprintf(stderr, "ftplab-analyzer: out of memory\n");
		return 1;
	}
	if (pthread_create(&t, NULL, decode_main, w) != 0) {
		fprintf(stderr, "ftplab-analyzer: cannot start the decoding thread\n");
		ui_store_free(w->st);
		return 1;
	}
	saved = stderr_to_pipe(&uo.log_fd);
	rc = ui_run(w->st, &w->mu, &uo, &h, stop);
	w->cap_stop = 1; /* the user quit: stop reading */
	pthread_join(t, NULL);
	stderr_restore(saved, uo.log_fd);
	ui_store_free(w->st);
	return rc < 0 || w->rc ? 1 : 0;
}

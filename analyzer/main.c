/* ftplab-analyzer: decode FTP control and data connections from pcap files
 * or a live capture. main() only wires: options, capture, engine, model,
 * writer, signals, statistics. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "decode.h"
#include "engine.h"
#include "extract.h"
#include "model.h"
#include "opts.h"
#include "out.h"
#include "outq.h"
#include "ui_wire.h"

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct run {
	struct engine *eng;
	int linktype;
	double last_ts;
};

static void on_frame(void *ctx, double ts, const uint8_t *p, size_t caplen)
{
	struct run *r = ctx;

	r->last_ts = ts;
	engine_packet(r->eng, ts, r->linktype, p, caplen);
}

static void list_diags(void)
{
	for (int k = 0; k < AN_DIAG__COUNT; k++)
		printf("%s\n    %s\n\n", an_diag_name(k), an_diag_explain(k));
}

static void print_stats(const struct engine_stats *s, const struct capture_stats *c)
{
	fprintf(stderr,
	        "ftplab-analyzer: %llu packets (%llu bytes): %llu TCP, %llu not IP, %llu not TCP, "
	        "%llu fragments, %llu truncated, %llu malformed\n"
	        "ftplab-analyzer: %llu flows (peak %llu at once, %llu expired, %llu evicted), "
	        "%llu FTP sessions, %llu data connections, %llu gaps (%llu bytes)\n",
	        (unsigned long long)s->packets, (unsigned long long)s->bytes,
	        (unsigned long long)s->tcp, (unsigned long long)s->not_ip,
	        (unsigned long long)s->not_tcp, (unsigned long long)s->fragments,
	        (unsigned long long)s->truncated, (unsigned long long)s->malformed,
	        (unsigned long long)s->flows, (unsigned long long)s->flows_peak,
	        (unsigned long long)s->flows_expired, (unsigned long long)s->flows_evicted,
	        (unsigned long long)s->ftp_sessions, (unsigned long long)s->data_flows,
	        (unsigned long long)s->gaps, (unsigned long long)s->gap_bytes);
	if (c->live)
		fprintf(stderr, "ftplab-analyzer: live: %llu received, %llu dropped by the kernel, "
		        "%llu by the interface\n", (unsigned long long)c->received,
		        (unsigned long long)c->dropped, (unsigned long long)c->if_dropped);
}

static struct out_writer *writer(const struct aopts *o, FILE *f)
{
	if (o->format == AOUT_JSON)
		return out_json_new(f, &o->out);
	if (o->format == AOUT_ZEEK)
		return out_zeek_new(f, &o->out);
	return out_text_new(f, &o->out);
}

static int analyze(struct aopts *o, struct capture *cap, FILE *f, struct extractor *x)
{
	struct out_writer *w = writer(o, f);
	/* Files: formatting in a second thread (two cores); live: at once. */
	struct outq *q = w && o->cap.file ? outq_new(w) : NULL;
	struct an_sink sink = q ? outq_sink(q) : out_sink(w);
	struct an_extract_ops ops = x ? extract_ops(x) : (struct an_extract_ops){0};
	struct model *m = model_new(&o->cfg, &sink, x ? &ops : NULL);
	struct run r = {engine_new(&o->eng, m), capture_linktype(cap), 0};
	struct capture_stats cs;
	char err[512] = "";
	int rc = 0;

	if (w == NULL || m == NULL || r.eng == NULL) {
		fprintf(stderr, "ftplab-analyzer: out of memory\n");
		return 1;
	}
	if (capture_run(cap, on_frame, &r, &stop_flag, err, sizeof(err)) < 0) {
		fprintf(stderr, "ftplab-analyzer: reading: %s (what came before is reported)\n", err);
		rc = 1;
	}
	engine_finish(r.eng, r.last_ts);
	model_free(m, r.last_ts);
	if (q && outq_close(q) < 0) {
		fprintf(stderr, "ftplab-analyzer: out of memory: events were lost\n");
		rc = 1;
	}
	capture_get_stats(cap, &cs);
	if (o->stats)
		print_stats(engine_stats(r.eng), &cs);
	engine_free(r.eng);
	if (out_close(w) < 0) {
		fprintf(stderr, "ftplab-analyzer: writing the output failed\n");
		rc = 1;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct aopts o;
	bool exit_now;
	char err[512];
	struct capture *cap;
	struct extractor *x = NULL;
	struct ui_wire *tui = NULL;
	FILE *f = stdout;
	int rc = aopts_parse(&o, argc, argv, &exit_now);

	if (rc != 0 || exit_now)
		return rc;
	if (o.list_diags) {
		list_diags();
		return 0;
	}
	aopts_default_format(&o, isatty(STDOUT_FILENO) && isatty(STDIN_FILENO));
	if (o.format == AOUT_TUI && (tui = ui_wire_new(&o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "ftplab-analyzer: %s\n", err);
		return 1;
	}
	if ((cap = capture_open(&o.cap, err, sizeof(err))) == NULL) {
		fprintf(stderr, "ftplab-analyzer: %s\n", err);
		ui_wire_free(tui);
		return 1;
	}
	if (!decode_linktype_supported(capture_linktype(cap))) {
		fprintf(stderr, "ftplab-analyzer: link type %d (%s) is not supported: EN10MB, NULL, "
		        "LOOP, RAW, LINUX_SLL and LINUX_SLL2 are\n", capture_linktype(cap),
		        decode_linktype_name(capture_linktype(cap)) ? decode_linktype_name(
		        capture_linktype(cap)) : "unknown");
		capture_close(cap);
		ui_wire_free(tui);
		return 1;
	}
	if ((o.output && (f = fopen(o.output, "w")) == NULL) ||
	    (o.cfg.extract_dir && (x = extract_open(o.cfg.extract_dir, err, sizeof(err))) == NULL)) {
		fprintf(stderr, "ftplab-analyzer: %s\n", o.output && !f ? o.output : err);
		capture_close(cap);
		ui_wire_free(tui);
		return 1;
	}
	/* A file is read as fast as it goes: JSON records are written in blocks.
	 * Live: each record as soon as it is known, also into a pipe (tcpdump -l). */
	o.out.batch = o.cap.file != NULL;
	if (o.cap.iface)
		setvbuf(f, NULL, _IOLBF, 0);
	if (o.cap.iface && !tui) /* as tcpdump says it: the capture (and its filter) is in place */
		fprintf(stderr, "ftplab-analyzer: listening on %s, link-type %s\n", o.cap.iface,
		        decode_linktype_name(capture_linktype(cap)));
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	rc = tui ? ui_wire_run(tui, cap, x, &stop_flag) : analyze(&o, cap, f, x);
	capture_close(cap);
	ui_wire_free(tui);
	extract_close(x);
	if (f != stdout && fclose(f) != 0)
		rc = 1;
	return rc;
}

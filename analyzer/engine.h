/* engine.h - from captured frames to the FTP model: decoding (decode.c),
 * a flow table with per-direction TCP reassembly (reasm.c), recognition of
 * FTP control connections (the FTP ports, and a heuristic for any port:
 * the server greets with 220 and the client answers with an FTP command),
 * data connections matched to the model's expectations, idle expiry.
 * Memory is bounded by the flows alive, never by the input's size. Pure: no
 * I/O (capture.c reads the frames). */
#ifndef FTPLAB_ANALYZER_ENGINE_H
#define FTPLAB_ANALYZER_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "reasm.h"

#define ENGINE_MAX_PORTS 64

struct engine_opts {
	uint16_t ports[ENGINE_MAX_PORTS]; /* FTP control ports; none given: 21 */
	size_t nports;
	bool heuristic;                   /* FTP on other ports too (default on) */
	struct reasm_limits lim;          /* per direction */
	size_t max_ooo_total;             /* all directions (0: 64 MiB) */
	size_t max_flows;                 /* 0: 262144; the idlest go first beyond */
	double flow_timeout;              /* seconds idle before a flow ends (0: 900) */
};

struct engine_stats {
	uint64_t packets, bytes;
	uint64_t tcp, not_ip, not_tcp, fragments, truncated, malformed;
	uint64_t flows, flows_expired, flows_evicted, flows_now, flows_peak;
	uint64_t ftp_sessions, data_flows, ignored_flows;
	uint64_t gaps, gap_bytes;
};

struct engine;

struct engine *engine_new(const struct engine_opts *o, struct model *m);
/* One frame of link type linktype (decode.h) captured at ts. */
void engine_packet(struct engine *e, double ts, int linktype, const uint8_t *p, size_t caplen);
/* End of input: every flow ends (its buffered bytes delivered, gaps told). */
void engine_finish(struct engine *e, double ts);
const struct engine_stats *engine_stats(const struct engine *e);
void engine_free(struct engine *e);

#endif

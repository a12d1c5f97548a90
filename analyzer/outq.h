/* outq.h - events formatted in a second thread: the engine hands each
 * event over (copied) and goes on decoding; a writer thread rebuilds the
 * events in order and calls out_event. For file input, where decoding and
 * formatting then run on two cores; a live capture writes directly, so its
 * output is never held back. */
#ifndef FTPLAB_ANALYZER_OUTQ_H
#define FTPLAB_ANALYZER_OUTQ_H

#include "out.h"

struct outq;

/* Start the writer thread for w; NULL when it cannot start (write directly). */
struct outq *outq_new(struct out_writer *w);
struct an_sink outq_sink(struct outq *q);
/* Everything written, the thread joined; -1 if an event was lost (memory). */
int outq_close(struct outq *q);

#endif

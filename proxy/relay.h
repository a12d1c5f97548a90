/* relay.h - one data connection relayed between two sockets with splice(2)
 * through a pipe in each direction (read/write fallback), half-close
 * propagation, byte counts, and back-pressure: a side is read only while
 * its pipe has room, so a slow peer never grows memory. libevent-driven. */
#ifndef FTPLAB_PROXY_RELAY_H
#define FTPLAB_PROXY_RELAY_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct relay;

struct relay_stats {
	uint64_t a_to_b, b_to_a; /* bytes */
	bool a_closed, b_closed; /* each side sent FIN (or reset) */
	bool error;              /* a reset or a write error ended it */
	int error_errno;
};

/* Called once when both directions are finished (or on error); the relay
 * has closed both sockets by then. Free it with relay_free afterwards (also
 * allowed inside the callback). */
typedef void (*relay_done_fn)(struct relay *r, const struct relay_stats *st, void *arg);

/* Start relaying between connected non-blocking sockets a and b (the relay
 * owns them). NULL when out of resources (the sockets are then closed). */
struct relay *relay_start(struct event_base *base, int a, int b, relay_done_fn done, void *arg);
/* For tests: relay_start, but with no_splice the first splice of each
 * direction fails as if with EINVAL, so the read/write fallback takes over. */
struct relay *relay_start_opts(struct event_base *base, int a, int b, relay_done_fn done,
                               void *arg, bool no_splice);
/* Stop at once (ABOR, teardown): closes both sockets; done is not called. */
void relay_free(struct relay *r);
void relay_get_stats(const struct relay *r, struct relay_stats *st);
/* True once one direction is over: its source sent FIN and everything was
 * delivered, FIN included. */
bool relay_half_done(const struct relay *r);

#endif

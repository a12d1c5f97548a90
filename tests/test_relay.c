/* test_relay.c - the data relay on real loopback TCP connections:
 *   x <-> a ==relay== b <-> y
 * x and y are the test's own non-blocking peers; a and b are handed to the
 * relay. One libevent loop is run with EVLOOP_ONCE | EVLOOP_NONBLOCK,
 * interleaved with x's and y's own sends and receives, each case under a
 * hard time bound. Cases with splice run again through the fallback. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "relay.h"

#define MIB (1024 * 1024)
#define CASE_SECONDS 10
#define CHUNK (256 * 1024)

struct peer {
	int fd;
	uint8_t *out;         /* bytes to send */
	size_t out_len, out_off;
	size_t chunk;         /* bytes per send(), 0 for CHUNK */
	bool shut_when_sent;  /* shutdown(SHUT_WR) once out is sent */
	bool shut;
	uint8_t *in;          /* bytes received */
	size_t in_cap, in_len;
	bool reading;
	bool eof;
	int send_err, recv_err;
};

struct fixture {
	bool no_splice;
	int fds_before, pipes_before;
	struct event_base *base;
	struct peer x, y;
	int a, b;             /* the relay's ends (closed by it) */
	struct relay *r;
	int done_calls;
	struct relay_stats st;
	bool free_in_done;
	bool fds_closed_in_done;
	double deadline;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Open fds whose target starts with prefix ("" all, "pipe:" pipes). */
static int count_fds(const char *prefix)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char path[300], target[64];
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		ssize_t k;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		k = readlink(path, target, sizeof(target) - 1);
		if (k > 0 && (target[k] = '\0', strncmp(target, prefix, strlen(prefix)) == 0))
			n++;
	}
	closedir(d);
	return n;
}

static bool fd_is_closed(int fd)
{
	return fcntl(fd, F_GETFD) < 0 && errno == EBADF;
}

static void set_nonblock(int fd)
{
	assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

static void set_bufs(int fd, int size)
{
	if (size == 0)
		return;
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)), 0);
}

/* A connected loopback TCP pair; bufsz > 0 shrinks both ends' buffers. */
static void tcp_pair(int *client, int *server, int bufsz)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(l >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	set_bufs(l, bufsz);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sa, &len), 0);
	*client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(*client >= 0);
	set_bufs(*client, bufsz);
	assert_int_equal(connect(*client, (struct sockaddr *)&sa, sizeof(sa)), 0);
	*server = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	assert_true(*server >= 0);
	close(l);
	set_nonblock(*client);
	set_nonblock(*server);
}

static uint8_t *random_bytes(size_t n, uint64_t seed)
{
	uint8_t *p = malloc(n);

	assert_non_null(p);
	for (size_t i = 0; i < n; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		p[i] = (uint8_t)(seed >> 24);
	}
	return p;
}

/* What a peer sends, and how much it may receive (one byte more than
 * expected is room to notice an excess). */
static void peer_plan(struct peer *p, size_t send_len, uint64_t seed, size_t expect_in)
{
	free(p->out);
	p->out = send_len ? random_bytes(send_len, seed) : NULL;
	p->out_len = send_len;
	p->out_off = 0;
	p->in = realloc(p->in, expect_in + 1);
	assert_non_null(p->in);
	p->in_cap = expect_in + 1;
}

static void on_done(struct relay *r, const struct relay_stats *st, void *arg)
{
	struct fixture *f = arg;

	f->done_calls++;
	f->st = *st;
	f->fds_closed_in_done = fd_is_closed(f->a) && fd_is_closed(f->b);
	if (f->free_in_done) {
		relay_free(r);
		f->r = NULL;
	}
}

static int setup_common(void **state, int bufsz)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->no_splice = *state != NULL && *(const bool *)*state;
	f->fds_before = count_fds("");
	f->base = event_base_new();
	assert_non_null(f->base);
	f->pipes_before = count_fds("pipe:"); /* libevent may hold some */
	tcp_pair(&f->x.fd, &f->a, bufsz);
	tcp_pair(&f->b, &f->y.fd, bufsz);
	f->x.reading = f->y.reading = true;
	f->r = relay_start_opts(f->base, f->a, f->b, on_done, f, f->no_splice);
	assert_non_null(f->r);
	f->deadline = now_s() + CASE_SECONDS;
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_common(state, 0);
}

/* Small socket buffers, so that a stall shows within a few MiB. */
static int setup_small(void **state)
{
	return setup_common(state, 64 * 1024);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct peer *peers[] = {&f->x, &f->y};

	relay_free(f->r); /* also when it has finished already */
	for (int i = 0; i < 2; i++) {
		if (peers[i]->fd >= 0)
			close(peers[i]->fd);
		free(peers[i]->out);
		free(peers[i]->in);
	}
	event_base_free(f->base);
	assert_int_equal(count_fds(""), f->fds_before); /* no socket or pipe leaked */
	free(f);
	return 0;
}

static bool peer_send(struct peer *p)
{
	bool moved = false;

	while (p->out_off < p->out_len && !p->send_err) {
		size_t n = p->out_len - p->out_off, max = p->chunk ? p->chunk : CHUNK;
		ssize_t k = send(p->fd, p->out + p->out_off, n < max ? n : max, MSG_NOSIGNAL);

		if (k < 0) {
			if (errno != EAGAIN)
				p->send_err = errno;
			break;
		}
		p->out_off += (size_t)k;
		moved = true;
	}
	if (p->out_off == p->out_len && p->shut_when_sent && !p->shut) {
		assert_int_equal(shutdown(p->fd, SHUT_WR), 0);
		p->shut = true;
	}
	return moved;
}

static bool peer_recv(struct peer *p)
{
	bool moved = false;

	while (p->reading && !p->eof && !p->recv_err && p->in_len < p->in_cap) {
		ssize_t k = recv(p->fd, p->in + p->in_len, p->in_cap - p->in_len, 0);

		if (k < 0) {
			if (errno != EAGAIN)
				p->recv_err = errno;
			break;
		}
		if (k == 0)
			p->eof = true;
		p->in_len += (size_t)k;
		moved = true;
	}
	return moved;
}

/* One round: the relay's loop once, then x and y. True if x or y moved. */
static bool step(struct fixture *f)
{
	bool moved = false;
	struct peer *peers[] = {&f->x, &f->y};

	assert_true(event_base_loop(f->base, EVLOOP_ONCE | EVLOOP_NONBLOCK) >= 0);
	for (int i = 0; i < 2; i++) {
		if (peers[i]->fd < 0)
			continue;
		moved = peer_send(peers[i]) || moved;
		moved = peer_recv(peers[i]) || moved;
	}
	return moved;
}

typedef bool (*cond_fn)(const struct fixture *f);

static void run_until(struct fixture *f, cond_fn cond)
{
	while (!cond(f)) {
		if (now_s() > f->deadline)
			fail_msg("case ran out of time (%d s)", CASE_SECONDS);
		step(f);
	}
}

/* A few more rounds: nothing else may happen (done called once only). */
static void run_idle(struct fixture *f)
{
	for (int i = 0; i < 100; i++)
		step(f);
}

static void peer_close(struct peer *p)
{
	assert_int_equal(close(p->fd), 0);
	p->fd = -1;
}

static void assert_got(const struct peer *from, const struct peer *to)
{
	assert_int_equal(to->in_len, from->out_len);
	assert_memory_equal(to->in, from->out, from->out_len);
}

static bool y_has_all(const struct fixture *f)
{
	return f->y.in_len == f->x.out_len;
}

static bool x_has_all(const struct fixture *f)
{
	return f->x.in_len == f->y.out_len;
}

static bool y_eof(const struct fixture *f)
{
	return f->y.eof;
}

static bool x_eof(const struct fixture *f)
{
	return f->x.eof;
}

static bool is_done(const struct fixture *f)
{
	return f->done_calls > 0;
}

static bool both_eof_done(const struct fixture *f)
{
	return f->x.eof && f->y.eof && f->done_calls > 0;
}

static void assert_clean_end(const struct fixture *f, uint64_t a_to_b, uint64_t b_to_a)
{
	assert_int_equal(f->done_calls, 1);
	assert_true(f->fds_closed_in_done);
	assert_int_equal(f->st.a_to_b, a_to_b);
	assert_int_equal(f->st.b_to_a, b_to_a);
	assert_true(f->st.a_closed);
	assert_true(f->st.b_closed);
	assert_false(f->st.error);
}

/* 1 (and 8 through the fallback). 10 MiB x -> y, y silent; x closes. */
static void test_one_way(void **state)
{
	struct fixture *f = *state;

	peer_plan(&f->x, 10 * MIB, 1, 0);
	peer_plan(&f->y, 0, 0, 10 * MIB);
	run_until(f, y_has_all);
	/* 2 pipes per direction; a -> b's fallback closed its own, while
	 * the silent b -> a has not tried a splice yet */
	assert_int_equal(count_fds("pipe:") - f->pipes_before, f->no_splice ? 2 : 4);
	assert_got(&f->x, &f->y);
	assert_false(f->y.eof);
	assert_int_equal(f->done_calls, 0);
	peer_close(&f->x);
	run_until(f, y_eof);
	assert_int_equal(f->done_calls, 0); /* y -> x is still open */
	peer_close(&f->y);
	run_until(f, is_done);
	run_idle(f);
	assert_clean_end(f, 10 * MIB, 0);
	assert_int_equal(count_fds("pipe:"), f->pipes_before);
}

/* 2. 4 MiB each way at once, different data. */
static void test_both_ways(void **state)
{
	struct fixture *f = *state;

	peer_plan(&f->x, 4 * MIB, 2, 4 * MIB);
	peer_plan(&f->y, 4 * MIB, 3, 4 * MIB);
	f->x.shut_when_sent = f->y.shut_when_sent = true;
	run_until(f, both_eof_done);
	run_idle(f);
	assert_got(&f->x, &f->y);
	assert_got(&f->y, &f->x);
	assert_clean_end(f, 4 * MIB, 4 * MIB);
}

/* 3. x sends 1 MiB and FIN; y answers 1 MiB after the EOF, then closes. */
static void test_half_close(void **state)
{
	struct fixture *f = *state;

	peer_plan(&f->x, MIB, 4, MIB);
	peer_plan(&f->y, 0, 0, MIB);
	f->x.shut_when_sent = true;
	run_until(f, y_eof);
	assert_got(&f->x, &f->y);
	free(f->y.out);
	f->y.out = random_bytes(MIB, 5);
	f->y.out_len = MIB;
	run_until(f, x_has_all);
	assert_got(&f->y, &f->x);
	run_idle(f);
	assert_int_equal(f->done_calls, 0);
	assert_false(f->x.eof);
	peer_close(&f->y);
	run_until(f, x_eof);
	run_until(f, is_done);
	assert_clean_end(f, MIB, MIB);
}

/* Run until neither x nor the relay has moved a byte for 0.2 s and 1000
 * rounds (time alone could be a pause of this process). */
static void run_until_stalled(struct fixture *f)
{
	struct relay_stats st;
	size_t last_sent = 0;
	uint64_t last_relayed = 0;
	double quiet_since = now_s();
	int quiet_rounds = 0;

	while (now_s() - quiet_since < 0.2 || quiet_rounds < 1000) {
		if (now_s() > f->deadline)
			fail_msg("x never stalled");
		step(f);
		relay_get_stats(f->r, &st);
		quiet_rounds++;
		if (f->x.out_off != last_sent || st.a_to_b != last_relayed) {
			quiet_since = now_s();
			quiet_rounds = 0;
		}
		last_sent = f->x.out_off;
		last_relayed = st.a_to_b;
	}
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	*(bool *)arg = true;
}

/* A stalled relay waits: blocking loop passes, until a 50 ms timer fires,
 * find (almost) nothing else to run. A relay that kept its read event
 * armed on a full pipe would spin through 100 passes at once. */
static void assert_relay_idle(struct fixture *f)
{
	struct timeval tv = {0, 50 * 1000};
	bool fired = false;
	struct event *t = evtimer_new(f->base, on_timer, &fired);
	int passes = 0;

	assert_non_null(t);
	assert_int_equal(evtimer_add(t, &tv), 0);
	while (!fired && passes < 100) {
		assert_true(event_base_loop(f->base, EVLOOP_ONCE) >= 0);
		passes++;
	}
	event_free(t);
	assert_true(fired);
	assert_in_range(passes, 1, 3);
}

/* 4. y reads nothing: x must stall (the relay stopped reading a), with no
 * more in flight than buffers and the pipe, and the relay must sleep;
 * then y reads everything. chunk: x's bytes per send(). */
static void back_pressure(struct fixture *f, size_t total, size_t chunk)
{
	int one = 1;

	assert_int_equal(setsockopt(f->x.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	peer_plan(&f->x, total, 6, 0);
	peer_plan(&f->y, 0, 0, total);
	f->x.chunk = chunk;
	f->x.shut_when_sent = true;
	f->y.reading = false;
	run_until_stalled(f);
	assert_relay_idle(f);
	assert_int_equal(f->x.send_err, 0);
	assert_true(f->x.out_off < f->x.out_len);
	/* pipe <= 1 MiB, 4 socket buffers of a few 100 KiB each */
	assert_true(f->x.out_off <= 4 * MIB);
	assert_true(f->x.out_off > 0);
	assert_int_equal(f->done_calls, 0);
	f->y.reading = true;
	run_until(f, y_eof);
	assert_got(&f->x, &f->y);
	peer_close(&f->y);
	run_until(f, is_done);
	assert_clean_end(f, total, 0);
}

static void test_back_pressure(void **state)
{
	back_pressure(*state, 16 * MIB, 0);
}

/* Tiny segments can fill the pipe's slots long before its bytes. */
static void test_back_pressure_tiny(void **state)
{
	back_pressure(*state, MIB, 64);
}

static bool x_sees_end(const struct fixture *f)
{
	return f->x.eof || f->x.recv_err || f->x.send_err;
}

/* 5. y resets (SO_LINGER {1, 0}) during a transfer. */
static void test_reset(void **state)
{
	struct fixture *f = *state;
	struct linger lg = {.l_onoff = 1, .l_linger = 0};

	peer_plan(&f->x, 8 * MIB, 7, 0);
	peer_plan(&f->y, 0, 0, 8 * MIB);
	while (f->y.in_len < MIB) {
		assert_true(now_s() < f->deadline);
		step(f);
	}
	assert_int_equal(setsockopt(f->y.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	peer_close(&f->y);
	run_until(f, is_done);
	run_until(f, x_sees_end);
	run_idle(f);
	assert_int_equal(f->done_calls, 1);
	assert_true(f->fds_closed_in_done);
	assert_true(f->st.error);
	assert_true(f->st.error_errno == ECONNRESET || f->st.error_errno == EPIPE);
	assert_true(f->st.b_closed);
	assert_true(f->st.a_to_b >= MIB && f->st.a_to_b < 8 * MIB);
}

static bool y_sees_end(const struct fixture *f)
{
	return f->y.eof || f->y.recv_err;
}

/* 6. relay_free in the middle: both ends closed at once, done not called. */
static void test_free_midway(void **state)
{
	struct fixture *f = *state;

	peer_plan(&f->x, 8 * MIB, 8, 0);
	peer_plan(&f->y, 0, 0, 8 * MIB);
	while (f->y.in_len < MIB) {
		assert_true(now_s() < f->deadline);
		step(f);
	}
	relay_free(f->r);
	f->r = NULL;
	assert_true(fd_is_closed(f->a));
	assert_true(fd_is_closed(f->b));
	run_until(f, y_sees_end);
	run_until(f, x_sees_end);
	run_idle(f);
	assert_true(f->y.in_len < 8 * MIB);
	assert_memory_equal(f->y.in, f->x.out, f->y.in_len);
	assert_int_equal(f->done_calls, 0);
}

/* 7. relay_free from inside done (ASan sees any use after free). */
static void test_free_in_done(void **state)
{
	struct fixture *f = *state;

	peer_plan(&f->x, 64 * 1024, 9, 100);
	peer_plan(&f->y, 100, 10, 64 * 1024);
	f->x.shut_when_sent = f->y.shut_when_sent = true;
	f->free_in_done = true;
	run_until(f, both_eof_done);
	assert_null(f->r);
	run_idle(f);
	assert_got(&f->x, &f->y);
	assert_got(&f->y, &f->x);
	assert_clean_end(f, 64 * 1024, 100);
}

static bool no_splice = true;

#define CASE(fn, su, st) {#fn, fn, su, teardown, st}
#define BOTH(fn, su) CASE(fn, su, NULL), {#fn " (fallback)", fn, su, teardown, &no_splice}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_one_way, setup),
		BOTH(test_both_ways, setup),
		BOTH(test_half_close, setup),
		BOTH(test_back_pressure, setup_small),
		BOTH(test_back_pressure_tiny, setup_small),
		BOTH(test_reset, setup_small),
		CASE(test_free_midway, setup_small, NULL),
		CASE(test_free_in_done, setup, NULL),
	};

	/* splice(2) to a reset socket raises SIGPIPE: the relay's caller
	 * must ignore it, as ftplab-proxy's main does. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* out_zeek.c - Zeek's ftp.log (ASCII writer, TSV), as Zeek's
 * base/protocols/ftp scripts would write it for the same traffic.
 *
 * What Zeek does, and so do we:
 *  - Only the commands in FTP::logged_commands get a row: APPE DELE RETR
 *    STOR STOU ACCT PORT PASV EPRT EPSV. opts.zeek_commands adds more
 *    (like `redef FTP::logged_commands += {...}`), "<init>" being the banner.
 *  - For the file commands (APPE CWD DELE MKD RETR RMD RNFR RNTO STOR STOU REST
 *    SIZE MDTM) arg is a URL: "ftp://" server address ([v6]) and the path
 *    made of Zeek's own working directory and the argument, compressed
 *    ("ftp://192.0.2.1/./pub/x" while the directory is unknown). That
 *    directory starts as "." and follows CWD (250), CDUP (200/250: Zeek
 *    makes it "/"), PWD and XPWD (257: the quoted path of the reply).
 *  - user is "<unknown>" before USER; password is "<hidden>" unless the user
 *    is a guest (anonymous, ftp, ftpuser, guest) or opts.show_passwords; a
 *    PASS row's arg follows the same rule. user and password are cut at 128
 *    bytes, arg and reply_msg at 4096.
 *  - reply_msg is the text of the reply's last line; mime_type and fuid are
 *    "-" (we do not sniff files); data_channel.* are set on the PORT, EPRT,
 *    PASV and EPSV rows.
 *  - Fields: "-" unset, "(empty)" empty, a field that is "-" is written
 *    "\x2d"; tab, backslash, control bytes and bytes that are not UTF-8 as
 *    \xNN (C1 controls too, which Zeek lets through).
 * What differs: uid is derived from the session id (out_format_uid), and
 * #open/#close carry the times of the first and last events in UTC, not
 * the wall clock, so that the same capture always gives the same log.
 */
#include "out.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ftplab/textesc.h"

#define ZEEK_MAX_USER 128
#define ZEEK_MAX_PASSWORD 128
#define ZEEK_MAX_ARG 4096
#define ZEEK_MAX_REPLY 4096
#define ZEEK_CWD_MAX 4096

struct zeek_sess {
	unsigned id;
	size_t cwd_len;
	char cwd[ZEEK_CWD_MAX];
};

struct zeek_writer {
	struct out_writer base;
	bool header_done;
	bool have_ts;
	double last_ts;
	struct zeek_sess **sess;
	size_t nsess, capsess;
};

/* One ftp.log row before escaping. */
struct zeek_row {
	const struct an_session *s;
	double ts;
	struct an_bytes user;      /* p NULL: "<unknown>" */
	struct an_bytes password;  /* p NULL: unset */
	const char *command;
	struct an_bytes arg;       /* p NULL or n 0: unset */
	bool file_size_set;
	uint64_t file_size;
	int reply_code;            /* 0: unset (and reply_msg too) */
	struct an_bytes reply_msg;
	const struct an_data_channel *dc; /* NULL or !set: unset */
};

static const char *const default_logged[] = {
	"APPE", "DELE", "RETR", "STOR", "STOU", "ACCT", "PORT", "PASV", "EPRT", "EPSV",
};

static const char *const file_cmds[] = {
	"APPE", "CWD", "DELE", "MKD", "RETR", "RMD", "RNFR", "RNTO", "STOR", "STOU",
	"REST", "SIZE", "MDTM",
};

static const char *const guest_ids[] = {"anonymous", "ftp", "ftpuser", "guest"};

static bool in_list(const char *const *list, size_t n, const char *verb)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(list[i], verb) == 0)
			return true;
	}
	return false;
}

/* Whether verb is one of the comma-separated names of extra ("*": all). */
static bool in_extra(const char *extra, const char *verb)
{
	size_t vlen = strlen(verb);

	if (extra == NULL)
		return false;
	while (*extra) {
		size_t n;

		extra += strspn(extra, ", ");
		n = strcspn(extra, ", ");
		if (n == 1 && extra[0] == '*')
			return true;
		if (n > 0 && n == vlen && strncasecmp(extra, verb, n) == 0)
			return true;
		extra += n;
	}
	return false;
}

static bool zeek_logged(const struct zeek_writer *zw, const char *verb)
{
	return in_list(default_logged, sizeof(default_logged) / sizeof(default_logged[0]), verb) ||
	       in_extra(zw->base.o.zeek_commands, verb);
}

/* ---- Escaping ---- */

static void put_field(FILE *f, const char *p, size_t n, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)p;

	if (p == NULL || n == 0) {
		fputs("(empty)", f);
		return;
	}
	if (n > max)
		n = max; /* Zeek cuts bytes, not characters */
	if (n == 1 && p[0] == '-') {
		fputs("\\x2d", f);
		return;
	}
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq_len(u + i, n - i);

		if (k == 1 && u[i] >= 0x20 && u[i] < 0x7f && u[i] != '\\') {
			fputc(u[i], f);
		} else if (k > 1 && !(k == 2 && u[i] == 0xc2 && u[i + 1] < 0xa0)) {
			fwrite(u + i, 1, k, f);
		} else {
			fprintf(f, "\\x%c%c", hex[u[i] >> 4], hex[u[i] & 15]);
			k = 1;
		}
		i += k;
	}
}

static void put_unset_or(FILE *f, struct an_bytes b, size_t max)
{
	if (b.p == NULL)
		fputs("-", f);
	else
		put_field(f, b.p, b.n, max);
}

/* ---- Zeek's working directory and paths (base/utils/paths.zeek) ---- */

static bool path_is_absolute(const char *p, size_t n)
{
	if (n >= 1 && p[0] == '/')
		return true;
	return n >= 3 && ((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) &&
	       p[1] == ':' && (p[2] == '\\' || p[2] == '/');
}

static bool seg_is(const char *p, size_t len, const char *what)
{
	return len == strlen(what) && memcmp(p, what, len) == 0;
}

/* compress_path: drop empty and "." segments (a leading "." stays), let
 * ".." remove the segment before it (at the root it is dropped, at the
 * start of a relative path it stays), no trailing '/'. out holds n + 1. */
static size_t path_compress(const char *p, size_t n, char *out)
{
	bool abs = n > 0 && p[0] == '/';
	size_t o = abs ? 1 : 0, root = o, nseg = 0;
	size_t *seg = malloc((n / 2 + 2) * sizeof(*seg)); /* where each kept segment starts */

	if (seg == NULL)
		return 0;
	if (abs)
		out[0] = '/';
	for (size_t i = 0, j; i < n; i = j + 1) {
		size_t len;

		for (j = i; j < n && p[j] != '/'; j++)
			;
		len = j - i;
		if (len == 0 || (seg_is(p + i, len, ".") && (abs || o > root)))
			continue;
		if (seg_is(p + i, len, "..")) {
			if (nseg > 0 && !seg_is(out + seg[nseg - 1], o - seg[nseg - 1], "..")) {
				nseg--;
				o = seg[nseg] > root ? seg[nseg] - 1 : root;
				continue;
			}
			if (abs)
				continue;
		}
		if (o > root)
			out[o++] = '/';
		seg[nseg++] = o;
		memcpy(out + o, p + i, len);
		o += len;
	}
	free(seg);
	return o;
}

/* build_path_compressed(dir, file): file alone when it is absolute or dir
 * is empty, else dir "/" file; then compressed. Returns a malloc'd buffer. */
static char *path_build(const char *dir, size_t dn, const char *file, size_t fn, size_t *len)
{
	char *joined = malloc(dn + fn + 2), *out = malloc(dn + fn + 2);
	size_t j = 0;

	if (joined == NULL || out == NULL) {
		free(joined);
		free(out);
		return NULL;
	}
	if (!path_is_absolute(file, fn) && dn > 0) {
		memcpy(joined, dir, dn);
		j = dn;
		if (dir[dn - 1] != '/')
			joined[j++] = '/';
	}
	if (fn)
		memcpy(joined + j, file, fn);
	j += fn;
	*len = path_compress(joined, j, out);
	free(joined);
	return out;
}

static void cwd_set(struct zeek_sess *zs, const char *p, size_t n)
{
	if (n > sizeof(zs->cwd))
		n = sizeof(zs->cwd);
	memcpy(zs->cwd, p, n);
	zs->cwd_len = n;
}

/* extract_path: the first quoted absolute path of a 257 reply, else the
 * first absolute path up to a space or quote ("\ " continues it). */
static struct an_bytes path_extract(struct an_bytes m)
{
	for (size_t i = 0; i + 1 < m.n; i++) {
		const char *end;

		if (m.p[i] != '"' || !path_is_absolute(m.p + i + 1, m.n - i - 1))
			continue;
		end = memchr(m.p + i + 1, '"', m.n - i - 1);
		if (end)
			return (struct an_bytes){m.p + i + 1, (size_t)(end - m.p) - i - 1};
	}
	for (size_t i = 0; i < m.n; i++) {
		size_t j = i;

		if (!path_is_absolute(m.p + i, m.n - i))
			continue;
		while (j < m.n && m.p[j] != '"' && m.p[j] != ' ')
			j += (m.p[j] == '\\' && j + 1 < m.n && m.p[j + 1] == ' ') ? 2 : 1;
		return (struct an_bytes){m.p + i, j - i};
	}
	return (struct an_bytes){"", 0};
}

/* FTP::directory_cmds: CWD 250, CDUP 200/250, PWD and XPWD 257. */
static void cwd_follow(struct zeek_sess *zs, const struct an_command *c)
{
	const char *v = c->verb;
	char *np = NULL;
	size_t nl = 0;

	if (strcmp(v, "CWD") == 0 && c->reply_code == 250)
		np = path_build(zs->cwd, zs->cwd_len, c->arg.p, c->arg.n, &nl);
	else if (strcmp(v, "CDUP") == 0 && (c->reply_code == 200 || c->reply_code == 250))
		np = path_build(zs->cwd, zs->cwd_len, "/..", 3, &nl);
	else if ((strcmp(v, "PWD") == 0 || strcmp(v, "XPWD") == 0) && c->reply_code == 257) {
		struct an_bytes path = path_extract(out_last_line(&c->reply));

		cwd_set(zs, path.p, path.n);
		return;
	}
	if (np)
		cwd_set(zs, np, nl);
	free(np);
}

/* ---- Sessions ---- */

static struct zeek_sess *sess_find(struct zeek_writer *zw, unsigned id, bool create)
{
	struct zeek_sess *zs;

	for (size_t i = 0; i < zw->nsess; i++) {
		if (zw->sess[i]->id == id)
			return zw->sess[i];
	}
	if (!create)
		return NULL;
	if (zw->nsess == zw->capsess) {
		size_t cap = zw->capsess ? 2 * zw->capsess : 16;
		struct zeek_sess **ns = realloc(zw->sess, cap * sizeof(*ns));

		if (ns == NULL)
			return NULL;
		zw->sess = ns;
		zw->capsess = cap;
	}
	zs = malloc(sizeof(*zs));
	if (zs == NULL)
		return NULL;
	zs->id = id;
	cwd_set(zs, ".", 1);
	zw->sess[zw->nsess++] = zs;
	return zs;
}

static void sess_drop(struct zeek_writer *zw, unsigned id)
{
	for (size_t i = 0; i < zw->nsess; i++) {
		if (zw->sess[i]->id == id) {
			free(zw->sess[i]);
			zw->sess[i] = zw->sess[--zw->nsess];
			return;
		}
	}
}

/* ---- Rows ---- */

static void put_date(FILE *f, double ts)
{
	time_t t = ts > 0 ? (time_t)ts : 0;
	struct tm tm;
	char buf[32];

	if (gmtime_r(&t, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%d-%H-%M-%S", &tm))
		fputs(buf, f);
	else
		fputs("1970-01-01-00-00-00", f);
}

static void put_header(struct zeek_writer *zw, double ts)
{
	FILE *f = zw->base.f;

	fputs("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n"
	      "#unset_field\t-\n#path\tftp\n#open\t", f);
	put_date(f, ts);
	fputs("\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tuser\tpassword"
	      "\tcommand\targ\tmime_type\tfile_size\treply_code\treply_msg"
	      "\tdata_channel.passive\tdata_channel.orig_h\tdata_channel.resp_h"
	      "\tdata_channel.resp_p\tfuid\n", f);
	fputs("#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring"
	      "\tstring\tcount\tcount\tstring\tbool\taddr\taddr\tport\tstring\n", f);
	zw->header_done = true;
}

static void put_addr_field(FILE *f, const struct ftp_addr *a)
{
	char buf[ADDR_STRLEN];
	const char *s = out_address(buf, a);

	fprintf(f, "\t%s", s ? s : "-");
}

static void put_conn_fields(FILE *f, const struct an_session *s)
{
	char uid[OUT_UID_LEN];

	out_format_uid(uid, sizeof(uid), s->id);
	fprintf(f, "\t%s", uid);
	put_addr_field(f, &s->client.addr);
	fprintf(f, "\t%u", s->client.port);
	put_addr_field(f, &s->server.addr);
	fprintf(f, "\t%u", s->server.port);
}

static void put_row(struct zeek_writer *zw, const struct zeek_row *r)
{
	FILE *f = zw->base.f;

	if (!zw->header_done)
		put_header(zw, r->ts);
	fprintf(f, "%.6f", r->ts);
	put_conn_fields(f, r->s);
	fputc('\t', f);
	if (r->user.p)
		put_field(f, r->user.p, r->user.n, ZEEK_MAX_USER);
	else
		fputs("<unknown>", f);
	fputc('\t', f);
	put_unset_or(f, r->password, ZEEK_MAX_PASSWORD);
	fputc('\t', f);
	put_field(f, r->command, strlen(r->command), ZEEK_MAX_ARG); /* a verb from the wire */
	fputc('\t', f);
	put_unset_or(f, r->arg.n ? r->arg : (struct an_bytes){NULL, 0}, ZEEK_MAX_ARG);
	fputs("\t-\t", f); /* mime_type */
	if (r->file_size_set)
		fprintf(f, "%llu", (unsigned long long)r->file_size);
	else
		fputc('-', f);
	if (r->reply_code) {
		fprintf(f, "\t%d\t", r->reply_code);
		put_field(f, r->reply_msg.p, r->reply_msg.n, ZEEK_MAX_REPLY);
	} else {
		fputs("\t-\t-", f);
	}
	if (r->dc && r->dc->set) {
		fprintf(f, "\t%s", r->dc->passive ? "T" : "F");
		put_addr_field(f, &r->dc->orig.addr);
		put_addr_field(f, &r->dc->resp.addr);
		fprintf(f, "\t%u", r->dc->resp.port);
	} else {
		fputs("\t-\t-\t-\t-", f);
	}
	fputs("\t-\n", f); /* fuid */
}

static bool is_guest(struct an_bytes user)
{
	for (size_t i = 0; i < sizeof(guest_ids) / sizeof(guest_ids[0]); i++) {
		if (user.p && strlen(guest_ids[i]) == user.n &&
		    strncasecmp(guest_ids[i], user.p, user.n) == 0)
			return true;
	}
	return false;
}

/* "ftp://" address ("[v6]") and the compressed path ("/" first). */
static char *zeek_url(const struct zeek_sess *zs, const struct an_session *s,
                      struct an_bytes arg, size_t *len)
{
	char host[ADDR_STRLEN], *path, *url;
	const char *h = out_address(host, &s->server.addr);
	size_t pn = 0, hn, o;
	bool v6 = s->server.addr.family == FTP_AF_INET6;

	h = h ? h : "";
	path = path_build(zs->cwd, zs->cwd_len, arg.p ? arg.p : "", arg.n, &pn);
	hn = strlen(h);
	url = path ? malloc(6 + hn + 2 + 1 + pn + 1) : NULL;
	if (url == NULL) {
		free(path);
		return NULL;
	}
	o = (size_t)sprintf(url, v6 ? "ftp://[%s]" : "ftp://%s", h);
	if (pn == 0 || path[0] != '/')
		url[o++] = '/';
	memcpy(url + o, path, pn);
	*len = o + pn;
	free(path);
	return url;
}

static void zeek_command(struct zeek_writer *zw, const struct an_command *c)
{
	struct zeek_sess *zs = sess_find(zw, c->s->id, true);
	struct zeek_row r = {
		.s = c->s, .ts = c->ts, .command = c->verb, .arg = c->arg,
		.file_size_set = c->file_size_set, .file_size = c->file_size,
		.reply_code = c->reply_code, .reply_msg = out_last_line(&c->reply), .dc = &c->dc,
	};
	bool hide;
	char *url = NULL;
	size_t ulen = 0;

	if (zs == NULL) {
		zw->base.failed = true;
		return;
	}
	cwd_follow(zs, c);
	if (!zeek_logged(zw, c->verb))
		return;
	if (strcmp(c->verb, "USER") == 0)
		r.user = c->arg;
	else if (c->user && c->user[0])
		r.user = (struct an_bytes){c->user, strlen(c->user)};
	hide = !zw->base.o.show_passwords && !is_guest(r.user);
	if (strcmp(c->verb, "PASS") == 0)
		r.password = (struct an_bytes){c->arg.p ? c->arg.p : "", c->arg.n};
	else if (c->password_set)
		r.password = (struct an_bytes){c->password.p ? c->password.p : "", c->password.n};
	if (r.password.p && hide)
		r.password = (struct an_bytes){"<hidden>", 8};
	if (strcmp(c->verb, "PASS") == 0 && hide)
		r.arg = (struct an_bytes){"<hidden>", 8};
	if (in_list(file_cmds, sizeof(file_cmds) / sizeof(file_cmds[0]), c->verb)) {
		url = zeek_url(zs, c->s, c->arg, &ulen);
		r.arg = (struct an_bytes){url, ulen};
	}
	put_row(zw, &r);
	free(url);
}

static void zeek_banner(struct zeek_writer *zw, const struct an_event *ev)
{
	struct zeek_row r = {
		.s = ev->s, .ts = ev->u.banner.ts, .command = "<init>",
		.reply_code = ev->u.banner.code, .reply_msg = out_last_line(&ev->u.banner.text),
	};

	if (sess_find(zw, ev->s->id, true) == NULL)
		zw->base.failed = true;
	if (zeek_logged(zw, "<init>"))
		put_row(zw, &r);
}

static void zeek_event(struct out_writer *w, const struct an_event *ev)
{
	struct zeek_writer *zw = (struct zeek_writer *)w;
	double ts = out_event_ts(ev);

	if (!zw->have_ts || ts > zw->last_ts)
		zw->last_ts = ts;
	zw->have_ts = true;
	switch (ev->type) {
	case AN_EV_SESSION_OPEN:
		if (ev->s && sess_find(zw, ev->s->id, true) == NULL)
			zw->base.failed = true;
		break;
	case AN_EV_SESSION_CLOSE:
		if (ev->s)
			sess_drop(zw, ev->s->id);
		break;
	case AN_EV_BANNER:
		if (ev->s)
			zeek_banner(zw, ev);
		break;
	case AN_EV_COMMAND:
		if (ev->u.cmd && ev->u.cmd->s && ev->u.cmd->verb)
			zeek_command(zw, ev->u.cmd);
		break;
	case AN_EV_TRANSFER:
	case AN_EV_DIAG:
		break; /* Zeek's ftp.log has no rows for them */
	}
}

static void zeek_finish(struct out_writer *w)
{
	struct zeek_writer *zw = (struct zeek_writer *)w;

	if (!zw->header_done)
		return; /* like Zeek: no rows, no log */
	fputs("#close\t", w->f);
	put_date(w->f, zw->last_ts);
	fputc('\n', w->f);
}

static void zeek_destroy(struct out_writer *w)
{
	struct zeek_writer *zw = (struct zeek_writer *)w;

	for (size_t i = 0; i < zw->nsess; i++)
		free(zw->sess[i]);
	free(zw->sess);
	free(zw);
}

static const struct out_ops zeek_ops = {zeek_event, zeek_finish, zeek_destroy};

struct out_writer *out_zeek_new(FILE *f, const struct out_opts *o)
{
	struct zeek_writer *zw = calloc(1, sizeof(*zw));

	if (zw == NULL)
		return NULL;
	out_writer_init(&zw->base, &zeek_ops, f, o);
	return &zw->base;
}

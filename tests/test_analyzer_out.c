/* test_analyzer_out.c - the analyzer's writers (analyzer/out*.c) and its
 * diagnostics' texts (analyzer/diag.c), fed with events built by hand and
 * written into memory streams; the outputs are compared byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "out.h"
#include "tablecheck.h"

#define V4(a, b, c, d) {FTP_AF_INET, {a, b, c, d}}
#define V6(last) {FTP_AF_INET6, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last}}
#define B(s) {s, sizeof(s) - 1}
#define T0 1700000000.0 /* 2023-11-14T22:13:20Z */

static const struct an_session S1 = {
	1, {V4(192, 0, 2, 10), 51234}, {V4(198, 51, 100, 1), 21}, T0, T0 + 9.5, "anonymous",
	AN_LOGIN_OK, 5, 1, false, "/", 0,
};
static const struct an_session S2 = {
	2, {V6(0x10), 40000}, {V6(0x01), 21}, T0 + 100.25, T0 + 101, "", AN_LOGIN_NONE, 0, 0,
	true, "", 0,
};

#define CMD(s_, t, verb_, arg_, code, reply_, ms) \
	.s = s_, .ts = t, .verb = verb_, .arg = B(arg_), .reply_code = code, .reply = B(reply_), \
	.latency_ms = ms
#define ANON .user = "anonymous", .password = B("guest@"), .password_set = true

static const struct an_command C_USER = {CMD(&S1, T0 + 0.012, "USER", "anonymous", 331,
                                             "Please specify the password.", 0.4), ANON};
static const struct an_command C_RETR = {
	CMD(&S1, T0 + 0.1, "RETR", "big.bin", 226, "Transfer complete.", 11.2), ANON,
	.prelim_code = 150, .cwd = "/pub", .file_size_set = true, .file_size = 1048576,
};
static const struct an_command C_ODD = {CMD(&S1, T0 + 0.2, "STOR", "a\0b\xff\tc\nd\\e", 553,
                                            "Could not create file.", 0.3), ANON};
static const struct an_command C_UTF8 = {CMD(&S1, T0 + 0.3, "DELE", "caf\xc3\xa9 \xc2\x85x \xe2\x82",
                                             250, "Delete operation successful.", 1), ANON};
static const struct an_command C_PORT = {
	CMD(&S1, T0 + 0.04, "PORT", "192,0,2,10,195,80", 200, "PORT command successful.", 0.043),
	ANON,
	.dc = {true, false, {V4(198, 51, 100, 1), 0}, {V4(192, 0, 2, 10), 50000}},
};
static const struct an_command C_EPSV = {
	CMD(&S2, T0 + 100.75, "EPSV", "", 229, "Entering Extended Passive Mode (|||50001|)", 0.5),
	.user = "",
	.dc = {true, true, {V6(0x10), 0}, {V6(0x01), 50001}},
};
static const struct an_command C_QUIT = {CMD(&S1, T0 + 9.4, "QUIT", "", 0, "", -1), ANON};
static const struct an_command C_FEAT = {CMD(&S1, T0 + 0.05, "FEAT", "", 211,
                                             "Features:\n EPSV\n MDTM\nEnd", 2500), ANON};

static const struct an_transfer X_DONE = {
	.s = &S1, .cmd = FTP_CMD_RETR, .verb = "RETR", .arg = B("big.bin"), .mode = AN_MODE_PASSIVE,
	.data_client = {V4(192, 0, 2, 10), 50000}, .data_server = {V4(198, 51, 100, 1), 40000},
	.direction = FTP_XFER_DOWNLOAD, .bytes = 1048576, .ts_start = T0 + 0.12,
	.duration_s = 0.011, .status = AN_XFER_COMPLETE, .reply_code = 226, .syn_seen = true,
	.fin_seen = true, .size_announced = true, .announced_size = 1048576, .sha256_set = true,
	.sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	.extracted = "out/1-big.bin",
};
static const struct an_transfer X_ABORT = {
	.s = &S1, .cmd = FTP_CMD_STOR, .verb = "STOR", .arg = B("up.bin"), .mode = AN_MODE_ACTIVE,
	.data_client = {V4(198, 51, 100, 1), 20}, .data_server = {V4(192, 0, 2, 10), 50001},
	.direction = FTP_XFER_UPLOAD, .bytes = 5000, .ts_start = T0 + 1, .duration_s = 0.0005,
	.status = AN_XFER_ABORTED, .reply_code = 426, .syn_seen = true, .rst_seen = true,
};
static const struct an_transfer X_FAIL = {
	.s = &S2, .cmd = FTP_CMD_LIST, .verb = "LIST", .mode = AN_MODE_EPSV,
	.direction = FTP_XFER_LISTING, .ts_start = T0 + 101.05, .status = AN_XFER_FAILED,
	.reply_code = 425,
};
static const struct an_transfer X_PART = {
	.s = &S2, .cmd = FTP_CMD_RETR, .verb = "RETR", .arg = B("part.bin"), .mode = AN_MODE_EPRT,
	.data_client = {V6(0x01), 20}, .data_server = {V6(0x10), 50002},
	.direction = FTP_XFER_DOWNLOAD, .bytes = 70000, .ts_start = T0 + 101.15, .duration_s = 2,
	.status = AN_XFER_INCOMPLETE, .syn_seen = true, .gaps = 2, .gap_bytes = 2896,
	.size_announced = true, .announced_size = 100000,
};

static const struct an_diag D_PASV = {
	.s = &S1, .ts = T0 + 0.09, .kind = AN_DIAG_PASV_ADDRESS_MISMATCH,
	.message = "227 announced 10.0.0.5:40000, the server is 198.51.100.1 on the wire.",
	.ev = {{"announced", "10.0.0.5:40000"}, {"wire", "198.51.100.1"}}, .nev = 2,
};
static const struct an_diag D_NOTFTP = {
	.a = {V4(203, 0, 113, 7), 5555}, .b = {V4(198, 51, 100, 1), 21}, .ts = T0 + 50,
	.kind = AN_DIAG_NOT_FTP, .message = "No FTP reply in the first 512 bytes \x01.",
};

#define EV_CMD(s_, c) {.type = AN_EV_COMMAND, .s = s_, .u.cmd = &(c)}
#define EV_X(s_, x) {.type = AN_EV_TRANSFER, .s = s_, .u.xfer = &(x)}
#define EV_D(s_, d) {.type = AN_EV_DIAG, .s = s_, .u.diag = &(d)}
#define EV_BANNER(s_, t, text_) \
	{.type = AN_EV_BANNER, .s = s_, .u.banner = {t, 220, B(text_)}}
#define ROW "1700000000"

struct out_case {
	const char *name;
	struct an_event ev;
	const char *text, *json, *zeek; /* zeek: rows without '#' lines, uid as UID */
};

static const struct out_case cases[] = {
	{"session open", {.type = AN_EV_SESSION_OPEN, .s = &S1},
	 "#1 +0.000 OPEN 192.0.2.10:51234 -> 198.51.100.1:21\n", "", ""},
	{"session close", {.type = AN_EV_SESSION_CLOSE, .s = &S1},
	 "#1 +9.500 CLOSE 192.0.2.10:51234 -> 198.51.100.1:21: user anonymous, login ok, "
	 "5 commands, 1 transfer, 9.500 s\n",
	 "{\"type\":\"session\",\"session\":1,\"client\":\"192.0.2.10:51234\",\"server\":"
	 "\"198.51.100.1:21\",\"ts_start\":1700000000.000000,\"ts_end\":1700000009.500000,"
	 "\"user\":\"anonymous\",\"login\":\"ok\",\"commands\":5,\"transfers\":1,"
	 "\"encrypted\":false}\n", ""},
	{"session close, IPv6, no user, encrypted", {.type = AN_EV_SESSION_CLOSE, .s = &S2},
	 "#2 +0.750 CLOSE [2001:db8::10]:40000 -> [2001:db8::1]:21: no user, not logged in, "
	 "0 commands, 0 transfers, 0.750 s, encrypted after AUTH TLS\n",
	 "{\"type\":\"session\",\"session\":2,\"client\":\"[2001:db8::10]:40000\",\"server\":"
	 "\"[2001:db8::1]:21\",\"ts_start\":1700000100.250000,\"ts_end\":1700000101.000000,"
	 "\"user\":null,\"login\":\"none\",\"commands\":0,\"transfers\":0,\"encrypted\":true}\n",
	 ""},
	{"banner", EV_BANNER(&S1, T0 + 0.003, "(vsFTPd 3.0.5)"),
	 "#1 +0.003 S> 220 (vsFTPd 3.0.5)\n",
	 "{\"type\":\"banner\",\"session\":1,\"ts\":1700000000.003000,\"code\":220,"
	 "\"reply\":\"(vsFTPd 3.0.5)\"}\n", ""},
	{"banner of three lines, one with ESC", EV_BANNER(&S1, T0 + 0.003,
	                                                  "Welcome\n\x1b[31mred\nFTP server ready."),
	 "#1 +0.003 S> 220 Welcome\n#1 +0.003    | \\x1b[31mred\n#1 +0.003    | FTP server ready.\n",
	 "{\"type\":\"banner\",\"session\":1,\"ts\":1700000000.003000,\"code\":220,"
	 "\"reply\":\"Welcome\\n\\u001b[31mred\\nFTP server ready.\"}\n", ""},
	{"USER", EV_CMD(&S1, C_USER),
	 "#1 +0.012 C> USER anonymous  <331 Please specify the password. (0.4 ms)\n",
	 "{\"type\":\"command\",\"session\":1,\"ts\":1700000000.012000,\"cmd\":\"USER\","
	 "\"arg\":\"anonymous\",\"reply_code\":331,\"reply\":\"Please specify the password.\","
	 "\"latency_ms\":0.400,\"cwd\":null,\"prelim_code\":null,\"file_size\":null,"
	 "\"data_channel\":null,\"arg_truncated\":false,\"reply_truncated\":false}\n", ""},
	{"RETR with 150 and file size", EV_CMD(&S1, C_RETR),
	 "#1 +0.100 C> RETR big.bin  <150 <226 Transfer complete. (11.2 ms)\n",
	 "{\"type\":\"command\",\"session\":1,\"ts\":1700000000.100000,\"cmd\":\"RETR\","
	 "\"arg\":\"big.bin\",\"reply_code\":226,\"reply\":\"Transfer complete.\","
	 "\"latency_ms\":11.200,\"cwd\":\"/pub\",\"prelim_code\":150,\"file_size\":1048576,"
	 "\"data_channel\":null,\"arg_truncated\":false,\"reply_truncated\":false}\n",
	 ROW ".100000\tUID\t192.0.2.10\t51234\t198.51.100.1\t21\tanonymous\tguest@\tRETR\t"
	 "ftp://198.51.100.1/./big.bin\t-\t1048576\t226\tTransfer complete.\t-\t-\t-\t-\t-\n"},
	{"NUL, 0xff, tab, LF, backslash", EV_CMD(&S1, C_ODD),
	 "#1 +0.200 C> STOR a\\x00b\\xff\\x09c\\x0ad\\\\e  <553 Could not create file. (0.3 ms)\n",
	 "{\"type\":\"command\",\"session\":1,\"ts\":1700000000.200000,\"cmd\":\"STOR\","
	 "\"arg\":\"a\\u0000b\\\\xff\\tc\\nd\\\\e\",\"reply_code\":553,"
	 "\"reply\":\"Could not create file.\",\"latency_ms\":0.300,\"cwd\":null,"
	 "\"prelim_code\":null,\"file_size\":null,\"data_channel\":null,"
	 "\"arg_truncated\":false,\"reply_truncated\":false}\n",
	 ROW ".200000\tUID\t192.0.2.10\t51234\t198.51.100.1\t21\tanonymous\tguest@\tSTOR\t"
	 "ftp://198.51.100.1/./a\\x00b\\xff\\x09c\\x0ad\\x5ce\t-\t-\t553\tCould not create file."
	 "\t-\t-\t-\t-\t-\n"},
	{"UTF-8, a C1 control, a cut sequence", EV_CMD(&S1, C_UTF8),
	 "#1 +0.300 C> DELE caf\xc3\xa9 \\xc2\\x85x \\xe2\\x82  <250 Delete operation "
	 "successful. (1.0 ms)\n",
	 "{\"type\":\"command\",\"session\":1,\"ts\":1700000000.300000,\"cmd\":\"DELE\","
	 "\"arg\":\"caf\xc3\xa9 \xc2\x85x \\\\xe2\\\\x82\",\"reply_code\":250,"
	 "\"reply\":\"Delete operation successful.\",\"latency_ms\":1.000,\"cwd\":null,"
	 "\"prelim_code\":null,\"file_size\":null,\"data_channel\":null,"
	 "\"arg_truncated\":false,\"reply_truncated\":false}\n",
	 ROW ".300000\tUID\t192.0.2.10\t51234\t198.51.100.1\t21\tanonymous\tguest@\tDELE\t"
	 "ftp://198.51.100.1/./caf\xc3\xa9 \\xc2\\x85x \\xe2\\x82\t-\t-\t250\t"
	 "Delete operation successful.\t-\t-\t-\t-\t-\n"},
	{"PORT with its data channel", EV_CMD(&S1, C_PORT),
	 "#1 +0.040 C> PORT 192,0,2,10,195,80  <200 PORT command successful. (43 us)\n",
	 "{\"type\":\"command\",\"session\":1,\"ts\":1700000000.040000,\"cmd\":\"PORT\","
	 "\"arg\":\"192,0,2,10,195,80\",\"reply_code\":200,\"reply\":\"PORT command successful.\","
	 "\"latency_ms\":0.043,\"cwd\":null,\"prelim_code\":null,\"file_size\":null,"
	 "\"data_channel\":{\"passive\":false,\"orig_h\":\"198.51.100.1\",\"resp_h\":"
	 "\"192.0.2.10\",\"resp_p\":50000},\"arg_truncated\":false,\"reply_truncated\":false}\n",
	 ROW ".040000\tUID\t192.0.2.10\t51234\t198.51.100.1\t21\tanonymous\tguest@\tPORT\t"
	 "192,0,2,10,195,80\t-\t-\t200\tPORT command successful.\tF\t198.51.100.1\t192.0.2.10"
	 "\t50000\t-\n"},
	{"EPSV over IPv6, no user yet", EV_CMD(&S2, C_EPSV),
	 "#2 +0.500 C> EPSV  <229 Entering Extended Passive Mode (|||50001|) (0.5 ms)\n",
	 "{\"type\":\"command\",\"session\":2,\"ts\":1700000100.750000,\"cmd\":\"EPSV\","
	 "\"arg\":null,\"reply_code\":229,\"reply\":\"Entering Extended Passive Mode "
	 "(|||50001|)\",\"latency_ms\":0.500,\"cwd\":null,\"prelim_code\":null,\"file_size\":null,"
	 "\"data_channel\":{\"passive\":true,\"orig_h\":\"2001:db8::10\",\"resp_h\":"
	 "\"2001:db8::1\",\"resp_p\":50001},\"arg_truncated\":false,\"reply_truncated\":false}\n",
	 "1700000100.750000\tUID\t2001:db8::10\t40000\t2001:db8::1\t21\t<unknown>\t-\tEPSV\t-\t-"
	 "\t-\t229\tEntering Extended Passive Mode (|||50001|)\tT\t2001:db8::10\t2001:db8::1"
	 "\t50001\t-\n"},
	{"QUIT without reply", EV_CMD(&S1, C_QUIT), "#1 +9.400 C> QUIT  (no reply)\n",
	 "{\"type\":\"command\",\"session\":1,\"ts\":1700000009.400000,\"cmd\":\"QUIT\","
	 "\"arg\":null,\"reply_code\":null,\"reply\":null,\"latency_ms\":null,\"cwd\":null,"
	 "\"prelim_code\":null,\"file_size\":null,\"data_channel\":null,"
	 "\"arg_truncated\":false,\"reply_truncated\":false}\n", ""},
	{"multi-line reply, slow", EV_CMD(&S1, C_FEAT),
	 "#1 +0.050 C> FEAT  <211 Features: (2.500 s)\n#1 +0.050    |  EPSV\n"
	 "#1 +0.050    |  MDTM\n#1 +0.050    | End\n",
	 "{\"type\":\"command\",\"session\":1,\"ts\":1700000000.050000,\"cmd\":\"FEAT\","
	 "\"arg\":null,\"reply_code\":211,\"reply\":\"Features:\\n EPSV\\n MDTM\\nEnd\","
	 "\"latency_ms\":2500.000,\"cwd\":null,\"prelim_code\":null,\"file_size\":null,"
	 "\"data_channel\":null,\"arg_truncated\":false,\"reply_truncated\":false}\n", ""},
	{"transfer complete", EV_X(&S1, X_DONE),
	 "#1 +0.120 DATA RETR big.bin: passive 192.0.2.10:50000 -> 198.51.100.1:40000, download, "
	 "1048576 bytes in 0.011 s (95.3 MB/s), complete (226), sha256 "
	 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855, saved as "
	 "out/1-big.bin\n",
	 "{\"type\":\"transfer\",\"session\":1,\"cmd\":\"RETR\",\"arg\":\"big.bin\",\"mode\":"
	 "\"passive\",\"data_client\":\"192.0.2.10:50000\",\"data_server\":\"198.51.100.1:40000\","
	 "\"direction\":\"download\",\"bytes\":1048576,\"ts_start\":1700000000.120000,"
	 "\"duration_s\":0.011000,\"status\":\"complete\",\"reply_code\":226,\"sha256\":"
	 "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\",\"gaps\":0,"
	 "\"gap_bytes\":0,\"announced_size\":1048576,\"extracted\":\"out/1-big.bin\","
	 "\"syn_seen\":true,\"fin_seen\":true,\"rst_seen\":false}\n", ""},
	{"transfer aborted", EV_X(&S1, X_ABORT),
	 "#1 +1.000 DATA STOR up.bin: active 198.51.100.1:20 -> 192.0.2.10:50001, upload, "
	 "5000 bytes in 0.5 ms (10.0 MB/s), aborted (426), no FIN seen, reset (RST)\n",
	 "{\"type\":\"transfer\",\"session\":1,\"cmd\":\"STOR\",\"arg\":\"up.bin\",\"mode\":"
	 "\"active\",\"data_client\":\"198.51.100.1:20\",\"data_server\":\"192.0.2.10:50001\","
	 "\"direction\":\"upload\",\"bytes\":5000,\"ts_start\":1700000001.000000,\"duration_s\":"
	 "0.000500,\"status\":\"aborted\",\"reply_code\":426,\"sha256\":null,\"gaps\":0,"
	 "\"gap_bytes\":0,\"announced_size\":null,\"extracted\":null,\"syn_seen\":true,"
	 "\"fin_seen\":false,\"rst_seen\":true}\n", ""},
	{"transfer failed, no data connection", EV_X(&S2, X_FAIL),
	 "#2 +0.800 DATA LIST: epsv, no data connection, listing, 0 bytes, failed (425)\n",
	 "{\"type\":\"transfer\",\"session\":2,\"cmd\":\"LIST\",\"arg\":null,\"mode\":\"epsv\","
	 "\"data_client\":null,\"data_server\":null,\"direction\":\"listing\",\"bytes\":0,"
	 "\"ts_start\":1700000101.050000,\"duration_s\":0.000000,\"status\":\"failed\","
	 "\"reply_code\":425,\"sha256\":null,\"gaps\":0,\"gap_bytes\":0,\"announced_size\":null,"
	 "\"extracted\":null,\"syn_seen\":false,\"fin_seen\":false,\"rst_seen\":false}\n", ""},
	{"transfer incomplete, IPv6, gaps", EV_X(&S2, X_PART),
	 "#2 +0.900 DATA RETR part.bin: eprt [2001:db8::1]:20 -> [2001:db8::10]:50002, download, "
	 "70000 bytes of 100000 announced in 2.000 s (35.0 kB/s), incomplete (no reply), "
	 "2 gaps (2896 bytes missing), no FIN seen\n",
	 "{\"type\":\"transfer\",\"session\":2,\"cmd\":\"RETR\",\"arg\":\"part.bin\",\"mode\":"
	 "\"eprt\",\"data_client\":\"[2001:db8::1]:20\",\"data_server\":\"[2001:db8::10]:50002\","
	 "\"direction\":\"download\",\"bytes\":70000,\"ts_start\":1700000101.150000,"
	 "\"duration_s\":2.000000,\"status\":\"incomplete\",\"reply_code\":null,\"sha256\":null,"
	 "\"gaps\":2,\"gap_bytes\":2896,\"announced_size\":100000,\"extracted\":null,"
	 "\"syn_seen\":true,\"fin_seen\":false,\"rst_seen\":false}\n", ""},
	{"diagnostic with evidence", EV_D(&S1, D_PASV),
	 "#1 +0.090 ! pasv-address-mismatch: 227 announced 10.0.0.5:40000, the server is "
	 "198.51.100.1 on the wire. [announced=10.0.0.5:40000, wire=198.51.100.1]\n",
	 "{\"type\":\"diagnostic\",\"session\":1,\"ts\":1700000000.090000,\"kind\":"
	 "\"pasv-address-mismatch\",\"message\":\"227 announced 10.0.0.5:40000, the server is "
	 "198.51.100.1 on the wire.\",\"evidence\":{\"announced\":\"10.0.0.5:40000\",\"wire\":"
	 "\"198.51.100.1\"}}\n", ""},
	{"diagnostic without a session", EV_D(NULL, D_NOTFTP),
	 "#- +0.000 ! not-ftp: 203.0.113.7:5555 -> 198.51.100.1:21: No FTP reply in the first "
	 "512 bytes \\x01.\n",
	 "{\"type\":\"diagnostic\",\"session\":null,\"flow\":\"203.0.113.7:5555 -> "
	 "198.51.100.1:21\",\"ts\":1700000050.000000,\"kind\":\"not-ftp\",\"message\":\"No FTP "
	 "reply in the first 512 bytes \\u0001.\",\"evidence\":{}}\n", ""},
};

typedef struct out_writer *writer_new_fn(FILE *f, const struct out_opts *o);

/* Everything the writer wrote for evs[0..n), through its sink. */
static char *render(writer_new_fn *mk, const struct out_opts *o, const struct an_event *evs,
                    size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct out_writer *w;
	struct an_sink sink;

	assert_non_null(f);
	w = mk(f, o);
	assert_non_null(w);
	sink = out_sink(w);
	for (size_t i = 0; i < n; i++)
		sink.event(sink.ctx, &evs[i]);
	assert_int_equal(out_close(w), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* The rows of an ftp.log (no '#' lines), each uid replaced by "UID". */
static char *zeek_rows(const char *log)
{
	char *out = calloc(1, strlen(log) + 1), *o = out;

	assert_non_null(out);
	for (const char *l = log; *l;) {
		const char *nl = strchr(l, '\n'), *t1 = strchr(l, '\t'), *t2;
		size_t len = nl ? (size_t)(nl - l) + 1 : strlen(l);

		if (*l != '#' && t1 && (t2 = strchr(t1 + 1, '\t')) && t2 < l + len) {
			o += sprintf(o, "%.*sUID", (int)(t1 - l + 1), l);
			memcpy(o, t2, len - (size_t)(t2 - l));
			o += len - (size_t)(t2 - l);
		}
		l += len;
	}
	*o = '\0';
	return out;
}

static void check_output(const struct ctx *x, const char *what, const char *got, const char *want)
{
	if (strcmp(got, want) != 0)
		FAIL(x, "%s %s:\ngot  %s\nwant %s", x->name, what, got, want);
}

static void test_records(void **state)
{
	const struct out_opts o = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct out_case *c = &cases[i];
		struct ctx x = {c->name, c->name, strlen(c->name)};
		char *text = render(out_text_new, &o, &c->ev, 1);
		char *json = render(out_json_new, &o, &c->ev, 1);
		char *zeek = render(out_zeek_new, &o, &c->ev, 1);
		char *rows = zeek_rows(zeek);

		check_output(&x, "text", text, c->text);
		check_output(&x, "json", json, c->json);
		check_output(&x, "zeek", rows, c->zeek);
		if (c->zeek[0] == '\0')
			check_output(&x, "zeek (no rows, no log)", zeek, "");
		free(text);
		free(json);
		free(zeek);
		free(rows);
	}
}

/* ---- Zeek's ftp.log: its directory, URLs, passwords, logged commands ---- */

struct zstep {
	const char *verb, *arg;
	int code;
	const char *reply;
};

struct zeek_case {
	const char *name;
	const char *extra;   /* opts.zeek_commands */
	bool show, v6;
	struct zstep steps[6];
	const char *want;    /* per row: user password command arg mime size code msg */
};

#define Z_OK(v, a) {v, a, 226, "OK"}
#define RROW(user, pw, cmd, arg, code, msg) user "\t" pw "\t" cmd "\t" arg "\t-\t-\t" code "\t" msg "\n"
#define H "ftp://198.51.100.1"

static const struct zeek_case zeek_cases[] = {
	{"directory unknown: \".\"", NULL, false, false, {Z_OK("RETR", "x")},
	 RROW("<unknown>", "-", "RETR", H "/./x", "226", "OK")},
	{"PWD sets it", NULL, false, false,
	 {{"PWD", "", 257, "\"/home/ftp\" is the current directory"}, Z_OK("RETR", "x")},
	 RROW("<unknown>", "-", "RETR", H "/home/ftp/x", "226", "OK")},
	{"XPWD, unquoted", NULL, false, false,
	 {{"XPWD", "", 257, "/var/ftp is cwd"}, Z_OK("RETR", "x")},
	 RROW("<unknown>", "-", "RETR", H "/var/ftp/x", "226", "OK")},
	{"CWD relative, then absolute", NULL, false, false,
	 {{"CWD", "pub", 250, "OK"}, Z_OK("RETR", "a"), {"CWD", "/srv/files", 250, "OK"},
	  Z_OK("DELE", "b")},
	 RROW("<unknown>", "-", "RETR", H "/./pub/a", "226", "OK")
	 RROW("<unknown>", "-", "DELE", H "/srv/files/b", "226", "OK")},
	{"CWD .., and a refused CWD", NULL, false, false,
	 {{"CWD", "/a/b", 250, "OK"}, {"CWD", "..", 250, "OK"}, {"CWD", "nope", 550, "No"},
	  Z_OK("STOR", "c")},
	 RROW("<unknown>", "-", "STOR", H "/a/c", "226", "OK")},
	{"CDUP makes it / (Zeek's way)", NULL, false, false,
	 {{"CWD", "/a/b", 250, "OK"}, {"CDUP", "", 250, "OK"}, Z_OK("RETR", "c")},
	 RROW("<unknown>", "-", "RETR", H "/c", "226", "OK")},
	{"absolute argument", NULL, false, false, {{"CWD", "pub", 250, "OK"}, Z_OK("RETR", "/etc/x")},
	 RROW("<unknown>", "-", "RETR", H "/etc/x", "226", "OK")},
	{"absolute, with . and .. at the root", NULL, false, false, {Z_OK("RETR", "/./etc//x/"), Z_OK("RETR", "/../x")},
	 RROW("<unknown>", "-", "RETR", H "/etc/x", "226", "OK")
	 RROW("<unknown>", "-", "RETR", H "/x", "226", "OK")},
	{"dot segments and double slashes", NULL, false, false, {Z_OK("RETR", "./a/../b//c/.")},
	 RROW("<unknown>", "-", "RETR", H "/./b/c", "226", "OK")},
	{"above the start", NULL, false, false, {Z_OK("RETR", "../../x")},
	 RROW("<unknown>", "-", "RETR", H "/../x", "226", "OK")},
	{"no argument", NULL, false, false, {Z_OK("RETR", "")},
	 RROW("<unknown>", "-", "RETR", H "/.", "226", "OK")},
	{"IPv6 server in brackets", NULL, false, true, {Z_OK("RETR", "x")},
	 RROW("<unknown>", "-", "RETR", "ftp://[2001:db8::1]/./x", "226", "OK")},
	{"a user's password is hidden", "USER,PASS", false, false,
	 {{"USER", "alice", 331, "Password?"}, {"PASS", "****", 230, "Hi"}, Z_OK("RETR", "x")},
	 RROW("alice", "-", "USER", "alice", "331", "Password?")
	 RROW("alice", "<hidden>", "PASS", "<hidden>", "230", "Hi")
	 RROW("alice", "<hidden>", "RETR", H "/./x", "226", "OK")},
	{"a guest's password is shown", "user, pass", false, false,
	 {{"USER", "FTP", 331, "Password?"}, {"PASS", "me@", 230, "Hi"}},
	 RROW("FTP", "-", "USER", "FTP", "331", "Password?")
	 RROW("FTP", "me@", "PASS", "me@", "230", "Hi")},
	{"show_passwords", "PASS", true, false,
	 {{"USER", "alice", 331, "Password?"}, {"PASS", "secret", 530, "No"}},
	 RROW("alice", "secret", "PASS", "secret", "530", "No")},
	{"every command with *; '-' and empty fields", "*", false, false,
	 {{"NOOP", "", 200, ""}, {"SITE", "-", 500, "-"}, {"X\tY\x01", "", 500, "?"}},
	 RROW("<unknown>", "-", "NOOP", "-", "200", "(empty)")
	 RROW("<unknown>", "-", "SITE", "\\x2d", "500", "\\x2d")
	 RROW("<unknown>", "-", "X\\x09Y\\x01", "-", "500", "?")},
	{"reply_msg is the last line; tab and backslash", NULL, false, false,
	 {{"STOR", "a\tb\\c", 226, "Ok\nDone\x01 \\o/"}},
	 RROW("<unknown>", "-", "STOR", H "/./a\\x09b\\x5cc", "226", "Done\\x01 \\x5co/")},
	{"no reply", NULL, false, false, {{"DELE", "x", 0, ""}},
	 RROW("<unknown>", "-", "DELE", H "/./x", "-", "-")},
	{"not logged by default", NULL, false, false,
	 {{"USER", "a", 331, "P"}, {"CWD", "b", 250, "OK"}, {"LIST", "", 226, "OK"}}, ""},
};

/* Columns user..reply_msg of each row. */
static char *zeek_middle(const char *log)
{
	char *out = calloc(1, strlen(log) + 1), *o = out;

	assert_non_null(out);
	for (const char *l = log; *l; l = strchr(l, '\n') + 1) {
		const char *p = l;

		if (*l == '#')
			continue;
		for (int i = 0; i < 6; i++)
			p = strchr(p, '\t') + 1;
		for (int i = 0; i < 8; i++) {
			size_t n = strcspn(p, "\t");

			o += sprintf(o, "%.*s%c", (int)n, p, i == 7 ? '\n' : '\t');
			p += n + 1;
		}
	}
	*o = '\0';
	return out;
}

static void test_zeek(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(zeek_cases) / sizeof(zeek_cases[0]); i++) {
		const struct zeek_case *c = &zeek_cases[i];
		struct ctx x = {c->name, c->name, strlen(c->name)};
		const struct out_opts o = {.show_passwords = c->show, .zeek_commands = c->extra};
		struct an_command cmds[6];
		struct an_event evs[6];
		size_t n = 0;
		const char *user = "";
		struct an_bytes pw = {NULL, 0};
		char *log, *mid;

		for (; n < 6 && c->steps[n].verb; n++) {
			const struct zstep *st = &c->steps[n];

			cmds[n] = (struct an_command){
				.s = c->v6 ? &S2 : &S1, .ts = T0 + (double)n, .verb = st->verb,
				.arg = {st->arg, strlen(st->arg)}, .reply_code = st->code,
				.reply = {st->reply, strlen(st->reply)}, .cwd = "", .user = user,
				.password = pw, .password_set = pw.p != NULL,
			};
			if (strcmp(st->verb, "USER") == 0)
				user = st->arg;
			if (strcmp(st->verb, "PASS") == 0)
				pw = cmds[n].arg;
			evs[n] = (struct an_event){.type = AN_EV_COMMAND, .s = cmds[n].s, .u.cmd = &cmds[n]};
		}
		log = render(out_zeek_new, &o, evs, n);
		mid = zeek_middle(log);
		check_output(&x, "rows", mid, c->want);
		free(log);
		free(mid);
	}
}

static void test_zeek_header(void **state)
{
	const struct out_opts o = {.zeek_commands = "<init>"};
	const struct an_event evs[] = {
		{.type = AN_EV_SESSION_OPEN, .s = &S1}, EV_BANNER(&S1, T0 + 0.003, "Hi\nready"),
		EV_CMD(&S1, C_RETR), {.type = AN_EV_SESSION_CLOSE, .s = &S1},
	};
	char *log = render(out_zeek_new, &o, evs, 4);
	char uid[OUT_UID_LEN], want[2048];

	(void)state;
	out_format_uid(uid, sizeof(uid), 1);
	snprintf(want, sizeof(want),
	         "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
	         "#path\tftp\n#open\t2023-11-14-22-13-20\n#fields\tts\tuid\tid.orig_h\tid.orig_p"
	         "\tid.resp_h\tid.resp_p\tuser\tpassword\tcommand\targ\tmime_type\tfile_size"
	         "\treply_code\treply_msg\tdata_channel.passive\tdata_channel.orig_h"
	         "\tdata_channel.resp_h\tdata_channel.resp_p\tfuid\n#types\ttime\tstring\taddr"
	         "\tport\taddr\tport\tstring\tstring\tstring\tstring\tstring\tcount\tcount\tstring"
	         "\tbool\taddr\taddr\tport\tstring\n"
	         "1700000000.003000\t%s\t192.0.2.10\t51234\t198.51.100.1\t21\t<unknown>\t-\t<init>"
	         "\t-\t-\t-\t220\tready\t-\t-\t-\t-\t-\n"
	         "1700000000.100000\t%s\t192.0.2.10\t51234\t198.51.100.1\t21\tanonymous\tguest@\tRETR"
	         "\tftp://198.51.100.1/./big.bin\t-\t1048576\t226\tTransfer complete.\t-\t-\t-\t-\t-\n"
	         "#close\t2023-11-14-22-13-29\n", uid, uid);
	assert_string_equal(log, want);
	free(log);
}

static void test_uid(void **state)
{
	char a[OUT_UID_LEN], b[OUT_UID_LEN];

	(void)state;
	for (unsigned id = 1; id < 2000; id++) {
		out_format_uid(a, sizeof(a), id);
		out_format_uid(b, sizeof(b), id + 1);
		assert_int_equal(strlen(a), OUT_UID_LEN - 1);
		assert_int_equal(a[0], 'C');
		assert_int_equal(strspn(a + 1, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
		                                "wxyz"), OUT_UID_LEN - 2);
		assert_string_not_equal(a, b);
		out_format_uid(b, sizeof(b), id);
		assert_string_equal(a, b);
	}
}

/* ---- Long arguments, time stamps, explanations, failures ---- */

static void test_long_arg(void **state)
{
	size_t n = 5000;
	char *arg = malloc(n);
	struct an_command c = {CMD(&S1, T0 + 1, "DELE", "", 250, "OK", 1)};
	struct an_event ev = EV_CMD(&S1, c);
	const struct out_opts o = {0};
	char *text, *json, *zeek, *url;

	(void)state;
	assert_non_null(arg);
	memset(arg, 'A', n);
	c.arg = (struct an_bytes){arg, n};
	text = render(out_text_new, &o, &ev, 1);
	json = render(out_json_new, &o, &ev, 1);
	zeek = render(out_zeek_new, &o, &ev, 1);
	assert_non_null(strstr(text, "C> DELE AAAA"));
	assert_non_null(strstr(text, "A...(5000 bytes)  <250 OK (1.0 ms)\n"));
	assert_int_equal(strspn(strstr(text, "AAAA"), "A"), 256);
	assert_int_equal(strspn(strstr(json, "AAAA"), "A"), 5000);
	url = strstr(zeek, "ftp://");
	assert_non_null(url);
	assert_int_equal(strcspn(url, "\t"), 4096); /* Zeek's FTP::max_arg_length */
	free(arg);
	free(text);
	free(json);
	free(zeek);
}

static void test_utc(void **state)
{
	const struct out_opts o = {.utc = true};
	const struct an_event evs[] = {EV_CMD(&S1, C_USER), EV_D(NULL, D_NOTFTP)};
	char *text = render(out_text_new, &o, evs, 2);

	(void)state;
	assert_string_equal(text,
	                    "#1 2023-11-14T22:13:20.012Z C> USER anonymous  <331 Please specify the "
	                    "password. (0.4 ms)\n#- 2023-11-14T22:14:10.000Z ! not-ftp: "
	                    "203.0.113.7:5555 -> 198.51.100.1:21: No FTP reply in the first 512 "
	                    "bytes \\x01.\n");
	free(text);
}

/* The explanation follows the first diagnostic of each kind only, wrapped,
 * every line under the diagnostic's prefix. */
static void test_explain(void **state)
{
	const struct out_opts o = {.explain = true};
	const struct an_event evs[] = {EV_D(&S1, D_PASV), EV_D(&S1, D_PASV), EV_D(NULL, D_NOTFTP)};
	char *text = render(out_text_new, &o, evs, 3), *joined = calloc(1, strlen(text) + 1);
	const char *pasv = "#1 +0.090 !   ", *l = text;
	unsigned diag_lines = 0, pasv_lines = 0, notftp_lines = 0;

	(void)state;
	assert_non_null(joined);
	for (; *l; l = strchr(l, '\n') + 1) {
		size_t len = strcspn(l, "\n");

		if (strncmp(l, pasv, strlen(pasv)) == 0) {
			assert_true(len - strlen(pasv) <= 72);
			strncat(joined, l + strlen(pasv), len - strlen(pasv));
			strcat(joined, " ");
			pasv_lines++;
		} else if (strncmp(l, "#- +49.910 !   ", 15) == 0) {
			notftp_lines++;
		} else {
			diag_lines++;
		}
	}
	assert_int_equal(diag_lines, 3);
	assert_true(pasv_lines >= 3);
	assert_true(notftp_lines >= 3);
	joined[strlen(joined) - 1] = '\0';
	assert_string_equal(joined, an_diag_explain(AN_DIAG_PASV_ADDRESS_MISMATCH));
	free(joined);
	free(text);
}

static void test_diag_kinds(void **state)
{
	const struct out_opts o = {0};

	(void)state;
	for (unsigned k = 0; k < AN_DIAG__COUNT; k++) {
		const char *name = an_diag_name(k), *ex = an_diag_explain(k);
		struct an_diag d = {.s = &S1, .ts = T0, .kind = k, .message = "m."};
		struct an_event ev = EV_D(&S1, d);
		struct ctx x = {name, name, strlen(name)};
		char want[128], *text, *json;
		size_t len = strlen(ex), sentences = 0;

		CHECK_INT(&x, an_diag_lookup(name), k);
		CHECK_INT(&x, len > 0 && ex[len - 1] == '.', 1);
		for (const char *l = ex; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] != '\0'))
			CHECK_INT(&x, strcspn(l, "\n") <= 400, 1);
		for (size_t i = 0; i < len; i++) {
			CHECK_INT(&x, ex[i] >= 0x20 && ex[i] < 0x7f, 1);
			sentences += ex[i] == '.' && (ex[i + 1] == ' ' || ex[i + 1] == '\0');
		}
		CHECK_INT(&x, sentences >= 3 && sentences <= 6, 1);
		text = render(out_text_new, &o, &ev, 1);
		json = render(out_json_new, &o, &ev, 1);
		snprintf(want, sizeof(want), "#1 +0.000 ! %s: m.\n", name);
		check_output(&x, "text", text, want);
		snprintf(want, sizeof(want), "\"kind\":\"%s\",\"message\":\"m.\"", name);
		if (strstr(json, want) == NULL)
			FAIL(&x, "json %s lacks %s", json, want);
		free(text);
		free(json);
	}
	assert_int_equal(an_diag_lookup("no-such-kind"), AN_DIAG__COUNT);
	assert_int_equal(an_diag_lookup(""), AN_DIAG__COUNT);
	assert_int_equal(an_diag_lookup(NULL), AN_DIAG__COUNT);
	assert_string_equal(an_diag_name(AN_DIAG__COUNT), "unknown");
	assert_string_equal(an_diag_explain(AN_DIAG__COUNT), "");
}

/* A writer reports a stream it could not write to. */
static void test_write_failure(void **state)
{
	writer_new_fn *const mk[] = {out_text_new, out_json_new, out_zeek_new};
	const struct an_event ev = EV_CMD(&S1, C_RETR);

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		FILE *f = fopen("/dev/full", "w");
		struct out_writer *w;

		assert_non_null(f);
		w = mk[i](f, NULL);
		assert_non_null(w);
		out_event(w, &ev);
		assert_int_equal(out_close(w), -1);
		fclose(f);
	}
	assert_int_equal(out_close(NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_zeek),
		cmocka_unit_test(test_zeek_header),
		cmocka_unit_test(test_uid),
		cmocka_unit_test(test_long_arg),
		cmocka_unit_test(test_utc),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_diag_kinds),
		cmocka_unit_test(test_write_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

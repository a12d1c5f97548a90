/* test_proxy_kpath.c - the nft commands of the proxy's kernel data path
 * (proxy/kpath_fmt.c), table-driven, without the kernel. The netns test
 * tests/netns/test_proxy_kernel.py feeds the same commands to the kernel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "kpath.h"
#include "tablecheck.h"

static struct ftp_addr A(const char *s)
{
	struct ftp_addr a;

	assert_int_equal(addr_parse(s, strlen(s), &a), FTP_OK);
	return a;
}

static struct ftp_hostport HP(const char *s, uint16_t port)
{
	return (struct ftp_hostport){A(s), port};
}

struct flow_case {
	const char *name;
	const char *peer, *ours, *to, *snat;
	uint16_t ours_port, to_port;
	bool add;
	size_t cap;
	enum ftp_status st;
	const char *want;
	const char *also; /* NULL: none */
};

static const struct flow_case flow_cases[] = {
	{"active v4 add", "198.51.100.2", "198.51.100.1", "10.0.1.2", "10.0.1.1", 40000, 50000,
	 true, 1024, FTP_OK,
	 "add element inet ftplab_proxy_7 dnat4 { 198.51.100.2 . 198.51.100.1 . 40000 timeout 60s "
	 ": 10.0.1.2 . 50000 }\n"
	 "add element inet ftplab_proxy_7 snat4 { 198.51.100.2 . 10.0.1.2 . 50000 timeout 60s : "
	 "10.0.1.1 }\n", NULL},
	{"active v4 delete", "198.51.100.2", "198.51.100.1", "10.0.1.2", "10.0.1.1", 40000, 50000,
	 false, 1024, FTP_OK,
	 "delete element inet ftplab_proxy_7 dnat4 { 198.51.100.2 . 198.51.100.1 . 40000 }\n"
	 "delete element inet ftplab_proxy_7 snat4 { 198.51.100.2 . 10.0.1.2 . 50000 }\n", NULL},
	{"passive v6 add", "2001:db8:1::2", "2001:db8:1::1", "2001:db8:2::2", "2001:db8:2::1", 1,
	 65535, true, 1024, FTP_OK,
	 "add element inet ftplab_proxy_7 dnat6 { 2001:db8:1::2 . 2001:db8:1::1 . 1 timeout 60s : "
	 "2001:db8:2::2 . 65535 }\n"
	 "add element inet ftplab_proxy_7 snat6 { 2001:db8:1::2 . 2001:db8:2::2 . 65535 timeout "
	 "60s : 2001:db8:2::1 }\n", NULL},
	{"passive v4 add, also the server's address", "10.0.1.2", "10.0.1.1", "198.51.100.2",
	 "198.51.100.1", 40001, 50007, true, 1024, FTP_OK,
	 "add element inet ftplab_proxy_7 dnat4 { 10.0.1.2 . 10.0.1.1 . 40001 timeout 60s : "
	 "198.51.100.2 . 50007 }\n"
	 "add element inet ftplab_proxy_7 dnat4 { 10.0.1.2 . 198.51.100.2 . 40001 timeout 60s : "
	 "198.51.100.2 . 50007 }\n"
	 "add element inet ftplab_proxy_7 snat4 { 10.0.1.2 . 198.51.100.2 . 50007 timeout 60s : "
	 "198.51.100.1 }\n",
	 "198.51.100.2"},
	{"passive v4 delete, also", "10.0.1.2", "10.0.1.1", "198.51.100.2", "198.51.100.1", 40001,
	 50007, false, 1024, FTP_OK,
	 "delete element inet ftplab_proxy_7 dnat4 { 10.0.1.2 . 10.0.1.1 . 40001 }\n"
	 "delete element inet ftplab_proxy_7 dnat4 { 10.0.1.2 . 198.51.100.2 . 40001 }\n"
	 "delete element inet ftplab_proxy_7 snat4 { 10.0.1.2 . 198.51.100.2 . 50007 }\n",
	 "198.51.100.2"},
	{"also of the other family", "10.0.1.2", "10.0.1.1", "198.51.100.2", "198.51.100.1", 40001,
	 50007, true, 1024, FTP_EFAMILY, NULL, "2001:db8::1"},
	{"mixed families: peer v4, to v6", "198.51.100.2", "198.51.100.1", "2001:db8::2",
	 "198.51.100.1", 40000, 50000, true, 1024, FTP_EFAMILY, NULL, NULL},
	{"mixed families: snat v6", "198.51.100.2", "198.51.100.1", "10.0.1.2", "2001:db8::1",
	 40000, 50000, true, 1024, FTP_EFAMILY, NULL, NULL},
	{"mixed families: ours v6", "2001:db8::2", "198.51.100.1", "2001:db8::3", "2001:db8::1",
	 40000, 50000, false, 1024, FTP_EFAMILY, NULL, NULL},
	{"our port 0", "198.51.100.2", "198.51.100.1", "10.0.1.2", "10.0.1.1", 0, 50000, true,
	 1024, FTP_ERANGE, NULL, NULL},
	{"target port 0", "198.51.100.2", "198.51.100.1", "10.0.1.2", "10.0.1.1", 40000, 0, false,
	 1024, FTP_ERANGE, NULL, NULL},
	{"buffer one byte short", "198.51.100.2", "198.51.100.1", "10.0.1.2", "10.0.1.1", 40000,
	 50000, false, 158, FTP_ENOSPACE, NULL, NULL},
	{"buffer just enough", "198.51.100.2", "198.51.100.1", "10.0.1.2", "10.0.1.1", 40000,
	 50000, false, 159, FTP_OK,
	 "delete element inet ftplab_proxy_7 dnat4 { 198.51.100.2 . 198.51.100.1 . 40000 }\n"
	 "delete element inet ftplab_proxy_7 snat4 { 198.51.100.2 . 10.0.1.2 . 50000 }\n", NULL},
};

static void test_flows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(flow_cases) / sizeof(flow_cases[0]); i++) {
		const struct flow_case *c = &flow_cases[i];
		struct ctx x = {c->name, c->peer, strlen(c->peer)};
		struct kpath_flow f = {A(c->peer), HP(c->ours, c->ours_port), HP(c->to, c->to_port),
		                       A(c->snat), {FTP_AF_NONE, {0}}};
		char *buf = malloc(c->cap);

		assert_non_null(buf);
		if (c->also)
			f.also = A(c->also);
		CHECK_INT(&x, kpath_format_flow(buf, c->cap, "ftplab_proxy_7", &f, c->add), c->st);
		if (c->want && strcmp(buf, c->want) != 0)
			FAIL(&x, "got\n%s\nwant\n%s", buf, c->want);
		free(buf);
	}
}

struct name_case {
	const char *table;
	enum ftp_status st;
};

/* The table name goes into commands: only [a-z0-9_], 1..47 bytes. */
static const struct name_case name_cases[] = {
	{"ftplab_proxy_1", FTP_OK},
	{"a", FTP_OK},
	{"", FTP_ESYNTAX},
	{"ftplab proxy", FTP_ESYNTAX},
	{"t; flush ruleset", FTP_ESYNTAX},
	{"T", FTP_ESYNTAX},
	{"t\n", FTP_ESYNTAX},
	{"abcdefghijabcdefghijabcdefghijabcdefghijabcdefgh", FTP_ESYNTAX}, /* 48 */
	{"abcdefghijabcdefghijabcdefghijabcdefghijabcdefg", FTP_OK},        /* 47 */
};

static void test_table(void **state)
{
	char buf[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		const struct name_case *c = &name_cases[i];
		struct ctx x = {c->table, c->table, strlen(c->table)};
		struct kpath_flow f = {A("192.0.2.1"), HP("192.0.2.2", 1), HP("192.0.2.3", 2),
		                       A("192.0.2.4"), {FTP_AF_NONE, {0}}};

		CHECK_INT(&x, kpath_format_table(buf, sizeof(buf), c->table), c->st);
		CHECK_INT(&x, kpath_format_flow(buf, sizeof(buf), c->table, &f, true), c->st);
	}
	/* The table replaces a stale one of its name and hooks all three places. */
	assert_int_equal(kpath_format_table(buf, sizeof(buf), "t1"), FTP_OK);
	assert_non_null(strstr(buf, "add table inet t1\ndelete table inet t1\ntable inet t1 {"));
	assert_non_null(strstr(buf, "type nat hook prerouting priority -110;"));
	assert_non_null(strstr(buf, "type nat hook output priority -110;"));
	assert_non_null(strstr(buf, "type nat hook postrouting priority 90;"));
	assert_int_equal(kpath_format_table(buf, 100, "t1"), FTP_ENOSPACE);
	kpath_table_name(buf, sizeof(buf), 4242);
	assert_string_equal(buf, "ftplab_proxy_4242");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flows),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

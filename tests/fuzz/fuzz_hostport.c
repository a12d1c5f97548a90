/* fuzz_hostport.c - every address form: parse, and what parses formats back
 * to the same value. The first byte picks the parser. */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ftplab/hostport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const struct ftp_hostport *a, const struct ftp_hostport *b)
{
	CHECK(addr_equal(&a->addr, &b->addr) && a->port == b->port);
}

static void roundtrip(const struct ftp_hostport *hp)
{
	char buf[HOSTPORT_STRLEN];
	size_t len;
	struct ftp_hostport back;

	CHECK(hp->port != 0);
	CHECK(hostport_format_eprt(buf, sizeof(buf), &len, hp) == FTP_OK);
	CHECK(hostport_parse_eprt(buf, len, &back) == FTP_OK);
	same(hp, &back);
	if (hp->addr.family == FTP_AF_INET) {
		CHECK(hostport_format_port(buf, sizeof(buf), &len, hp) == FTP_OK);
		CHECK(hostport_parse_port(buf, len, &back) == FTP_OK);
		same(hp, &back);
		CHECK(hostport_format_pasv(buf, sizeof(buf), &len, hp) == FTP_OK);
		CHECK(hostport_parse_pasv(buf, len, &back) == FTP_OK);
		same(hp, &back);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ftp_hostport hp;
	struct ftp_cidr cidr;
	enum epsv_arg ea;
	uint16_t port;
	char *p;

	if (size < 1)
		return 0;
	p = malloc(size - 1 ? size - 1 : 1);
	memcpy(p, data + 1, size - 1);
	switch (data[0] % 7) {
	case 0:
		if (hostport_parse_port(p, size - 1, &hp) == FTP_OK)
			roundtrip(&hp);
		break;
	case 1:
		if (hostport_parse_pasv(p, size - 1, &hp) == FTP_OK)
			roundtrip(&hp);
		break;
	case 2:
		if (hostport_parse_eprt(p, size - 1, &hp) == FTP_OK)
			roundtrip(&hp);
		break;
	case 3:
		if (hostport_parse_epsv(p, size - 1, &port) == FTP_OK) {
			char buf[HOSTPORT_STRLEN];
			size_t len;
			uint16_t back;

			CHECK(port != 0);
			CHECK(hostport_format_epsv(buf, sizeof(buf), &len, port) == FTP_OK);
			CHECK(hostport_parse_epsv(buf, len, &back) == FTP_OK && back == port);
		}
		break;
	case 4:
		(void)hostport_parse_epsv_arg(p, size - 1, &ea);
		break;
	case 5:
		if (addr_parse_endpoint(p, size - 1, &hp) == FTP_OK)
			roundtrip(&hp);
		break;
	case 6:
		if (addr_parse_cidr(p, size - 1, &cidr) == FTP_OK)
			CHECK(addr_cidr_contains(&cidr, &cidr.addr));
		break;
	}
	free(p);
	return 0;
}

/* fuzz_vpath.c - joined paths are normalised, never above "/", and joining a
 * result again changes nothing. Input: cwd NUL arg. */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ftplab/vpath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_normal(const char *p, size_t len)
{
	CHECK(len >= 1 && len <= VPATH_MAX && p[0] == '/' && strlen(p) == len);
	CHECK(len == 1 || p[len - 1] != '/');
	CHECK(strstr(p, "//") == NULL);
	for (const char *c = p; c != NULL; c = strchr(c + 1, '/')) {
		CHECK(strncmp(c, "/./", 3) != 0 && strcmp(c, "/.") != 0);
		CHECK(strncmp(c, "/../", 4) != 0 && strcmp(c, "/..") != 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = memchr(data, 0, size);
	size_t cwd_len = sep ? (size_t)(sep - data) : 0;
	const char *arg = sep ? (const char *)sep + 1 : (const char *)data;
	size_t arg_len = sep ? size - cwd_len - 1 : size;
	char *cwd = malloc(cwd_len ? cwd_len : 1), *a = malloc(arg_len ? arg_len : 1);
	static char out[VPATH_MAX + 1], again[VPATH_MAX + 1];
	size_t len, len2;
	enum ftp_status st;

	memcpy(cwd, data, cwd_len);
	memcpy(a, arg, arg_len);
	st = vpath_join(cwd, cwd_len, a, arg_len, out, sizeof(out), &len);
	if (st == FTP_OK) {
		check_normal(out, len);
		CHECK(vpath_join("/", 1, out, len, again, sizeof(again), &len2) == FTP_OK);
		CHECK(len2 == len && memcmp(out, again, len) == 0);
		CHECK(vpath_join(out, len, "..", 2, again, sizeof(again), &len2) == FTP_OK);
		check_normal(again, len2);
	} else {
		CHECK(st == FTP_ENUL || st == FTP_ETOOLONG || st == FTP_ENOSPACE);
	}
	free(cwd);
	free(a);
	return 0;
}

/* kpath.c - the kernel data path's table in the kernel, through
 * libnftables (the library behind nft(8)). The commands themselves come
 * from kpath_fmt.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "kpath.h"

struct kpath {
	struct nft_ctx *nft;
	char table[KPATH_TABLE_MAX];
	bool fwd4, fwd6;
};

static bool sysctl_on(const char *path)
{
	FILE *f = fopen(path, "re");
	int c = f ? fgetc(f) : EOF;

	if (f)
		fclose(f);
	return c == '1';
}

/* Run commands; on failure, nft's first error line in err. */
static int run(struct kpath *k, const char *cmds, char *err, size_t errlen)
{
	const char *e;
	size_t n;

	if (nft_run_cmd_from_buffer(k->nft, cmds) == 0)
		return 0;
	e = nft_ctx_get_error_buffer(k->nft);
	e = e && *e ? e : "nft failed";
	n = strcspn(e, "\n");
	if (err && errlen)
		snprintf(err, errlen, "%.*s", (int)n, e);
	return -1;
}

struct kpath *kpath_open(const char *table, char *err, size_t errlen)
{
	struct kpath *k = calloc(1, sizeof(*k));
	char cmds[4096];

	if (k == NULL || (k->nft = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(k);
		return NULL;
	}
	nft_ctx_buffer_output(k->nft);
	nft_ctx_buffer_error(k->nft);
	snprintf(k->table, sizeof(k->table), "%s", table);
	if (kpath_format_table(cmds, sizeof(cmds), table) != FTP_OK) {
		snprintf(err, errlen, "bad table name '%s'", table);
		nft_ctx_free(k->nft);
		free(k);
		return NULL;
	}
	if (run(k, cmds, err, errlen) < 0) {
		nft_ctx_free(k->nft);
		free(k);
		return NULL;
	}
	k->fwd4 = sysctl_on("/proc/sys/net/ipv4/ip_forward");
	k->fwd6 = sysctl_on("/proc/sys/net/ipv6/conf/all/forwarding");
	return k;
}

bool kpath_forwarding(const struct kpath *k, enum ftp_family fam)
{
	return fam == FTP_AF_INET6 ? k->fwd6 : k->fwd4;
}

/* Each delete on its own: a missing element (expired) is no error. */
static void del_lines(struct kpath *k, char *cmds)
{
	for (char *line = strtok(cmds, "\n"); line; line = strtok(NULL, "\n"))
		(void)run(k, line, NULL, 0);
}

int kpath_add(struct kpath *k, const struct kpath_flow *f, char *err, size_t errlen)
{
	char cmds[1024];
	enum ftp_status st;

	/* A key left by an earlier transfer with another value would make the
	 * add fail: clear it first. */
	if (kpath_format_flow(cmds, sizeof(cmds), k->table, f, false) == FTP_OK)
		del_lines(k, cmds);
	st = kpath_format_flow(cmds, sizeof(cmds), k->table, f, true);
	if (st != FTP_OK) {
		snprintf(err, errlen, "%s", st == FTP_EFAMILY ? "mixed address families"
		                                              : ftp_status_str(st));
		return -1;
	}
	return run(k, cmds, err, errlen);
}

void kpath_del(struct kpath *k, const struct kpath_flow *f)
{
	char cmds[1024];

	if (kpath_format_flow(cmds, sizeof(cmds), k->table, f, false) == FTP_OK)
		del_lines(k, cmds);
}

void kpath_close(struct kpath *k)
{
	char cmd[128];

	if (k == NULL)
		return;
	snprintf(cmd, sizeof(cmd), "delete table inet %s", k->table);
	(void)run(k, cmd, NULL, 0);
	nft_ctx_free(k->nft);
	free(k);
}

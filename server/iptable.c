/* iptable.c - a chained hash of client addresses and their session counts. */
#include "iptable.h"

#include <stdlib.h>
#include <string.h>

#define IPTABLE_BUCKETS 4096

struct ip_entry {
	struct ip_entry *next;
	struct ftp_addr addr;
	unsigned count;
};

struct iptable {
	struct ip_entry *bucket[IPTABLE_BUCKETS];
};

static unsigned hash(const struct ftp_addr *a)
{
	unsigned h = 2166136261u;

	for (size_t i = 0; i < sizeof(a->b); i++)
		h = (h ^ a->b[i]) * 16777619u;
	return (h ^ (unsigned)a->family) % IPTABLE_BUCKETS;
}

struct iptable *iptable_new(void)
{
	return calloc(1, sizeof(struct iptable));
}

void iptable_free(struct iptable *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < IPTABLE_BUCKETS; i++) {
		while (t->bucket[i]) {
			struct ip_entry *e = t->bucket[i];

			t->bucket[i] = e->next;
			free(e);
		}
	}
	free(t);
}

static struct ip_entry **find(struct iptable *t, const struct ftp_addr *a)
{
	struct ip_entry **p = &t->bucket[hash(a)];

	while (*p && !addr_equal(&(*p)->addr, a))
		p = &(*p)->next;
	return p;
}

unsigned iptable_count(const struct iptable *t, const struct ftp_addr *a)
{
	struct ip_entry **p = find((struct iptable *)t, a);

	return *p ? (*p)->count : 0;
}

int iptable_add(struct iptable *t, const struct ftp_addr *a)
{
	struct ip_entry **p = find(t, a);

	if (*p == NULL) {
		*p = calloc(1, sizeof(**p));
		if (*p == NULL)
			return -1;
		(*p)->addr = *a;
	}
	(*p)->count++;
	return 0;
}

void iptable_remove(struct iptable *t, const struct ftp_addr *a)
{
	struct ip_entry **p = find(t, a), *e = *p;

	if (e == NULL)
		return;
	if (--e->count == 0) {
		*p = e->next;
		free(e);
	}
}

/* ui_store_int.h - the store's private state around the public struct,
 * shared by ui_store.c (events, the id table) and ui_store_pair.c (the
 * pairing's cache). ui_store_new allocates a store_priv and returns &pub. */
#ifndef FTPLAB_ANALYZER_UI_STORE_INT_H
#define FTPLAB_ANALYZER_UI_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ui_store.h"

struct store_priv {
	struct ui_store pub;    /* first: a struct ui_store * is a struct store_priv * */
	size_t *slots;          /* session index + 1, 0 empty; by the hash of the id */
	size_t nslots;          /* a power of two, at least twice nsessions */
	bool paired;            /* ui_store_pair ran at pair_version */
	uint64_t pair_version;
};

static inline struct store_priv *priv_of(struct ui_store *st)
{
	return (struct store_priv *)st;
}

#endif

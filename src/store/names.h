/*
 * names.h - private to store/: the name tables of names.c, for the
 * backends that read and write enum columns as their names (the database
 * stores the words, not the numbers).  The rest of Switchboard uses
 * store_<x>_name() and store_<x>_parse() of store.h.
 */
#ifndef SWITCHBOARD_STORE_NAMES_H
#define SWITCHBOARD_STORE_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include "store/store.h"

/* The names of one enum, indexed by its values (NULL: no such value). */
struct store_names {
	const char *const *v;
	size_t n;
};

extern const struct store_names store_names_srtp, store_names_transport,
    store_names_direction, store_names_disposition, store_names_party,
    store_names_target;

/* The name of v, "unknown" if t has none. */
const char *store_names_get(const struct store_names *t, int v);
/* True if v is a value of t. */
bool store_names_has(const struct store_names *t, int v);
/* The value named s into *vp; EINVAL if t has no such name. */
int store_names_find(const struct store_names *t, const char *s, int *vp);

#endif

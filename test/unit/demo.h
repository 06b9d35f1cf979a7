/*
 * demo.h - the demo database (store_demo_seed) in a fresh file under
 * /tmp, for the routing and call tests (defined in route_test.c).
 */
#ifndef SWITCHBOARD_TEST_DEMO_H
#define SWITCHBOARD_TEST_DEMO_H

#include <stddef.h>

struct store;

/* Open and seed; path receives the file name.  NULL on failure. */
struct store *test_demo_store(char *path, size_t sz);
/* Close st and remove its files. */
void test_demo_store_drop(struct store *st, const char *path);

#endif

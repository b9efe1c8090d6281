/*
 * Which guest pages are private, kept as a set of disjoint, maximal runs
 * [start, end) of page numbers, never one entry per page: a 64 GiB guest
 * costs a few dozen bytes per run, however large the runs are.
 *
 * The runs live in a treap (a binary search tree keyed by start, balanced
 * by random priorities) so that a lookup costs O(log n) and a change of N
 * pages costs O(log n + runs it touches) expected, independent of N.
 *
 * Not thread-safe: the owner (guest_mem) serialises with its lock.
 */
#ifndef CVMM_ATTR_MAP_H
#define CVMM_ATTR_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct attr_map;

/* NULL with a message when out of memory. */
struct attr_map *attr_map_new(void);
void attr_map_free(struct attr_map *m);

/*
 * Makes sure the next attr_map_set() cannot run out of memory: a change
 * adds at most one run, so callers that must not fail half-way (the
 * conversion routine) reserve first. -1 with a message on ENOMEM.
 */
int attr_map_reserve(struct attr_map *m);

/*
 * [start, end) becomes private (priv) or shared. Neighbouring private runs
 * merge. start >= end is a no-op. -1 with a message when out of memory
 * (nothing changed then); never fails after attr_map_reserve().
 */
int attr_map_set(struct attr_map *m, uint64_t start, uint64_t end, bool priv);

/* Does [start, end) contain a private page? Is all of it private? */
bool attr_map_any(const struct attr_map *m, uint64_t start, uint64_t end);
bool attr_map_all(const struct attr_map *m, uint64_t start, uint64_t end);

/*
 * Calls fn for the maximal pieces of [start, end) in order, each with its
 * state, until fn returns non-zero (which is then returned).
 */
typedef int (*attr_walk_fn)(void *arg, uint64_t start, uint64_t end, bool priv);
int attr_map_walk(const struct attr_map *m, uint64_t start, uint64_t end,
		  attr_walk_fn fn, void *arg);

size_t attr_map_runs(const struct attr_map *m);		/* private runs */
uint64_t attr_map_pages(const struct attr_map *m);	/* private pages */
size_t attr_map_bytes(const struct attr_map *m);	/* bookkeeping memory */

#endif

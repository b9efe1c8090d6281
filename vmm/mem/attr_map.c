/*
 * The private-page map as a treap of runs. Nodes live in one growable pool
 * and refer to each other by index (0 = none), so growing the pool never
 * invalidates links and freed nodes go on a free list.
 *
 * A change of [s, e) splits the tree at s and at e, which isolates the runs
 * that start inside the range (freed, O(runs touched)), looks at the one run
 * before it and the one after it (trimmed, split or merged), and joins the
 * pieces again: a constant number of O(log n) splits and merges.
 */
#include <stdlib.h>
#include <string.h>

#include "vmm/mem/attr_map.h"
#include "vmm/log.h"

struct node {
	uint64_t start, end;
	uint32_t left, right;	/* the free list runs through left */
	uint32_t prio;
};

struct attr_map {
	struct node *pool;	/* pool[0] is the null node */
	uint32_t cap, used;	/* slots in pool; slots ever handed out */
	uint32_t free_list;
	uint32_t root;
	size_t runs;
	uint64_t pages;
	uint64_t rng;
};

#define POOL_MIN 16

struct attr_map *attr_map_new(void)
{
	struct attr_map *m = calloc(1, sizeof(*m));

	if (m)
		m->pool = calloc(POOL_MIN, sizeof(*m->pool));
	if (!m || !m->pool) {
		free(m);
		cvmm_err("attribute map: out of memory");
		return NULL;
	}
	m->cap = POOL_MIN;
	m->used = 1;
	m->rng = 0x9e3779b97f4a7c15ULL;
	return m;
}

void attr_map_free(struct attr_map *m)
{
	if (!m)
		return;
	free(m->pool);
	free(m);
}

/* Priorities only need to be well spread; they need not be secret. */
static uint32_t next_prio(struct attr_map *m)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return (uint32_t)(m->rng >> 32);
}

int attr_map_reserve(struct attr_map *m)
{
	uint32_t ncap;
	struct node *p;

	if (m->free_list || m->used < m->cap)
		return 0;
	if (m->cap > UINT32_MAX / 2) {
		cvmm_err("attribute map: too many runs");
		return -1;
	}
	ncap = m->cap * 2;
	p = realloc(m->pool, (size_t)ncap * sizeof(*p));
	if (!p) {
		cvmm_err("attribute map: out of memory for %u runs", ncap);
		return -1;
	}
	memset(p + m->cap, 0, (size_t)(ncap - m->cap) * sizeof(*p));
	m->pool = p;
	m->cap = ncap;
	return 0;
}

/* Only after attr_map_reserve(). */
static uint32_t node_new(struct attr_map *m, uint64_t start, uint64_t end)
{
	uint32_t i;

	if (m->free_list) {
		i = m->free_list;
		m->free_list = m->pool[i].left;
	} else {
		i = m->used++;
	}
	m->pool[i] = (struct node){ .start = start, .end = end, .prio = next_prio(m) };
	m->runs++;
	m->pages += end - start;
	return i;
}

static void node_free(struct attr_map *m, uint32_t i)
{
	m->runs--;
	m->pages -= m->pool[i].end - m->pool[i].start;
	m->pool[i].left = m->free_list;
	m->free_list = i;
}

/* t -> (*l: starts < key, *r: starts >= key) */
static void split(struct node *p, uint32_t t, uint64_t key, uint32_t *l, uint32_t *r)
{
	if (!t) {
		*l = *r = 0;
	} else if (p[t].start < key) {
		split(p, p[t].right, key, &p[t].right, r);
		*l = t;
	} else {
		split(p, p[t].left, key, l, &p[t].left);
		*r = t;
	}
}

/* Every start in a is below every start in b. */
static uint32_t merge(struct node *p, uint32_t a, uint32_t b)
{
	if (!a || !b)
		return a ? a : b;
	if (p[a].prio > p[b].prio) {
		p[a].right = merge(p, p[a].right, b);
		return a;
	}
	p[b].left = merge(p, a, p[b].left);
	return b;
}

/* Unlinks the last run of *t into *out (0 if *t is empty). */
static void take_max(struct node *p, uint32_t *t, uint32_t *out)
{
	while (*t && p[*t].right)
		t = &p[*t].right;
	*out = *t;
	if (*t) {
		*t = p[*out].left;
		p[*out].left = 0;
	}
}

static void take_min(struct node *p, uint32_t *t, uint32_t *out)
{
	while (*t && p[*t].left)
		t = &p[*t].left;
	*out = *t;
	if (*t) {
		*t = p[*out].right;
		p[*out].right = 0;
	}
}

static void free_tree(struct attr_map *m, uint32_t t)
{
	while (t) {
		uint32_t r = m->pool[t].right;

		free_tree(m, m->pool[t].left);
		node_free(m, t);
		t = r;
	}
}

int attr_map_set(struct attr_map *m, uint64_t s, uint64_t e, bool priv)
{
	struct node *p;
	uint32_t l, mid, r, prev, next, extra = 0;
	uint64_t mid_end = 0;

	if (s >= e)
		return 0;
	if (attr_map_reserve(m))
		return -1;
	p = m->pool;
	split(p, m->root, s, &l, &mid);
	split(p, mid, e, &mid, &r);
	/* mid: the runs that start inside [s, e); the last one ends last. */
	if (mid) {
		uint32_t t = mid;

		while (p[t].right)
			t = p[t].right;
		mid_end = p[t].end;
		free_tree(m, mid);
	}
	take_max(p, &l, &prev);
	if (priv) {
		uint64_t ns = s, ne = e > mid_end ? e : mid_end;

		if (prev && p[prev].end >= s) {	/* overlaps or touches: absorb */
			ns = p[prev].start;
			if (p[prev].end > ne)
				ne = p[prev].end;
			node_free(m, prev);
			prev = 0;
		}
		take_min(p, &r, &next);
		if (next && p[next].start == ne) {
			ne = p[next].end;
			node_free(m, next);
			next = 0;
		}
		if (next)
			r = merge(p, next, r);
		extra = node_new(m, ns, ne);
	} else {
		uint64_t tail = mid_end;

		if (prev && p[prev].end > s) {	/* cut the run that covers s */
			if (p[prev].end > tail)
				tail = p[prev].end;
			m->pages -= p[prev].end - s;
			p[prev].end = s;
		}
		if (tail > e)			/* what reached past e survives */
			extra = node_new(m, e, tail);
	}
	if (prev)
		l = merge(p, l, prev);
	m->root = merge(p, merge(p, l, extra), r);
	return 0;
}

/* The run with the largest start below key, or 0. */
static uint32_t last_before(const struct attr_map *m, uint64_t key)
{
	uint32_t t = m->root, best = 0;

	while (t) {
		if (m->pool[t].start < key) {
			best = t;
			t = m->pool[t].right;
		} else {
			t = m->pool[t].left;
		}
	}
	return best;
}

bool attr_map_any(const struct attr_map *m, uint64_t s, uint64_t e)
{
	uint32_t t;

	if (s >= e)
		return false;
	t = last_before(m, e);
	return t && m->pool[t].end > s;
}

bool attr_map_all(const struct attr_map *m, uint64_t s, uint64_t e)
{
	uint32_t t;

	if (s >= e)
		return true;
	if (s == UINT64_MAX)
		return false;
	t = last_before(m, s + 1);
	return t && m->pool[t].end >= e;
}

struct walk {
	const struct node *p;
	uint64_t s, e, pos;
	attr_walk_fn fn;
	void *arg;
};

/* In-order over the runs that overlap [s, e), pruned: O(log n + k). */
static int walk_tree(struct walk *w, uint32_t t)
{
	int ret;

	if (!t)
		return 0;
	const struct node *n = &w->p[t];

	if (n->start > w->s && (ret = walk_tree(w, n->left)))
		return ret;
	if (n->start < w->e && n->end > w->s) {
		uint64_t a = n->start > w->s ? n->start : w->s;
		uint64_t b = n->end < w->e ? n->end : w->e;

		if (a > w->pos && (ret = w->fn(w->arg, w->pos, a, false)))
			return ret;
		if ((ret = w->fn(w->arg, a, b, true)))
			return ret;
		w->pos = b;
	}
	if (n->end < w->e)
		return walk_tree(w, n->right);
	return 0;
}

int attr_map_walk(const struct attr_map *m, uint64_t s, uint64_t e,
		  attr_walk_fn fn, void *arg)
{
	struct walk w = { .p = m->pool, .s = s, .e = e, .pos = s, .fn = fn, .arg = arg };
	int ret;

	if (s >= e)
		return 0;
	if ((ret = walk_tree(&w, m->root)))
		return ret;
	return w.pos < e ? fn(arg, w.pos, e, false) : 0;
}

size_t attr_map_runs(const struct attr_map *m)
{
	return m->runs;
}

uint64_t attr_map_pages(const struct attr_map *m)
{
	return m->pages;
}

size_t attr_map_bytes(const struct attr_map *m)
{
	return sizeof(*m) + (size_t)m->cap * sizeof(*m->pool);
}

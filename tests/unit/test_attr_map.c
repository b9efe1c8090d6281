/*
 * The private-page run map against the simplest possible model: one byte
 * per page over a small universe, under long random sequences of changes.
 */
#include <stdlib.h>
#include <string.h>

#include "check_compat.h"
#include "vmm/mem/attr_map.h"
#include "vmm/log.h"

#define UNIVERSE 2048

static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return rng_state >> 33;
}

/* Random ranges biased towards small ones, the edges, and the whole. */
static void rnd_range(uint64_t *s, uint64_t *e)
{
	uint64_t a = rnd() % (UNIVERSE + 1), len;

	switch (rnd() % 4) {
	case 0:  len = rnd() % 4; break;
	case 1:  len = rnd() % 64; break;
	case 2:  len = rnd() % UNIVERSE; break;
	default: a = rnd() % 2 ? 0 : a; len = UNIVERSE; break;
	}
	*s = a;
	*e = a + len > UNIVERSE ? UNIVERSE : a + len;
}

struct collect {
	const uint8_t *model;
	uint64_t pos, pieces;
	bool last_priv, failed, first;
};

static int collect(void *arg, uint64_t s, uint64_t e, bool priv)
{
	struct collect *c = arg;

	/* pieces are contiguous, non-empty, alternate, and match the model */
	if (s != c->pos || e <= s || (!c->first && priv == c->last_priv))
		c->failed = true;
	for (uint64_t i = s; i < e && i < UNIVERSE; i++)
		if (c->model[i] != priv)
			c->failed = true;
	c->pos = e;
	c->last_priv = priv;
	c->first = false;
	c->pieces++;
	return 0;
}

static void check_against(struct attr_map *m, const uint8_t *model, int queries)
{
	size_t runs = 0;
	uint64_t pages = 0;

	for (uint64_t i = 0; i < UNIVERSE; i++) {
		pages += model[i];
		if (model[i] && (i == 0 || !model[i - 1]))
			runs++;
	}
	ck_assert_uint_eq(attr_map_runs(m), runs);	/* runs are maximal */
	ck_assert_uint_eq(attr_map_pages(m), pages);
	for (int q = 0; q < queries; q++) {
		uint64_t s, e;
		bool any = false, all = true;

		rnd_range(&s, &e);
		for (uint64_t i = s; i < e; i++) {
			any |= model[i];
			all &= model[i];
		}
		ck_assert_msg(attr_map_any(m, s, e) == any, "any [%lu,%lu)", s, e);
		ck_assert_msg(attr_map_all(m, s, e) == all, "all [%lu,%lu)", s, e);

		struct collect c = { .model = model, .pos = s, .first = true };

		attr_map_walk(m, s, e, collect, &c);
		ck_assert_msg(!c.failed && c.pos == e, "walk [%lu,%lu)", s, e);
		ck_assert(s == e || c.pieces >= 1);
	}
}

START_TEST(random_against_model)
{
	static uint8_t model[UNIVERSE];

	rng_state = 0x1234 + (uint64_t)_i * 7919;
	memset(model, 0, sizeof(model));
	struct attr_map *m = attr_map_new();

	ck_assert_ptr_nonnull(m);
	for (int step = 0; step < 3000; step++) {
		uint64_t s, e;
		bool priv = rnd() % 2;

		rnd_range(&s, &e);
		ck_assert_int_eq(attr_map_set(m, s, e, priv), 0);
		memset(model + s, priv, e - s);
		check_against(m, model, step % 50 == 0 ? 50 : 1);
	}
	check_against(m, model, 200);
	attr_map_free(m);
}
END_TEST

START_TEST(merge_and_split_edges)
{
	struct attr_map *m = attr_map_new();

	ck_assert_int_eq(attr_map_set(m, 10, 20, true), 0);
	ck_assert_int_eq(attr_map_set(m, 20, 30, true), 0);	/* touches: one run */
	ck_assert_uint_eq(attr_map_runs(m), 1);
	ck_assert_int_eq(attr_map_set(m, 0, 10, true), 0);
	ck_assert_uint_eq(attr_map_runs(m), 1);
	ck_assert(attr_map_all(m, 0, 30) && !attr_map_any(m, 30, 31));
	ck_assert_int_eq(attr_map_set(m, 15, 16, false), 0);	/* single page hole */
	ck_assert_uint_eq(attr_map_runs(m), 2);
	ck_assert_uint_eq(attr_map_pages(m), 29);
	ck_assert(!attr_map_any(m, 15, 16) && attr_map_all(m, 14, 15) && attr_map_all(m, 16, 17));
	ck_assert_int_eq(attr_map_set(m, 15, 16, true), 0);	/* and filled again */
	ck_assert_uint_eq(attr_map_runs(m), 1);
	ck_assert_int_eq(attr_map_set(m, 5, 5, false), 0);	/* empty: no-op */
	ck_assert_uint_eq(attr_map_runs(m), 1);
	ck_assert_int_eq(attr_map_set(m, 0, UINT64_MAX, false), 0);
	ck_assert_uint_eq(attr_map_runs(m), 0);
	ck_assert(!attr_map_any(m, 0, UINT64_MAX));
	ck_assert_int_eq(attr_map_set(m, UINT64_MAX - 3, UINT64_MAX, true), 0);
	ck_assert(attr_map_all(m, UINT64_MAX - 3, UINT64_MAX));
	ck_assert(!attr_map_all(m, UINT64_MAX - 4, UINT64_MAX));
	attr_map_free(m);
}
END_TEST

/* Many runs: memory is per run, and each change stays cheap. */
START_TEST(alternating_runs_cost)
{
	struct attr_map *m = attr_map_new();
	const uint64_t pages = (64ULL << 30) >> 12, n = 10000, stride = pages / n;

	for (uint64_t i = 0; i < n; i++)
		ck_assert_int_eq(attr_map_set(m, i * stride, i * stride + stride / 2, true), 0);
	ck_assert_uint_eq(attr_map_runs(m), n);
	ck_assert_uint_le(attr_map_bytes(m), 64 * n);	/* far below a byte per page */
	/* Converting everything to private collapses it into one run. */
	ck_assert_int_eq(attr_map_set(m, 0, pages, true), 0);
	ck_assert_uint_eq(attr_map_runs(m), 1);
	ck_assert_uint_eq(attr_map_pages(m), pages);
	attr_map_free(m);
}
END_TEST

Suite *make_suite(void)
{
	Suite *s = suite_create("attr_map");
	TCase *tc = tcase_create("core");

	cvmm_verbosity = LOG_QUIET;
	tcase_add_loop_test(tc, random_against_model, 0, 8);
	tcase_add_test(tc, merge_and_split_edges);
	tcase_add_test(tc, alternating_runs_cost);
	suite_add_tcase(s, tc);
	return s;
}

CVMM_CHECK_MAIN()

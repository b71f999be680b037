/*
 * runner.h - a tiny test runner for the scorer's unit tests: TEST(name)
 * functions listed in a table, CHECK() records a failure and carries on,
 * main() runs every test (or those named on the command line).
 */
#ifndef ATTUNE_TEST_RUNNER_H
#define ATTUNE_TEST_RUNNER_H

#include <stdio.h>
#include <string.h>

#include "attune/scorer.h"

typedef struct test_ctx {
	int failures;
	const char *name;
} test_ctx;

typedef void (*test_fn)(test_ctx *t);
typedef struct test_case {
	const char *name;
	test_fn fn;
} test_case;

#define TEST(name) static void test_##name(test_ctx *t)
#define T(name)                                                                                    \
	{                                                                                          \
#name, test_##name                                                                 \
	}

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			t->failures++;                                                             \
			fprintf(stderr, "%s:%d: [%s] CHECK failed: %s\n", __FILE__, __LINE__,      \
			        t->name, #cond);                                                   \
		}                                                                                  \
	} while (0)

static inline int run_tests(const test_case *cases, size_t n, int argc, char **argv)
{
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		int selected = argc <= 1;
		for (int a = 1; a < argc; a++)
			selected |= strcmp(argv[a], cases[i].name) == 0;
		if (!selected)
			continue;
		test_ctx t = {0, cases[i].name};
		cases[i].fn(&t);
		printf("%-40s %s\n", cases[i].name, t.failures ? "FAIL" : "ok");
		failed += t.failures != 0;
	}
	printf("%d test(s) failed\n", failed);
	return failed ? 1 : 0;
}

/* Creates the scorer the tests share in *s, runs them, destroys it. */
static inline int run_scorer_tests(attune_scorer **s, const test_case *cases, size_t n, int argc,
                                   char **argv)
{
	if (attune_scorer_create(s) != ATTUNE_OK) {
		fprintf(stderr, "attune_scorer_create failed\n");
		return 1;
	}
	int rc = run_tests(cases, n, argc, argv);
	attune_scorer_destroy(*s);
	*s = NULL;
	return rc;
}

#endif

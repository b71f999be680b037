/*
 * attune_test.h - a tiny header-only test runner for C tests: TEST(name)
 * bodies, CHECK macros that record a failure and go on, REQUIRE macros that
 * end the test, and a main helper that runs all cases or the ones named.
 *
 *   TEST(adds) { CHECK_EQ_INT(1 + 1, 2); }
 *   static const attune_test_case cases[] = { TEST_CASE(adds) };
 *   int main(int argc, char **argv) { return ATTUNE_TEST_MAIN(argc, argv, cases); }
 *
 * `prog` runs every case; `prog NAME...` runs those; `prog --list` lists.
 * Exit status: 0 all passed (or skipped), 1 a failure, 77 all cases skipped
 * (register with ctest property SKIP_RETURN_CODE 77). Bodies get `t_`, the
 * per-case state; no globals. For cleanup in a test that may fail half-way,
 * use `REQUIRE_OR(cond, label)` and a `label:` that frees what was made.
 */
#ifndef ATTUNE_TEST_H
#define ATTUNE_TEST_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct attune_test_state {
	const char *name;
	int failures;
	int skipped;
} attune_test_state;

typedef struct attune_test_case {
	const char *name;
	void (*fn)(attune_test_state *t_);
} attune_test_case;

#define TEST(name) static void name(attune_test_state *t_)
#define TEST_CASE(name) {#name, name}

#define ATTUNE_TEST_FAIL_(...)                                                                     \
	do {                                                                                       \
		t_->failures++;                                                                    \
		fprintf(stderr, "  FAIL %s (%s:%d): ", t_->name, __FILE__, __LINE__);              \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
	} while (0)

/* Records a failure and goes on. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			ATTUNE_TEST_FAIL_("CHECK(%s)", #cond);                                     \
	} while (0)

/* Like CHECK with a printf-style explanation. */
#define CHECK_MSG(cond, ...)                                                                       \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			ATTUNE_TEST_FAIL_("CHECK(%s)", #cond);                                     \
			fprintf(stderr, "       ");                                                \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
		}                                                                                  \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
	do {                                                                                       \
		intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                                   \
		if (a_ != b_)                                                                      \
			ATTUNE_TEST_FAIL_("%s == %s: %jd != %jd", #a, #b, a_, b_);                 \
	} while (0)

#define CHECK_NE_INT(a, b)                                                                         \
	do {                                                                                       \
		intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                                   \
		if (a_ == b_)                                                                      \
			ATTUNE_TEST_FAIL_("%s != %s: both %jd", #a, #b, a_);                       \
	} while (0)

#define CHECK_GT_INT(a, b)                                                                         \
	do {                                                                                       \
		intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                                   \
		if (!(a_ > b_))                                                                    \
			ATTUNE_TEST_FAIL_("%s > %s: %jd <= %jd", #a, #b, a_, b_);                  \
	} while (0)

#define CHECK_GE_INT(a, b)                                                                         \
	do {                                                                                       \
		intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                                   \
		if (!(a_ >= b_))                                                                   \
			ATTUNE_TEST_FAIL_("%s >= %s: %jd < %jd", #a, #b, a_, b_);                  \
	} while (0)

#define CHECK_EQ_STR(a, b)                                                                         \
	do {                                                                                       \
		const char *a_ = (a), *b_ = (b);                                                   \
		if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                               \
			ATTUNE_TEST_FAIL_("%s == %s: \"%s\" != \"%s\"", #a, #b,                    \
					  a_ ? a_ : "(null)", b_ ? b_ : "(null)");                 \
	} while (0)

/* `hay` contains `needle` (both NUL-terminated). */
#define CHECK_CONTAINS(hay, needle)                                                                \
	do {                                                                                       \
		const char *h_ = (hay), *n_ = (needle);                                            \
		if (h_ == NULL || n_ == NULL || strstr(h_, n_) == NULL)                            \
			ATTUNE_TEST_FAIL_("%s contains \"%s\": got \"%s\"", #hay,                  \
					  n_ ? n_ : "(null)", h_ ? h_ : "(null)");                 \
	} while (0)

/* `hay` does NOT contain `needle`; prints no text on failure (it may be
 * sensitive), only where it was found. */
#define CHECK_NOT_CONTAINS(hay, needle)                                                            \
	do {                                                                                       \
		const char *h_ = (hay), *n_ = (needle);                                            \
		const char *f_ = (h_ && n_) ? strstr(h_, n_) : NULL;                               \
		if (f_ != NULL)                                                                    \
			ATTUNE_TEST_FAIL_("%s must not contain %s (found at offset %td)", #hay,    \
					  #needle, f_ - h_);                                       \
	} while (0)

/* Ends the test on failure (use when going on is meaningless). */
#define REQUIRE(cond)                                                                              \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			ATTUNE_TEST_FAIL_("REQUIRE(%s)", #cond);                                   \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* Jumps to a cleanup label on failure. */
#define REQUIRE_OR(cond, label)                                                                    \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			ATTUNE_TEST_FAIL_("REQUIRE(%s)", #cond);                                   \
			goto label;                                                                \
		}                                                                                  \
	} while (0)

/* Marks the test skipped (e.g. an optional tool is missing) and ends it. */
#define SKIP(...)                                                                                  \
	do {                                                                                       \
		t_->skipped = 1;                                                                   \
		fprintf(stderr, "  SKIP %s: ", t_->name);                                          \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fputc('\n', stderr);                                                               \
		return;                                                                            \
	} while (0)

static inline int attune_test_main(int argc, char **argv, const attune_test_case *cases,
				   size_t n_cases)
{
	int failed = 0, ran = 0, skipped = 0;
	if (argc > 1 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < n_cases; i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	for (int a = 1; a < argc; a++) {
		int found = 0;
		for (size_t i = 0; i < n_cases; i++)
			found |= strcmp(argv[a], cases[i].name) == 0;
		if (!found) {
			fprintf(stderr, "no test named %s (try --list)\n", argv[a]);
			return 1;
		}
	}
	for (size_t i = 0; i < n_cases; i++) {
		int selected = argc <= 1;
		for (int a = 1; a < argc && !selected; a++)
			selected = strcmp(argv[a], cases[i].name) == 0;
		if (!selected)
			continue;
		attune_test_state st = {cases[i].name, 0, 0};
		fprintf(stderr, "RUN  %s\n", cases[i].name);
		fflush(stderr);
		cases[i].fn(&st);
		ran++;
		if (st.failures > 0) {
			failed++;
			fprintf(stderr, "FAIL %s (%d checks failed)\n", cases[i].name, st.failures);
		} else if (st.skipped) {
			skipped++;
			fprintf(stderr, "SKIP %s\n", cases[i].name);
		} else {
			fprintf(stderr, "OK   %s\n", cases[i].name);
		}
		fflush(stderr);
	}
	fprintf(stderr, "%d run, %d failed, %d skipped\n", ran, failed, skipped);
	if (failed > 0)
		return 1;
	return (ran > 0 && skipped == ran) ? 77 : 0;
}

#define ATTUNE_TEST_MAIN(argc, argv, cases)                                                        \
	attune_test_main((argc), (argv), (cases), sizeof(cases) / sizeof((cases)[0]))

#endif

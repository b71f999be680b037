/*
 * test_eventlog_check.h - the few assertion macros and temp-dir helpers the
 * events unit tests share (tests/telemetry/test_*.c). Header-only.
 */
#ifndef ATTUNE_TEST_EVENTLOG_CHECK_H
#define ATTUNE_TEST_EVENTLOG_CHECK_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int check_failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
			check_failures++;                                                          \
		}                                                                                  \
	} while (0)

#define CHECK_EQ_U(a, b)                                                                           \
	do {                                                                                       \
		unsigned long long va_ = (unsigned long long)(a), vb_ = (unsigned long long)(b);   \
		if (va_ != vb_) {                                                                  \
			fprintf(stderr, "FAIL %s:%d: %s == %s (%llu != %llu)\n", __FILE__,         \
			        __LINE__, #a, #b, va_, vb_);                                       \
			check_failures++;                                                          \
		}                                                                                  \
	} while (0)

/* Makes a fresh directory under $TMPDIR or /tmp; aborts on failure. */
static inline void test_mkdtemp(char *buf, size_t cap)
{
	const char *base = getenv("TMPDIR");
	snprintf(buf, cap, "%s/attune-evtest-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(buf)) {
		perror("mkdtemp");
		exit(2);
	}
}

/* Removes a flat directory of files (what these tests create). */
static inline void test_rmdir(const char *dir)
{
	char path[4096];
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		if (unlink(path) != 0) {
			/* a nested state dir */
			char sub[4096];
			snprintf(sub, sizeof(sub), "%s", path);
			test_rmdir(sub);
		}
	}
	closedir(d);
	rmdir(dir);
}

static inline int test_finish(const char *name)
{
	if (check_failures) {
		fprintf(stderr, "%s: %d check(s) failed\n", name, check_failures);
		return 1;
	}
	printf("%s: ok\n", name);
	return 0;
}

#endif

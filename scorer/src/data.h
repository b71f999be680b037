/*
 * data.h - the compiled-in word and pattern tables generated at build time
 * from the scorer/data/<locale> text files by scorer/tools/gen_data.c.
 */
#ifndef ATTUNE_DATA_H
#define ATTUNE_DATA_H

#include <stddef.h>

typedef struct attune__data_file {
	const char *name;         /* file base name, e.g. "minimizing" */
	const char *const *lines; /* comment-free, trimmed lines, NULL-terminated */
	size_t n_lines;
} attune__data_file;

extern const attune__data_file attune__data_files[];
extern const size_t attune__n_data_files;

#endif

/*
 * ready.h - the list of bound listeners and the --ready-file written from
 * it: one "<kind> <address>" line per listener ("grpc 127.0.0.1:43567",
 * "grpc unix:/tmp/a.sock", "metrics 127.0.0.1:9464"), written atomically.
 */
#ifndef ATTUNED_READY_H
#define ATTUNED_READY_H

#include <stddef.h>

#include "addr.h"

#define ATTUNED_MAX_LISTENERS 32

typedef struct attuned_listener {
	char kind[16];                  /* "grpc", "metrics" */
	char address[ATTUNED_ADDR_MAX]; /* as a client would dial it */
} attuned_listener;

typedef struct attuned_listener_list {
	attuned_listener items[ATTUNED_MAX_LISTENERS];
	size_t n;
} attuned_listener_list;

/* Appends one listener; returns -1 if the list is full or a field too long. */
int attuned_listener_add(attuned_listener_list *list, const char *kind, const char *address);

/* Writes all listeners to path via a temp file in the same directory,
 * fsync and rename, so readers never see a partial file. Returns -1 with a
 * reason in err on failure. */
int attuned_ready_write(const char *path, const attuned_listener_list *list, char *err, size_t cap);

#endif

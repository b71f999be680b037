/*
 * ev_file.h - the two durable-write steps the event log and the pseudonym
 * key file both need: write a whole buffer (retrying EINTR and short
 * writes) and fsync a directory so a new or renamed entry survives a crash.
 */
#ifndef ATTUNE_EV_FILE_H
#define ATTUNE_EV_FILE_H

#include <stddef.h>

/* Writes n bytes at p to fd. Returns 0, or -1 (errno from the failed
 * write; a write of 0 bytes also fails). */
int attune_ev_write_all(int fd, const void *p, size_t n);

/* Opens the directory `dir` and fsyncs it. Returns 0, or -1 (errno set). */
int attune_ev_fsync_dir(const char *dir);

#endif

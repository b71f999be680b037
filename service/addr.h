/*
 * addr.h - listen addresses: parsing "host:port", "[v6]:port" and
 * "unix:/path", the loopback test behind secure-by-default, and preparing a
 * unix socket path (remove a stale socket, refuse anything else).
 */
#ifndef ATTUNED_ADDR_H
#define ATTUNED_ADDR_H

#include <stddef.h>

#define ATTUNED_ADDR_MAX 160 /* longest address we accept, with NUL */

typedef enum attuned_addr_kind { ATTUNED_ADDR_TCP = 0, ATTUNED_ADDR_UNIX = 1 } attuned_addr_kind;

typedef struct attuned_addr {
	attuned_addr_kind kind;
	char host[ATTUNED_ADDR_MAX]; /* TCP: without brackets ("::1") */
	unsigned port;               /* TCP: 0 = ephemeral */
	char path[ATTUNED_ADDR_MAX]; /* UNIX: the filesystem path */
} attuned_addr;

/* Parses s; on failure returns -1 and writes a reason to err (cap bytes). */
int attuned_addr_parse(const char *s, attuned_addr *out, char *err, size_t cap);

/* 1 for 127.0.0.0/8, ::1 and "localhost"; unix sockets count as local. */
int attuned_addr_is_local(const attuned_addr *a);

/* Formats a TCP address with `port` ("127.0.0.1:43567", "[::1]:5") or a
 * unix one ("unix:/tmp/a.sock") into out. */
void attuned_addr_format(const attuned_addr *a, unsigned port, char *out, size_t cap);

/* For UNIX addresses: if the path exists and is a socket nobody listens on,
 * removes it; if it is a live socket or not a socket, returns -1 with a
 * reason. TCP addresses: no-op, 0. */
int attuned_addr_prepare(const attuned_addr *a, char *err, size_t cap);

#endif

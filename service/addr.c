/*
 * addr.c - listen address parsing, the loopback check for secure-by-default
 * and stale unix socket handling (see addr.h).
 */
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int attuned_addr_parse(const char *s, attuned_addr *out, char *err, size_t cap)
{
	const char *colon;
	size_t hlen;
	char *end;
	unsigned long port;

	memset(out, 0, sizeof(*out));
	if (!s || !*s) {
		snprintf(err, cap, "empty address");
		return -1;
	}
	if (strlen(s) >= ATTUNED_ADDR_MAX - 8) {
		snprintf(err, cap, "address longer than %d bytes", ATTUNED_ADDR_MAX - 9);
		return -1;
	}
	if (strncmp(s, "unix:", 5) == 0) {
		const char *p = s + 5;
		/* "unix:///abs" is also accepted by gRPC; normalise to one slash. */
		if (strncmp(p, "//", 2) == 0)
			p += 2;
		if (!*p) {
			snprintf(err, cap, "unix address needs a path");
			return -1;
		}
		if (strlen(p) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
			snprintf(err, cap, "unix socket path too long");
			return -1;
		}
		out->kind = ATTUNED_ADDR_UNIX;
		snprintf(out->path, sizeof(out->path), "%s", p);
		return 0;
	}
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (!rb || rb[1] != ':') {
			snprintf(err, cap, "expected [ipv6]:port");
			return -1;
		}
		hlen = (size_t)(rb - s - 1);
		memcpy(out->host, s + 1, hlen);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon) {
			snprintf(err, cap, "expected host:port or unix:/path");
			return -1;
		}
		hlen = (size_t)(colon - s);
		if (memchr(s, ':', hlen)) {
			snprintf(err, cap, "IPv6 addresses need brackets: [addr]:port");
			return -1;
		}
		memcpy(out->host, s, hlen);
	}
	out->host[hlen] = '\0';
	if (hlen == 0) {
		snprintf(err, cap, "missing host (use 0.0.0.0 or 127.0.0.1 explicitly)");
		return -1;
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end || errno || port > 65535 || colon[1] == '-' ||
	    colon[1] == '+') {
		snprintf(err, cap, "port must be 0..65535");
		return -1;
	}
	out->kind = ATTUNED_ADDR_TCP;
	out->port = (unsigned)port;
	return 0;
}

int attuned_addr_is_local(const attuned_addr *a)
{
	struct in_addr v4;
	struct in6_addr v6;

	if (a->kind == ATTUNED_ADDR_UNIX)
		return 1;
	if (strcmp(a->host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, a->host, &v4) == 1)
		return (ntohl(v4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, a->host, &v6) == 1)
		return memcmp(&v6, &in6addr_loopback, sizeof(v6)) == 0;
	return 0;
}

void attuned_addr_format(const attuned_addr *a, unsigned port, char *out, size_t cap)
{
	if (a->kind == ATTUNED_ADDR_UNIX)
		snprintf(out, cap, "unix:%s", a->path);
	else if (strchr(a->host, ':'))
		snprintf(out, cap, "[%s]:%u", a->host, port);
	else
		snprintf(out, cap, "%s:%u", a->host, port);
}

/* 1 if something accepts connections on the unix socket at path. */
static int socket_is_live(const char *path)
{
	struct sockaddr_un sa;
	int fd, live;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path) >= (int)sizeof(sa.sun_path)) {
		close(fd);
		return 0; /* cannot name it, so nothing can be listening there */
	}
	live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return live;
}

int attuned_addr_prepare(const attuned_addr *a, char *err, size_t cap)
{
	struct stat st;

	if (a->kind != ATTUNED_ADDR_UNIX)
		return 0;
	if (lstat(a->path, &st) != 0)
		return 0; /* nothing there */
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, cap, "refusing unix:%s: exists and is not a socket", a->path);
		return -1;
	}
	if (socket_is_live(a->path)) {
		snprintf(err, cap, "refusing unix:%s: another process is listening on it", a->path);
		return -1;
	}
	if (unlink(a->path) != 0) {
		snprintf(err, cap, "cannot remove stale socket unix:%s: %s", a->path,
		         strerror(errno));
		return -1;
	}
	return 0;
}

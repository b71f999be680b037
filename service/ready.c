/*
 * ready.c - the listener list and the atomic --ready-file writer.
 */
#include "ready.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int attuned_listener_add(attuned_listener_list *list, const char *kind, const char *address)
{
	attuned_listener *l;

	if (list->n >= ATTUNED_MAX_LISTENERS || strlen(kind) >= sizeof(l->kind) ||
	    strlen(address) >= sizeof(l->address))
		return -1;
	l = &list->items[list->n++];
	snprintf(l->kind, sizeof(l->kind), "%s", kind);
	snprintf(l->address, sizeof(l->address), "%s", address);
	return 0;
}

int attuned_ready_write(const char *path, const attuned_listener_list *list, char *err, size_t cap)
{
	char tmp[4096];
	char body[ATTUNED_MAX_LISTENERS * (ATTUNED_ADDR_MAX + 20)];
	size_t n = 0;
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
		snprintf(err, cap, "ready file path too long");
		return -1;
	}
	for (size_t i = 0; i < list->n; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "%s %s\n", list->items[i].kind,
		                      list->items[i].address);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, cap, "cannot create ready file: %s", strerror(errno));
		return -1;
	}
	if (write(fd, body, n) != (ssize_t)n || fsync(fd) != 0) {
		snprintf(err, cap, "cannot write ready file: %s", strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		snprintf(err, cap, "cannot rename ready file: %s", strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

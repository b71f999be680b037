/*
 * ev_file.c - whole-buffer writes and directory fsync for the events
 * module (event log segments, the pseudonym key file).
 */
#define _POSIX_C_SOURCE 200809L
#include "ev_file.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int attune_ev_write_all(int fd, const void *p, size_t n)
{
	const char *b = p;

	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int attune_ev_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/*
 * sec_file.c - bounded whole-file reads for the security configuration files.
 */
#define _POSIX_C_SOURCE 200809L
#include "sec_file.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void set_err(char *err, size_t errlen, const char *path, const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path, why);
}

attune_sec_status attune_sec_read_file(const char *path, size_t max_bytes, char **out,
                                       size_t *out_len, char *err, size_t errlen)
{
	attune_sec_status st = ATTUNE_SEC_OK;
	struct stat sb;
	char *buf = NULL;
	size_t len = 0;
	int fd;

	*out = NULL;
	*out_len = 0;
	if (!path || !*path) {
		set_err(err, errlen, "(empty path)", "no file named");
		return ATTUNE_SEC_E_INVALID;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		set_err(err, errlen, path, strerror(errno));
		return ATTUNE_SEC_E_IO;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		set_err(err, errlen, path, "not a regular file");
		st = ATTUNE_SEC_E_IO;
		goto out_close;
	}
	if ((unsigned long long)sb.st_size > max_bytes) {
		set_err(err, errlen, path, "file is larger than the limit");
		st = ATTUNE_SEC_E_TOO_LARGE;
		goto out_close;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		st = ATTUNE_SEC_E_NOMEM;
		set_err(err, errlen, path, "out of memory");
		goto out_close;
	}
	/* Read until EOF but never past the limit (the file may grow meanwhile). */
	for (;;) {
		size_t room = (size_t)sb.st_size - len;
		if (room == 0) {
			char probe;
			ssize_t extra = read(fd, &probe, 1);
			if (extra > 0) {
				set_err(err, errlen, path, "file changed while reading");
				st = ATTUNE_SEC_E_IO;
				goto out_free;
			}
			break;
		}
		ssize_t n = read(fd, buf + len, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			set_err(err, errlen, path, strerror(errno));
			st = ATTUNE_SEC_E_IO;
			goto out_free;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	buf = NULL;
out_free:
	free(buf);
out_close:
	close(fd);
	return st;
}

void attune_sec_lines_init(attune_sec_lines *it, const char *text, size_t len)
{
	it->text = text;
	it->len = len;
	it->pos = 0;
	it->lineno = 0;
}

int attune_sec_lines_next(attune_sec_lines *it, const char **line, size_t *line_len,
                          unsigned *lineno)
{
	if (it->pos >= it->len)
		return 0;
	const char *start = it->text + it->pos;
	const char *nl = memchr(start, '\n', it->len - it->pos);
	size_t n = nl ? (size_t)(nl - start) : it->len - it->pos;
	it->pos += n + (nl ? 1 : 0);
	if (n > 0 && start[n - 1] == '\r')
		n--;
	it->lineno++;
	*line = start;
	*line_len = n;
	*lineno = it->lineno;
	return 1;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

size_t attune_sec_split_fields(const char *line, size_t len, attune_sec_field *fields,
                               size_t max_fields)
{
	size_t i = 0, count = 0;

	while (i < len && is_blank(line[i]))
		i++;
	if (i == len || line[i] == '#')
		return 0;
	while (i < len) {
		size_t start = i;
		while (i < len && !is_blank(line[i]))
			i++;
		if (count == max_fields)
			return max_fields + 1;
		fields[count].p = line + start;
		fields[count].len = i - start;
		count++;
		while (i < len && is_blank(line[i]))
			i++;
	}
	return count;
}

attune_sec_status attune_sec_load_file(const char *path, size_t max_bytes, int secret,
                                       attune_sec_parse_fn parse, void *out, char *err,
                                       size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	unsigned line = 0;
	const char *reason = NULL;
	attune_sec_status st;

	st = attune_sec_read_file(path, max_bytes, &text, &len, err, errlen);
	if (st != ATTUNE_SEC_OK)
		return st;
	st = parse(text, len, out, &line, &reason);
	if (st != ATTUNE_SEC_OK && err && errlen) {
		if (line)
			snprintf(err, errlen, "%s: line %u: %s", path, line, reason);
		else
			snprintf(err, errlen, "%s: %s", path, reason);
	}
	if (secret)
		OPENSSL_cleanse(text, len);
	free(text);
	return st;
}

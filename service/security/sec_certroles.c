/*
 * sec_certroles.c - parses the client-certificate role map; lookups are a
 * linear scan (the map is small and read-only).
 */
#include "sec_certroles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sec_file.h"

typedef struct cr_entry {
	char identity[ATTUNE_CERT_IDENTITY_MAX + 1];
	size_t len;
	unsigned roles;
} cr_entry;

struct attune_certroles {
	size_t count;
	cr_entry *entries;
};

attune_sec_status attune_certroles_parse(const char *text, size_t len, attune_certroles **out,
                                         unsigned *err_line, const char **err_reason)
{
	attune_sec_status st = ATTUNE_SEC_OK;
	attune_certroles *m;
	attune_sec_lines it;
	const char *line;
	size_t line_len, cap = 0;
	unsigned lineno;

	*out = NULL;
	*err_line = 0;
	*err_reason = "ok";
	if (len > ATTUNE_CERTROLES_FILE_MAX_BYTES) {
		*err_reason = "file is larger than 1 MiB";
		return ATTUNE_SEC_E_TOO_LARGE;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return ATTUNE_SEC_E_NOMEM;
	attune_sec_lines_init(&it, text, len);
	while (attune_sec_lines_next(&it, &line, &line_len, &lineno)) {
		attune_sec_field f[2];
		size_t nf = attune_sec_split_fields(line, line_len, f, 2);
		cr_entry *e;

		if (nf == 0)
			continue;
		*err_line = lineno;
		if (nf != 2 || memchr(line, '\0', line_len)) {
			*err_reason = "expected '<CN or SAN> <roles>'";
			st = ATTUNE_SEC_E_PARSE;
			goto out_fail;
		}
		if (f[0].len > ATTUNE_CERT_IDENTITY_MAX) {
			*err_reason = "identity longer than 255 bytes";
			st = ATTUNE_SEC_E_PARSE;
			goto out_fail;
		}
		if (m->count == ATTUNE_CERTROLES_MAX_ENTRIES) {
			*err_reason = "more than 10000 entries";
			st = ATTUNE_SEC_E_TOO_LARGE;
			goto out_fail;
		}
		if (m->count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			cr_entry *ne = realloc(m->entries, ncap * sizeof(*ne));
			if (!ne) {
				*err_reason = "out of memory";
				st = ATTUNE_SEC_E_NOMEM;
				goto out_fail;
			}
			m->entries = ne;
			cap = ncap;
		}
		e = &m->entries[m->count];
		memset(e, 0, sizeof(*e));
		if (attune_sec_parse_roles(f[1].p, f[1].len, &e->roles) != ATTUNE_SEC_OK) {
			*err_reason =
			    "unknown role (expected assist, supervisor or assist,supervisor)";
			st = ATTUNE_SEC_E_PARSE;
			goto out_fail;
		}
		memcpy(e->identity, f[0].p, f[0].len);
		e->len = f[0].len;
		m->count++;
	}
	*err_line = 0;
	*out = m;
	return ATTUNE_SEC_OK;
out_fail:
	attune_certroles_destroy(m);
	return st;
}

/* attune_sec_parse_fn adapter for attune_certroles_parse. */
static attune_sec_status parse_file_text(const char *text, size_t len, void *out, unsigned *line,
                                         const char **reason)
{
	return attune_certroles_parse(text, len, out, line, reason);
}

attune_sec_status attune_certroles_load(const char *path, attune_certroles **out, char *err,
                                        size_t errlen)
{
	*out = NULL;
	return attune_sec_load_file(path, ATTUNE_CERTROLES_FILE_MAX_BYTES, 0, parse_file_text, out,
	                            err, errlen);
}

void attune_certroles_destroy(attune_certroles *m)
{
	if (!m)
		return;
	free(m->entries);
	free(m);
}

unsigned attune_certroles_lookup(const attune_certroles *m, const char *identity, size_t len)
{
	unsigned roles = 0;
	if (!m || !identity)
		return 0;
	for (size_t i = 0; i < m->count; i++) {
		if (m->entries[i].len == len && memcmp(m->entries[i].identity, identity, len) == 0)
			roles |= m->entries[i].roles;
	}
	return roles;
}

size_t attune_certroles_count(const attune_certroles *m)
{
	return m ? m->count : 0;
}

/*
 * sec_status.c - status texts and role-list parsing shared by the security
 * module's parsers (tokens file, client-certificate role map).
 */
#include "sec_status.h"

#include <string.h>

const char *attune_sec_strerror(attune_sec_status st)
{
	switch (st) {
	case ATTUNE_SEC_OK:
		return "ok";
	case ATTUNE_SEC_E_NOMEM:
		return "out of memory";
	case ATTUNE_SEC_E_IO:
		return "file missing or unreadable";
	case ATTUNE_SEC_E_PARSE:
		return "malformed file content";
	case ATTUNE_SEC_E_INVALID:
		return "invalid argument";
	case ATTUNE_SEC_E_TOO_LARGE:
		return "over a hard limit";
	}
	return "unknown status";
}

attune_sec_status attune_sec_parse_roles(const char *s, unsigned long len, unsigned *out_mask)
{
	unsigned mask = 0;
	unsigned long i = 0;

	if (len == 0)
		return ATTUNE_SEC_E_PARSE;
	while (i <= len) {
		unsigned long start = i;
		while (i < len && s[i] != ',')
			i++;
		unsigned long n = i - start;
		if (n == 6 && memcmp(s + start, "assist", 6) == 0)
			mask |= ATTUNE_ROLE_ASSIST;
		else if (n == 10 && memcmp(s + start, "supervisor", 10) == 0)
			mask |= ATTUNE_ROLE_SUPERVISOR;
		else
			return ATTUNE_SEC_E_PARSE;
		i++; /* skip the comma (or step past the end) */
	}
	*out_mask = mask;
	return ATTUNE_SEC_OK;
}

const char *attune_sec_roles_name(unsigned mask)
{
	switch (mask & (ATTUNE_ROLE_ASSIST | ATTUNE_ROLE_SUPERVISOR)) {
	case ATTUNE_ROLE_ASSIST:
		return "assist";
	case ATTUNE_ROLE_SUPERVISOR:
		return "supervisor";
	case ATTUNE_ROLE_ASSIST | ATTUNE_ROLE_SUPERVISOR:
		return "assist,supervisor";
	default:
		return "none";
	}
}

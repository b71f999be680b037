/*
 * sec_status.h - the one status type of the security module (tokens, TLS,
 * rate limits, network limits). Messages never contain file contents,
 * tokens or request data: only file paths, line numbers and flag names.
 */
#ifndef ATTUNE_SEC_STATUS_H
#define ATTUNE_SEC_STATUS_H

typedef enum attune_sec_status {
	ATTUNE_SEC_OK = 0,
	ATTUNE_SEC_E_NOMEM = 1,    /* allocation failed */
	ATTUNE_SEC_E_IO = 2,       /* a file is missing or unreadable */
	ATTUNE_SEC_E_PARSE = 3,    /* a file's content is malformed */
	ATTUNE_SEC_E_INVALID = 4,  /* a bad argument or option value */
	ATTUNE_SEC_E_TOO_LARGE = 5 /* input over a documented hard limit */
} attune_sec_status;

/* Static English text; never NULL. */
const char *attune_sec_strerror(attune_sec_status st);

/* Role bits. `assist` = ScoreDraft, RecordOutcome, CoachDraft; `supervisor` =
 * GetTeamStats, WatchMetrics. Separate roles: supervisor does NOT imply
 * assist; an identity that needs both lists "assist,supervisor". */
#define ATTUNE_ROLE_ASSIST     0x1u
#define ATTUNE_ROLE_SUPERVISOR 0x2u

/* Parses a comma-separated role list ("assist", "assist,supervisor") of
 * `len` bytes into a bit mask. Returns ATTUNE_SEC_E_PARSE on an unknown or
 * empty role. */
attune_sec_status attune_sec_parse_roles(const char *s, unsigned long len, unsigned *out_mask);

/* "assist", "supervisor", "assist,supervisor" or "none"; static storage. */
const char *attune_sec_roles_name(unsigned mask);

#endif

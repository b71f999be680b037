/*
 * ev_status.h - the one status type of the events module (pseudonyms, the
 * durable event log, team statistics, outcomes). Messages never contain
 * request data: only paths, sizes and codes.
 */
#ifndef ATTUNE_EV_STATUS_H
#define ATTUNE_EV_STATUS_H

typedef enum attune_ev_status {
	ATTUNE_EV_OK = 0,
	ATTUNE_EV_E_NOMEM = 1,      /* allocation failed */
	ATTUNE_EV_E_IO = 2,         /* a system call on a file failed (errno logged) */
	ATTUNE_EV_E_PERM = 3,       /* a key file has unsafe permissions */
	ATTUNE_EV_E_INVALID = 4,    /* a bad argument, or a key file of the wrong size */
	ATTUNE_EV_E_TOO_LARGE = 5,  /* input over a documented hard limit */
	ATTUNE_EV_E_CLOSED = 6,     /* the event log is closed */
	ATTUNE_EV_E_PARSE = 7,      /* an event line does not parse */
	ATTUNE_EV_E_NOLOG = 8,      /* no event log is configured (memory-only mode) */
	ATTUNE_EV_E_UNAVAILABLE = 9 /* the event log failed a write and is retrying */
} attune_ev_status;

/* Static English text; never NULL. */
const char *attune_ev_strerror(attune_ev_status st);

#endif

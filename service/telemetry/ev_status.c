/*
 * ev_status.c - texts for attune_ev_status (see ev_status.h).
 */
#include "ev_status.h"

const char *attune_ev_strerror(attune_ev_status st)
{
	switch (st) {
	case ATTUNE_EV_OK:
		return "ok";
	case ATTUNE_EV_E_NOMEM:
		return "out of memory";
	case ATTUNE_EV_E_IO:
		return "i/o error";
	case ATTUNE_EV_E_PERM:
		return "unsafe file permissions";
	case ATTUNE_EV_E_INVALID:
		return "invalid argument";
	case ATTUNE_EV_E_TOO_LARGE:
		return "over a hard limit";
	case ATTUNE_EV_E_CLOSED:
		return "event log closed or failed";
	case ATTUNE_EV_E_PARSE:
		return "malformed event";
	case ATTUNE_EV_E_NOLOG:
		return "no event log configured";
	case ATTUNE_EV_E_UNAVAILABLE:
		return "event log failing, retrying";
	}
	return "unknown status";
}

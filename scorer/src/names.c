/*
 * names.c - static names for the scorer's enums and statuses (the wire and
 * log vocabulary: "self_focus", "high", ...). No input text ever goes here.
 */
#include "attune/scorer.h"
#include "internal.h"

#include <string.h>

const char *attune_strerror(attune_status st)
{
	switch (st) {
	case ATTUNE_OK:
		return "ok";
	case ATTUNE_E_NOMEM:
		return "out of memory";
	case ATTUNE_E_INVALID_UTF8:
		return "text is not valid UTF-8 or contains a NUL byte";
	case ATTUNE_E_TOO_LARGE:
		return "text or count exceeds the documented limit";
	case ATTUNE_E_LOCALE:
		return "locale is not supported";
	case ATTUNE_E_INVALID:
		return "invalid argument";
	}
	return "unknown status";
}

static const char *const kind_names[ATTUNE_FINDING_KIND_MAX] = {
    [ATTUNE_FINDING_UNSPECIFIED] = "unspecified",
    [ATTUNE_FINDING_ACKNOWLEDGMENT] = "acknowledgment",
    [ATTUNE_FINDING_REFLECTION] = "reflection",
    [ATTUNE_FINDING_CHECK_IN] = "check_in",
    [ATTUNE_FINDING_OPEN_QUESTION] = "open_question",
    [ATTUNE_FINDING_CLOSED_QUESTION] = "closed_question",
    [ATTUNE_FINDING_SELF_FOCUS] = "self_focus",
    [ATTUNE_FINDING_PREMATURE_ADVICE] = "premature_advice",
    [ATTUNE_FINDING_MINIMIZING] = "minimizing",
    [ATTUNE_FINDING_JUDGMENT] = "judgment",
    [ATTUNE_FINDING_FORMULAIC_REPETITION] = "formulaic_repetition",
    [ATTUNE_FINDING_SECRECY_PROMISE] = "secrecy_promise",
};

const char *attune_finding_kind_name(attune_finding_kind kind)
{
	if ((int)kind < 0 || (int)kind >= ATTUNE_FINDING_KIND_MAX || !kind_names[kind])
		return "unspecified";
	return kind_names[kind];
}

attune_finding_kind attune_finding_kind_from_name(const char *name)
{
	if (!name)
		return ATTUNE_FINDING_UNSPECIFIED;
	for (int k = 1; k < ATTUNE_FINDING_KIND_MAX; k++)
		if (kind_names[k] && strcmp(kind_names[k], name) == 0)
			return (attune_finding_kind)k;
	return ATTUNE_FINDING_UNSPECIFIED;
}

int attune_finding_kind_is_positive(attune_finding_kind kind)
{
	return at_kind_is_positive(kind);
}

const char *attune_severity_name(attune_severity sev)
{
	switch (sev) {
	case ATTUNE_SEVERITY_STRENGTH:
		return "strength";
	case ATTUNE_SEVERITY_MINOR:
		return "minor";
	case ATTUNE_SEVERITY_MODERATE:
		return "moderate";
	case ATTUNE_SEVERITY_MAJOR:
		return "major";
	case ATTUNE_SEVERITY_UNSPECIFIED:
		break;
	}
	return "unspecified";
}

static const char *const channel_names[ATTUNE_CHANNEL_MAX] = {
    "unspecified", "voice_notes", "chat", "sms", "patient_portal",
};

const char *attune_channel_name(attune_channel ch)
{
	if ((int)ch < 0 || (int)ch >= ATTUNE_CHANNEL_MAX)
		return "unspecified";
	return channel_names[ch];
}

attune_channel attune_channel_from_name(const char *name)
{
	if (!name)
		return ATTUNE_CHANNEL_UNSPECIFIED;
	for (int c = 1; c < ATTUNE_CHANNEL_MAX; c++)
		if (strcmp(channel_names[c], name) == 0)
			return (attune_channel)c;
	return ATTUNE_CHANNEL_UNSPECIFIED;
}

const char *attune_risk_level_name(attune_risk_level lvl)
{
	switch (lvl) {
	case ATTUNE_RISK_NONE:
		return "none";
	case ATTUNE_RISK_LOW:
		return "low";
	case ATTUNE_RISK_MODERATE:
		return "moderate";
	case ATTUNE_RISK_HIGH:
		return "high";
	}
	return "none";
}

static const char *const category_names[ATTUNE_RISK_CATEGORY_MAX] = {
    "unspecified", "suicide", "self_harm", "harm_to_others", "abuse", "medical_emergency",
};

const char *attune_risk_category_name(attune_risk_category cat)
{
	if ((int)cat < 0 || (int)cat >= ATTUNE_RISK_CATEGORY_MAX)
		return "unspecified";
	return category_names[cat];
}

const char *attune_risk_cue_name(attune_risk_cue cue)
{
	switch (cue) {
	case ATTUNE_RISK_CUE_MENTION:
		return "mention";
	case ATTUNE_RISK_CUE_PLAN:
		return "plan";
	case ATTUNE_RISK_CUE_MEANS:
		return "means";
	case ATTUNE_RISK_CUE_TIMING:
		return "timing";
	case ATTUNE_RISK_CUE_INTENT:
		return "intent";
	case ATTUNE_RISK_CUE_PAST_ATTEMPT:
		return "past_attempt";
	case ATTUNE_RISK_CUE_UNSPECIFIED:
		break;
	}
	return "unspecified";
}

const char *attune_suggestion_kind_name(attune_suggestion_kind kind)
{
	switch (kind) {
	case ATTUNE_SUGGESTION_ACKNOWLEDGMENT:
		return "acknowledgment";
	case ATTUNE_SUGGESTION_REFLECTION:
		return "reflection";
	case ATTUNE_SUGGESTION_OPEN_QUESTION:
		return "open_question";
	case ATTUNE_SUGGESTION_REPLACEMENT:
		return "replacement";
	case ATTUNE_SUGGESTION_UNSPECIFIED:
		break;
	}
	return "unspecified";
}

const char *attune_placement_name(attune_placement p)
{
	switch (p) {
	case ATTUNE_PLACEMENT_BEFORE_DRAFT:
		return "before_draft";
	case ATTUNE_PLACEMENT_REPLACE_SPAN:
		return "replace_span";
	case ATTUNE_PLACEMENT_AFTER_DRAFT:
		return "after_draft";
	case ATTUNE_PLACEMENT_UNSPECIFIED:
		break;
	}
	return "unspecified";
}

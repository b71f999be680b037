/*
 * attune/scorer.h - the empathy scorer: a pure library (no I/O, no clocks,
 * no globals that change) that judges how well a draft reply makes a
 * help-seeker feel heard, points at spans, flags risk in the seeker's words
 * and proposes acknowledgment phrasing.
 *
 * Shared by attuned, `attune --offline`, the tests, fuzzers and benchmarks.
 * Thread safety: an attune_scorer is immutable after attune_scorer_create();
 * any number of threads may call attune_score() on one scorer at once.
 *
 * All spans are byte offsets [start, end) into the UTF-8 text they refer to
 * (the draft for findings and replacement suggestions, the seeker message for
 * risk spans), always on UTF-8 code point boundaries.
 */
#ifndef ATTUNE_SCORER_H
#define ATTUNE_SCORER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the scoring rules; changes whenever scores for the same input may change. */
#define ATTUNE_SCORER_VERSION "attune-scorer/1.0.0"

/* Documented input limits (bytes). attune_score() rejects larger input with
 * ATTUNE_E_TOO_LARGE; the service checks the same limits first so it can name
 * the offending field. */
#define ATTUNE_MAX_SEEKER_BYTES 32768u
#define ATTUNE_MAX_DRAFT_BYTES 32768u
#define ATTUNE_MAX_PRIOR_TURNS 50u
#define ATTUNE_MAX_PRIOR_TURN_BYTES 8192u
#define ATTUNE_MAX_SUGGESTIONS 8u
#define ATTUNE_DEFAULT_SUGGESTIONS 3u

typedef enum attune_status {
	ATTUNE_OK = 0,
	ATTUNE_E_NOMEM = 1,        /* allocation failed; nothing is returned */
	ATTUNE_E_INVALID_UTF8 = 2, /* a text is not valid UTF-8 (or holds a NUL byte) */
	ATTUNE_E_TOO_LARGE = 3,    /* a text or count is over the limits above */
	ATTUNE_E_LOCALE = 4,       /* the locale is not supported */
	ATTUNE_E_INVALID = 5       /* a required argument is NULL or inconsistent */
} attune_status;

/* Static English text for a status; never NULL, never contains input text. */
const char *attune_strerror(attune_status st);

/* Numbers match attune.v1.FindingKind in proto/attune/v1/attune.proto. */
typedef enum attune_finding_kind {
	ATTUNE_FINDING_UNSPECIFIED = 0,
	/* positive: the draft does what well-rated replies do */
	ATTUNE_FINDING_ACKNOWLEDGMENT = 1,
	ATTUNE_FINDING_REFLECTION = 2,
	ATTUNE_FINDING_CHECK_IN = 3,
	ATTUNE_FINDING_OPEN_QUESTION = 4,
	ATTUNE_FINDING_CLOSED_QUESTION = 5, /* neutral: a closed / generic question */
	/* negative: the mistakes that make people feel unheard */
	ATTUNE_FINDING_SELF_FOCUS = 10,
	ATTUNE_FINDING_PREMATURE_ADVICE = 11,
	ATTUNE_FINDING_MINIMIZING = 12,
	ATTUNE_FINDING_JUDGMENT = 13,
	ATTUNE_FINDING_FORMULAIC_REPETITION = 14,
	ATTUNE_FINDING_SECRECY_PROMISE = 15
} attune_finding_kind;
#define ATTUNE_FINDING_KIND_MAX 16 /* one past the largest value, for tables */

/* Lowercase snake_case name ("self_focus"); "unspecified" for unknown values. */
const char *attune_finding_kind_name(attune_finding_kind kind);
/* Inverse of attune_finding_kind_name; ATTUNE_FINDING_UNSPECIFIED if unknown. */
attune_finding_kind attune_finding_kind_from_name(const char *name);
/* 1 for the positive kinds (acknowledgment..closed_question), 0 otherwise. */
int attune_finding_kind_is_positive(attune_finding_kind kind);

/* Numbers match attune.v1.Severity. */
typedef enum attune_severity {
	ATTUNE_SEVERITY_UNSPECIFIED = 0,
	ATTUNE_SEVERITY_STRENGTH = 1, /* a positive finding */
	ATTUNE_SEVERITY_MINOR = 2,
	ATTUNE_SEVERITY_MODERATE = 3,
	ATTUNE_SEVERITY_MAJOR = 4
} attune_severity;
const char *attune_severity_name(attune_severity sev); /* "strength", "minor", ... */

/* Numbers match attune.v1.Channel. */
typedef enum attune_channel {
	ATTUNE_CHANNEL_UNSPECIFIED = 0,
	ATTUNE_CHANNEL_VOICE_NOTES = 1,
	ATTUNE_CHANNEL_CHAT = 2,
	ATTUNE_CHANNEL_SMS = 3,
	ATTUNE_CHANNEL_PATIENT_PORTAL = 4
} attune_channel;
#define ATTUNE_CHANNEL_MAX 5
const char *attune_channel_name(attune_channel ch); /* "voice_notes", "chat", ... */
attune_channel attune_channel_from_name(const char *name); /* UNSPECIFIED if unknown */

/* Numbers match attune.v1.RiskLevel. */
typedef enum attune_risk_level {
	ATTUNE_RISK_NONE = 0,
	ATTUNE_RISK_LOW = 1,
	ATTUNE_RISK_MODERATE = 2,
	ATTUNE_RISK_HIGH = 3
} attune_risk_level;
const char *attune_risk_level_name(attune_risk_level lvl); /* "none".."high" */

/* Numbers match attune.v1.RiskCategory; used as bit (1u << category) in masks. */
typedef enum attune_risk_category {
	ATTUNE_RISK_CATEGORY_UNSPECIFIED = 0,
	ATTUNE_RISK_SUICIDE = 1,
	ATTUNE_RISK_SELF_HARM = 2,
	ATTUNE_RISK_HARM_TO_OTHERS = 3,
	ATTUNE_RISK_ABUSE = 4,
	ATTUNE_RISK_MEDICAL_EMERGENCY = 5
} attune_risk_category;
#define ATTUNE_RISK_CATEGORY_MAX 6
const char *attune_risk_category_name(attune_risk_category cat); /* "suicide", ... */

/* Numbers match attune.v1.RiskCue: what a risk span shows. */
typedef enum attune_risk_cue {
	ATTUNE_RISK_CUE_UNSPECIFIED = 0,
	ATTUNE_RISK_CUE_MENTION = 1, /* the topic itself ("kill myself") */
	ATTUNE_RISK_CUE_PLAN = 2,
	ATTUNE_RISK_CUE_MEANS = 3,   /* "the pills saved up" */
	ATTUNE_RISK_CUE_TIMING = 4,  /* "tonight" */
	ATTUNE_RISK_CUE_INTENT = 5,
	ATTUNE_RISK_CUE_PAST_ATTEMPT = 6
} attune_risk_cue;
const char *attune_risk_cue_name(attune_risk_cue cue);

/* Numbers match attune.v1.SuggestionKind. */
typedef enum attune_suggestion_kind {
	ATTUNE_SUGGESTION_UNSPECIFIED = 0,
	ATTUNE_SUGGESTION_ACKNOWLEDGMENT = 1,
	ATTUNE_SUGGESTION_REFLECTION = 2, /* a paraphrase with a check-in */
	ATTUNE_SUGGESTION_OPEN_QUESTION = 3,
	ATTUNE_SUGGESTION_REPLACEMENT = 4 /* replaces the span of a negative finding */
} attune_suggestion_kind;
const char *attune_suggestion_kind_name(attune_suggestion_kind kind);

/* Numbers match attune.v1.Placement. */
typedef enum attune_placement {
	ATTUNE_PLACEMENT_UNSPECIFIED = 0,
	ATTUNE_PLACEMENT_BEFORE_DRAFT = 1, /* prepend text + " " to the draft */
	ATTUNE_PLACEMENT_REPLACE_SPAN = 2, /* replace draft[start, end) with text */
	ATTUNE_PLACEMENT_AFTER_DRAFT = 3   /* append " " + text to the draft */
} attune_placement;
const char *attune_placement_name(attune_placement p);

typedef struct attune_text {
	const char *ptr; /* UTF-8, need not be NUL-terminated; may be NULL if len == 0 */
	size_t len;
} attune_text;

typedef struct attune_score_input {
	attune_text seeker;               /* the help-seeker's message (may be empty) */
	attune_text draft;                /* the responder's draft (required, non-empty) */
	const attune_text *prior_turns;   /* responder's earlier turns, oldest first */
	size_t n_prior_turns;
	const char *locale;               /* BCP 47 ("en", "en-US"); NULL or "" means "en" */
	attune_channel channel;
	unsigned max_suggestions;         /* 0 = no suggestions; capped at ATTUNE_MAX_SUGGESTIONS */
	uint64_t variation_key;           /* varies wording deterministically, e.g. a hash of the
	                                     conversation id; same input + key -> same output */
	/* 0 (the default of every initializer above this field): attune_score
	 * checks that seeker, draft and prior turns are valid UTF-8 with no NUL.
	 * 1: the caller vouches it has made exactly that check on these very
	 * bytes (attune_wire's decoders set it), and attune_score does not scan
	 * them again. Pointers, lengths and limits are checked either way. */
	int utf8_checked;
} attune_score_input;

typedef struct attune_finding {
	attune_finding_kind kind;
	attune_severity severity;
	size_t start, end;       /* byte span in the draft */
	const char *explanation; /* static text; never contains input text */
} attune_finding;

typedef struct attune_suggestion {
	attune_suggestion_kind kind;
	char *text;                   /* owned by the result; NUL-terminated UTF-8 */
	attune_placement placement;
	size_t start, end;            /* draft span replaced (REPLACE_SPAN only, else 0,0) */
	attune_finding_kind addresses;/* the negative finding it repairs, or UNSPECIFIED */
	unsigned projected_score;     /* score the draft would get with it applied */
	const char *stem_id;          /* static id of the phrasing template ("ack.sounds_like") */
} attune_suggestion;

typedef struct attune_risk_span {
	attune_risk_category category;
	attune_risk_cue cue;
	size_t start, end; /* byte span in the seeker message */
} attune_risk_span;

typedef struct attune_risk {
	attune_risk_level level;
	uint32_t categories;     /* bit (1u << attune_risk_category) per category flagged */
	const char *guidance;    /* static protocol guidance; "" when level is NONE */
	attune_risk_span *spans; /* owned by the result */
	size_t n_spans;
} attune_risk;

typedef struct attune_score_result {
	unsigned score;          /* 0..100, see attune_score() for the formula */
	unsigned acknowledge;    /* 0 none, 1 weak/generic, 2 strong/specific */
	unsigned reflect;
	unsigned explore;
	attune_finding *findings; /* ordered by start, then kind */
	size_t n_findings;
	attune_suggestion *suggestions; /* best first by projected_score; ties in generation order */
	size_t n_suggestions;
	attune_risk risk;
} attune_score_result;

typedef struct attune_scorer attune_scorer;

/* Builds the matchers from the compiled-in lexicons. On success *out owns a
 * scorer the caller frees with attune_scorer_destroy(). */
attune_status attune_scorer_create(attune_scorer **out);
/* NULL is a harmless no-op. */
void attune_scorer_destroy(attune_scorer *s);

/* 1 if `locale` (BCP 47, case-insensitive language subtag) is supported. */
int attune_scorer_supports_locale(const attune_scorer *s, const char *locale);

/* Scores in->draft against in->seeker. On ATTUNE_OK *out owns a result the
 * caller frees with attune_score_result_free(); on failure *out is NULL and
 * nothing needs freeing. Validates UTF-8 and limits of every text.
 * Cost is linear in the input size. */
attune_status attune_score(const attune_scorer *s, const attune_score_input *in,
                           attune_score_result **out);
/* NULL is a harmless no-op. */
void attune_score_result_free(attune_score_result *r);

/* Validates that [p, p+len) is UTF-8 with no NUL bytes, no surrogates and no
 * overlong forms. Returns 1 if valid. Shared by the service's validation. */
int attune_utf8_valid(const char *p, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* ATTUNE_SCORER_H */

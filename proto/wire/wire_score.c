/*
 * wire_score.c - ScoreDraft on the wire: request validation (the one place
 * the documented field limits are enforced), request decode/encode and
 * response encode/decode between protobuf-c structs and scorer types.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attune/v1/attune.pb-c.h"
#include "wire_internal.h"
#include "wire_pb.h"

/* Which checks validate_params() still has to make. */
enum {
	CHECK_ALL = 0,
	/* Decoded from the wire: attune_wire__unpack already checked the bytes
	 * of every string field (UTF-8, no NUL), with the same messages. */
	CHECK_UTF8_DONE = 1
};

/* 1 if check_text_opt() would pass t: lets a caller format a field name
 * only for an error. */
static int text_ok(attune_text t, size_t max, int how)
{
	return t.len <= max && (how == CHECK_UTF8_DONE || attune_utf8_valid(t.ptr, t.len));
}

static attune_wire_status check_text_opt(const char *field, attune_text t, size_t max, int how,
                                         attune_wire_error *err)
{
	if (t.len > max)
		return attune_wire__fail(err, ATTUNE_WIRE_REASON_TOO_LARGE,
		                         "%s: longer than %zu bytes", field, max);
	if (how != CHECK_UTF8_DONE && !attune_utf8_valid(t.ptr, t.len))
		return attune_wire__fail(err, ATTUNE_WIRE_REASON_INVALID_UTF8,
		                         "%s: invalid UTF-8 or NUL byte", field);
	return ATTUNE_WIRE_OK;
}

static attune_wire_status check_text(const char *field, attune_text t, size_t max,
                                     attune_wire_error *err)
{
	return check_text_opt(field, t, max, CHECK_ALL, err);
}

/* The params' C strings validate_params() measures, in this order. */
enum { LEN_CONVERSATION, LEN_RESPONDER, LEN_TEAM, LEN_LOCALE, LEN_STRINGS };

/* The length of params string s (number i above): lens[i] when the caller
 * knows it (the plain decoder: its strings hold no NUL), else strlen. */
static size_t param_len(const char *s, const size_t *lens, int i)
{
	return lens ? lens[i] : s ? strlen(s) : 0;
}

static attune_wire_status check_str(const char *field, const char *s, size_t len, size_t max,
                                    int how, attune_wire_error *err)
{
	return check_text_opt(field, (attune_text){s ? s : "", len}, max, how, err);
}

static int team_char_ok(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

static int locale_char_ok(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-';
}

/* lens: the lengths of the params' C strings (LEN_*), or NULL to measure them. */
static attune_wire_status validate_params(const attune_wire_score_params *p,
                                          const attune_scorer *scorer, int how, const size_t *lens,
                                          attune_wire_error *err)
{
	attune_wire_status st;
	const char *s;

	if (!p)
		return ATTUNE_WIRE_E_ARG;
	if (p->draft.len == 0)
		return attune_wire__fail(err, ATTUNE_WIRE_REASON_MISSING_FIELD, "draft: required");
	if ((st = check_text_opt("draft", p->draft, ATTUNE_MAX_DRAFT_BYTES, how, err)) !=
	    ATTUNE_WIRE_OK)
		return st;
	if ((st = check_text_opt("seeker_message", p->seeker, ATTUNE_MAX_SEEKER_BYTES, how, err)) !=
	    ATTUNE_WIRE_OK)
		return st;
	if (p->n_prior_turns > ATTUNE_MAX_PRIOR_TURNS)
		return attune_wire__fail(err, ATTUNE_WIRE_REASON_TOO_LARGE,
		                         "prior_responder_turns: more than %u entries",
		                         ATTUNE_MAX_PRIOR_TURNS);
	if (p->n_prior_turns && !p->prior_turns)
		return ATTUNE_WIRE_E_ARG;
	for (size_t i = 0; i < p->n_prior_turns; i++) {
		char name[48];
		if (text_ok(p->prior_turns[i], ATTUNE_MAX_PRIOR_TURN_BYTES, how))
			continue; /* the name is formatted only for the error */
		snprintf(name, sizeof(name), "prior_responder_turns[%zu]", i);
		return check_text_opt(name, p->prior_turns[i], ATTUNE_MAX_PRIOR_TURN_BYTES, how, err);
	}
	if ((st = check_str("conversation_id", p->conversation_id,
	                    param_len(p->conversation_id, lens, LEN_CONVERSATION),
	                    ATTUNE_WIRE_MAX_ID_BYTES, how, err)) != ATTUNE_WIRE_OK)
		return st;
	if ((st = check_str("responder_id", p->responder_id,
	                    param_len(p->responder_id, lens, LEN_RESPONDER),
	                    ATTUNE_WIRE_MAX_ID_BYTES, how, err)) != ATTUNE_WIRE_OK)
		return st;
	s = p->team ? p->team : "";
	if (param_len(p->team, lens, LEN_TEAM) > ATTUNE_WIRE_MAX_TEAM_BYTES)
		return attune_wire__fail(err, ATTUNE_WIRE_REASON_TOO_LARGE,
		                         "team: longer than %u bytes", ATTUNE_WIRE_MAX_TEAM_BYTES);
	for (; *s; s++)
		if (!team_char_ok((unsigned char)*s))
			return attune_wire__fail(err, ATTUNE_WIRE_REASON_INVALID_VALUE,
			                         "team: only [A-Za-z0-9._-] allowed");
	s = p->locale ? p->locale : "";
	if (param_len(p->locale, lens, LEN_LOCALE) > ATTUNE_WIRE_MAX_LOCALE_BYTES)
		return attune_wire__fail(err, ATTUNE_WIRE_REASON_TOO_LARGE,
		                         "locale: longer than %u bytes",
		                         ATTUNE_WIRE_MAX_LOCALE_BYTES);
	for (const char *c = s; *c; c++)
		if (!locale_char_ok((unsigned char)*c))
			return attune_wire__fail(err, ATTUNE_WIRE_REASON_INVALID_VALUE,
			                         "locale: not a BCP 47 tag");
	if (*s && scorer && !attune_scorer_supports_locale(scorer, s))
		return attune_wire__fail(err, ATTUNE_WIRE_REASON_INVALID_VALUE,
		                         "locale: unsupported");
	if ((unsigned)p->channel >= ATTUNE_CHANNEL_MAX)
		return attune_wire__fail(err, ATTUNE_WIRE_REASON_INVALID_VALUE,
		                         "channel: unknown value %u", (unsigned)p->channel);
	if (p->max_suggestions > ATTUNE_MAX_SUGGESTIONS)
		return attune_wire__fail(err, ATTUNE_WIRE_REASON_TOO_LARGE,
		                         "suggestion_options.max_count: must be at most %u",
		                         ATTUNE_MAX_SUGGESTIONS);
	return ATTUNE_WIRE_OK;
}

attune_wire_status attune_wire_validate_score_params(const attune_wire_score_params *p,
                                                     const attune_scorer *scorer,
                                                     attune_wire_error *err)
{
	return validate_params(p, scorer, CHECK_ALL, NULL, err);
}

/* FNV-1a: a stable, seedless hash so the same conversation id always varies
 * suggestion wording the same way. */
static uint64_t variation_key(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; s && *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

/* The scorer's input from validated params: effective locale, suggestion
 * count, variation key. Only for params a decoder made (see the end). */
static void set_input(attune_wire_score_request *req)
{
	const attune_wire_score_params *p = &req->params;

	req->input.seeker = p->seeker;
	req->input.draft = p->draft;
	req->input.prior_turns = p->prior_turns;
	req->input.n_prior_turns = p->n_prior_turns;
	req->input.locale = p->locale[0] ? p->locale : "en";
	req->input.channel = p->channel;
	req->input.max_suggestions = p->suggestions_disabled ? 0
	                             : p->max_suggestions    ? p->max_suggestions
	                                                     : ATTUNE_DEFAULT_SUGGESTIONS;
	req->input.variation_key = variation_key(p->conversation_id);
	/* Both decoders ran attune_utf8_valid on every string of the request
	 * (the plain walk, or attune_wire__unpack): the scorer need not scan
	 * the texts again. */
	req->input.utf8_checked = 1;
}

static attune_wire_status fill_score_request(attune_wire_score_request *req,
                                             const Attune__V1__ScoreDraftRequest *m,
                                             const char *draft, const attune_scorer *scorer,
                                             attune_wire_error *err)
{
	attune_wire_score_params *p = &req->params;
	attune_wire_status st;

	if (m->n_prior_responder_turns) {
		if (m->n_prior_responder_turns > ATTUNE_MAX_PRIOR_TURNS)
			return attune_wire__fail(err, ATTUNE_WIRE_REASON_TOO_LARGE,
			                         "prior_responder_turns: more than %u entries",
			                         ATTUNE_MAX_PRIOR_TURNS);
		req->priv_turns_ = calloc(m->n_prior_responder_turns, sizeof(attune_text));
		if (!req->priv_turns_)
			return ATTUNE_WIRE_E_NOMEM;
		for (size_t i = 0; i < m->n_prior_responder_turns; i++)
			req->priv_turns_[i] = attune_wire__text(m->prior_responder_turns[i]);
	}
	p->seeker = attune_wire__text(m->seeker_message);
	p->draft = attune_wire__text(draft);
	p->prior_turns = req->priv_turns_;
	p->n_prior_turns = m->n_prior_responder_turns;
	p->conversation_id = m->conversation_id ? m->conversation_id : "";
	p->responder_id = m->responder_id ? m->responder_id : "";
	p->team = m->team ? m->team : "";
	p->locale = m->locale ? m->locale : "";
	p->channel = (attune_channel)m->channel;
	p->suggestions_disabled = m->suggestion_options && m->suggestion_options->disabled;
	p->max_suggestions = m->suggestion_options ? m->suggestion_options->max_count : 0;
	/* m came from attune_wire__unpack: its strings' bytes are checked. */
	if ((st = validate_params(p, scorer, CHECK_UTF8_DONE, NULL, err)) != ATTUNE_WIRE_OK)
		return st;
	set_input(req);
	return ATTUNE_WIRE_OK;
}

attune_wire_status attune_wire__decode_score_unpacked(const uint8_t *data, size_t len,
                                                      const attune_scorer *scorer,
                                                      attune_wire_score_request **out,
                                                      attune_wire_error *err)
{
	attune_wire_score_request *req;
	ProtobufCMessage *msg = NULL;
	attune_wire_status st;

	if (!out)
		return ATTUNE_WIRE_E_ARG;
	*out = NULL;
	st = attune_wire__unpack_owned(&attune__v1__score_draft_request__descriptor, data, len,
	                               "ScoreDraftRequest", sizeof(*req), (void **)&req, &msg, err);
	if (st != ATTUNE_WIRE_OK)
		return st;
	req->priv_ = msg;
	const Attune__V1__ScoreDraftRequest *m = (const Attune__V1__ScoreDraftRequest *)msg;
	st = fill_score_request(req, m, m->draft, scorer, err);
	if (st != ATTUNE_WIRE_OK) {
		attune_wire_score_request_free(req);
		return st;
	}
	*out = req;
	return ATTUNE_WIRE_OK;
}

/*
 * The plain-request fast path. Nearly every ScoreDraftRequest is "plain":
 * each field at most once (prior_responder_turns: at most the 50 allowed),
 * with its own wire type and a one-byte tag, a one-byte channel, no unknown
 * fields, and a SuggestionOptions holding only its own fields with one-byte
 * values. For
 * those protobuf-c has no choices to make (no replacing an earlier field,
 * no unknown fields kept), so one walk over the bytes that checks the UTF-8
 * and takes views into `data` decodes exactly what unpacking would, without
 * the unpack and its per-field mallocs. It declines everything else, and
 * every request that fails validation, so the protobuf-c path above decides
 * all of those: statuses and error messages keep one source.
 * tests/service/test_wire_decode.c runs both paths on the same inputs.
 */

/* ScoreDraftRequest field numbers (attune.proto). */
enum {
	FIELD_SEEKER = 1,
	FIELD_DRAFT = 2,
	FIELD_TURNS = 3,
	FIELD_CONVERSATION = 4,
	FIELD_RESPONDER = 5,
	FIELD_TEAM = 6,
	FIELD_CHANNEL = 7,
	FIELD_LOCALE = 8,
	FIELD_OPTIONS = 9
};

/* The tags, (number << 3) | wire type, of the varint fields: one byte each. */
enum {
	TAG_CHANNEL = (FIELD_CHANNEL << 3) | ATTUNE_PB_VARINT,
	TAG_OPT_DISABLED = (1 << 3) | ATTUNE_PB_VARINT, /* SuggestionOptions.disabled */
	TAG_OPT_MAX_COUNT = (2 << 3) | ATTUNE_PB_VARINT /* SuggestionOptions.max_count */
};

/* What the walk found, before it is copied into the request. */
typedef struct plain_fields {
	attune_text text[FIELD_LOCALE + 1]; /* by field number; ptr NULL when absent */
	attune_text turns[ATTUNE_MAX_PRIOR_TURNS];
	size_t n_turns;
	unsigned channel, disabled, max_count;
} plain_fields;

/* A request decoded by the fast path: one block, sized for this request,
 * that the request's free() releases (priv_ and priv_turns_ stay NULL).
 * Texts point into the caller's bytes; the turns and the C strings the
 * params promise are copied into the block. */
typedef struct plain_request {
	attune_wire_score_request req; /* first: its address is the block's */
	attune_text turns[];           /* n_turns, then the four C strings */
} plain_request;

/* Reads the length of a length-delimited field at p[*off]: a varint of at
 * most three bytes (up to 2 MiB, past every field limit; protobuf-c reads
 * a padded one as the same number) that fits in what is left. Returns 0
 * for anything else. */
static int plain_length(const uint8_t *p, size_t len, size_t *off, size_t *n)
{
	size_t i = *off, v = 0;

	for (unsigned shift = 0; shift < 21; shift += 7) {
		if (i == len)
			return 0;
		uint8_t b = p[i++];
		v |= (size_t)(b & 0x7F) << shift;
		if (!(b & 0x80)) {
			if (v > len - i)
				return 0;
			*off = i;
			*n = v;
			return 1;
		}
	}
	return 0;
}

/* SuggestionOptions of the plain shape: known fields with one-byte varint
 * values. A field given twice counts once, the last, as in protobuf-c; a
 * one-byte bool is true exactly when it is not 0, as protobuf-c reads it. */
static int plain_options(const uint8_t *p, size_t n, plain_fields *f)
{
	for (size_t off = 0; off < n; off += 2) {
		if (n - off < 2 || p[off + 1] >= 0x80)
			return 0;
		if (p[off] == TAG_OPT_DISABLED)
			f->disabled = p[off + 1] != 0;
		else if (p[off] == TAG_OPT_MAX_COUNT)
			f->max_count = p[off + 1];
		else
			return 0;
	}
	return 1;
}

/* Walks a plain ScoreDraftRequest into f. Returns 0 (decline) at the first
 * thing that is not plain or not valid UTF-8. */
static int plain_walk(const uint8_t *p, size_t len, plain_fields *f)
{
	uint32_t seen = 0;
	size_t off = 0;

	while (off < len) {
		unsigned tag = p[off++], field = tag >> 3;
		if (tag == TAG_CHANNEL) {
			/* One byte: a longer varint would misparse what follows. */
			if (off == len || p[off] >= 0x80)
				return 0;
			f->channel = p[off++];
		} else if ((tag & 7) == ATTUNE_PB_LEN && field >= FIELD_SEEKER &&
		           field <= FIELD_OPTIONS && field != FIELD_CHANNEL) {
			size_t n;
			if (!plain_length(p, len, &off, &n))
				return 0;
			const char *s = (const char *)p + off;
			off += n;
			if (field == FIELD_OPTIONS) {
				if (!plain_options((const uint8_t *)s, n, f))
					return 0;
			} else if (!attune_utf8_valid(s, n)) {
				return 0;
			} else if (field == FIELD_TURNS) {
				if (f->n_turns == ATTUNE_MAX_PRIOR_TURNS)
					return 0;
				f->turns[f->n_turns++] = (attune_text){s, n};
				continue; /* repeated: may come again */
			} else {
				f->text[field] = (attune_text){s, n};
			}
		} else {
			return 0;
		}
		/* Each field at most once: a second string or channel would
		 * just win, as in protobuf-c, but a second SuggestionOptions
		 * replaces the whole first one there. */
		if (seen & (1u << field))
			return 0;
		seen |= 1u << field;
	}
	return 1;
}

/* Copies t to *at as a C string and moves *at past it. */
static const char *plain_cstr(char **at, attune_text t)
{
	char *s = *at;

	if (t.len)
		memcpy(s, t.ptr, t.len);
	s[t.len] = '\0';
	*at = s + t.len + 1;
	return s;
}

/* A text as the params hold it: an absent field is "". */
static attune_text plain_text(attune_text t)
{
	return t.ptr ? t : (attune_text){"", 0};
}

int attune_wire__decode_score_plain(const uint8_t *data, size_t len, const attune_scorer *scorer,
                                    attune_wire_score_request **out)
{
	static const unsigned cstr_fields[] = {FIELD_CONVERSATION, FIELD_RESPONDER, FIELD_TEAM,
	                                       FIELD_LOCALE};
	plain_fields f;
	plain_request *pr;
	attune_wire_score_params *p;
	size_t size = sizeof(*pr);
	char *at;

	*out = NULL;
	memset(f.text, 0, sizeof(f.text));
	f.n_turns = 0;
	f.channel = f.disabled = f.max_count = 0;
	if (!data || !plain_walk(data, len, &f))
		return 0;
	size += f.n_turns * sizeof(attune_text);
	for (size_t i = 0; i < sizeof(cstr_fields) / sizeof(cstr_fields[0]); i++)
		size += f.text[cstr_fields[i]].len + 1;
	if (!(pr = malloc(size)))
		return 0;
	memset(&pr->req, 0, sizeof(pr->req));
	if (f.n_turns)
		memcpy(pr->turns, f.turns, f.n_turns * sizeof(attune_text));
	at = (char *)(pr->turns + f.n_turns);
	p = &pr->req.params;
	p->seeker = plain_text(f.text[FIELD_SEEKER]);
	p->draft = plain_text(f.text[FIELD_DRAFT]);
	p->prior_turns = f.n_turns ? pr->turns : NULL;
	p->n_prior_turns = f.n_turns;
	p->conversation_id = plain_cstr(&at, f.text[FIELD_CONVERSATION]);
	p->responder_id = plain_cstr(&at, f.text[FIELD_RESPONDER]);
	p->team = plain_cstr(&at, f.text[FIELD_TEAM]);
	p->locale = plain_cstr(&at, f.text[FIELD_LOCALE]);
	p->channel = (attune_channel)f.channel;
	p->suggestions_disabled = (int)f.disabled;
	p->max_suggestions = f.max_count;
	/* The walk checked every string's bytes (no NUL: the lengths are the
	 * C strings'). A refusal is left to the protobuf-c path, which words it. */
	size_t lens[LEN_STRINGS] = {f.text[FIELD_CONVERSATION].len, f.text[FIELD_RESPONDER].len,
	                            f.text[FIELD_TEAM].len, f.text[FIELD_LOCALE].len};
	if (validate_params(p, scorer, CHECK_UTF8_DONE, lens, NULL) != ATTUNE_WIRE_OK) {
		free(pr);
		return 0;
	}
	set_input(&pr->req);
	*out = &pr->req;
	return 1;
}

attune_wire_status attune_wire_decode_score_request(const uint8_t *data, size_t len,
                                                    const attune_scorer *scorer,
                                                    attune_wire_score_request **out,
                                                    attune_wire_error *err)
{
	if (!out)
		return ATTUNE_WIRE_E_ARG;
	if (attune_wire__decode_score_plain(data, len, scorer, out))
		return ATTUNE_WIRE_OK;
	return attune_wire__decode_score_unpacked(data, len, scorer, out, err);
}

/* ---- for the tests (wire_internal.h) ---- */

static int same_text(attune_text a, attune_text b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static int same_turns(const attune_text *a, const attune_text *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!same_text(a[i], b[i]))
			return 0;
	return 1;
}

/* The params' promise: no NULL text or string, whatever was absent. */
static int all_set(const attune_wire_score_params *x)
{
	return x->seeker.ptr && x->draft.ptr && x->conversation_id && x->responder_id && x->team &&
	       x->locale && (!x->n_prior_turns || x->prior_turns);
}

int attune_wire__same_score_request(const attune_wire_score_request *a,
                                    const attune_wire_score_request *b)
{
	const attune_wire_score_params *x = &a->params, *y = &b->params;
	const attune_score_input *i = &a->input, *j = &b->input;

	return all_set(x) && all_set(y) && same_text(x->seeker, y->seeker) &&
	       same_text(x->draft, y->draft) && x->n_prior_turns == y->n_prior_turns &&
	       same_turns(x->prior_turns, y->prior_turns, x->n_prior_turns) &&
	       strcmp(x->conversation_id, y->conversation_id) == 0 &&
	       strcmp(x->responder_id, y->responder_id) == 0 && strcmp(x->team, y->team) == 0 &&
	       strcmp(x->locale, y->locale) == 0 && x->channel == y->channel &&
	       x->suggestions_disabled == y->suggestions_disabled &&
	       x->max_suggestions == y->max_suggestions && same_text(i->seeker, j->seeker) &&
	       same_text(i->draft, j->draft) && i->n_prior_turns == j->n_prior_turns &&
	       same_turns(i->prior_turns, j->prior_turns, i->n_prior_turns) &&
	       strcmp(i->locale, j->locale) == 0 && i->channel == j->channel &&
	       i->max_suggestions == j->max_suggestions && i->variation_key == j->variation_key;
}

void attune_wire_score_request_free(attune_wire_score_request *req)
{
	if (!req)
		return;
	if (req->priv_)
		protobuf_c_message_free_unpacked(req->priv_, NULL);
	free(req->priv_turns_);
	free(req);
}

/* Fills m from p (pointers borrowed from p; turns array malloc'd into *turns). */
static attune_wire_status params_to_msg(const attune_wire_score_params *p,
                                        Attune__V1__ScoreDraftRequest *m,
                                        Attune__V1__SuggestionOptions *opts, char **draft_copy,
                                        char ***turns)
{
	*turns = NULL;
	*draft_copy = NULL;
	if (p->n_prior_turns) {
		*turns = calloc(p->n_prior_turns, sizeof(char *));
		if (!*turns)
			return ATTUNE_WIRE_E_NOMEM;
	}
	/* Texts are not NUL-terminated in general: protobuf-c needs C strings. */
	for (size_t i = 0; i < p->n_prior_turns; i++)
		if (!((*turns)[i] = attune_wire__strdup_text(p->prior_turns[i])))
			return ATTUNE_WIRE_E_NOMEM;
	if (!(*draft_copy = attune_wire__strdup_text(p->draft)))
		return ATTUNE_WIRE_E_NOMEM;
	m->draft = *draft_copy;
	m->n_prior_responder_turns = p->n_prior_turns;
	m->prior_responder_turns = *turns;
	m->conversation_id = (char *)(p->conversation_id ? p->conversation_id : "");
	m->responder_id = (char *)(p->responder_id ? p->responder_id : "");
	m->team = (char *)(p->team ? p->team : "");
	m->locale = (char *)(p->locale ? p->locale : "");
	m->channel = (Attune__V1__Channel)p->channel;
	if (p->suggestions_disabled || p->max_suggestions) {
		opts->disabled = p->suggestions_disabled ? 1 : 0;
		opts->max_count = p->max_suggestions;
		m->suggestion_options = opts;
	}
	return ATTUNE_WIRE_OK;
}

static void free_turns(char **turns, size_t n)
{
	for (size_t i = 0; turns && i < n; i++)
		free(turns[i]);
	free(turns);
}

attune_wire_status attune_wire_encode_score_request(const attune_wire_score_params *p,
                                                    attune_wire_buf *out, attune_wire_error *err)
{
	Attune__V1__ScoreDraftRequest m = ATTUNE__V1__SCORE_DRAFT_REQUEST__INIT;
	Attune__V1__SuggestionOptions opts = ATTUNE__V1__SUGGESTION_OPTIONS__INIT;
	char **turns = NULL, *draft = NULL, *seeker = NULL;
	attune_wire_status st;

	if (!out)
		return ATTUNE_WIRE_E_ARG;
	out->data = NULL;
	out->len = 0;
	if ((st = attune_wire_validate_score_params(p, NULL, err)) != ATTUNE_WIRE_OK)
		return st;
	if ((st = params_to_msg(p, &m, &opts, &draft, &turns)) != ATTUNE_WIRE_OK)
		goto out_free;
	if (!(seeker = attune_wire__strdup_text(p->seeker))) {
		st = ATTUNE_WIRE_E_NOMEM;
		goto out_free;
	}
	m.seeker_message = seeker;
	st = attune_wire__pack(&m.base, out);
out_free:
	free(seeker);
	free(draft);
	free_turns(turns, p->n_prior_turns);
	return st;
}

/* ---------------------------------------------------------- response */

/*
 * The response is written by hand with wire_pb.h rather than built as
 * protobuf-c structs and packed: it is encoded on every ScoreDraft, and
 * the generic packer walks descriptors twice (size, then bytes). The
 * bytes are the same as protobuf-c's (field numbers below are
 * attune.proto's; tests/service/test_wire_encode.c compares them with
 * protobuf-c's packing of the same response). The casts mirror the proto
 * field types: uint32 offsets and int32 enums. The writer works backwards
 * (wire_pb.h): each body writes its fields last to first.
 */

static void finding_body(attune_pbw *w, const void *arg)
{
	const attune_finding *f = arg;
	size_t elen = attune_pb_strlen(f->explanation);
	uint8_t *p = attune_pbw_reserve(w, elen + 5 * ATTUNE_PB_FIELD_MAX);

	if (!p)
		return;
	p = attune_pb_string(p, 5, f->explanation, elen);
	p = attune_pb_uint(p, 4, (uint32_t)f->end);
	p = attune_pb_uint(p, 3, (uint32_t)f->start);
	p = attune_pb_enum(p, 2, (int32_t)f->severity);
	w->p = attune_pb_enum(p, 1, (int32_t)f->kind);
}

static void suggestion_body(attune_pbw *w, const void *arg)
{
	const attune_suggestion *g = arg;
	size_t tlen = attune_pb_strlen(g->text), slen = attune_pb_strlen(g->stem_id);
	uint8_t *p = attune_pbw_reserve(w, tlen + slen + 8 * ATTUNE_PB_FIELD_MAX);

	if (!p)
		return;
	p = attune_pb_string(p, 8, g->stem_id, slen);
	p = attune_pb_enum(p, 7, (int32_t)g->addresses);
	p = attune_pb_uint(p, 6, (uint32_t)g->projected_score);
	p = attune_pb_uint(p, 5, (uint32_t)g->end);
	p = attune_pb_uint(p, 4, (uint32_t)g->start);
	p = attune_pb_enum(p, 3, (int32_t)g->placement);
	p = attune_pb_string(p, 2, g->text, tlen);
	w->p = attune_pb_enum(p, 1, (int32_t)g->kind);
}

static void risk_span_body(attune_pbw *w, const void *arg)
{
	const attune_risk_span *sp = arg;
	uint8_t *p = attune_pbw_reserve(w, 4 * ATTUNE_PB_FIELD_MAX);

	if (!p)
		return;
	p = attune_pb_uint(p, 4, (uint32_t)sp->end);
	p = attune_pb_uint(p, 3, (uint32_t)sp->start);
	p = attune_pb_enum(p, 2, (int32_t)sp->cue);
	w->p = attune_pb_enum(p, 1, (int32_t)sp->category);
}

/* RiskAssessment.categories: the flagged categories in ascending order,
 * packed (one length-delimited run of int32 varints). Category values are
 * small positive numbers: one byte each, written highest first. */
static uint8_t *risk_categories(uint8_t *p, unsigned field, uint32_t bits)
{
	uint8_t *end = p;

	for (unsigned c = ATTUNE_RISK_CATEGORY_MAX - 1; c >= 1; c--)
		if (bits & (1u << c))
			*--p = (uint8_t)c;
	if (p == end)
		return p;
	return attune_pb_tag(attune_pb_varint(p, (uint64_t)(end - p)), field, ATTUNE_PB_LEN);
}
_Static_assert(ATTUNE_RISK_CATEGORY_MAX <= 0x80, "risk categories are one-byte varints");

static void risk_body(attune_pbw *w, const void *arg)
{
	const attune_risk *r = arg;
	size_t glen;
	uint8_t *p;

	for (size_t i = r->n_spans; i-- > 0;)
		attune_pbw_message(w, 4, risk_span_body, &r->spans[i]);
	glen = attune_pb_strlen(r->guidance);
	p = attune_pbw_reserve(w, glen + ATTUNE_RISK_CATEGORY_MAX + 3 * ATTUNE_PB_FIELD_MAX);
	if (!p)
		return;
	p = attune_pb_string(p, 3, r->guidance, glen);
	p = risk_categories(p, 2, r->categories);
	w->p = attune_pb_enum(p, 1, (int32_t)r->level);
}

static void levels_body(attune_pbw *w, const void *arg)
{
	const attune_score_result *r = arg;
	uint8_t *p = attune_pbw_reserve(w, 3 * ATTUNE_PB_FIELD_MAX);

	if (!p)
		return;
	p = attune_pb_enum(p, 3, (int32_t)r->explore);
	p = attune_pb_enum(p, 2, (int32_t)r->reflect);
	w->p = attune_pb_enum(p, 1, (int32_t)r->acknowledge);
}

typedef struct response_args {
	const attune_score_result *r;
	const char *score_id;
	const char *version;
} response_args;

static void response_body(attune_pbw *w, const void *arg)
{
	const response_args *a = arg;
	const attune_score_result *r = a->r;
	size_t ilen = attune_pb_strlen(a->score_id), vlen = attune_pb_strlen(a->version);
	uint8_t *p = attune_pbw_reserve(w, ilen + vlen + 3 * ATTUNE_PB_FIELD_MAX);

	if (!p)
		return;
	p = attune_pb_string(p, 8, a->score_id, ilen);
	p = attune_pb_string(p, 7, a->version, vlen);
	w->p = attune_pb_uint(p, 6, 1); /* human_review_required: always true */
	attune_pbw_message(w, 5, risk_body, &r->risk);
	for (size_t i = r->n_suggestions; i-- > 0;)
		attune_pbw_message(w, 4, suggestion_body, &r->suggestions[i]);
	for (size_t i = r->n_findings; i-- > 0;)
		attune_pbw_message(w, 3, finding_body, &r->findings[i]);
	attune_pbw_message(w, 2, levels_body, r);
	if ((p = attune_pbw_reserve(w, ATTUNE_PB_FIELD_MAX)))
		w->p = attune_pb_uint(p, 1, r->score);
}

typedef struct coach_args {
	uint64_t revision;
	response_args feedback;
} coach_args;

static void coach_body(attune_pbw *w, const void *arg)
{
	const coach_args *a = arg;
	uint8_t *p;

	attune_pbw_message(w, 2, response_body, &a->feedback);
	if ((p = attune_pbw_reserve(w, ATTUNE_PB_FIELD_MAX)))
		w->p = attune_pb_uint(p, 1, a->revision);
}

/* Past this a response is refused (out of memory) rather than grown: far
 * beyond anything the scorer's limits let a result reach. */
#define ENCODE_MAX_BYTES (64u << 20)

/* Writes body(arg) into out (malloc'd, as attune_wire__pack does): once,
 * backwards into a stack buffer that holds nearly every response, then
 * copied; a larger one is written again into heap buffers that double
 * until it fits. */
static attune_wire_status encode_hand(attune_pbw_body body, const void *arg, attune_wire_buf *out)
{
	uint8_t scratch[ATTUNE_PBW_SCRATCH];
	uint8_t *buf = scratch, *big = NULL;
	size_t cap = sizeof(scratch), n;
	attune_pbw w;

	for (;;) {
		w = (attune_pbw){buf + cap, buf};
		body(&w, arg);
		if (w.p)
			break;
		free(big);
		if (cap >= ENCODE_MAX_BYTES || !(big = malloc(cap *= 2)))
			return ATTUNE_WIRE_E_NOMEM;
		buf = big;
	}
	n = (size_t)(buf + cap - w.p);
	if (big) { /* keep the big buffer: move the message to its start */
		memmove(big, w.p, n);
		out->data = big;
	} else {
		if (!(out->data = malloc(n ? n : 1)))
			return ATTUNE_WIRE_E_NOMEM;
		memcpy(out->data, w.p, n);
	}
	out->len = n;
	return ATTUNE_WIRE_OK;
}

attune_wire_status attune_wire_encode_score_response(const attune_score_result *r,
                                                     const char *score_id,
                                                     const char *scorer_version,
                                                     attune_wire_buf *out)
{
	response_args a = {r, score_id, scorer_version};

	if (!r || !out)
		return ATTUNE_WIRE_E_ARG;
	out->data = NULL;
	out->len = 0;
	return encode_hand(response_body, &a, out);
}

attune_wire_status attune_wire_encode_coach_response(uint64_t revision,
                                                     const attune_score_result *r,
                                                     const char *score_id,
                                                     const char *scorer_version,
                                                     attune_wire_buf *out)
{
	coach_args a = {revision, {r, score_id, scorer_version}};

	if (!r || !out)
		return ATTUNE_WIRE_E_ARG;
	out->data = NULL;
	out->len = 0;
	return encode_hand(coach_body, &a, out);
}

/* ------------------------------------------------------------- reply */

attune_wire_status attune_wire_decode_score_reply(const uint8_t *data, size_t len,
                                                  attune_wire_score_reply **out,
                                                  attune_wire_error *err)
{
	attune_wire_score_reply *rep;
	ProtobufCMessage *msg = NULL;
	attune_wire_status st;

	if (!out)
		return ATTUNE_WIRE_E_ARG;
	*out = NULL;
	st =
	    attune_wire__unpack_owned(&attune__v1__score_draft_response__descriptor, data, len,
	                              "ScoreDraftResponse", sizeof(*rep), (void **)&rep, &msg, err);
	if (st != ATTUNE_WIRE_OK)
		return st;
	rep->priv_ = msg;
	const Attune__V1__ScoreDraftResponse *m = (const Attune__V1__ScoreDraftResponse *)msg;
	attune_score_result *r = &rep->result;
	r->score = m->score;
	if (m->levels) {
		r->acknowledge = (unsigned)m->levels->acknowledge;
		r->reflect = (unsigned)m->levels->reflect;
		r->explore = (unsigned)m->levels->explore;
	}
	if (m->n_findings && !(r->findings = calloc(m->n_findings, sizeof(*r->findings))))
		goto out_nomem;
	r->n_findings = m->n_findings;
	for (size_t i = 0; i < m->n_findings; i++) {
		const Attune__V1__Finding *f = m->findings[i];
		r->findings[i].kind = (attune_finding_kind)f->kind;
		r->findings[i].severity = (attune_severity)f->severity;
		r->findings[i].start = f->start;
		r->findings[i].end = f->end;
		r->findings[i].explanation = f->explanation ? f->explanation : "";
	}
	if (m->n_suggestions &&
	    !(r->suggestions = calloc(m->n_suggestions, sizeof(*r->suggestions))))
		goto out_nomem;
	r->n_suggestions = m->n_suggestions;
	for (size_t i = 0; i < m->n_suggestions; i++) {
		const Attune__V1__Suggestion *g = m->suggestions[i];
		attune_suggestion *o = &r->suggestions[i];
		o->kind = (attune_suggestion_kind)g->kind;
		o->text = g->text ? g->text : (char *)"";
		o->placement = (attune_placement)g->placement;
		o->start = g->start;
		o->end = g->end;
		o->addresses = (attune_finding_kind)g->addresses;
		o->projected_score = g->projected_score;
		o->stem_id = g->stem_id ? g->stem_id : "";
	}
	r->risk.guidance = "";
	if (m->risk) {
		r->risk.level = (attune_risk_level)m->risk->level;
		for (size_t i = 0; i < m->risk->n_categories; i++)
			if ((unsigned)m->risk->categories[i] < 32)
				r->risk.categories |= 1u << (unsigned)m->risk->categories[i];
		r->risk.guidance = m->risk->guidance ? m->risk->guidance : "";
		if (m->risk->n_spans &&
		    !(r->risk.spans = calloc(m->risk->n_spans, sizeof(*r->risk.spans))))
			goto out_nomem;
		r->risk.n_spans = m->risk->n_spans;
		for (size_t i = 0; i < m->risk->n_spans; i++) {
			const Attune__V1__RiskSpan *sp = m->risk->spans[i];
			r->risk.spans[i].category = (attune_risk_category)sp->category;
			r->risk.spans[i].cue = (attune_risk_cue)sp->cue;
			r->risk.spans[i].start = sp->start;
			r->risk.spans[i].end = sp->end;
		}
	}
	rep->score_id = m->score_id ? m->score_id : "";
	rep->scorer_version = m->scorer_version ? m->scorer_version : "";
	rep->human_review_required = m->human_review_required ? 1 : 0;
	*out = rep;
	return ATTUNE_WIRE_OK;
out_nomem:
	attune_wire_score_reply_free(rep);
	return ATTUNE_WIRE_E_NOMEM;
}

void attune_wire_score_reply_free(attune_wire_score_reply *reply)
{
	if (!reply)
		return;
	free(reply->result.findings);
	free(reply->result.suggestions);
	free(reply->result.risk.spans);
	if (reply->priv_)
		protobuf_c_message_free_unpacked(reply->priv_, NULL);
	free(reply);
}

/* ------------------------------------------------------------ coach */

attune_wire_status attune_wire_decode_coach_request(const uint8_t *data, size_t len,
                                                    const attune_scorer *scorer,
                                                    attune_wire_coach_request **out,
                                                    attune_wire_error *err)
{
	attune_wire_coach_request *req;
	ProtobufCMessage *msg = NULL;
	attune_wire_status st;

	if (!out)
		return ATTUNE_WIRE_E_ARG;
	*out = NULL;
	st = attune_wire__unpack_owned(&attune__v1__coach_draft_request__descriptor, data, len,
	                               "CoachDraftRequest", sizeof(*req), (void **)&req, &msg, err);
	if (st != ATTUNE_WIRE_OK)
		return st;
	req->priv_ = msg;
	const Attune__V1__CoachDraftRequest *m = (const Attune__V1__CoachDraftRequest *)msg;
	req->draft = attune_wire__text(m->draft);
	req->revision = m->revision;
	st = check_text("draft", req->draft, ATTUNE_MAX_DRAFT_BYTES, err);
	if (st == ATTUNE_WIRE_OK && m->context) {
		req->context = calloc(1, sizeof(*req->context));
		if (!req->context) {
			st = ATTUNE_WIRE_E_NOMEM;
		} else {
			/* The context's own draft is ignored: this message's draft
			 * replaces it, so an empty one must not fail "required". */
			attune_wire_error sub;
			st = fill_score_request(req->context, m->context,
			                        m->draft[0] ? m->draft : " ", scorer, &sub);
			if (st == ATTUNE_WIRE_E_INVALID)
				attune_wire__fail(err, sub.reason, "context.%s", sub.message);
			req->context->params.draft = req->draft;
			req->context->input.draft = req->draft;
			req->has_context = 1;
		}
	}
	if (st != ATTUNE_WIRE_OK) {
		attune_wire_coach_request_free(req);
		return st;
	}
	*out = req;
	return ATTUNE_WIRE_OK;
}

void attune_wire_coach_request_free(attune_wire_coach_request *req)
{
	if (!req)
		return;
	if (req->context) {
		/* The context borrows the coach message; it owns only its turns. */
		free(req->context->priv_turns_);
		free(req->context);
	}
	if (req->priv_)
		protobuf_c_message_free_unpacked(req->priv_, NULL);
	free(req);
}

attune_wire_status attune_wire_encode_coach_request(const attune_wire_score_params *ctx,
                                                    attune_text draft, uint64_t revision,
                                                    attune_wire_buf *out, attune_wire_error *err)
{
	Attune__V1__CoachDraftRequest m = ATTUNE__V1__COACH_DRAFT_REQUEST__INIT;
	Attune__V1__ScoreDraftRequest c = ATTUNE__V1__SCORE_DRAFT_REQUEST__INIT;
	Attune__V1__SuggestionOptions opts = ATTUNE__V1__SUGGESTION_OPTIONS__INIT;
	char **turns = NULL, *ctx_draft = NULL, *seeker = NULL, *text = NULL;
	attune_wire_status st;

	if (!out)
		return ATTUNE_WIRE_E_ARG;
	out->data = NULL;
	out->len = 0;
	if ((st = check_text("draft", draft, ATTUNE_MAX_DRAFT_BYTES, err)) != ATTUNE_WIRE_OK)
		return st;
	if (!(text = attune_wire__strdup_text(draft)))
		return ATTUNE_WIRE_E_NOMEM;
	m.draft = text;
	m.revision = revision;
	if (ctx) {
		attune_wire_score_params p = *ctx;
		p.draft = attune_wire__text(""); /* ignored by the server */
		attune_wire_score_params chk = p;
		chk.draft = attune_wire__text(" ");
		if ((st = attune_wire_validate_score_params(&chk, NULL, err)) != ATTUNE_WIRE_OK)
			goto out_free;
		if ((st = params_to_msg(&p, &c, &opts, &ctx_draft, &turns)) != ATTUNE_WIRE_OK)
			goto out_free;
		if (!(seeker = attune_wire__strdup_text(p.seeker))) {
			st = ATTUNE_WIRE_E_NOMEM;
			goto out_free;
		}
		c.seeker_message = seeker;
		m.context = &c;
	}
	st = attune_wire__pack(&m.base, out);
out_free:
	free(text);
	free(seeker);
	free(ctx_draft);
	free_turns(turns, ctx ? ctx->n_prior_turns : 0);
	return st;
}

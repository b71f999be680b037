/*
 * lexicon.c - turns the compiled-in data tables (data.h) into the scorer's
 * matchers once, in attune_scorer_create(): an interned vocabulary with word
 * classes, emotion entries, normalization and pronoun-shift maps, phrase
 * patterns indexed by their first word, and suggestion templates.
 */
#include "internal.h"
#include "data.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	int file;
} pattern_files[] = {
    {"acknowledgment", F_ACK},
    {"reflection_stems", F_REFLECT},
    {"check_in", F_CHECKIN},
    {"question_stems", F_QUESTION},
    {"self_focus", F_SELF},
    {"premature_advice", F_ADVICE},
    {"minimizing", F_MINIMIZE},
    {"judgment", F_JUDGE},
    {"secrecy", F_SECRECY},
    {"permission", F_PERMISSION},
    {"reported_speech", F_REPORTED},
    {"figurative", F_FIGURATIVE},
    {"risk_modifiers", F_RISK_MOD},
    {"risk_suicide", F_RISK_SUICIDE},
    {"risk_self_harm", F_RISK_SELFHARM},
    {"risk_harm_to_others", F_RISK_OTHERS},
    {"risk_abuse", F_RISK_ABUSE},
    {"risk_medical_emergency", F_RISK_MEDICAL},
    {"safety_directives", F_SAFETY},
};

static const char *const class_files[C_COUNT] = {
    [C_EMOTION] = "emotions",    [C_NEGATOR] = "negators",      [C_FILLER] = "fillers",
    [C_STOP] = "stopwords",      [C_HARDSHIP] = "hardship",     [C_IMPERATIVE] = "imperatives",
    [C_BREAK] = "clause_breaks", [C_EXPERIENCE] = "experience", [C_FIRST_PERSON] = "first_person",
    [C_HYPERBOLE] = "hyperbole", [C_NUMBER] = "number",
};

uint32_t at_hash(const char *s, size_t n)
{
	uint64_t h = 0;
	size_t i = 0;
	for (; i + 8 <= n; i += 8)
		h = at_hash_step(h, at_load_le64(s + i));
	if (i < n) { /* the last r bytes, zero-padded */
		const unsigned char *p = (const unsigned char *)s + i;
		size_t r = n - i;
		uint64_t w;
		if (r >= 4) /* two 4-byte loads that overlap in the middle */
			w = at_load_le32(p) | (uint64_t)at_load_le32(p + r - 4) << (8 * (r - 4));
		else /* bytes 0, r / 2 and r - 1 cover r = 1, 2, 3 */
			w = p[0] | (uint64_t)p[r / 2] << (8 * (r / 2)) |
			    (uint64_t)p[r - 1] << (8 * (r - 1));
		h = at_hash_step(h, w);
	}
	return at_hash_end(h);
}

int at_file_is_risk(int file)
{
	return file >= F_RISK_SUICIDE && file <= F_RISK_MEDICAL;
}

#define FILE_BIT(f) (1u << (f))
uint32_t at_role_skips(at_role role)
{
	static const uint32_t skips[AT_ROLE_COUNT] = {
	    [AT_ROLE_SEEKER] = FILE_BIT(F_ACK) | FILE_BIT(F_REFLECT) | FILE_BIT(F_CHECKIN) |
	                       FILE_BIT(F_QUESTION) | FILE_BIT(F_SELF) | FILE_BIT(F_ADVICE) |
	                       FILE_BIT(F_MINIMIZE) | FILE_BIT(F_JUDGE) | FILE_BIT(F_SECRECY) |
	                       FILE_BIT(F_PERMISSION) | FILE_BIT(F_SAFETY),
	    [AT_ROLE_RESPONDER] = FILE_BIT(F_FIGURATIVE) | FILE_BIT(F_RISK_MOD) |
	                          FILE_BIT(F_RISK_SUICIDE) | FILE_BIT(F_RISK_SELFHARM) |
	                          FILE_BIT(F_RISK_OTHERS) | FILE_BIT(F_RISK_ABUSE) |
	                          FILE_BIT(F_RISK_MEDICAL),
	};
	return skips[role];
}

_Static_assert(sizeof(at_vslot) == 32, "two vocabulary slots per cache line");
_Static_assert(C_COUNT <= 16, "at_vslot.classes and at_tok.classes are 16 bits");
_Static_assert(AT_MAX_WORD <= UINT8_MAX, "at_vslot.len is 8 bits");

int32_t at_lookup(const attune_scorer *s, const char *w, size_t n)
{
	const at_vslot *v = at_vocab_probe(s, w, n, at_hash(w, n));
	return v ? v->id : -1;
}

/* Puts word id in the first free slot of its probe run (it is not there yet). */
static void vocab_place(attune_scorer *s, int32_t id)
{
	const at_word *aw = &s->words[id];
	size_t i = aw->hash & s->table_mask;
	while (s->table[i].hash != 0)
		i = (i + 1) & s->table_mask;
	at_vslot *v = &s->table[i];
	*v = (at_vslot){.hash = aw->hash, .id = id, .to = id, .len = (uint8_t)aw->len};
	if (aw->len <= AT_VSLOT_INLINE)
		memcpy(v->s, aw->s, aw->len);
}

/* (Re)builds the table with `size` slots (a power of two above 2 * n_words)
 * from words[], in id order. */
static attune_status vocab_rehash(attune_scorer *s, size_t size)
{
	at_vslot *t = aligned_alloc(64, size * sizeof(*t));
	if (!t)
		return ATTUNE_E_NOMEM;
	memset(t, 0, size * sizeof(*t));
	free(s->table);
	s->table = t;
	s->table_mask = size - 1;
	for (size_t id = 0; id < s->n_words; id++)
		vocab_place(s, (int32_t)id);
	return ATTUNE_OK;
}

/* Once the vocabulary is complete: copies into each slot what a token of
 * that spelling takes from its (normalized) word, so at_doc_init need not
 * read words[] for known words. */
static void vocab_finish(attune_scorer *s)
{
	for (size_t i = 0; i <= s->table_mask; i++) {
		at_vslot *v = &s->table[i];
		if (v->hash == 0)
			continue;
		int32_t to = s->words[v->id].norm_to >= 0 ? s->words[v->id].norm_to : v->id;
		v->to = to;
		v->stem = s->words[to].stem;
		v->classes = (uint16_t)s->words[to].classes;
	}
}

/* Copies the normalized form (ASCII lowercase, apostrophes dropped) of a data word into the pool.
 */
static const char *pool_norm(attune_scorer *s, const char *w, size_t n, size_t *out_len)
{
	if (s->n_pool + n + 1 > s->cap_pool)
		return NULL;
	char *dst = s->pool + s->n_pool;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char c = w[i];
		if (c == '\'')
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		dst[k++] = c;
	}
	dst[k] = 0;
	s->n_pool += k + 1;
	*out_len = k;
	return dst;
}

static int32_t intern(attune_scorer *s, const char *w, size_t n)
{
	size_t len;
	const char *nw = pool_norm(s, w, n, &len);
	if (!nw || len == 0 || len > AT_MAX_WORD)
		return -1;
	int32_t id = at_lookup(s, nw, len);
	if (id >= 0) {
		s->n_pool -= len + 1;
		return id;
	}
	if (s->n_words >= s->cap_words)
		return -1;
	id = (int32_t)s->n_words++;
	at_word *aw = &s->words[id];
	memset(aw, 0, sizeof(*aw));
	aw->s = nw;
	aw->len = (uint16_t)len;
	aw->hash = at_hash(nw, len);
	aw->norm_to = -1;
	aw->emo = -1;
	if (2 * s->n_words > s->table_mask + 1) {
		/* rehash places every word, this one included */
		if (vocab_rehash(s, 2 * (s->table_mask + 1)) != ATTUNE_OK)
			return -1;
	} else {
		vocab_place(s, id);
	}
	return id;
}

/* Final vocabulary id of a data word after the normalization map. */
static int32_t intern_norm(attune_scorer *s, const char *w, size_t n)
{
	int32_t id = intern(s, w, n);
	if (id >= 0 && s->words[id].norm_to >= 0)
		id = s->words[id].norm_to;
	return id;
}

static const attune__data_file *find_file(const char *name)
{
	for (size_t i = 0; i < attune__n_data_files; i++)
		if (strcmp(attune__data_files[i].name, name) == 0)
			return &attune__data_files[i];
	return NULL;
}

/* Splits the next space-separated field; returns its length (0 at end). */
static size_t next_field(const char **p, const char *end, const char **field)
{
	const char *q = *p;
	while (q < end && *q == ' ')
		q++;
	*field = q;
	while (q < end && *q != ' ')
		q++;
	*p = q;
	return (size_t)(q - *field);
}

static attune_status load_classes(attune_scorer *s)
{
	for (int c = 0; c < C_COUNT; c++) {
		if (c == C_NUMBER)
			continue;
		const attune__data_file *f = find_file(class_files[c]);
		if (!f)
			return ATTUNE_E_INVALID;
		for (size_t i = 0; i < f->n_lines; i++) {
			const char *p = f->lines[i], *end = p + strlen(p), *w;
			size_t n = next_field(&p, end, &w);
			int32_t id = intern(s, w, n);
			if (id < 0)
				return ATTUNE_E_INVALID;
			s->words[id].classes |= 1u << c;
			if (c != C_EMOTION)
				continue;
			/* word intensity polarity canonical [negated] */
			const char *fi, *fp, *fc, *fn;
			size_t ni = next_field(&p, end, &fi), np = next_field(&p, end, &fp);
			size_t nc = next_field(&p, end, &fc), nn = next_field(&p, end, &fn);
			if (ni != 1 || fi[0] < '1' || fi[0] > '3' || np != 1 ||
			    (fp[0] != '-' && fp[0] != '+') || nc == 0)
				return ATTUNE_E_INVALID;
			at_emotion *e = &s->emos[s->n_emos];
			e->intensity = (uint8_t)(fi[0] - '0');
			e->polarity = fp[0] == '-' ? -1 : 1;
			if (nc == 1 && fc[0] == '=')
				fc = w, nc = n;
			e->canon = pool_norm(s, fc, nc, &e->canon_len);
			e->negated = nn ? pool_norm(s, fn, nn, &e->negated_len) : NULL;
			if (!e->canon || (nn && !e->negated))
				return ATTUNE_E_INVALID;
			/* "_" in a form stands for a space ("not_okay") */
			for (char *ch = (char *)e->canon; *ch; ch++)
				*ch = *ch == '_' ? ' ' : *ch;
			for (char *ch = (char *)e->negated; e->negated && *ch; ch++)
				*ch = *ch == '_' ? ' ' : *ch;
			s->words[id].emo = (int32_t)s->n_emos++;
		}
	}
	return ATTUNE_OK;
}

static attune_status load_maps(attune_scorer *s)
{
	const attune__data_file *nf = find_file("normalize"), *pf = find_file("pronoun_shift");
	if (!nf || !pf)
		return ATTUNE_E_INVALID;
	for (size_t i = 0; i < nf->n_lines; i++) {
		const char *p = nf->lines[i], *end = p + strlen(p), *a, *b;
		size_t na = next_field(&p, end, &a), nb = next_field(&p, end, &b);
		int32_t from = intern(s, a, na), to = intern(s, b, nb);
		if (from < 0 || to < 0 || from == to || s->words[to].norm_to >= 0)
			return ATTUNE_E_INVALID;
		s->words[from].norm_to = to;
	}
	for (size_t i = 0; i < pf->n_lines; i++) {
		const char *p = pf->lines[i], *end = p + strlen(p), *a, *b;
		size_t na = next_field(&p, end, &a), nb = next_field(&p, end, &b);
		int32_t from = intern_norm(s, a, na);
		if (from < 0 || nb == 0 || s->n_pool + nb + 1 > s->cap_pool)
			return ATTUNE_E_INVALID;
		char *dst = s->pool + s->n_pool;
		memcpy(dst, b, nb);
		dst[nb] = 0;
		s->n_pool += nb + 1;
		s->words[from].shift = dst;
	}
	return ATTUNE_OK;
}

static int class_by_name(const char *w, size_t n)
{
	for (int c = 0; c < C_COUNT; c++)
		if (strlen(class_files[c]) == n && memcmp(class_files[c], w, n) == 0)
			return c;
	return -1;
}

static int parse_attr(at_pattern *p, const char *a, size_t n)
{
	static const char *const sev[] = {"", "", "minor", "moderate", "major"};
	static const char *const cues[] = {"",       "mention", "plan", "means",
	                                   "timing", "intent",  "past"};
	for (int i = 2; i <= 4; i++)
		if (strlen(sev[i]) == n && memcmp(sev[i], a, n) == 0)
			return p->severity = (uint8_t)i, 0;
	for (int i = 1; i <= 6; i++)
		if (strlen(cues[i]) == n && memcmp(cues[i], a, n) == 0)
			return p->cue = (uint8_t)i, 0;
	if (n == 7 && memcmp(a, "level=", 6) == 0 && a[6] >= '1' && a[6] <= '3')
		return p->level = (uint8_t)(a[6] - '0'), 0;
	if (n == 4 && memcmp(a, "open", 4) == 0)
		return p->qtype = 1, 0;
	if (n == 6 && memcmp(a, "closed", 6) == 0)
		return p->qtype = 2, 0;
	if (n == 4 && memcmp(a, "stmt", 4) == 0)
		return p->level = 1, 0;
	return -1;
}

/* Reported risk: a first-person word of a risk pattern also matches its
 * third-person forms (third_person.txt), each once per slot. */
static attune_status add_third_person(attune_scorer *s, at_slot *sl, int32_t id)
{
	for (size_t i = 0; i < s->n_person; i++) {
		if (s->person[i][0] != id)
			continue;
		uint32_t to = (uint32_t)s->person[i][1];
		int dup = 0;
		for (unsigned k = 0; k < sl->n; k++)
			dup |= s->alts[sl->off + k] == to;
		if (dup)
			continue;
		if (sl->n >= AT_MAX_ALTS || s->n_alts >= s->cap_alts)
			return ATTUNE_E_INVALID;
		s->alts[s->n_alts++] = to;
		sl->n++;
	}
	return ATTUNE_OK;
}

static attune_status load_third_person(attune_scorer *s)
{
	const attune__data_file *f = find_file("third_person");
	size_t cap = 0;
	if (!f)
		return ATTUNE_E_INVALID;
	for (size_t i = 0; i < f->n_lines; i++)
		for (const char *c = f->lines[i]; *c; c++)
			cap += *c == ' ';
	s->person = calloc(cap + 1, sizeof(*s->person));
	if (!s->person)
		return ATTUNE_E_NOMEM;
	for (size_t i = 0; i < f->n_lines; i++) {
		const char *p = f->lines[i], *end = p + strlen(p), *a, *b;
		size_t na = next_field(&p, end, &a), nb;
		int32_t from = intern_norm(s, a, na);
		if (from < 0)
			return ATTUNE_E_INVALID;
		while ((nb = next_field(&p, end, &b)) > 0) {
			int32_t to = intern_norm(s, b, nb);
			if (to < 0 || s->n_person >= cap)
				return ATTUNE_E_INVALID;
			s->person[s->n_person][0] = from;
			s->person[s->n_person++][1] = to;
		}
	}
	return ATTUNE_OK;
}

static attune_status parse_pattern(attune_scorer *s, int file, uint16_t stem, const char *line)
{
	if (s->n_pats >= s->cap_pats)
		return ATTUNE_E_INVALID;
	at_pattern *p = &s->pats[s->n_pats];
	memset(p, 0, sizeof(*p));
	p->file = (uint8_t)file;
	p->stem = stem;
	const char *end = line + strlen(line), *arrow = strstr(line, "=>");
	const char *pend = arrow ? arrow : end, *q = line, *w;
	size_t n;
	while (q < pend && (*q == ' ' || *q == '!' || *q == '^')) {
		if (*q == '!')
			p->exception = 1;
		if (*q == '^')
			p->anchored = 1;
		q++;
	}
	while ((n = next_field(&q, pend, &w)) > 0) {
		if (p->nslots >= AT_MAX_SLOTS)
			return ATTUNE_E_INVALID;
		at_slot *sl = &p->slots[p->nslots++];
		if (n == 2 && w[0] == '.' && w[1] == '.') {
			sl->type = SL_GAP;
		} else if (n == 1 && w[0] == '_') {
			sl->type = SL_ANY;
		} else if (w[0] == '@') {
			int c = class_by_name(w + 1, n - 1);
			if (c < 0)
				return ATTUNE_E_INVALID;
			sl->type = SL_CLASS;
			sl->arg = (uint16_t)c;
		} else if (w[n - 1] == '*') {
			size_t len;
			const char *pre = pool_norm(s, w, n - 1, &len);
			if (!pre || len == 0)
				return ATTUNE_E_INVALID;
			sl->type = SL_PREFIX;
			sl->off = (uint32_t)(pre - s->pool);
			sl->n = (uint8_t)len;
		} else {
			sl->type = SL_WORDS;
			sl->off = (uint32_t)s->n_alts;
			const char *a = w, *wend = w + n;
			while (a < wend) {
				const char *bar = memchr(a, '|', (size_t)(wend - a));
				const char *aend = bar ? bar : wend;
				int32_t id = intern_norm(s, a, (size_t)(aend - a));
				if (id < 0 || sl->n >= AT_MAX_ALTS || s->n_alts >= s->cap_alts)
					return ATTUNE_E_INVALID;
				s->alts[s->n_alts++] = (uint32_t)id;
				sl->n++;
				a = bar ? bar + 1 : wend;
				if ((at_file_is_risk(file) || file == F_RISK_MOD) &&
				    add_third_person(s, sl, id) != ATTUNE_OK)
					return ATTUNE_E_INVALID;
			}
		}
	}
	if (p->nslots == 0 || p->slots[0].type == SL_GAP || p->slots[p->nslots - 1].type == SL_GAP)
		return ATTUNE_E_INVALID;
	if (arrow) {
		q = arrow + 2;
		while ((n = next_field(&q, end, &w)) > 0)
			if (parse_attr(p, w, n) != 0)
				return ATTUNE_E_INVALID;
	}
	s->n_pats++;
	return ATTUNE_OK;
}

static attune_status load_templates(attune_scorer *s)
{
	static const struct {
		const char *name;
		attune_suggestion_kind kind;
	} kinds[] = {{"acknowledgment", ATTUNE_SUGGESTION_ACKNOWLEDGMENT},
	             {"reflection", ATTUNE_SUGGESTION_REFLECTION},
	             {"open_question", ATTUNE_SUGGESTION_OPEN_QUESTION},
	             {"replacement", ATTUNE_SUGGESTION_REPLACEMENT}};
	const attune__data_file *f = find_file("suggestions");
	if (!f)
		return ATTUNE_E_INVALID;
	s->tpls = calloc(f->n_lines + 1, sizeof(*s->tpls));
	if (!s->tpls)
		return ATTUNE_E_NOMEM;
	for (size_t i = 0; i < f->n_lines; i++) {
		const char *p = f->lines[i], *end = p + strlen(p), *id, *kind;
		size_t nid = next_field(&p, end, &id), nk = next_field(&p, end, &kind);
		const char *bar = strchr(p, '|');
		if (!nid || !nk || !bar || s->n_pool + nid + 1 > s->cap_pool)
			return ATTUNE_E_INVALID;
		at_template *t = &s->tpls[s->n_tpls];
		t->kind = ATTUNE_SUGGESTION_UNSPECIFIED;
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			if (strlen(kinds[k].name) == nk && memcmp(kinds[k].name, kind, nk) == 0)
				t->kind = kinds[k].kind;
		if (t->kind == ATTUNE_SUGGESTION_UNSPECIFIED)
			return ATTUNE_E_INVALID;
		char *dst = s->pool + s->n_pool;
		memcpy(dst, id, nid);
		dst[nid] = 0;
		s->n_pool += nid + 1;
		t->id = dst;
		t->text = bar + 1;
		while (*t->text == ' ')
			t->text++;
		/* lead: first three words, normalized like text, for "stem used recently" */
		size_t len;
		char buf[128];
		size_t k = 0;
		int words = 0;
		for (const char *c = t->text; *c && words < 3 && k + 1 < sizeof(buf); c++) {
			if (*c == ' ') {
				words++;
				if (words < 3)
					buf[k++] = ' ';
				continue;
			}
			if (*c == '{')
				break;
			buf[k++] = *c;
		}
		const char *nb = pool_norm(s, buf, k, &len);
		if (!nb)
			return ATTUNE_E_INVALID;
		t->lead_hash = at_hash(nb, len);
		at_template_measure(t);
		s->n_tpls++;
	}
	return ATTUNE_OK;
}

/* Sets at_slot.words of every word-list slot once all alternatives are in
 * (third-person forms are added to risk slots as they are parsed). */
static void word_slot_masks(attune_scorer *s)
{
	for (size_t i = 0; i < s->n_pats; i++) {
		at_pattern *p = &s->pats[i];
		for (unsigned k = 0; k < p->nslots; k++) {
			at_slot *sl = &p->slots[k];
			if (sl->type != SL_WORDS)
				continue;
			sl->words = 0;
			for (unsigned a = 0; a < sl->n; a++)
				sl->words |= AT_WORD_BIT(s->alts[sl->off + a]);
		}
	}
}

/* Groups the pattern ids by first word: bucket[pat_first .. + pat_n) of a word
 * are the patterns whose first slot lists it (twice if listed twice), by id;
 * wild[] are the rest, by id. Together they fix the reference order in which
 * at_doc_match tries patterns at a token (build_match_index keeps it). */
static attune_status build_index(attune_scorer *s)
{
	size_t total = 0;
	for (size_t i = 0; i < s->n_pats; i++) {
		const at_slot *sl = &s->pats[i].slots[0];
		if (sl->type == SL_WORDS) {
			for (unsigned k = 0; k < sl->n; k++)
				s->words[s->alts[sl->off + k]].pat_n++;
			total += sl->n;
		} else {
			s->n_wild++;
		}
	}
	s->bucket = calloc(total + 1, sizeof(*s->bucket));
	s->wild = calloc(s->n_wild + 1, sizeof(*s->wild));
	if (!s->bucket || !s->wild)
		return ATTUNE_E_NOMEM;
	uint32_t off = 0;
	for (size_t w = 0; w < s->n_words; w++) {
		s->words[w].pat_first = off;
		off += s->words[w].pat_n;
		s->words[w].pat_n = 0;
	}
	size_t nw = 0;
	for (size_t i = 0; i < s->n_pats; i++) {
		const at_slot *sl = &s->pats[i].slots[0];
		if (sl->type != SL_WORDS) {
			s->wild[nw++] = (uint32_t)i;
			continue;
		}
		for (unsigned k = 0; k < sl->n; k++) {
			at_word *aw = &s->words[s->alts[sl->off + k]];
			s->bucket[aw->pat_first + aw->pat_n++] = (uint32_t)i;
		}
	}
	return ATTUNE_OK;
}

/* 1 if the second slot of p is a word list: such patterns go to the keyed runs. */
static int keyed_second(const at_pattern *p)
{
	return p->nslots >= 2 && p->slots[1].type == SL_WORDS;
}

/* The distinct words of a word-list slot, into out. A word listed twice (as
 * "u|you" is after normalization) is one key, so a bucket entry is still
 * tried once per token, as a plain scan would. */
static unsigned distinct_alts(const attune_scorer *s, const at_slot *sl, uint32_t *out)
{
	unsigned n = 0;
	for (unsigned k = 0; k < sl->n; k++) {
		uint32_t a = s->alts[sl->off + k];
		unsigned j = 0;
		while (j < n && out[j] != a)
			j++;
		if (j == n)
			out[n++] = a;
	}
	return n;
}

/* 1 if the first slot of a wild pattern takes every token of word w. A token
 * whose word is w carries w's spelling as its normalized form (push_token
 * looks words up by exact spelling, normalized words take their target's),
 * so prefixes and @number are decided here once, like slot_match would. */
static int wild_takes_word(const attune_scorer *s, const at_slot *sl, int32_t w)
{
	const at_word *aw = &s->words[w];
	switch (sl->type) {
	case SL_ANY:
		return 1;
	case SL_CLASS:
		if (sl->arg != C_NUMBER)
			return (aw->classes >> sl->arg) & 1;
		return at_tok_in_class(s, &(at_tok){.word = w, .norm = aw->s, .norm_len = aw->len},
		                       C_NUMBER);
	case SL_PREFIX:
		return aw->len >= sl->n && memcmp(aw->s, s->pool + sl->off, sl->n) == 0;
	}
	return 0;
}

/* 1 if the first slot of a wild pattern may take an unknown word whose
 * normalized form starts with byte b (256: empty form). Unknown words belong
 * to no class but @number; at_doc_match checks the slot itself. */
static int wild_may_take_unknown(const attune_scorer *s, const at_slot *sl, unsigned b)
{
	switch (sl->type) {
	case SL_ANY:
		return 1;
	case SL_CLASS:
		return sl->arg == C_NUMBER && b >= '0' && b <= '9';
	case SL_PREFIX:
		return b < 256 && (unsigned char)s->pool[sl->off] == b;
	}
	return 0;
}

/* Sets the prefilter of candidate c of pattern p: when the slot after the
 * c->skip known ones (or after a ".." there) is a word list, one of its words
 * must be the next token (or among the next AT_GAP_MAX + 1). */
static void set_filter(const attune_scorer *s, const at_pattern *p, at_mcand *c)
{
	unsigned k = c->skip;
	int gap = 0;
	c->need = ~0ull;
	c->filt = AT_FILT_NONE;
	if (k < 1 || k > 2 || k >= p->nslots)
		return;
	if (p->slots[k].type == SL_GAP) {
		if (k + 1 >= p->nslots)
			return;
		gap = 1;
		k++;
	}
	const at_slot *sl = &p->slots[k];
	if (sl->type != SL_WORDS)
		return;
	c->need = 0;
	for (unsigned a = 0; a < sl->n; a++)
		c->need |= AT_WORD_BIT(s->alts[sl->off + a]);
	if (gap)
		c->filt = c->skip == 1 ? AT_FILT_GAP1 : AT_FILT_GAP2;
	else
		c->filt = c->skip == 1 ? AT_FILT_TOK1 : AT_FILT_TOK2;
}

/* Stable insertion sort of v[0, n) by key[0, n) (sorted along): a word's
 * keyed entries come in pos order and are few (at most a few hundred), so
 * runs of equal key stay in pos order. */
static void sort_by_key(at_mcand *v, uint32_t *key, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		at_mcand c = v[i];
		uint32_t ck = key[i];
		size_t j = i;
		for (; j > 0 && key[j - 1] > ck; j--) {
			v[j] = v[j - 1];
			key[j] = key[j - 1];
		}
		v[j] = c;
		key[j] = ck;
	}
}

/* Indexes the runs of equal key in mkeyed[off[w] .. off[w + 1]) (sorted by
 * key[], which runs along mkeyed) by (w, key) in the open-addressing table
 * mpairs (load <= 1/2). */
static attune_status build_pairs(const attune_scorer *s, at_mindex *x, const uint32_t *off,
                                 const uint32_t *key)
{
	size_t n = 0, size = 16;
	if (s->n_words >= AT_MPAIR_EMPTY || off[s->n_words] > UINT16_MAX)
		return ATTUNE_E_INVALID; /* at_mpair's fields are 16 bits */
	for (size_t w = 0; w < s->n_words; w++)
		for (uint32_t k = off[w]; k < off[w + 1]; k++)
			n += k == off[w] || key[k] != key[k - 1];
	while (size < 2 * n)
		size <<= 1;
	x->mpairs = malloc(size * sizeof(*x->mpairs));
	if (!x->mpairs)
		return ATTUNE_E_NOMEM;
	memset(x->mpairs, 0xff, size * sizeof(*x->mpairs));
	x->mpairs_mask = size - 1;
	for (size_t w = 0; w < s->n_words; w++) {
		for (uint32_t k = off[w], e; k < off[w + 1]; k = e) {
			uint32_t nw = key[k];
			x->mword[w].key_bits |= AT_WORD_BIT(nw);
			for (e = k + 1; e < off[w + 1] && key[e] == nw; e++)
				;
			size_t i = at_pair_hash((uint32_t)w, nw) & x->mpairs_mask;
			while (x->mpairs[i].w != AT_MPAIR_EMPTY)
				i = (i + 1) & x->mpairs_mask;
			x->mpairs[i] =
			    (at_mpair){(uint16_t)w, (uint16_t)nw, (uint16_t)k, (uint16_t)e};
		}
	}
	return ATTUNE_OK;
}

/* Where build_match_index puts candidates; NULL arrays only count them.
 * keys runs along keyed: the word id each keyed candidate's second slot
 * takes. skips: the role's at_role_skips(), whose files' patterns are left
 * out. */
typedef struct at_mcursor {
	at_mcand *fixed, *keyed, *unk;
	uint32_t *keys;
	size_t nf, nk, nu;
	uint32_t skips;
} at_mcursor;

static void put_cand(const attune_scorer *s, at_mcand *arr, size_t *n, at_mcand c)
{
	if (arr) {
		set_filter(s, &s->pats[c.pat], &c);
		arr[*n] = c;
	}
	(*n)++;
}

/* put_cand() of keyed candidate c whose second slot takes word key. */
static void put_keyed(const attune_scorer *s, at_mcursor *cur, at_mcand c, uint32_t key)
{
	if (cur->keys)
		cur->keys[cur->nk] = key;
	put_cand(s, cur->keyed, &cur->nk, c);
}

/* 1 if the cursor's role leaves pattern p out. */
static int skipped(const at_mcursor *cur, const at_pattern *p)
{
	return (cur->skips >> p->file) & 1u;
}

/* The candidates of word w, in reference order (pos): its bucket, then the
 * wild patterns whose first slot takes it. pos counts the patterns the role
 * leaves out too: only the order of the ones kept matters. */
static void word_cands(const attune_scorer *s, size_t w, at_mcursor *cur)
{
	uint32_t ids[AT_MAX_ALTS];
	const at_word *aw = &s->words[w];
	uint32_t pos = 0;
	for (uint32_t k = 0; k < aw->pat_n; k++, pos++) {
		uint32_t pi = s->bucket[aw->pat_first + k];
		const at_pattern *p = &s->pats[pi];
		at_mcand c = {
		    .pat = (uint16_t)pi, .pos = (uint16_t)pos, .skip = 1, .anchored = p->anchored};
		if (skipped(cur, p))
			continue;
		if (!keyed_second(p)) {
			put_cand(s, cur->fixed, &cur->nf, c);
			continue;
		}
		c.skip = 2;
		unsigned n = distinct_alts(s, &p->slots[1], ids);
		for (unsigned a = 0; a < n; a++)
			put_keyed(s, cur, c, ids[a]);
	}
	for (size_t k = 0; k < s->n_wild; k++, pos++) {
		const at_pattern *p = &s->pats[s->wild[k]];
		if (skipped(cur, p) || !wild_takes_word(s, &p->slots[0], (int32_t)w))
			continue;
		at_mcand c = {.pat = (uint16_t)s->wild[k],
		              .pos = (uint16_t)pos,
		              .skip = 1,
		              .anchored = p->anchored};
		put_cand(s, cur->fixed, &cur->nf, c);
	}
}

/* The wild patterns an unknown word may start, by its first byte (skip 0:
 * at_doc_match checks the first slot). */
static void unknown_cands(const attune_scorer *s, at_mindex *x, at_mcursor *cur)
{
	for (unsigned b = 0; b <= 256; b++) {
		x->munk_off[b] = (uint32_t)cur->nu;
		for (size_t k = 0; k < s->n_wild; k++) {
			const at_pattern *p = &s->pats[s->wild[k]];
			at_mcand c = {.pat = (uint16_t)s->wild[k],
			              .pos = (uint16_t)k,
			              .anchored = p->anchored};
			if (!skipped(cur, p) && wild_may_take_unknown(s, &p->slots[0], b))
				put_cand(s, cur->unk, &cur->nu, c);
		}
	}
	x->munk_off[257] = (uint32_t)cur->nu;
}

/* Builds the matcher index x of at_doc_match for a role from bucket[] and
 * wild[], leaving out the patterns of the files the role skips. For each
 * word w, every bucket entry becomes either one fixed candidate (skip 1: the
 * first word is known to match) or, when its second slot is a word list, one
 * keyed candidate per distinct listed word (skip 2); then come, fixed, the wild
 * patterns whose first slot takes w (skip 1). pos numbers the candidates in
 * that reference order, so at_doc_match can merge a word's fixed run with the
 * (w, next word) run and try patterns in exactly the order of a plain scan of
 * bucket then wild (the order of d->matches is part of the output).
 * Cost: two passes over n_words * (bucket + n_wild) and an insertion sort of
 * each word's keyed entries. */
static attune_status build_match_index(const attune_scorer *s, at_mindex *x, at_role role)
{
	at_mcursor cur = {.skips = at_role_skips(role)};
	attune_status st = ATTUNE_E_NOMEM;
	/* at_mcand.pat and .pos are 16 bits: a rank is below a word's bucket
	 * (at most one entry per listed alternative) plus the wild patterns */
	if (s->n_pats > UINT16_MAX || s->n_alts + s->n_wild > UINT16_MAX)
		return ATTUNE_E_INVALID;
	uint32_t *koff = calloc(s->n_words + 1, sizeof(*koff)); /* keyed runs by word */
	x->mword = calloc(s->n_words + 1, sizeof(*x->mword));
	if (!koff || !x->mword)
		goto out_free_keys;
	/* pass 0 counts, pass 1 fills */
	for (int pass = 0; pass < 2; pass++) {
		cur.nf = cur.nk = cur.nu = 0;
		for (size_t w = 0; w < s->n_words; w++) {
			x->mword[w].fixed = (uint32_t)cur.nf;
			koff[w] = (uint32_t)cur.nk;
			word_cands(s, w, &cur);
			x->mword[w].fixed_end = (uint32_t)cur.nf;
			if (pass)
				sort_by_key(x->mkeyed + koff[w], cur.keys + koff[w],
				            cur.nk - koff[w]);
		}
		koff[s->n_words] = (uint32_t)cur.nk;
		unknown_cands(s, x, &cur);
		if (pass)
			break;
		x->mfixed = cur.fixed = calloc(cur.nf + 1, sizeof(*x->mfixed));
		x->mkeyed = cur.keyed = calloc(cur.nk + 1, sizeof(*x->mkeyed));
		x->munk = cur.unk = calloc(cur.nu + 1, sizeof(*x->munk));
		cur.keys = calloc(cur.nk + 1, sizeof(*cur.keys));
		if (!x->mfixed || !x->mkeyed || !x->munk || !cur.keys)
			goto out_free_keys;
	}
	st = build_pairs(s, x, koff, cur.keys);
	if (st == ATTUNE_OK && !(x->mstart = calloc(s->n_words + 1, sizeof(*x->mstart))))
		st = ATTUNE_E_NOMEM;
	for (size_t w = 0; st == ATTUNE_OK && w < s->n_words; w++)
		x->mstart[w] =
		    x->mword[w].fixed != x->mword[w].fixed_end ? ~0ull : x->mword[w].key_bits;
out_free_keys:
	free(cur.keys);
	free(koff);
	return st;
}

attune_status at_lexicon_build(attune_scorer *s)
{
	size_t bytes = 0, lines = 0;
	for (size_t i = 0; i < attune__n_data_files; i++) {
		lines += attune__data_files[i].n_lines;
		for (size_t k = 0; k < attune__data_files[i].n_lines; k++)
			bytes += strlen(attune__data_files[i].lines[k]) + 1;
	}
	s->cap_words = bytes / 2 + 64;
	s->cap_pats = lines + 1;
	s->cap_alts = bytes + 64; /* room for third-person forms of risk patterns */
	s->cap_pool = bytes * 3 + 4096;
	s->words = calloc(s->cap_words, sizeof(*s->words));
	s->pats = calloc(s->cap_pats, sizeof(*s->pats));
	s->alts = calloc(s->cap_alts, sizeof(*s->alts));
	s->pool = calloc(s->cap_pool, 1);
	s->emos = calloc(lines + 1, sizeof(*s->emos));
	if (!s->words || !s->pats || !s->alts || !s->pool || !s->emos)
		return ATTUNE_E_NOMEM;
	attune_status st = vocab_rehash(s, 1024);
	if (st == ATTUNE_OK)
		st = load_classes(s);
	if (st == ATTUNE_OK)
		st = load_maps(s);
	if (st == ATTUNE_OK)
		st = load_third_person(s);
	for (size_t k = 0; st == ATTUNE_OK && k < sizeof(pattern_files) / sizeof(pattern_files[0]);
	     k++) {
		const attune__data_file *f = find_file(pattern_files[k].name);
		if (!f)
			return ATTUNE_E_INVALID;
		for (size_t i = 0; st == ATTUNE_OK && i < f->n_lines; i++)
			st = parse_pattern(s, pattern_files[k].file, (uint16_t)i, f->lines[i]);
	}
	if (st == ATTUNE_OK)
		st = load_templates(s);
	if (st == ATTUNE_OK) {
		word_slot_masks(s);
		st = build_index(s);
	}
	for (int r = 0; st == ATTUNE_OK && r < AT_ROLE_COUNT; r++)
		st = build_match_index(s, &s->midx[r], (at_role)r);
	if (st == ATTUNE_OK) {
		at_vocab_stems(s);
		vocab_finish(s);
	}
	return st;
}

void at_lexicon_free(attune_scorer *s)
{
	free(s->words);
	free(s->table);
	free(s->pats);
	free(s->alts);
	free(s->pool);
	free(s->emos);
	free(s->person);
	free(s->bucket);
	free(s->wild);
	for (int r = 0; r < AT_ROLE_COUNT; r++) {
		free(s->midx[r].mfixed);
		free(s->midx[r].mkeyed);
		free(s->midx[r].munk);
		free(s->midx[r].mword);
		free(s->midx[r].mstart);
		free(s->midx[r].mpairs);
	}
	free(s->tpls);
}

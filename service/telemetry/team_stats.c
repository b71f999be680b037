/*
 * team_stats.c - bucketed per-team / per-responder aggregates (see
 * team_stats.h): minute ring for the hour window, hour ring for day/week.
 */
#define _POSIX_C_SOURCE 200809L
#include "team_stats.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "word_hash.h"

#define TS_MINUTES    60
#define TS_HOURS      168
#define TS_MAX_KEYS   (1 + ATTUNE_TEAM_STATS_MAX_TEAMS + ATTUNE_TEAM_STATS_MAX_RESPONDERS)
#define TS_HASH_SLOTS 1024 /* power of two, > 2 * TS_MAX_KEYS */

typedef struct ts_bucket {
	uint32_t stamp; /* minute or hour since the epoch, +1; 0 = empty */
	uint32_t drafts;
	uint64_t score_sum;
	uint32_t levels[3][3];
	uint32_t finding_count[ATTUNE_FINDING_KIND_MAX];
	uint32_t finding_drafts[ATTUNE_FINDING_KIND_MAX];
	uint32_t risk[4];
	uint32_t offered, outcomes, used, used_verbatim, score_changes;
	int64_t change_sum;
} ts_bucket;

typedef struct ts_key {
	char team[ATTUNE_EVENT_TEAM_MAX + 1];
	char responder[ATTUNE_PSEUDONYM_HEX_LEN + 1];
	int in_use;
	int next; /* hash chain, -1 = end */
	int64_t last_update_ms;
	ts_bucket *minutes; /* TS_MINUTES */
	ts_bucket *hours;   /* TS_HOURS */
} ts_key;

struct attune_team_stats {
	pthread_mutex_t mu;
	int heads[TS_HASH_SLOTS];
	ts_key keys[TS_MAX_KEYS]; /* keys[0] = all teams */
	int n_keys;
	int n_teams, n_responders;
	int warned_teams;
};

/* Which hash chain a key is on: ts_slot_of(ts_hash_team(team), responder).
 * The team's part is shared by the team's key and its responders' keys, so
 * a draft hashes its team once. It only picks a chain: lookups compare the
 * strings. */
static uint64_t ts_hash_str(uint64_t h, const char *s)
{
	return attune_word_hash(h, s, strlen(s));
}

static uint64_t ts_hash_team(const char *team)
{
	return ts_hash_str(0x243F6A8885A308D3ull, team);
}

static int ts_slot_of(uint64_t team_hash, const char *responder)
{
	uint64_t h = ts_hash_str(team_hash ^ 0x1f, responder);

	return (int)((h ^ (h >> 32)) & (TS_HASH_SLOTS - 1));
}

static int ts_key_alloc_buckets(ts_key *k)
{
	k->minutes = calloc(TS_MINUTES, sizeof(ts_bucket));
	k->hours = calloc(TS_HOURS, sizeof(ts_bucket));
	if (!k->minutes || !k->hours) {
		free(k->minutes);
		free(k->hours);
		k->minutes = k->hours = NULL;
		return -1;
	}
	return 0;
}

attune_ev_status attune_team_stats_create(attune_team_stats **out)
{
	attune_team_stats *s;

	if (!out)
		return ATTUNE_EV_E_INVALID;
	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ATTUNE_EV_E_NOMEM;
	for (int i = 0; i < TS_HASH_SLOTS; i++)
		s->heads[i] = -1;
	if (ts_key_alloc_buckets(&s->keys[0]) != 0) {
		free(s);
		return ATTUNE_EV_E_NOMEM;
	}
	s->keys[0].in_use = 1;
	s->keys[0].next = -1;
	s->n_keys = 1;
	pthread_mutex_init(&s->mu, NULL);
	*out = s;
	return ATTUNE_EV_OK;
}

void attune_team_stats_destroy(attune_team_stats *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n_keys; i++) {
		free(s->keys[i].minutes);
		free(s->keys[i].hours);
	}
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static ts_key *ts_find(attune_team_stats *s, const char *team, const char *responder, int slot)
{
	for (int i = s->heads[slot]; i >= 0; i = s->keys[i].next) {
		ts_key *k = &s->keys[i];
		if (strcmp(k->team, team) == 0 && strcmp(k->responder, responder) == 0)
			return k;
	}
	return NULL;
}

static void ts_unlink(attune_team_stats *s, int idx)
{
	ts_key *k = &s->keys[idx];
	int *pp = &s->heads[ts_slot_of(ts_hash_team(k->team), k->responder)];

	while (*pp >= 0 && *pp != idx)
		pp = &s->keys[*pp].next;
	if (*pp == idx)
		*pp = k->next;
	k->next = -1;
}

/* Finds or makes the key, on chain `slot` (ts_slot_of); NULL when over the
 * team cap or out of memory. */
static ts_key *ts_get(attune_team_stats *s, const char *team, const char *responder, int slot,
                      int64_t now_ms)
{
	ts_key *k = ts_find(s, team, responder, slot);
	int idx = -1;

	if (k)
		return k;
	if (!responder[0]) {
		if (s->n_teams >= ATTUNE_TEAM_STATS_MAX_TEAMS) {
			if (!s->warned_teams)
				ATTUNE_LOG(ATTUNE_LOG_WARN, "team_stats_team_cap_reached",
				           "max_teams=%d", ATTUNE_TEAM_STATS_MAX_TEAMS);
			s->warned_teams = 1;
			return NULL;
		}
	} else if (s->n_responders >= ATTUNE_TEAM_STATS_MAX_RESPONDERS) {
		/* Reuse the least recently updated responder key. */
		int64_t oldest = 0;
		for (int i = 1; i < s->n_keys; i++) {
			if (s->keys[i].responder[0] &&
			    (idx < 0 || s->keys[i].last_update_ms < oldest)) {
				idx = i;
				oldest = s->keys[i].last_update_ms;
			}
		}
		if (idx < 0)
			return NULL;
		ts_unlink(s, idx);
		memset(s->keys[idx].minutes, 0, TS_MINUTES * sizeof(ts_bucket));
		memset(s->keys[idx].hours, 0, TS_HOURS * sizeof(ts_bucket));
		s->n_responders--;
	}
	if (idx < 0) {
		if (s->n_keys >= TS_MAX_KEYS)
			return NULL;
		idx = s->n_keys;
		if (ts_key_alloc_buckets(&s->keys[idx]) != 0)
			return NULL;
		s->n_keys++;
	}
	k = &s->keys[idx];
	strcpy(k->team, team);
	strcpy(k->responder, responder);
	k->in_use = 1;
	k->last_update_ms = now_ms;
	k->next = s->heads[slot];
	s->heads[slot] = idx;
	if (responder[0])
		s->n_responders++;
	else
		s->n_teams++;
	return k;
}

/* The bucket for `stamp` in a ring, reset if it held an older period; NULL
 * if it holds a newer one (the event is too old for the ring). */
static ts_bucket *ts_slot(ts_bucket *ring, unsigned n, uint32_t stamp)
{
	ts_bucket *b = &ring[stamp % n];

	if (b->stamp == stamp)
		return b;
	if (b->stamp > stamp)
		return NULL;
	memset(b, 0, sizeof(*b));
	b->stamp = stamp;
	return b;
}

/* What one event adds to a bucket, worked out once for the (up to six)
 * buckets it goes into: clamped indexes and the finding kinds it has. */
typedef struct ts_delta {
	const attune_event *ev;
	unsigned level[3], risk;
	unsigned n_kinds;
	unsigned char kinds[ATTUNE_FINDING_KIND_MAX]; /* ascending, findings[k] != 0 */
} ts_delta;

static unsigned ts_clamp(unsigned v, unsigned max)
{
	return v > max ? max : v;
}

static void ts_delta_init(ts_delta *d, const attune_event *ev)
{
	d->ev = ev;
	d->n_kinds = 0;
	if (ev->type != ATTUNE_EVENT_DRAFT_SCORED)
		return;
	d->level[0] = ts_clamp(ev->acknowledge, 2);
	d->level[1] = ts_clamp(ev->reflect, 2);
	d->level[2] = ts_clamp(ev->explore, 2);
	d->risk = ts_clamp((unsigned)ev->risk_level, 3);
	for (unsigned k = 0; k < ATTUNE_FINDING_KIND_MAX; k++)
		if (ev->findings[k])
			d->kinds[d->n_kinds++] = (unsigned char)k;
}
_Static_assert(ATTUNE_FINDING_KIND_MAX <= 256, "finding kinds fit ts_delta.kinds");

static void ts_bucket_add(ts_bucket *b, const ts_delta *d)
{
	const attune_event *ev = d->ev;

	if (ev->type == ATTUNE_EVENT_DRAFT_SCORED) {
		b->drafts++;
		b->score_sum += ev->score;
		b->levels[0][d->level[0]]++;
		b->levels[1][d->level[1]]++;
		b->levels[2][d->level[2]]++;
		for (unsigned i = 0; i < d->n_kinds; i++) {
			unsigned k = d->kinds[i];
			b->finding_count[k] += ev->findings[k];
			b->finding_drafts[k]++;
		}
		b->risk[d->risk]++;
		b->offered += ev->suggestions_offered;
	} else if (ev->type == ATTUNE_EVENT_OUTCOME_RECORDED) {
		b->outcomes++;
		if (ev->action == ATTUNE_OUTCOME_USED_SUGGESTION_VERBATIM ||
		    ev->action == ATTUNE_OUTCOME_USED_SUGGESTION_EDITED)
			b->used++;
		if (ev->action == ATTUNE_OUTCOME_USED_SUGGESTION_VERBATIM)
			b->used_verbatim++;
		if (ev->has_score_change) {
			b->score_changes++;
			b->change_sum += ev->score_change;
		}
	}
}

static void ts_key_add(ts_key *k, const ts_delta *d, uint32_t minute, uint32_t hour)
{
	ts_bucket *b;

	if (d->ev->ts_ms > k->last_update_ms)
		k->last_update_ms = d->ev->ts_ms;
	b = ts_slot(k->minutes, TS_MINUTES, minute);
	if (b)
		ts_bucket_add(b, d);
	b = ts_slot(k->hours, TS_HOURS, hour);
	if (b)
		ts_bucket_add(b, d);
}

void attune_team_stats_add(attune_team_stats *s, const attune_event *ev)
{
	uint32_t minute, hour;
	uint64_t team_hash;
	ts_delta d;
	ts_key *k;

	if (!s || !ev || ev->ts_ms < 0)
		return;
	if (ev->type != ATTUNE_EVENT_DRAFT_SCORED && ev->type != ATTUNE_EVENT_OUTCOME_RECORDED)
		return;
	minute = (uint32_t)(ev->ts_ms / 60000) + 1;
	hour = (uint32_t)(ev->ts_ms / 3600000) + 1;
	ts_delta_init(&d, ev);
	team_hash = ts_hash_team(ev->team);
	pthread_mutex_lock(&s->mu);
	ts_key_add(&s->keys[0], &d, minute, hour);
	if (ev->team[0]) {
		k = ts_get(s, ev->team, "", ts_slot_of(team_hash, ""), ev->ts_ms);
		if (k)
			ts_key_add(k, &d, minute, hour);
	}
	if (ev->responder[0]) {
		k = ts_get(s, ev->team, ev->responder, ts_slot_of(team_hash, ev->responder),
		           ev->ts_ms);
		if (k)
			ts_key_add(k, &d, minute, hour);
	}
	pthread_mutex_unlock(&s->mu);
}

static void ts_sum_ring(const ts_bucket *ring, unsigned n, uint32_t lo, uint32_t hi,
                        attune_team_stats_result *r, uint64_t *score_sum, int64_t *change_sum)
{
	for (unsigned i = 0; i < n; i++) {
		const ts_bucket *b = &ring[i];
		if (b->stamp < lo || b->stamp > hi)
			continue;
		r->drafts += b->drafts;
		*score_sum += b->score_sum;
		for (int d = 0; d < 3; d++)
			for (int l = 0; l < 3; l++)
				r->levels[d][l] += b->levels[d][l];
		for (unsigned k = 0; k < ATTUNE_FINDING_KIND_MAX; k++) {
			r->finding_count[k] += b->finding_count[k];
			r->finding_drafts[k] += b->finding_drafts[k];
		}
		for (int l = 0; l < 4; l++)
			r->risk[l] += b->risk[l];
		r->offered += b->offered;
		r->outcomes += b->outcomes;
		r->used += b->used;
		r->used_verbatim += b->used_verbatim;
		r->score_changes += b->score_changes;
		*change_sum += b->change_sum;
	}
}

void attune_team_stats_query(attune_team_stats *s, const char *team, const char *responder,
                             attune_stats_window window, int64_t now_ms,
                             attune_team_stats_result *out)
{
	uint64_t score_sum = 0;
	int64_t change_sum = 0;
	uint32_t lo, hi;
	int use_minutes = 0;

	memset(out, 0, sizeof(*out));
	if (!team)
		team = "";
	if (!responder)
		responder = "";
	if (now_ms < 0)
		now_ms = 0;
	switch (window) {
	case ATTUNE_STATS_WINDOW_DAY:
	case ATTUNE_STATS_WINDOW_WEEK: {
		uint32_t span = window == ATTUNE_STATS_WINDOW_DAY ? 24 : TS_HOURS;
		hi = (uint32_t)(now_ms / 3600000) + 1;
		lo = hi >= span ? hi - span + 1 : 1;
		out->window_start_ms = (int64_t)(lo - 1) * 3600000;
		break;
	}
	default:
		use_minutes = 1;
		hi = (uint32_t)(now_ms / 60000) + 1;
		lo = hi >= TS_MINUTES ? hi - TS_MINUTES + 1 : 1;
		out->window_start_ms = (int64_t)(lo - 1) * 60000;
		break;
	}
	out->window_end_ms = now_ms;
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	for (int i = 0; i < s->n_keys; i++) {
		const ts_key *k = &s->keys[i];
		int match;
		if (!k->in_use)
			continue;
		if (!responder[0])
			match = team[0] ? (!k->responder[0] && i > 0 && strcmp(k->team, team) == 0)
			                : i == 0;
		else
			match = strcmp(k->responder, responder) == 0 &&
			        (!team[0] || strcmp(k->team, team) == 0);
		if (!match)
			continue;
		if (use_minutes)
			ts_sum_ring(k->minutes, TS_MINUTES, lo, hi, out, &score_sum, &change_sum);
		else
			ts_sum_ring(k->hours, TS_HOURS, lo, hi, out, &score_sum, &change_sum);
	}
	pthread_mutex_unlock(&s->mu);
	if (out->drafts)
		out->mean_score = (double)score_sum / (double)out->drafts;
	if (out->score_changes)
		out->mean_score_change = (double)change_sum / (double)out->score_changes;
}

/*
 * test_risk_general.c - risk detection in the seeker's message beyond the
 * obvious keywords: indirect plans, means and timing, overdoses, self-harm
 * methods, coercive and in-progress abuse, lay medical emergencies, and the
 * guards (negation, long past, figures of speech). Sentences written here.
 */
#include "attune/scorer.h"
#include "runner.h"

#include <string.h>

static attune_scorer *S;

typedef struct risk_seen {
	int ok;
	attune_risk_level level;
	uint32_t categories;
} risk_seen;

#define BIT(c) (1u << (c))

/* Scores `seeker` against a neutral draft and checks every risk span lies in
 * the seeker message and names a flagged category. */
static risk_seen risk_of(test_ctx *t, const char *seeker)
{
	risk_seen out = {0, ATTUNE_RISK_NONE, 0};
	attune_score_input in;
	memset(&in, 0, sizeof(in));
	in.seeker.ptr = seeker;
	in.seeker.len = strlen(seeker);
	in.draft.ptr = "I'm here with you.";
	in.draft.len = strlen(in.draft.ptr);
	attune_score_result *r = NULL;
	if (attune_score(S, &in, &r) != ATTUNE_OK || !r) {
		CHECK(!"attune_score failed");
		return out;
	}
	out.ok = 1;
	out.level = r->risk.level;
	out.categories = r->risk.categories;
	CHECK((r->risk.level == ATTUNE_RISK_NONE) == (r->risk.guidance[0] == '\0'));
	for (size_t i = 0; i < r->risk.n_spans; i++) {
		const attune_risk_span *sp = &r->risk.spans[i];
		CHECK(sp->start < sp->end && sp->end <= in.seeker.len);
		CHECK(r->risk.categories & BIT(sp->category));
	}
	attune_score_result_free(r);
	return out;
}

static void expect(test_ctx *t, const char *seeker, attune_risk_level level, uint32_t cats)
{
	risk_seen s = risk_of(t, seeker);
	if (!s.ok)
		return;
	if (s.level != level || s.categories != cats) {
		t->failures++;
		fprintf(stderr, "  [%s] expected %s/0x%x, got %s/0x%x: %s\n", t->name,
		        attune_risk_level_name(level), cats, attune_risk_level_name(s.level),
		        s.categories, seeker);
	}
}

static void at_most(test_ctx *t, const char *seeker, attune_risk_level max)
{
	risk_seen s = risk_of(t, seeker);
	if (s.ok && s.level > max) {
		t->failures++;
		fprintf(stderr, "  [%s] expected at most %s, got %s: %s\n", t->name,
		        attune_risk_level_name(max), attune_risk_level_name(s.level), seeker);
	}
}

static const uint32_t SUI = BIT(ATTUNE_RISK_SUICIDE), SH = BIT(ATTUNE_RISK_SELF_HARM),
                      HTO = BIT(ATTUNE_RISK_HARM_TO_OTHERS), AB = BIT(ATTUNE_RISK_ABUSE),
                      MED = BIT(ATTUNE_RISK_MEDICAL_EMERGENCY);

TEST(indirect_plans_are_high)
{
	expect(t, "I found a new home for my cat and said goodbye to my friends.", ATTUNE_RISK_HIGH,
	       SUI);
	expect(t, "I left notes for my kids on the kitchen table.", ATTUNE_RISK_HIGH, SUI);
	expect(t, "I'm writing my goodbye texts.", ATTUNE_RISK_HIGH, SUI);
	expect(t, "I cleaned my apartment and put my affairs in order.", ATTUNE_RISK_HIGH, SUI);
	expect(t, "This time next week I won't be a problem for anyone.", ATTUNE_RISK_HIGH, SUI);
	expect(t, "I looked up how much tylenol is lethal.", ATTUNE_RISK_HIGH, SUI);
	expect(t, "I'm sitting on the edge of the bridge right now.", ATTUNE_RISK_HIGH, SUI);
}

TEST(means_and_timing_are_high)
{
	expect(t, "I've been saving my sleeping pills for weeks. I have enough now.",
	       ATTUNE_RISK_HIGH, SUI);
	expect(t, "I'm in the garage with the car running.", ATTUNE_RISK_HIGH, SUI);
	expect(t, "I looked up how many of my antidepressants it would take. Tonight.",
	       ATTUNE_RISK_HIGH, SUI);
	/* a current thought without plan stays moderate */
	expect(t, "I keep thinking about ending it. I don't have a plan.", ATTUNE_RISK_MODERATE,
	       SUI);
}

TEST(overdose_taken_is_suicide_and_medical)
{
	expect(t, "I took the whole bottle of tylenol about an hour ago.", ATTUNE_RISK_HIGH,
	       SUI | MED);
	expect(t, "i swallowed all my meds like 20 min ago on purpose", ATTUNE_RISK_HIGH,
	       SUI | MED);
	/* someone else's overdose is a medical emergency, not the seeker's suicide */
	risk_seen s = risk_of(t, "my friend took a bunch of pills and now she wont wake up");
	CHECK(s.level == ATTUNE_RISK_HIGH && (s.categories & MED) && !(s.categories & SUI));
}

TEST(attempt_recent_versus_long_past)
{
	expect(t, "i tried to kill myself last night and it didnt work", ATTUNE_RISK_HIGH, SUI);
	expect(t, "I tried to kill myself when I was 19. I'm doing much better now.",
	       ATTUNE_RISK_LOW, SUI);
	expect(t, "I attempted suicide back in college, over ten years ago.", ATTUNE_RISK_LOW, SUI);
}

TEST(passive_ideation_is_surfaced)
{
	risk_seen s = risk_of(t, "Sometimes I wish I could just go to sleep and not wake up.");
	CHECK(s.level >= ATTUNE_RISK_LOW && (s.categories & SUI));
	s = risk_of(t, "Everyone would be better off without me.");
	CHECK(s.level >= ATTUNE_RISK_MODERATE && (s.categories & SUI));
	s = risk_of(t, "I wish I was never born.");
	CHECK(s.level >= ATTUNE_RISK_LOW && (s.categories & SUI));
}

TEST(self_harm_methods)
{
	expect(t, "I've been burning myself with a lighter again.", ATTUNE_RISK_MODERATE, SH);
	expect(t, "I keep banging my head against the wall when I get overwhelmed.",
	       ATTUNE_RISK_MODERATE, SH);
	expect(t, "I punched the mirror and my knuckles were bleeding.", ATTUNE_RISK_MODERATE, SH);
	expect(t, "I've been skipping my insulin on purpose so I lose weight.",
	       ATTUNE_RISK_MODERATE, SH);
	expect(t, "I've been purging after every meal again.", ATTUNE_RISK_MODERATE, SH);
	/* a relapse told as it happened is moderate; the means at hand now is high */
	expect(t, "I relapsed and cut last night after 3 months clean.", ATTUNE_RISK_MODERATE, SH);
	expect(t, "i have the razor in my hand right now and i want to cut", ATTUNE_RISK_HIGH, SH);
	expect(t, "I used to cut when I was a teenager, that was 15 years ago.", ATTUNE_RISK_LOW,
	       SH);
}

TEST(harm_to_others_with_intent)
{
	expect(t, "I'm going to stab him when he gets home tonight.", ATTUNE_RISK_HIGH, HTO);
	expect(t, "I keep having thoughts about hurting my coworker.", ATTUNE_RISK_MODERATE, HTO);
}

TEST(abuse_control_and_in_progress)
{
	expect(t, "My husband takes my paycheck and checks my phone every night.",
	       ATTUNE_RISK_MODERATE, AB);
	expect(t, "my mom locked me out of the house all night again", ATTUNE_RISK_MODERATE, AB);
	expect(t, "My son takes my pension and leaves me without food for days.",
	       ATTUNE_RISK_MODERATE, AB);
	expect(t, "my husband is threatening me with a knife right now", ATTUNE_RISK_HIGH, AB);
	expect(t, "He's outside the door right now. I'm hiding in the bathroom.", ATTUNE_RISK_HIGH,
	       AB);
	/* a monitored phone is control, not a weapon */
	expect(t, "He reads all my texts and tracks my location.", ATTUNE_RISK_MODERATE, AB);
}

TEST(medical_in_lay_words)
{
	expect(t, "My dad's face is drooping on one side and his speech is slurred.",
	       ATTUNE_RISK_HIGH, MED);
	expect(t, "I have crushing pressure in my chest and it's spreading to my jaw.",
	       ATTUNE_RISK_HIGH, MED);
	expect(t, "my toddler has a fever of 105 and is really hard to wake up", ATTUNE_RISK_HIGH,
	       MED);
	expect(t, "he's unresponsive and breathing weird", ATTUNE_RISK_HIGH, MED);
	expect(t, "my son is having a seizure and it won't stop", ATTUNE_RISK_HIGH, MED);
}

TEST(vital_numbers_decide)
{
	expect(t, "my blood sugar is 38 and I'm shaking", ATTUNE_RISK_HIGH, MED);
	expect(t, "my sugar meter says 550 and I'm throwing up", ATTUNE_RISK_HIGH, MED);
	expect(t, "my blood sugar was 110 this morning, is that ok?", ATTUNE_RISK_NONE, 0);
	expect(t, "She had a fever of 99 yesterday but seems fine.", ATTUNE_RISK_NONE, 0);
}

TEST(guards_never_high)
{
	expect(t, "I'm not suicidal, I just need to vent about work.", ATTUNE_RISK_NONE, 0);
	expect(t, "I would never hurt myself, but I'm exhausted.", ATTUNE_RISK_NONE, 0);
	expect(t, "My grandpa died by suicide when I was a kid.", ATTUNE_RISK_NONE, 0);
	expect(t, "I need to cut my hair, it's way too long.", ATTUNE_RISK_NONE, 0);
	expect(t, "I feel like I can't breathe with all this pressure at work.", ATTUNE_RISK_NONE,
	       0);
	at_most(t, "This job is killing me.", ATTUNE_RISK_NONE);
	at_most(t, "I could die of embarrassment.", ATTUNE_RISK_NONE);
	at_most(t, "I'm going to kill my sister if she takes my car again lol", ATTUNE_RISK_LOW);
	at_most(t, "my boss is gonna murder me haha", ATTUNE_RISK_LOW);
	at_most(t, "We set a date for the wedding, it's in June.", ATTUNE_RISK_LOW);
	at_most(t, "I'm not going to end anything, I just need a break.", ATTUNE_RISK_LOW);
}

TEST(someone_elses_current_risk_is_surfaced)
{
	expect(t, "My friend texted me that she wants to kill herself tonight.", ATTUNE_RISK_HIGH,
	       SUI);
	expect(t, "My daughter is cutting herself.", ATTUNE_RISK_MODERATE, SH);
	/* a death long ago is grief, not risk */
	expect(t, "She killed herself last year.", ATTUNE_RISK_NONE, 0);
	at_most(t, "He doesn't want to die, he just wants help.", ATTUNE_RISK_LOW);
}

/* Voice-notes style: a responder or caller reports someone's risk in the third person. */
TEST(third_person_reports)
{
	expect(t, "caller says she swallowed a bottle of pills", ATTUNE_RISK_HIGH, SUI | MED);
	expect(t, "he says he wants to kill himself tonight", ATTUNE_RISK_HIGH, SUI);
	expect(t, "client reports her husband hits her", ATTUNE_RISK_MODERATE, AB);
	expect(t, "caller states she wants to end her life", ATTUNE_RISK_MODERATE, SUI);
	expect(t, "pt says he has the pills saved up and is going to take them tonight",
	       ATTUNE_RISK_HIGH, SUI);
	expect(t, "Caller reports his dad beats him with a belt.", ATTUNE_RISK_MODERATE, AB);
	/* the guards still hold for reports */
	expect(t, "caller says she is not suicidal, just stressed", ATTUNE_RISK_NONE, 0);
	at_most(t, "she says this job is killing her", ATTUNE_RISK_NONE);
	at_most(t, "he says he could die of embarrassment", ATTUNE_RISK_NONE);
}

TEST(dated_and_ambiguous_signs_stay_low)
{
	/* a calendar year dates the event */
	expect(t, "I tried to end my life in 2015. I'm stable now.", ATTUNE_RISK_LOW, SUI);
	/* an emergency long past is over */
	expect(t, "My brother overdosed years ago.", ATTUNE_RISK_NONE, 0);
	/* a method-like place and a time alone: surfaced low, never more */
	expect(t, "I'm driving over the bridge tonight to see my mom.", ATTUNE_RISK_LOW, SUI);
	/* but with a clear mention it is a plan */
	expect(t, "I want to die. I'm going to the bridge tonight.", ATTUNE_RISK_HIGH, SUI);
}

int main(int argc, char **argv)
{
	static const test_case cases[] = {
	    T(indirect_plans_are_high),
	    T(means_and_timing_are_high),
	    T(overdose_taken_is_suicide_and_medical),
	    T(attempt_recent_versus_long_past),
	    T(passive_ideation_is_surfaced),
	    T(self_harm_methods),
	    T(harm_to_others_with_intent),
	    T(abuse_control_and_in_progress),
	    T(medical_in_lay_words),
	    T(vital_numbers_decide),
	    T(guards_never_high),
	    T(someone_elses_current_risk_is_surfaced),
	    T(dated_and_ambiguous_signs_stay_low),
	    T(third_person_reports),
	};
	return run_scorer_tests(&S, cases, sizeof(cases) / sizeof(cases[0]), argc, argv);
}

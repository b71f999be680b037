/*
 * score_id.c - random hex score ids (see score_id.h).
 */
#include "score_id.h"

#include <openssl/rand.h>

int attuned_score_id(char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[ATTUNED_SCORE_ID_LEN / 2];

	if (RAND_bytes(raw, (int)sizeof(raw)) != 1) {
		out[0] = '\0';
		return -1;
	}
	for (size_t i = 0; i < sizeof(raw); i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[ATTUNED_SCORE_ID_LEN] = '\0';
	return 0;
}

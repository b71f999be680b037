/*
 * gen_data.c - build-time generator: reads the reviewable word/pattern files
 * under scorer/data/<locale>/ and writes them as C string tables, so the
 * scorer does no file I/O at run time. Usage: gen_data OUT.c FILE.txt...
 * Strips comments (# to end of line) and blank lines; rejects control bytes
 * and over-long lines so a bad data file fails the build, not the service.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE 400

static void ident_of(const char *path, char *out, size_t cap)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = 0;
	for (; *base && *base != '.' && n + 1 < cap; base++)
		out[n++] = isalnum((unsigned char)*base) ? *base : '_';
	out[n] = 0;
}

/* Words of a pattern before its "=>" attributes, not counting ^ and ! prefixes. */
static int count_fields(const char *line)
{
	int n = 0, in_word = 0;
	for (const char *c = line; *c; c++) {
		if (c[0] == '=' && c[1] == '>')
			break;
		if (*c == ' ' || *c == '^' || *c == '!') {
			in_word = 0;
		} else if (!in_word) {
			in_word = 1;
			n++;
		}
	}
	return n;
}

/* Files whose lines are not patterns or word lists (free text, maps, forms with '_'). */
static int is_pattern_file(const char *ident)
{
	static const char *const other[] = {"suggestions", "emotions", "normalize", "pronoun_shift",
	                                    "third_person"};
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (strcmp(ident, other[i]) == 0)
			return 0;
	return 1;
}

/* Slot mistakes that parse but can never match: a '?' or other sentence
 * punctuation in a word (tokens never hold it), '_' joining words inside a
 * slot ("kill_myself|suicide": alternatives are single words), '@class' or
 * 'pre*' inside an alternation, '*' or '@' anywhere but at their one place.
 * Prints file:line and returns the number of mistakes. */
static int check_slots(const char *path, int lineno, const char *line)
{
	const char *end = strstr(line, "=>"), *c = line;
	int bad = 0;
	if (!end)
		end = line + strlen(line);
	while (c < end) {
		while (c < end && (*c == ' ' || *c == '^' || *c == '!'))
			c++;
		const char *w = c;
		while (c < end && *c != ' ')
			c++;
		size_t n = (size_t)(c - w);
		if (n == 0 || (n == 2 && w[0] == '.' && w[1] == '.') || (n == 1 && w[0] == '_'))
			continue;
		const char *why = NULL;
		int alternation = memchr(w, '|', n) != NULL;
		for (size_t i = 0; i < n && !why; i++) {
			char ch = w[i];
			if (ch == '?' || ch == ',' || ch == '.' || ch == ';' || ch == ':' ||
			    ch == '"')
				why = "punctuation inside a word never matches (tokens hold none)";
			else if (ch == '_')
				why = "'_' inside a word: alternatives are single words";
			else if (ch == '@' && (alternation || i != 0))
				why = "@class must be a slot of its own, not inside an alternation";
			else if (ch == '*' && (alternation || i != n - 1))
				why = "pre* must be a slot of its own, not inside an alternation";
			else if (ch == '|' && (i == 0 || i == n - 1 || w[i + 1] == '|'))
				why = "empty alternative in a|b slot";
		}
		if (why) {
			fprintf(stderr, "%s:%d: slot '%.*s': %s\n", path, lineno, (int)n, w, why);
			bad++;
		}
	}
	return bad;
}

static int emit_file(FILE *out, const char *path, const char *ident, size_t *count)
{
	/* must match AT_MAX_SLOTS in scorer/src/internal.h; suggestions are free text */
	int max_fields = strcmp(ident, "suggestions") == 0 ? 0 : 12;
	FILE *in = fopen(path, "r");
	char line[MAX_LINE + 2];
	int lineno = 0, rc = 0;

	if (!in) {
		fprintf(stderr, "gen_data: cannot open %s\n", path);
		return -1;
	}
	*count = 0;
	fprintf(out, "static const char *const d_%s[] = {\n", ident);
	while (fgets(line, sizeof(line), in)) {
		lineno++;
		size_t len = strlen(line);
		if (len > MAX_LINE) {
			fprintf(stderr, "%s:%d: line longer than %d bytes\n", path, lineno,
			        MAX_LINE);
			rc = -1;
			break;
		}
		char *hash = strchr(line, '#');
		if (hash)
			*hash = 0;
		len = strlen(line);
		while (len && isspace((unsigned char)line[len - 1]))
			line[--len] = 0;
		char *p = line;
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			continue;
		for (char *q = p; *q; q++) {
			if ((unsigned char)*q < 0x20 && *q != '\t') {
				fprintf(stderr, "%s:%d: control byte in line\n", path, lineno);
				rc = -1;
			}
		}
		if (is_pattern_file(ident) && check_slots(path, lineno, p) != 0)
			rc = -1;
		if (max_fields && count_fields(p) > max_fields) {
			fprintf(stderr, "%s:%d: pattern has more than %d words\n", path, lineno,
			        max_fields);
			rc = -1;
		}
		fputs("\t\"", out);
		for (char *q = p; *q; q++) {
			if (*q == '"' || *q == '\\')
				fputc('\\', out);
			fputc(*q == '\t' ? ' ' : *q, out);
		}
		fputs("\",\n", out);
		(*count)++;
	}
	fputs("\tNULL\n};\n", out);
	fclose(in);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: gen_data OUT.c FILE.txt...\n");
		return 2;
	}
	FILE *out = fopen(argv[1], "w");
	if (!out) {
		fprintf(stderr, "gen_data: cannot write %s\n", argv[1]);
		return 1;
	}
	size_t *counts = calloc((size_t)argc, sizeof(*counts));
	if (!counts)
		return 1;
	fputs("/* Generated by scorer/tools/gen_data.c from scorer/data; do not edit. */\n", out);
	fputs("#include \"data.h\"\n#include <stddef.h>\n\n", out);
	int rc = 0;
	for (int i = 2; i < argc; i++) {
		char ident[128];
		ident_of(argv[i], ident, sizeof(ident));
		if (emit_file(out, argv[i], ident, &counts[i]) != 0)
			rc = 1;
	}
	fputs("\nconst attune__data_file attune__data_files[] = {\n", out);
	for (int i = 2; i < argc; i++) {
		char ident[128];
		ident_of(argv[i], ident, sizeof(ident));
		fprintf(out, "\t{\"%s\", d_%s, %zu},\n", ident, ident, counts[i]);
	}
	fprintf(out, "};\nconst size_t attune__n_data_files = %d;\n", argc - 2);
	free(counts);
	if (fclose(out) != 0 || rc) {
		remove(argv[1]);
		return 1;
	}
	return 0;
}

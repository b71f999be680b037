/*
 * replay_main.c - runs the fuzz target over every file of a seed corpus
 * directory without libFuzzer, so the seeds run as a normal ctest case.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLAY_MAX_FILE (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	DIR *dir = opendir(argv[1]);
	if (!dir) {
		fprintf(stderr, "cannot open %s\n", argv[1]);
		return 1;
	}
	uint8_t *buf = malloc(REPLAY_MAX_FILE);
	if (!buf) {
		closedir(dir);
		return 1;
	}
	int n = 0, rc = 0;
	struct dirent *e;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", argv[1], e->d_name);
		FILE *f = fopen(path, "rb");
		if (!f) {
			rc = 1;
			continue;
		}
		size_t len = fread(buf, 1, REPLAY_MAX_FILE, f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, len);
		n++;
	}
	closedir(dir);
	free(buf);
	printf("replayed %d seed(s)\n", n);
	return rc || n == 0;
}

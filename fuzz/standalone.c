// SPDX-License-Identifier: MIT
/*
 * standalone.c - a driver without a fuzzing engine: runs every file given
 * on the command line, and every file in every directory given, through
 * LLVMFuzzerTestOneInput() once, in name order.  For gcc builds and for
 * replaying a corpus or a crash (`meson test --suite fuzz` uses it).
 *
 * Exit status: 0 if every input ran (a finding aborts, as under a fuzzer),
 * 1 if a path could not be read, 2 for usage.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_driver.h"

static int run_file(const char *path, unsigned long *count)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;
	size_t got;

	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return 1;
	}
	/* a copy of exactly len bytes, so ASan sees any read past the input */
	buf = malloc(len ? (size_t)len : 1);
	got = buf ? fread(buf, 1, (size_t)len, f) : 0;
	fclose(f);
	if (!buf || got != (size_t)len) {
		fprintf(stderr, "%s: short read\n", path);
		free(buf);
		return 1;
	}
	if (getenv("HVOSIM_FUZZ_VERBOSE"))
		fprintf(stderr, "running %s (%ld bytes)\n", path, len);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	(*count)++;
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int run_dir(const char *dir, unsigned long *count)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, by_name), i, r = 0;
	char path[4096];
	struct stat st;

	if (n < 0) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.' &&
		    snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name) < (int)sizeof(path) &&
		    !stat(path, &st) && S_ISREG(st.st_mode))
			r |= run_file(path, count);
		free(ents[i]);
	}
	free(ents);
	return r;
}

int fz_replay(int argc, char **argv)
{
	unsigned long count = 0;
	struct stat st;
	int i, r = 0;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;	/* engine flags (-runs=0 ...) mean nothing here */
		if (!stat(argv[i], &st) && S_ISDIR(st.st_mode))
			r |= run_dir(argv[i], &count);
		else
			r |= run_file(argv[i], &count);
	}
	fprintf(stderr, "%s: ran %lu input(s)%s\n", argv[0], count, r ? ", some unreadable" : "");
	return r;
}

#ifndef FZ_REPLAY_ONLY
int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	return fz_replay(argc, argv);
}
#endif

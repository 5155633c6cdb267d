/* SPDX-License-Identifier: MIT */
/* Conformance results: per-directory totals, the target, summary.json. */
#ifndef TCC_TESTS_SUMMARY_H
#define TCC_TESTS_SUMMARY_H

#include <stdio.h>

#include "manifest.h"

enum outcome { OUT_PENDING, OUT_PASS, OUT_FAIL, OUT_UNSUPPORTED };

struct result {
	enum outcome outcome;
	char reason[1400];
	double seconds;
	const char *known;	/* evidence when the failure is a known test-data defect */
};

#define MAX_DIRS 16

struct dir_totals {
	const char *dir;
	int total, pass, fail, unsupported;
	int known;		/* failures that are known test-data defects (TAP TODO) */
};

struct totals {
	struct dir_totals dirs[MAX_DIRS];
	int n_dirs;
	struct dir_totals all;
};

/* Target of issue 4: node passes and pytorch-converted pass rate. */
#define TARGET_NODE_PASS 500
#define TARGET_CONVERTED_PERCENT 80.0

void summarize(const struct manifest *m, const int *order, const struct result *res, int n,
	       struct totals *tot);
void print_totals(const struct totals *tot, FILE *out);
/*
 * Prints the target as TAP result number @n: judged when @judge, else as a
 * SKIP with the measured numbers (also when @filtered: a subset says nothing).
 * Returns 0 only when judged and missed.
 */
int print_target(const struct totals *tot, int n, int judge, int filtered, FILE *out);
int write_summary_json(const char *path, const struct manifest *m, const int *order,
		       const struct result *res, int n, const struct totals *tot, double seconds,
		       char *err, size_t errlen);

#endif

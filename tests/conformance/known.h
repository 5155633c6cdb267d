/* SPDX-License-Identifier: MIT */
/*
 * Known defects of the ONNX test data itself (tests/conformance/
 * known-data-defects.tsv): a listed test that fails with the listed reason is
 * reported as TAP "not ok ... # TODO <evidence>", an expected failure that
 * stays visible; failing for any other reason it is an ordinary failure.
 */
#ifndef TCC_TESTS_KNOWN_H
#define TCC_TESTS_KNOWN_H

#include <stddef.h>

struct known_defect {
	char *test;		/* "node/test_x" */
	char *expect;		/* substring the failure reason must contain */
	char *evidence;		/* why the data, not tcc, is wrong */
};

struct known_list {
	struct known_defect *items;
	int n;
};

/* 0 on success (a missing @path is an empty list only when @path is NULL). */
int known_load(const char *path, struct known_list *list, char *err, size_t errlen);
const struct known_defect *known_match(const struct known_list *list, const char *test, const char *reason);
void known_free(struct known_list *list);

#endif

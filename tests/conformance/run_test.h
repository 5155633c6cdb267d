/* SPDX-License-Identifier: MIT */
/*
 * Runs one conformance test through the public model API (in a forked
 * child: a crash or hang there cannot take the suite down).  Progress and the
 * verdict go to @fd as lines:
 *	P <phase>		what the test is doing now (named if it crashes)
 *	V pass|fail|unsupported <reason>
 */
#ifndef TCC_TESTS_RUN_TEST_H
#define TCC_TESTS_RUN_TEST_H

#include "manifest.h"

struct run_opts {
	int threads;		/* tcc_options.threads */
	int opt_level;		/* tcc_options.opt_level */
	double rtol, atol;
};

void run_test(const struct conf_test *t, const struct run_opts *o, int fd);

#endif

// SPDX-License-Identifier: MIT
/*
 * Bounded OpenMP waiting for tcc's programs.
 *
 * Debian's oneDNN runs on libgomp, and so do the generated kernels.  By
 * default a libgomp thread that reaches a barrier spins GOMP_SPINCOUNT
 * (300000) pause loops, milliseconds, before it sleeps.  On an inference
 * host where other processes want the cores, the thread it waits for is
 * often not running, so every barrier burns its whole spin: a SqueezeNet
 * that takes 5 ms alone took 518 ms beside other load.  A short spin keeps
 * back-to-back parallel regions fast and sleeps soon after.
 *
 * libgomp reads its environment once, in its constructor, before main(),
 * has no call to change the spin afterwards and exports no knob; the
 * dynamic linker's constructor order cannot put another object's setenv
 * before it (tried: glibc initialises libgomp first whatever the link
 * order).  So a program that finds neither variable set sets one and
 * execs itself once, a few milliseconds; a value the user set wins, and a
 * service that sets it never pays the exec.
 */
#include "omp_env.h"

#include <stdlib.h>
#include <unistd.h>

/* ~40 us of pause loops on current x86: longer than the gap between two ops. */
#define TCC_GOMP_SPINCOUNT "1000"

void tcc_tool_bound_omp_spinning(char **argv)
{
	if (getenv("GOMP_SPINCOUNT") || getenv("OMP_WAIT_POLICY"))
		return;
	if (setenv("GOMP_SPINCOUNT", TCC_GOMP_SPINCOUNT, 0) != 0)
		return;
	execv("/proc/self/exe", argv);
	/* No /proc or no exec: run on with libgomp's default spin. */
}

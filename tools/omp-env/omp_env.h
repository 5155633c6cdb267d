/* SPDX-License-Identifier: MIT */
#ifndef TCC_TOOLS_OMP_ENV_H
#define TCC_TOOLS_OMP_ENV_H

/*
 * Call first in main(): unless GOMP_SPINCOUNT or OMP_WAIT_POLICY is set,
 * sets a short GOMP_SPINCOUNT and re-executes the program with @argv
 * (returns only when nothing had to change, or the exec failed).
 */
void tcc_tool_bound_omp_spinning(char **argv);

#endif

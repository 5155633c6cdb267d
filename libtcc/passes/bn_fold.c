// SPDX-License-Identifier: MIT
#include "passes/passes.h"

tcc_status pass_fold_batchnorm(ir_graph *g, pass_stats *ps)
{
	return TCC_OK;
}

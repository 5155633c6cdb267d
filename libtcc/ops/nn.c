// SPDX-License-Identifier: MIT
#include "ops/ops.h"

const op_def ops_nn[] = {
	OPS_END
};

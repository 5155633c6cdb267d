// SPDX-License-Identifier: GPL-2.0
/*
 * tcc_sim_alu.c - the simulated XPU's f32 vector unit.
 *
 * The kernel is built without FPU/SSE code generation; this one file is
 * compiled with SSE enabled (see Kbuild) and is only entered between
 * kernel_fpu_begin() and kernel_fpu_end() by tcc_sim_fw.c, the same scheme
 * amdgpu's display code uses.  Nothing here takes or returns a float by
 * value, so no FPU state crosses into the rest of the module.
 */
#include "tcc_sim.h"

void tcc_sim_alu_f32(u32 op, float *dst, const float *a, const float *b, size_t n)
{
	size_t i;

	switch (op) {
	case DRM_TCC_CMD_ADD:
		for (i = 0; i < n; i++)
			dst[i] = a[i] + b[i];
		break;
	case DRM_TCC_CMD_MUL:
		for (i = 0; i < n; i++)
			dst[i] = a[i] * b[i];
		break;
	case DRM_TCC_CMD_RELU:
		for (i = 0; i < n; i++)
			dst[i] = a[i] > 0.0f ? a[i] : 0.0f;
		break;
	}
}

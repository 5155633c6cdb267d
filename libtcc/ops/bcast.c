// SPDX-License-Identifier: MIT
#include "ops/bcast.h"

#include <stdlib.h>
#include <string.h>

tcc_status bcast_plan(bcast *bc, const tv *out, tv *const *in, int n_in)
{
	int r = out->rank;
	int64_t st[4][TCC_MAX_RANK] = { { 0 } };

	memset(bc, 0, sizeof(*bc));
	bc->n_in = n_in;
	bc->inner = r ? out->dims[r - 1] : 1;
	bc->rows = bc->inner ? tv_numel(out) / bc->inner : 0;
	for (int k = 0; k < n_in; k++) {
		const tv *t = in[k];
		int64_t acc = 1;

		for (int i = t->rank - 1; i >= 0; i--) {
			int oi = i + (r - t->rank);

			st[k][oi] = t->dims[i] == 1 ? 0 : acc;
			acc *= t->dims[i];
		}
		bc->s[k] = r ? st[k][r - 1] : 0;
		bc->base[k] = malloc(sizeof(int64_t) * (size_t)(bc->rows ? bc->rows : 1));
		if (!bc->base[k]) {
			bcast_free(bc);
			return tcc_set_error(TCC_ERR_NO_MEMORY, "broadcast plan");
		}
	}
	/* Walk the outer dims (all but the last) as an odometer. */
	int64_t idx[TCC_MAX_RANK] = { 0 };
	int64_t off[4] = { 0 };

	for (int64_t row = 0; row < bc->rows; row++) {
		for (int k = 0; k < n_in; k++)
			bc->base[k][row] = off[k];
		for (int d = r - 2; d >= 0; d--) {
			idx[d]++;
			for (int k = 0; k < n_in; k++)
				off[k] += st[k][d];
			if (idx[d] < out->dims[d])
				break;
			for (int k = 0; k < n_in; k++)
				off[k] -= st[k][d] * idx[d];
			idx[d] = 0;
		}
	}
	return TCC_OK;
}

void bcast_free(bcast *bc)
{
	for (int k = 0; k < 4; k++) {
		free(bc->base[k]);
		bc->base[k] = NULL;
	}
}

// SPDX-License-Identifier: MIT
/* Module backend: tcc.ko's TCC_WEIGHTS_* ioctls (not wired up yet). */
#include "weights/internal.h"
#include "common/error.h"

static tcc_status no_module(void)
{
	return tcc_set_error(TCC_ERR_NO_DEVICE, "tcc.ko weight buffers are not available");
}

bool tcc_weights_kmod_present(void) { return false; }
tcc_status tcc_weights_kmod_create(struct tcc_weights *w) { return no_module(); }
tcc_status tcc_weights_kmod_map_writable(struct tcc_weights *w) { return no_module(); }
tcc_status tcc_weights_kmod_seal(struct tcc_weights *w) { return no_module(); }
tcc_status tcc_weights_kmod_open(struct tcc_weights *w) { return no_module(); }
tcc_status tcc_weights_kmod_map(struct tcc_weights *w) { return no_module(); }
tcc_status tcc_weights_kmod_info(const struct tcc_weights *w, tcc_weights_info *i) { return no_module(); }
void tcc_weights_kmod_close(struct tcc_weights *w) { }
tcc_status tcc_weights_kmod_list(tcc_weights_info **l, size_t *c) { return no_module(); }
tcc_status tcc_weights_kmod_unload(const char *name) { return no_module(); }

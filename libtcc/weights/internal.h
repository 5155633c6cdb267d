/* SPDX-License-Identifier: MIT */
/* Internal: the weight-buffer handle shared by the embedded and module backends. */
#ifndef TCC_WEIGHTS_INTERNAL_H
#define TCC_WEIGHTS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <tcc/weights.h>

#define TCC_WEIGHTS_HUGE_SIZE ((size_t)2 << 20)

struct tcc_weights {
	tcc_weights_backend backend;
	char name[TCC_WEIGHTS_NAME_MAX + 1];
	size_t size;		/* requested */
	size_t alloc_size;	/* backed, what mappings cover */
	tcc_weights_backing backing;
	bool creator;
	bool sealed;
	bool resident;
	unsigned int mode;

	void *rw_ptr;		/* creator's writable mapping before seal */
	const void *ro_ptr;	/* read-only mapping after seal */

	/* embedded: the memfd (O_RDWR before seal, O_RDONLY after) */
	int fd;
	/* embedded: the bound name before seal, the holder connection after */
	int sock;

	/* module: render node fd and GEM handle */
	int drm_fd;
	uint32_t handle;
	uint64_t mmap_offset;
};

/* Common helpers (weights.c). */
tcc_status tcc_weights_map_aligned(int fd, uint64_t offset, size_t len, int prot, int flags,
				   void **out);
bool tcc_weights_want_thp(void);

/* Embedded backend (embedded.c). */
tcc_status tcc_weights_emb_create(struct tcc_weights *w);
tcc_status tcc_weights_emb_map_writable(struct tcc_weights *w);
tcc_status tcc_weights_emb_seal(struct tcc_weights *w);
tcc_status tcc_weights_emb_open(struct tcc_weights *w);
tcc_status tcc_weights_emb_map(struct tcc_weights *w);
tcc_status tcc_weights_emb_info(const struct tcc_weights *w, tcc_weights_info *info);
void tcc_weights_emb_close(struct tcc_weights *w);
tcc_status tcc_weights_emb_list(tcc_weights_info **list, size_t *count);
tcc_status tcc_weights_emb_unload(const char *name);

/* Module backend (kmod.c). */
bool tcc_weights_kmod_present(void);
tcc_status tcc_weights_kmod_create(struct tcc_weights *w);
tcc_status tcc_weights_kmod_map_writable(struct tcc_weights *w);
tcc_status tcc_weights_kmod_seal(struct tcc_weights *w);
tcc_status tcc_weights_kmod_open(struct tcc_weights *w);
tcc_status tcc_weights_kmod_map(struct tcc_weights *w);
tcc_status tcc_weights_kmod_info(const struct tcc_weights *w, tcc_weights_info *info);
void tcc_weights_kmod_close(struct tcc_weights *w);
tcc_status tcc_weights_kmod_list(tcc_weights_info **list, size_t *count);
tcc_status tcc_weights_kmod_unload(const char *name);

#endif

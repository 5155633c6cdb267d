/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * tcc_drm.h - userspace interface of tcc.ko, the tcc DRM render-node driver.
 *
 * Rules for every structure in this file (they keep the interface extensible):
 *  - fixed size, naturally aligned, explicit padding fields named pad*;
 *  - user pointers travel as __u64 (cast through uintptr_t);
 *  - the kernel rejects unknown flag bits and non-zero padding with -EINVAL,
 *    so a later kernel can give those bits a meaning without old userspace
 *    silently getting the wrong behaviour;
 *  - "in" fields are set by userspace, "out" fields are written by the kernel.
 *
 * Ioctl numbers are relative to DRM_COMMAND_BASE and reserved by range:
 *   0x00-0x0f  buffer objects               (kmod/tcc_bo.c)
 *   0x10-0x1f  queues, executors, submit    (kmod/tcc_queue.c)
 *   0x20-0x2f  huge-page weight buffers     (kmod/tcc_weights.c)
 * Each section below is owned by the file named in its header; only add to
 * your own section.  Buffers are closed with DRM_IOCTL_GEM_CLOSE and shared
 * with the standard PRIME ioctls (DRM_IOCTL_PRIME_HANDLE_TO_FD/FD_TO_HANDLE).
 * Documentation/uapi.md describes the semantics.
 */
#ifndef _UAPI_TCC_DRM_H_
#define _UAPI_TCC_DRM_H_

#include <drm/drm.h>

#if defined(__cplusplus)
extern "C" {
#endif

/* Driver name reported by DRM_IOCTL_VERSION (drmGetVersion()->name). */
#define TCC_DRIVER_NAME "tcc"

/* --- buffer objects (kmod/tcc_bo.c) --- */

#define DRM_TCC_BO_CREATE		0x00
#define DRM_TCC_BO_INFO			0x01

/*
 * TCC_BO_PINNED: pages are allocated at create time and stay resident
 * (never swapped or migrated) until the last reference goes.  The pinned
 * bytes are charged against the module's max_pinned_mb limit; over the
 * limit the create fails with -ENOMEM and the refusal is counted in sysfs.
 */
#define TCC_BO_PINNED			(1u << 0)
#define TCC_BO_FLAGS_ALL		(TCC_BO_PINNED)

/**
 * struct drm_tcc_bo_create - create a buffer object (DRM_IOCTL_TCC_BO_CREATE)
 * @size: in: bytes, > 0; rounded up to the page size (see drm_tcc_bo_info).
 *        -EINVAL for 0 or a size that overflows when rounded; -E2BIG for a
 *        size larger than the machine's RAM.
 * @flags: in: TCC_BO_* bits; unknown bits -> -EINVAL.
 * @handle: out: GEM handle, released with DRM_IOCTL_GEM_CLOSE.
 * @pad: must be zero.
 */
struct drm_tcc_bo_create {
	__u64 size;
	__u32 flags;
	__u32 handle;
	__u64 pad;
};

/**
 * struct drm_tcc_bo_info - describe a buffer object (DRM_IOCTL_TCC_BO_INFO)
 * @handle: in: GEM handle (-ENOENT when not a live handle of this file).
 * @pad: must be zero.
 * @size: out: size in bytes (page aligned).
 * @flags: out: TCC_BO_* bits given at create (0 for imported buffers).
 * @pad2: out: zero.
 * @mmap_offset: out: offset to pass to mmap() on the DRM fd.
 */
struct drm_tcc_bo_info {
	__u32 handle;
	__u32 pad;
	__u64 size;
	__u32 flags;
	__u32 pad2;
	__u64 mmap_offset;
};

#define DRM_IOCTL_TCC_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TCC_BO_CREATE, struct drm_tcc_bo_create)
#define DRM_IOCTL_TCC_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TCC_BO_INFO, struct drm_tcc_bo_info)

/* --- queues (kmod/tcc_queue.c) --- */
/*
 * Owned by the queue engineer (issue 6).  The structures below are initial
 * placeholders so that the ioctl table in kmod/tcc_drv.c compiles; their
 * owner may change them freely until the first release.
 */

#define DRM_TCC_QUEUE_CREATE		0x10
#define DRM_TCC_QUEUE_DESTROY		0x11
#define DRM_TCC_SUBMIT			0x12
#define DRM_TCC_JOB_STATUS		0x13
#define DRM_TCC_EXEC_ATTACH		0x14
#define DRM_TCC_EXEC_FETCH		0x15
#define DRM_TCC_EXEC_COMPLETE		0x16

struct drm_tcc_queue_create {
	__u32 engine;
	__u32 priority;
	__u32 flags;
	__u32 queue_id;		/* out */
};

struct drm_tcc_queue_destroy {
	__u32 queue_id;
	__u32 pad;
};

struct drm_tcc_submit {
	__u32 queue_id;
	__u32 flags;
	__u64 cmds;		/* user pointer */
	__u32 cmds_size;
	__u32 bo_count;
	__u64 bo_handles;	/* user pointer to __u32[bo_count] */
	__u32 in_syncobj_count;
	__u32 out_syncobj;
	__u64 in_syncobjs;	/* user pointer to __u32[in_syncobj_count] */
	__u64 job_id;		/* out */
};

struct drm_tcc_job_status {
	__u64 job_id;
	__u32 state;		/* out */
	__s32 error;		/* out */
};

struct drm_tcc_exec_attach {
	__u32 engine;
	__u32 flags;
	__u32 executor_id;	/* out */
	__u32 pad;
};

struct drm_tcc_exec_fetch {
	__u32 flags;
	__u32 pad;
	__u64 job_id;		/* out */
	__u64 cmds;		/* user pointer */
	__u32 cmds_size;
	__u32 bo_count;
	__u64 bo_handles;	/* user pointer */
};

struct drm_tcc_exec_complete {
	__u64 job_id;
	__s32 error;
	__u32 pad;
};

#define DRM_IOCTL_TCC_QUEUE_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TCC_QUEUE_CREATE, struct drm_tcc_queue_create)
#define DRM_IOCTL_TCC_QUEUE_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_TCC_QUEUE_DESTROY, struct drm_tcc_queue_destroy)
#define DRM_IOCTL_TCC_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TCC_SUBMIT, struct drm_tcc_submit)
#define DRM_IOCTL_TCC_JOB_STATUS \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TCC_JOB_STATUS, struct drm_tcc_job_status)
#define DRM_IOCTL_TCC_EXEC_ATTACH \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TCC_EXEC_ATTACH, struct drm_tcc_exec_attach)
#define DRM_IOCTL_TCC_EXEC_FETCH \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TCC_EXEC_FETCH, struct drm_tcc_exec_fetch)
#define DRM_IOCTL_TCC_EXEC_COMPLETE \
	DRM_IOW(DRM_COMMAND_BASE + DRM_TCC_EXEC_COMPLETE, struct drm_tcc_exec_complete)

/* --- weights (kmod/tcc_weights.c) --- */
/*
 * Owned by the weights engineer (issue 7).  Initial placeholders, see the
 * note on the queue section.
 */

#define DRM_TCC_WEIGHTS_CREATE		0x20
#define DRM_TCC_WEIGHTS_WRITE		0x21
#define DRM_TCC_WEIGHTS_SEAL		0x22
#define DRM_TCC_WEIGHTS_OPEN		0x23
#define DRM_TCC_WEIGHTS_LIST		0x24
#define DRM_TCC_WEIGHTS_RESIDENT	0x25

#define TCC_WEIGHTS_NAME_LEN		64

struct drm_tcc_weights_create {
	char name[TCC_WEIGHTS_NAME_LEN];
	__u64 size;
	__u32 mode;
	__u32 flags;
	__u32 handle;		/* out */
	__u32 pad;
};

struct drm_tcc_weights_write {
	__u32 handle;
	__u32 pad;
	__u64 offset;
	__u64 data;		/* user pointer */
	__u64 size;
};

struct drm_tcc_weights_seal {
	__u32 handle;
	__u32 pad;
};

struct drm_tcc_weights_open {
	char name[TCC_WEIGHTS_NAME_LEN];
	__u32 flags;
	__u32 handle;		/* out */
	__u64 size;		/* out */
	__u64 mmap_offset;	/* out */
};

struct drm_tcc_weights_list {
	__u64 entries;		/* user pointer */
	__u32 count;		/* in: capacity, out: number available */
	__u32 pad;
};

struct drm_tcc_weights_resident {
	char name[TCC_WEIGHTS_NAME_LEN];
	__u32 resident;
	__u32 pad;
};

#define DRM_IOCTL_TCC_WEIGHTS_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TCC_WEIGHTS_CREATE, struct drm_tcc_weights_create)
#define DRM_IOCTL_TCC_WEIGHTS_WRITE \
	DRM_IOW(DRM_COMMAND_BASE + DRM_TCC_WEIGHTS_WRITE, struct drm_tcc_weights_write)
#define DRM_IOCTL_TCC_WEIGHTS_SEAL \
	DRM_IOW(DRM_COMMAND_BASE + DRM_TCC_WEIGHTS_SEAL, struct drm_tcc_weights_seal)
#define DRM_IOCTL_TCC_WEIGHTS_OPEN \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TCC_WEIGHTS_OPEN, struct drm_tcc_weights_open)
#define DRM_IOCTL_TCC_WEIGHTS_LIST \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TCC_WEIGHTS_LIST, struct drm_tcc_weights_list)
#define DRM_IOCTL_TCC_WEIGHTS_RESIDENT \
	DRM_IOW(DRM_COMMAND_BASE + DRM_TCC_WEIGHTS_RESIDENT, struct drm_tcc_weights_resident)

#if defined(__cplusplus)
}
#endif

#endif /* _UAPI_TCC_DRM_H_ */

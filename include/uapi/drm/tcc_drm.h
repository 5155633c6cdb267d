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
 * FD_TO_HANDLE says -EBUSY for a dma-buf of a BO that has since been
 * exported as another dma-buf (possible once all its handles were closed and
 * a CPU executor was handed it): a BO has one dma-buf at a time.
 * Documentation/uapi.md describes the semantics.
 */
#ifndef _UAPI_TCC_DRM_H_
#define _UAPI_TCC_DRM_H_

#ifdef __KERNEL__
#include <drm/drm.h>
#else
#include "drm.h"	/* libdrm's copy: add `pkg-config --cflags libdrm` */
#endif

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
 * Device queues (Documentation/queues.md).  A queue feeds one engine: the
 * simulated XPU (firmware-stubs/) or the CPU executors, processes that
 * attached with TCC_EXEC_ATTACH.  Jobs are scheduled by the kernel's DRM GPU
 * scheduler; completion is a dma_fence installed in a DRM syncobj, waited
 * with DRM_IOCTL_SYNCOBJ_WAIT or exported as a pollable sync_file
 * (DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD with DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE).
 */

#define DRM_TCC_QUEUE_CREATE		0x10
#define DRM_TCC_QUEUE_DESTROY		0x11
#define DRM_TCC_SUBMIT			0x12
#define DRM_TCC_JOB_STATUS		0x13
#define DRM_TCC_EXEC_ATTACH		0x14
#define DRM_TCC_EXEC_FETCH		0x15
#define DRM_TCC_EXEC_COMPLETE		0x16

#define DRM_TCC_ENGINE_SIM		0
#define DRM_TCC_ENGINE_CPU		1

#define DRM_TCC_PRIO_LOW		0
#define DRM_TCC_PRIO_NORMAL		1
#define DRM_TCC_PRIO_HIGH		2

/* Limits of one job; beyond them TCC_SUBMIT fails with -E2BIG. */
#define DRM_TCC_MAX_CMDS		4096
#define DRM_TCC_MAX_BOS			64
#define DRM_TCC_MAX_IN_FENCES		16

/* Commands; the job's bo_handles[] is indexed by dst/src0/src1. */
#define DRM_TCC_CMD_NOP			0
#define DRM_TCC_CMD_COPY		1	/* dst = src0, size bytes */
#define DRM_TCC_CMD_FILL		2	/* dst u32 words = (u32)value */
#define DRM_TCC_CMD_ADD			3	/* f32 dst = src0 + src1 */
#define DRM_TCC_CMD_MUL			4	/* f32 dst = src0 * src1 */
#define DRM_TCC_CMD_RELU		5	/* f32 dst = max(src0, 0) */
#define DRM_TCC_CMD_SIGNAL		6	/* u64 at dst + dst_off = value */

/**
 * struct drm_tcc_cmd - one command of a job (64 bytes)
 * @op: DRM_TCC_CMD_*; unknown -> the submit fails with -EINVAL
 * @flags: must be zero
 * @dst: index of the destination BO in the job's bo_handles[]
 * @src0: index of the first source BO
 * @src1: index of the second source BO (ADD, MUL)
 * @pad: must be zero
 * @dst_off: byte offset into @dst
 * @src0_off: byte offset into @src0
 * @src1_off: byte offset into @src1
 * @size: bytes; a multiple of 4 for FILL/ADD/MUL/RELU (offsets too)
 * @value: FILL pattern (low 32 bits) or SIGNAL value
 *
 * Every access is checked against the BO sizes at submit (-EINVAL).
 */
struct drm_tcc_cmd {
	__u32 op;
	__u32 flags;
	__u32 dst;
	__u32 src0;
	__u32 src1;
	__u32 pad;
	__u64 dst_off;
	__u64 src0_off;
	__u64 src1_off;
	__u64 size;
	__u64 value;
};

/**
 * struct drm_tcc_queue_create - create a queue (DRM_IOCTL_TCC_QUEUE_CREATE)
 * @engine: in: DRM_TCC_ENGINE_*; unknown -> -EINVAL
 * @priority: in: DRM_TCC_PRIO_*; unknown -> -EINVAL; HIGH needs CAP_SYS_NICE
 *            (-EACCES)
 * @flags: in: must be zero
 * @queue_id: out: id, unique on the device (sysfs queues/<id>)
 */
struct drm_tcc_queue_create {
	__u32 engine;
	__u32 priority;
	__u32 flags;
	__u32 queue_id;
};

/**
 * struct drm_tcc_queue_destroy - destroy a queue (DRM_IOCTL_TCC_QUEUE_DESTROY)
 * @queue_id: in: a queue of this file (-ENOENT otherwise)
 * @pad: must be zero
 *
 * Jobs not yet handed to the engine are cancelled (their fences signal
 * with -ESRCH) without waiting for their in-fences; jobs on the engine
 * finish, holding their BOs until then.
 */
struct drm_tcc_queue_destroy {
	__u32 queue_id;
	__u32 pad;
};

/* Commands are read from the BO @cmd_bo at byte offset @cmds. */
#define DRM_TCC_SUBMIT_CMDS_IN_BO	(1u << 0)
/* @in_fences holds sync_file fds instead of syncobj handles. */
#define DRM_TCC_SUBMIT_FENCE_FD_IN	(1u << 1)
/* Return the job's fence as a new sync_file fd in @out_fence_fd. */
#define DRM_TCC_SUBMIT_FENCE_FD_OUT	(1u << 2)
#define DRM_TCC_SUBMIT_FLAGS_ALL	(DRM_TCC_SUBMIT_CMDS_IN_BO | \
					 DRM_TCC_SUBMIT_FENCE_FD_IN | \
					 DRM_TCC_SUBMIT_FENCE_FD_OUT)

/**
 * struct drm_tcc_submit - queue a job (DRM_IOCTL_TCC_SUBMIT)
 * @queue_id: in: a queue of this file
 * @flags: in: DRM_TCC_SUBMIT_*
 * @cmds: in: user pointer to struct drm_tcc_cmd[@ncmds], or the byte offset
 *        in @cmd_bo with DRM_TCC_SUBMIT_CMDS_IN_BO
 * @ncmds: in: 0..DRM_TCC_MAX_CMDS
 * @cmd_bo: in: GEM handle holding the commands (with CMDS_IN_BO), else 0
 * @bo_handles: in: user pointer to __u32[@nbos] GEM handles of BOs (created
 *              or PRIME-imported; a weight buffer's handle is -ENOENT, as
 *              for @cmd_bo)
 * @nbos: in: 0..DRM_TCC_MAX_BOS
 * @nin_fences: in: 0..DRM_TCC_MAX_IN_FENCES
 * @in_fences: in: user pointer to __u32[@nin_fences] syncobj handles (or
 *             sync_file fds with FENCE_FD_IN); the job runs after their
 *             fences signal (-ENOENT for an unknown syncobj, -EINVAL for
 *             a syncobj without a fence or an fd that is not a sync_file)
 * @out_fence: in: syncobj whose fence is replaced by the job's, or 0
 * @out_fence_fd: out: sync_file fd with FENCE_FD_OUT (poll() it), else -1
 * @job_id: out: for DRM_IOCTL_TCC_JOB_STATUS
 *
 * Syncobj handles need a driver with DRIVER_SYNCOBJ (-EOPNOTSUPP otherwise);
 * sync_file fds always work.  -EBUSY when the queue already holds the module
 * parameter max_queue_jobs (default 16384) unfinished jobs.  The kernel memory
 * a job holds is charged to the caller's memory cgroup: -ENOMEM at its limit.
 */
struct drm_tcc_submit {
	__u32 queue_id;
	__u32 flags;
	__u64 cmds;
	__u32 ncmds;
	__u32 cmd_bo;
	__u64 bo_handles;
	__u32 nbos;
	__u32 nin_fences;
	__u64 in_fences;
	__u32 out_fence;
	__s32 out_fence_fd;
	__u64 job_id;
};

#define DRM_TCC_JOB_UNKNOWN		0	/* too old, or never existed */
#define DRM_TCC_JOB_QUEUED		1
#define DRM_TCC_JOB_RUNNING		2
#define DRM_TCC_JOB_DONE		3

/**
 * struct drm_tcc_job_status - state of a job (DRM_IOCTL_TCC_JOB_STATUS)
 * @job_id: in: as returned by TCC_SUBMIT on a queue of this file
 * @state: out: DRM_TCC_JOB_*; the last 1024 jobs of a queue are remembered
 * @error: out: 0 or a negative errno once DONE (-EINVAL, -EIO, -ETIMEDOUT,
 *         -ESRCH cancelled)
 * @attempts: out: times the job was handed to an engine (> 1 after a reset
 *            or an executor's death)
 * @pad: must be zero
 */
struct drm_tcc_job_status {
	__u64 job_id;
	__u32 state;
	__s32 error;
	__u32 attempts;
	__u32 pad;
};

/**
 * struct drm_tcc_exec_attach - become a CPU executor (DRM_IOCTL_TCC_EXEC_ATTACH)
 * @engine: in: DRM_TCC_ENGINE_CPU
 * @flags: in: must be zero
 * @executor_id: out
 * @pad: must be zero
 *
 * When the file closes with jobs fetched and not completed, those jobs go
 * back to the engine for another executor, up to the module's
 * exec_retries; after that they fail with -EIO (-ESRCH when their queue
 * was destroyed meanwhile).  -EBUSY when the file is already attached.
 */
struct drm_tcc_exec_attach {
	__u32 engine;
	__u32 flags;
	__u32 executor_id;
	__u32 pad;
};

/**
 * struct drm_tcc_exec_bo - one BO of a fetched job, seen by the executor
 * @handle: GEM handle in the executor's file, valid until EXEC_COMPLETE
 * @pad: zero
 * @size: bytes
 * @mmap_offset: for mmap() on the executor's DRM fd (zero copy)
 */
struct drm_tcc_exec_bo {
	__u32 handle;
	__u32 pad;
	__u64 size;
	__u64 mmap_offset;
};

/* Return -EAGAIN instead of sleeping when no job is ready. */
#define DRM_TCC_FETCH_NONBLOCK		(1u << 0)

/**
 * struct drm_tcc_exec_fetch - take the next CPU job (DRM_IOCTL_TCC_EXEC_FETCH)
 * @flags: in: DRM_TCC_FETCH_*
 * @pad: must be zero
 * @job_id: out: pass to EXEC_COMPLETE
 * @cmds: in: user pointer to struct drm_tcc_cmd[DRM_TCC_MAX_CMDS] (filled)
 * @ncmds: out
 * @nbos: out
 * @bos: in: user pointer to struct drm_tcc_exec_bo[DRM_TCC_MAX_BOS] (filled)
 *
 * Takes the oldest ready job of a queue created by the executor's effective
 * uid (any uid if it attached with CAP_SYS_ADMIN).  Sleeps interruptibly
 * until one is ready, at most one second: then -EAGAIN, so that a worker
 * loop can check its stop condition.  -EPERM when the file is not attached.
 */
struct drm_tcc_exec_fetch {
	__u32 flags;
	__u32 pad;
	__u64 job_id;
	__u64 cmds;
	__u32 ncmds;
	__u32 nbos;
	__u64 bos;
};

/**
 * struct drm_tcc_exec_complete - finish a fetched job (DRM_IOCTL_TCC_EXEC_COMPLETE)
 * @job_id: in: a job this executor fetched (-ENOENT otherwise)
 * @error: in: 0 or a negative errno (-4095..0) to fail the job with
 */
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
 * Huge-page weight buffers (issue 7), see Documentation/weights.md.
 * A creator makes a named buffer, fills it (WRITE or a writable mapping),
 * SEALs it; from then on it is immutable and anyone allowed by its mode
 * OPENs it by name and maps it read-only.  Backed by 2 MiB folios of a
 * private tmpfs mount (huge=always), small pages where fragmentation forces
 * it; the buffer goes when the last handle/mapping goes unless RESIDENT.
 * Every flags/pad field must be 0 (-EINVAL otherwise).
 */

#define DRM_TCC_WEIGHTS_CREATE		0x20
#define DRM_TCC_WEIGHTS_WRITE		0x21
#define DRM_TCC_WEIGHTS_SEAL		0x22
#define DRM_TCC_WEIGHTS_OPEN		0x23
#define DRM_TCC_WEIGHTS_LIST		0x24
#define DRM_TCC_WEIGHTS_RESIDENT	0x25

/* Names: 1..63 bytes of [A-Za-z0-9._-], not starting with '.' or '-', NUL-terminated. */
#define TCC_WEIGHTS_NAME_LEN		64

/*
 * Create an unsealed buffer.  -EEXIST: name taken; -E2BIG: larger than the
 * module's max_weights_mb on its own; -ENOMEM: the limit is exhausted
 * (counted in sysfs weights/refusals).  Only the creator's handle exists
 * until SEAL; mmap_offset maps it writable for filling.
 */
struct drm_tcc_weights_create {
	char name[TCC_WEIGHTS_NAME_LEN];
	__u64 size;		/* bytes, > 0 */
	__u32 mode;		/* 0..0777; group/other read bits let others OPEN */
	__u32 flags;		/* 0 */
	__u32 handle;		/* out */
	__u32 pad;
	__u64 mmap_offset;	/* out */
};

/* Copy size bytes from user memory to offset; creator only, before SEAL (-EPERM after). */
struct drm_tcc_weights_write {
	__u32 handle;
	__u32 pad;
	__u64 offset;
	__u64 data;		/* user pointer */
	__u64 size;
};

/*
 * Make the buffer immutable: allocates what was never written, counts huge
 * and small chunks, revokes the creator's writable mappings (a later store
 * through one gets SIGBUS) and makes the name openable.  Creator only.
 */
struct drm_tcc_weights_seal {
	__u32 handle;
	__u32 flags;		/* 0 */
};

/* Open a sealed buffer by name: -ENOENT (none, or not sealed), -EACCES (uid/gid/mode). */
struct drm_tcc_weights_open {
	char name[TCC_WEIGHTS_NAME_LEN];
	__u32 flags;		/* 0 */
	__u32 handle;		/* out */
	__u64 size;		/* out: bytes given at create */
	__u64 mmap_offset;	/* out: PROT_READ only (PROT_WRITE: -EPERM) */
};

#define TCC_WEIGHTS_SEALED		(1u << 0)
#define TCC_WEIGHTS_RESIDENT		(1u << 1)
#define TCC_WEIGHTS_NAMED		(1u << 2)	/* cleared by unload */

struct drm_tcc_weights_entry {
	char name[TCC_WEIGHTS_NAME_LEN];
	__u64 size;
	__u64 alloc_size;	/* bytes backing it (a multiple of 2 MiB) */
	__u32 huge_chunks;	/* 2 MiB physically contiguous folios (counted at seal) */
	__u32 small_chunks;	/* 4 KiB pages where no 2 MiB folio could be had */
	__u32 mappers;		/* live VMAs */
	__u32 flags;		/* TCC_WEIGHTS_SEALED | RESIDENT | NAMED */
	__u32 uid;
	__u32 gid;
	__u32 mode;
	__u32 handles;		/* open GEM handles, all files */
	__u64 faults;		/* page-fault calls into the buffer (PMD mapping keeps this low) */
};

/* Every live buffer: count in = capacity of entries, out = number that exist. */
struct drm_tcc_weights_list {
	__u64 entries;		/* user pointer to struct drm_tcc_weights_entry[count] */
	__u32 count;
	__u32 pad;
};

/*
 * resident = 1: pin a sealed buffer so it outlives its holders (CAP_SYS_ADMIN).
 * resident = 0: unload: drop the pin and the name (owner or CAP_SYS_ADMIN);
 * existing handles and mappings stay valid, the memory goes with the last.
 */
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

/* SPDX-License-Identifier: MIT */
/* Internal: queue and fence objects shared by the two queue backends. */
#ifndef TCC_QUEUE_INTERNAL_H
#define TCC_QUEUE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <tcc/queue.h>

enum tcc_qbackend { TCC_QB_EMBEDDED, TCC_QB_KMOD };

typedef void (*tcc_fence_cb)(void *arg);

struct tcc_fence_waiter {
	struct tcc_fence_waiter *next;
	tcc_fence_cb fn;
	void *arg;
};

struct tcc_fence {
	atomic_int refs;
	enum tcc_qbackend backend;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int signalled;
	int error;
	int fd;				/* eventfd (embedded) or sync_file (kmod); -1 until asked */
	struct tcc_fence_waiter *waiters;	/* embedded: run once on signal */
	uint32_t queue_id;		/* kmod: for the job status ioctl */
	uint64_t seqno;			/* kmod: job id */
};

struct tcc_queue {
	enum tcc_qbackend backend;
	uint32_t id;
	tcc_engine engine;
	tcc_priority prio;
	pthread_mutex_t lock;
	pthread_cond_t idle;
	unsigned long inflight;		/* embedded: submitted, not yet signalled */
	struct tcc_emb_engine *eng;	/* embedded */
	tcc_fence **outstanding;	/* kmod: fences of jobs maybe not done yet */
	size_t noutstanding, outstanding_cap;
};

/* fence.c: embedded fences */
tcc_fence *tcc_fence_new(enum tcc_qbackend backend);
void tcc_fence_signal(tcc_fence *f, int error);
/*
 * Runs @fn(@arg) once @f signals (now, on this thread, if it already has).
 * @w is the caller's storage (a job embeds one per dependency) and must live
 * until @fn has run: registration cannot fail, so no dependency is ever
 * skipped for want of memory.
 */
void tcc_fence_on_signal(tcc_fence *f, struct tcc_fence_waiter *w, tcc_fence_cb fn, void *arg);

/* embedded.c */
tcc_status tcc_emb_queue_init(tcc_queue *q);
tcc_status tcc_emb_submit(tcc_queue *q, const tcc_job *job, tcc_fence **fence_out);
void tcc_emb_queue_fini(tcc_queue *q);
tcc_status tcc_emb_executor_run(void);
void tcc_emb_executor_stop(void);

/* kmod.c: the tcc.ko backend, on the queue device's DRM fd. */
tcc_status tcc_kmod_open(int drm_fd);
tcc_status tcc_kmod_queue_init(tcc_queue *q);
void tcc_kmod_queue_fini(tcc_queue *q);
tcc_status tcc_kmod_submit(tcc_queue *q, const tcc_job *job, tcc_fence **fence_out);
tcc_status tcc_kmod_fence_wait(tcc_fence *f, int timeout_ms);
/* 1 if signalled (result cached), else 0; never records an error. */
int tcc_kmod_fence_check(tcc_fence *f);
int tcc_kmod_fence_fd(tcc_fence *f);
void tcc_kmod_fence_release(tcc_fence *f);
tcc_status tcc_kmod_executor_run(void);
void tcc_kmod_executor_stop(void);

#endif

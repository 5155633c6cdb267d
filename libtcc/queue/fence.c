// SPDX-License-Identifier: MIT
/* Fences: reference counting, waiting, the pollable fd, and embedded signalling. */
#include "queue/queue_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"

tcc_fence *tcc_fence_new(enum tcc_qbackend backend)
{
	tcc_fence *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	atomic_init(&f->refs, 1);
	f->backend = backend;
	f->fd = -1;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	return f;
}

tcc_fence *tcc_fence_get(tcc_fence *f)
{
	if (f)
		atomic_fetch_add(&f->refs, 1);
	return f;
}

void tcc_fence_put(tcc_fence *f)
{
	if (!f || atomic_fetch_sub(&f->refs, 1) != 1)
		return;
	if (f->backend == TCC_QB_KMOD)
		tcc_kmod_fence_release(f);
	if (f->fd >= 0)
		close(f->fd);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->cond);
	free(f);
}

void tcc_fence_signal(tcc_fence *f, int error)
{
	struct tcc_fence_waiter *w;

	pthread_mutex_lock(&f->lock);
	f->error = error;
	f->signalled = 1;
	w = f->waiters;
	f->waiters = NULL;
	if (f->fd >= 0)
		(void)!write(f->fd, &(uint64_t){ 1 }, 8);
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	/* Callbacks run unlocked: they may submit or signal other fences. */
	while (w) {
		struct tcc_fence_waiter *next = w->next;

		w->fn(w->arg);	/* may free @w with its job: not touched after */
		w = next;
	}
}

void tcc_fence_on_signal(tcc_fence *f, struct tcc_fence_waiter *w, tcc_fence_cb fn, void *arg)
{
	pthread_mutex_lock(&f->lock);
	if (!f->signalled) {
		w->fn = fn;
		w->arg = arg;
		w->next = f->waiters;
		f->waiters = w;
		pthread_mutex_unlock(&f->lock);
		return;
	}
	pthread_mutex_unlock(&f->lock);
	fn(arg);
}

tcc_status tcc_fence_wait(tcc_fence *f, int timeout_ms)
{
	struct timespec ts;
	int rc = 0;

	if (!f)
		return tcc_set_error(TCC_ERR_INVALID_ARG, "tcc_fence_wait: NULL fence");
	if (f->backend == TCC_QB_KMOD)
		return tcc_kmod_fence_wait(f, timeout_ms);
	if (timeout_ms >= 0) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += timeout_ms / 1000;
		ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&f->lock);
	while (!f->signalled && rc == 0)
		rc = timeout_ms < 0 ? pthread_cond_wait(&f->cond, &f->lock)
				    : pthread_cond_timedwait(&f->cond, &f->lock, &ts);
	rc = f->signalled;
	pthread_mutex_unlock(&f->lock);
	return rc ? TCC_OK : tcc_set_error(TCC_ERR_TIMEOUT, "fence not signalled after %d ms", timeout_ms);
}

int tcc_fence_signalled(tcc_fence *f)
{
	int s;

	if (!f)
		return 0;
	if (f->backend == TCC_QB_KMOD)
		return tcc_kmod_fence_check(f);
	pthread_mutex_lock(&f->lock);
	s = f->signalled;
	pthread_mutex_unlock(&f->lock);
	return s;
}

int tcc_fence_error(tcc_fence *f)
{
	int e;

	if (!f)
		return -EINVAL;
	if (f->backend == TCC_QB_KMOD && !tcc_kmod_fence_check(f))
		return 0;	/* not signalled yet: no error known */
	pthread_mutex_lock(&f->lock);
	e = f->error;
	pthread_mutex_unlock(&f->lock);
	return e;
}

int tcc_fence_fd(tcc_fence *f)
{
	int fd;

	if (!f)
		return -1;
	if (f->backend == TCC_QB_KMOD)
		return tcc_kmod_fence_fd(f);
	pthread_mutex_lock(&f->lock);
	if (f->fd < 0) {
		f->fd = eventfd(f->signalled ? 1 : 0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (f->fd < 0)
			tcc_set_errno(TCC_ERR_IO, errno, "eventfd");
	}
	fd = f->fd;
	pthread_mutex_unlock(&f->lock);
	return fd;
}

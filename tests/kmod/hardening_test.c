// SPDX-License-Identifier: GPL-2.0
/*
 * tcc.ko hardening: regression tests for bugs found by reviewing the module
 * as a kernel maintainer would (kernel code trusts nothing from userspace).
 * Each case names the rule it checks; the commit that fixed the bug says
 * what the kernel did before.
 */
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/sync_file.h>
#include <linux/userfaultfd.h>

#include "kselftest_harness.h"
#include "tcc_test_util.h"

#define SIM DRM_TCC_ENGINE_SIM
#define CPU DRM_TCC_ENGINE_CPU
#define MIB (1ull << 20)

/* 0 or -errno; unlike tcc_ioctl() it does not retry EAGAIN (FETCH returns it). */
static int xioctl(int fd, unsigned long req, void *arg)
{
	int rc;

	do
		rc = ioctl(fd, req, arg);
	while (rc < 0 && errno == EINTR);
	return rc < 0 ? -errno : 0;
}

static int queue_create(int fd, uint32_t engine, uint32_t *id)
{
	struct drm_tcc_queue_create c = { .engine = engine, .priority = DRM_TCC_PRIO_NORMAL };
	int rc = xioctl(fd, DRM_IOCTL_TCC_QUEUE_CREATE, &c);

	*id = c.queue_id;
	return rc;
}

static int weights_create(int fd, const char *name, uint64_t size, uint32_t *handle)
{
	struct drm_tcc_weights_create c = { .size = size, .mode = 0644 };
	int rc;

	snprintf(c.name, sizeof(c.name), "%s", name);
	rc = xioctl(fd, DRM_IOCTL_TCC_WEIGHTS_CREATE, &c);
	*handle = c.handle;
	return rc;
}

/* One FILL of the first 4 KiB of bo_handles[0]; the submit's return code. */
static int submit_fill(int fd, uint32_t queue, uint32_t handle, uint32_t flags, uint32_t cmd_bo)
{
	struct drm_tcc_cmd fill = { .op = DRM_TCC_CMD_FILL, .size = 4096, .value = 0x5a5a5a5a };
	struct drm_tcc_submit s = {
		.queue_id = queue, .flags = flags | DRM_TCC_SUBMIT_FENCE_FD_OUT,
		.cmds = (uintptr_t)&fill, .ncmds = 1,
		.bo_handles = (uintptr_t)&handle, .nbos = 1, .cmd_bo = cmd_bo,
	};
	int rc;

	if (flags & DRM_TCC_SUBMIT_CMDS_IN_BO)
		s.cmds = 0;
	rc = xioctl(fd, DRM_IOCTL_TCC_SUBMIT, &s);
	if (!rc) {
		struct pollfd p = { .fd = s.out_fence_fd, .events = POLLIN };

		poll(&p, 1, 5000);
		close(s.out_fence_fd);
	}
	return rc;
}

/*
 * A weight buffer's GEM handle lives in the same handle space as BOs, but
 * the object is not a shmem BO: the engines must not take it for one (the
 * simulated XPU would vmap a foreign struct and write into a sealed,
 * supposedly immutable buffer).  BO_INFO already says -ENOENT for it.
 */
TEST(submit_refuses_weight_buffer_handles_on_every_engine)
{
	int fd = tcc_test_open();
	uint32_t w, sealed_w, sim_q, cpu_q, bo;
	struct drm_tcc_weights_seal seal = { 0 };

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, queue_create(fd, SIM, &sim_q));
	ASSERT_EQ(0, queue_create(fd, CPU, &cpu_q));
	ASSERT_EQ(0, tcc_bo_create(fd, 4096, 0, &bo));
	ASSERT_EQ(0, weights_create(fd, "hardening-unsealed", 2 * MIB, &w));
	ASSERT_EQ(0, weights_create(fd, "hardening-sealed", 2 * MIB, &sealed_w));
	seal.handle = sealed_w;
	ASSERT_EQ(0, xioctl(fd, DRM_IOCTL_TCC_WEIGHTS_SEAL, &seal));

	/* The same job on a real BO runs: the refusals below are about the handle. */
	EXPECT_EQ(0, submit_fill(fd, sim_q, bo, 0, 0));

	EXPECT_EQ(-ENOENT, submit_fill(fd, sim_q, w, 0, 0));
	EXPECT_EQ(-ENOENT, submit_fill(fd, sim_q, sealed_w, 0, 0));
	EXPECT_EQ(-ENOENT, submit_fill(fd, cpu_q, sealed_w, 0, 0));
	/* Commands read from a "BO" that is a weight buffer. */
	EXPECT_EQ(-ENOENT, submit_fill(fd, sim_q, bo, DRM_TCC_SUBMIT_CMDS_IN_BO, sealed_w));
	EXPECT_EQ(-ENOENT, submit_fill(fd, cpu_q, bo, DRM_TCC_SUBMIT_CMDS_IN_BO, w));

	close(fd);
}

struct fetch_call {
	int fd;
	struct drm_tcc_exec_fetch args;
	int rc;
};

static void *fetch_thread(void *p)
{
	struct fetch_call *f = p;

	f->rc = xioctl(f->fd, DRM_IOCTL_TCC_EXEC_FETCH, &f->args);
	return NULL;
}

/*
 * FETCH puts the job on the executor's running list before it copies the
 * job out to user space (which can fault and sleep).  A COMPLETE from
 * another thread of the executor in that window used to be accepted: the
 * job finished and was freed while FETCH still used it.  userfaultfd
 * holds FETCH exactly inside its copy_to_user(): a job that FETCH has not
 * handed over yet is not the executor's to complete.
 */
TEST(exec_complete_cannot_race_a_fetch_still_copying_the_job_out)
{
	static struct drm_tcc_cmd cmds[DRM_TCC_MAX_CMDS];
	struct drm_tcc_exec_attach at = { .engine = CPU };
	struct drm_tcc_exec_complete done = { 0 };
	struct drm_tcc_job_status st = { 0 };
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_zeropage zero = { 0 };
	struct drm_tcc_cmd nop = { .op = DRM_TCC_CMD_NOP };
	struct drm_tcc_submit s = { 0 };
	struct fetch_call call = { 0 };
	struct uffd_msg msg;
	struct pollfd p;
	long page = sysconf(_SC_PAGESIZE);
	int client, exec, uffd, fence;
	uint32_t q, bo;
	pthread_t t;
	void *area;

	client = tcc_test_open();
	exec = tcc_test_open();
	ASSERT_GE(client, 0);
	ASSERT_GE(exec, 0);
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		SKIP(return, "no userfaultfd (%s)", strerror(errno));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	area = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	reg.range.start = (uintptr_t)area;
	reg.range.len = page;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));

	ASSERT_EQ(0, xioctl(exec, DRM_IOCTL_TCC_EXEC_ATTACH, &at));
	ASSERT_EQ(0, queue_create(client, CPU, &q));
	ASSERT_EQ(0, tcc_bo_create(client, 4096, 0, &bo));
	s.queue_id = q;
	s.flags = DRM_TCC_SUBMIT_FENCE_FD_OUT;
	s.cmds = (uintptr_t)&nop;
	s.ncmds = 1;
	s.bo_handles = (uintptr_t)&bo;
	s.nbos = 1;
	ASSERT_EQ(0, xioctl(client, DRM_IOCTL_TCC_SUBMIT, &s));
	fence = s.out_fence_fd;

	/* FETCH writes the job's BO table into the registered page: it stops there. */
	call.fd = exec;
	call.args.cmds = (uintptr_t)cmds;
	call.args.bos = (uintptr_t)area;
	ASSERT_EQ(0, pthread_create(&t, NULL, fetch_thread, &call));
	p = (struct pollfd){ .fd = uffd, .events = POLLIN };
	ASSERT_EQ(1, poll(&p, 1, 10000)) TH_LOG("FETCH never touched the BO table");
	ASSERT_EQ(sizeof(msg), read(uffd, &msg, sizeof(msg)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);

	/* FETCH is inside its copy-out: the job is not handed over yet. */
	done.job_id = s.job_id;
	EXPECT_EQ(-ENOENT, xioctl(exec, DRM_IOCTL_TCC_EXEC_COMPLETE, &done));
	st.job_id = s.job_id;
	ASSERT_EQ(0, xioctl(client, DRM_IOCTL_TCC_JOB_STATUS, &st));
	EXPECT_NE(DRM_TCC_JOB_DONE, st.state) TH_LOG("the job finished while FETCH was still handing it over");
	usleep(100 * 1000);	/* the scheduler would free a finished job by now */

	zero.range.start = (uintptr_t)area;
	zero.range.len = page;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_ZEROPAGE, &zero));
	pthread_join(t, NULL);
	ASSERT_EQ(0, call.rc);
	EXPECT_EQ(s.job_id, call.args.job_id);

	/* Now it is the executor's: COMPLETE works once, and the client sees success. */
	EXPECT_EQ(0, xioctl(exec, DRM_IOCTL_TCC_EXEC_COMPLETE, &done));
	EXPECT_EQ(-ENOENT, xioctl(exec, DRM_IOCTL_TCC_EXEC_COMPLETE, &done));
	p = (struct pollfd){ .fd = fence, .events = POLLIN };
	EXPECT_EQ(1, poll(&p, 1, 5000));
	st = (struct drm_tcc_job_status){ .job_id = s.job_id };
	ASSERT_EQ(0, xioctl(client, DRM_IOCTL_TCC_JOB_STATUS, &st));
	EXPECT_EQ(DRM_TCC_JOB_DONE, st.state);
	EXPECT_EQ(0, st.error);
	EXPECT_EQ(1, st.attempts);

	close(fence);
	close(uffd);
	munmap(area, page);
	close(exec);
	close(client);
}

TEST_HARNESS_MAIN

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
#include <sys/mount.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

/* A sync_file's state: 1 signalled OK, < 0 signalled with that error, 0 pending. */
static int fence_status(int fence_fd)
{
	struct sync_file_info info = { 0 };

	if (ioctl(fence_fd, SYNC_IOC_FILE_INFO, &info))
		return -1000;
	return info.status;
}

static int fence_wait(int fence_fd, int ms)
{
	struct pollfd p = { .fd = fence_fd, .events = POLLIN };

	return poll(&p, 1, ms);
}

/* One NOP job on @queue using @bo; in-fence @in (a sync_file) if >= 0; returns its fence fd. */
static int submit_nop(int fd, uint32_t queue, uint32_t bo, int in, uint64_t *job_id)
{
	struct drm_tcc_cmd nop = { .op = DRM_TCC_CMD_NOP };
	uint32_t in32 = (uint32_t)in;
	struct drm_tcc_submit s = {
		.queue_id = queue,
		.flags = DRM_TCC_SUBMIT_FENCE_FD_OUT | DRM_TCC_SUBMIT_FENCE_FD_IN,
		.cmds = (uintptr_t)&nop, .ncmds = 1, .bo_handles = (uintptr_t)&bo, .nbos = 1,
		.in_fences = (uintptr_t)&in32, .nin_fences = in >= 0,
	};
	int rc = xioctl(fd, DRM_IOCTL_TCC_SUBMIT, &s);

	if (rc)
		return rc;
	if (job_id)
		*job_id = s.job_id;
	return s.out_fence_fd;
}

/* Waits up to @secs for @pid; on a timeout prints its kernel stack and returns -1. */
static int wait_or_dump(pid_t pid, int secs, int *status)
{
	char path[64], line[256];
	FILE *f;

	for (int i = 0; i < secs * 10; i++) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return 0;
		usleep(100 * 1000);
	}
	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		printf("# stuck: %s", line);
	if (f)
		fclose(f);
	return -1;
}

/*
 * Closing a file cancels its queues' jobs.  drm_sched (Debian's 6.1) kills
 * a queued job only after waiting, uninterruptibly, for the in-fences it
 * has not looked at yet: a job on one
 * queue waiting for a CPU job of another queue of the same file, which no
 * executor will ever take, used to make close() sleep forever in D state
 * (unkillable, and tcc.ko could not be unloaded).  Every queue of the file
 * must be cancelled before any of them is waited for.
 */
TEST(close_cancels_a_job_waiting_on_another_queue_of_the_same_file)
{
	int fences[2] = { -1, -1 }, report[2], status = 0;
	uint64_t bo0 = tcc_sysfs_u64("bo_count");
	pid_t child;

	ASSERT_EQ(0, pipe(report));
	child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		int fd = tcc_test_open(), cpu_fence, sim_fence;
		uint32_t sim_q, cpu_q, bo;

		/* The SIM queue gets the lower id: torn down first in id order. */
		if (fd < 0 || queue_create(fd, SIM, &sim_q) || queue_create(fd, CPU, &cpu_q) ||
		    tcc_bo_create(fd, 4096, 0, &bo))
			_exit(2);
		/*
		 * Two SIM jobs behind it: the scheduler parks the first on the
		 * entity's current dependency; the second's fences are still
		 * to be looked at, which is what the kill path waits for.
		 */
		cpu_fence = submit_nop(fd, cpu_q, bo, -1, NULL);
		sim_fence = submit_nop(fd, sim_q, bo, cpu_fence, NULL);
		if (cpu_fence < 0 || sim_fence < 0 || submit_nop(fd, sim_q, bo, cpu_fence, NULL) < 0)
			_exit(3);
		usleep(100 * 1000);
		/* Hand the fences to the parent, then close with both jobs pending. */
		if (write(report[1], &cpu_fence, sizeof(int)) != sizeof(int))
			_exit(4);
		close(fd);
		_exit(0);
	}
	close(report[1]);
	ASSERT_EQ(sizeof(int), read(report[0], &fences[0], sizeof(int)));
	close(report[0]);
	ASSERT_EQ(0, wait_or_dump(child, 10, &status)) {
		kill(child, SIGKILL);
		TH_LOG("close() of the file did not return in 10 s");
	}
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(bo0, tcc_sysfs_u64("bo_count"));
}

/*
 * A job an executor had fetched goes back to the ready list when the
 * executor dies, for another one to run.  If its queue was destroyed
 * meanwhile, nobody cancels the ready list for that queue any more: the
 * job (and its BOs) used to stay there until module unload.  It is
 * cancelled instead.
 */
TEST(job_of_a_destroyed_queue_is_cancelled_when_its_executor_dies)
{
	static struct drm_tcc_cmd cmds[DRM_TCC_MAX_CMDS];
	static struct drm_tcc_exec_bo bos[DRM_TCC_MAX_BOS];
	struct drm_tcc_queue_destroy d = { 0 };
	uint64_t bo0 = tcc_sysfs_u64("bo_count"), job_id, fetched = 0;
	int client = tcc_test_open(), fence, report[2];
	uint32_t q, bo;
	pid_t exec;

	ASSERT_GE(client, 0);
	ASSERT_EQ(0, pipe(report));
	exec = fork();
	ASSERT_GE(exec, 0);
	if (exec == 0) {
		struct drm_tcc_exec_attach at = { .engine = CPU };
		struct drm_tcc_exec_fetch fe = { .cmds = (uintptr_t)cmds, .bos = (uintptr_t)bos };
		int fd = tcc_test_open();

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (fd < 0 || xioctl(fd, DRM_IOCTL_TCC_EXEC_ATTACH, &at))
			_exit(2);
		while (xioctl(fd, DRM_IOCTL_TCC_EXEC_FETCH, &fe) == -EAGAIN)
			;
		/* Holds the job without completing it until killed. */
		if (write(report[1], &fe.job_id, sizeof(fe.job_id)) != sizeof(fe.job_id))
			_exit(3);
		for (;;)
			pause();
	}
	close(report[1]);
	ASSERT_EQ(0, queue_create(client, CPU, &q));
	ASSERT_EQ(0, tcc_bo_create(client, 4096, 0, &bo));
	fence = submit_nop(client, q, bo, -1, &job_id);
	ASSERT_GE(fence, 0);
	ASSERT_EQ(sizeof(fetched), read(report[0], &fetched, sizeof(fetched)));
	close(report[0]);
	ASSERT_EQ(job_id, fetched);

	d.queue_id = q;
	ASSERT_EQ(0, xioctl(client, DRM_IOCTL_TCC_QUEUE_DESTROY, &d));
	EXPECT_EQ(0, fence_status(fence)) TH_LOG("a fetched job runs on after its queue is destroyed");
	kill(exec, SIGKILL);
	waitpid(exec, NULL, 0);

	EXPECT_EQ(1, fence_wait(fence, 5000)) TH_LOG("the job was never finished after its executor died");
	EXPECT_EQ(-ESRCH, fence_status(fence));
	close(fence);
	ASSERT_EQ(0, tcc_gem_close(client, bo));
	EXPECT_EQ(bo0, tcc_sysfs_u64("bo_count"));
	close(client);
}

/*
 * PRIME keeps one dma-buf per GEM object: once every handle of a BO is
 * closed, the core forgets the dma-buf it exported (which lives on in its
 * fds), and only importing that dma-buf gives a handle again.  FETCH breaks
 * that rule: it creates a handle for the executor, who can export the BO as
 * a second dma-buf.  Importing the first one then hit the core's
 * WARN_ON(obj->dma_buf != dma_buf) in drm_gem_prime_fd_to_handle() (a panic
 * with panic_on_warn; found by the fuzzer).  That import is refused.
 */
TEST(import_of_a_stale_dma_buf_after_an_executor_exported_the_bo_again)
{
	static struct drm_tcc_cmd cmds[DRM_TCC_MAX_CMDS];
	static struct drm_tcc_exec_bo bos[DRM_TCC_MAX_BOS];
	struct drm_tcc_exec_attach at = { .engine = CPU };
	struct drm_tcc_exec_fetch fe = { .cmds = (uintptr_t)cmds, .bos = (uintptr_t)bos };
	struct drm_tcc_exec_complete done = { 0 };
	struct drm_prime_handle first = { .flags = DRM_CLOEXEC }, second = { .flags = DRM_CLOEXEC };
	struct drm_prime_handle imp = { 0 };
	int client = tcc_test_open(), exec = tcc_test_open(), fence;
	uint64_t job_id;
	uint32_t q, bo;

	ASSERT_GE(client, 0);
	ASSERT_GE(exec, 0);
	ASSERT_EQ(0, xioctl(exec, DRM_IOCTL_TCC_EXEC_ATTACH, &at));
	ASSERT_EQ(0, queue_create(client, CPU, &q));
	ASSERT_EQ(0, tcc_bo_create(client, 4096, 0, &bo));
	first.handle = bo;
	ASSERT_EQ(0, xioctl(client, DRM_IOCTL_PRIME_HANDLE_TO_FD, &first));
	fence = submit_nop(client, q, bo, -1, &job_id);
	ASSERT_GE(fence, 0);
	/* The client lets go of its handle: the job and the dma-buf keep the BO. */
	ASSERT_EQ(0, tcc_gem_close(client, bo));

	while (xioctl(exec, DRM_IOCTL_TCC_EXEC_FETCH, &fe) == -EAGAIN)
		;
	ASSERT_EQ(job_id, fe.job_id);
	second.handle = bos[0].handle;
	ASSERT_EQ(0, xioctl(exec, DRM_IOCTL_PRIME_HANDLE_TO_FD, &second));

	/* The first dma-buf still works as memory, but no longer names the BO. */
	imp.fd = first.fd;
	EXPECT_EQ(-EBUSY, xioctl(client, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp));
	imp.fd = second.fd;
	EXPECT_EQ(0, xioctl(client, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp));

	done.job_id = fe.job_id;
	EXPECT_EQ(0, xioctl(exec, DRM_IOCTL_TCC_EXEC_COMPLETE, &done));
	EXPECT_EQ(1, fence_wait(fence, 5000));
	close(fence);
	close(first.fd);
	close(second.fd);
	close(exec);
	close(client);
}

/*
 * QUEUE_DESTROY (and close) cancels the queue's waiting jobs.  Their
 * in-fence may belong to a job an executor holds and does not finish, here
 * in the same process: drm_sched's kill path used to wait for that fence
 * uninterruptibly, so the process slept forever in D state.  The queue's
 * jobs wait on proxies of their in-fences that destroying it signals.
 */
TEST(destroy_does_not_wait_for_an_in_fence_an_executor_holds)
{
	int status = 0;
	pid_t child = fork();

	ASSERT_GE(child, 0);
	if (child == 0) {
		static struct drm_tcc_cmd cmds[DRM_TCC_MAX_CMDS];
		static struct drm_tcc_exec_bo bos[DRM_TCC_MAX_BOS];
		struct drm_tcc_exec_attach at = { .engine = CPU };
		struct drm_tcc_exec_fetch fe = { .cmds = (uintptr_t)cmds, .bos = (uintptr_t)bos };
		struct drm_tcc_exec_complete done = { 0 };
		struct drm_tcc_queue_destroy d = { 0 };
		int client = tcc_test_open(), exec = tcc_test_open(), cpu_fence, f1, f2;
		uint32_t sim_q, cpu_q, bo;

		if (client < 0 || exec < 0 || xioctl(exec, DRM_IOCTL_TCC_EXEC_ATTACH, &at) ||
		    queue_create(client, SIM, &sim_q) || queue_create(client, CPU, &cpu_q) ||
		    tcc_bo_create(client, 4096, 0, &bo))
			_exit(2);
		cpu_fence = submit_nop(client, cpu_q, bo, -1, NULL);
		if (cpu_fence < 0)
			_exit(3);
		while (xioctl(exec, DRM_IOCTL_TCC_EXEC_FETCH, &fe) == -EAGAIN)
			;
		/* Two jobs, so that one is still unexamined by drm_sched when it is killed. */
		f1 = submit_nop(client, sim_q, bo, cpu_fence, NULL);
		f2 = submit_nop(client, sim_q, bo, cpu_fence, NULL);
		if (f1 < 0 || f2 < 0)
			_exit(4);
		usleep(100 * 1000);
		d.queue_id = sim_q;
		if (xioctl(client, DRM_IOCTL_TCC_QUEUE_DESTROY, &d))
			_exit(5);
		if (fence_wait(f1, 5000) != 1 || fence_wait(f2, 5000) != 1 ||
		    fence_status(f1) != -ESRCH || fence_status(f2) != -ESRCH)
			_exit(6);
		/* The executor's job is untouched and finishes normally. */
		done.job_id = fe.job_id;
		if (xioctl(exec, DRM_IOCTL_TCC_EXEC_COMPLETE, &done) || fence_wait(cpu_fence, 5000) != 1 ||
		    fence_status(cpu_fence) != 1)
			_exit(7);
		close(client);
		close(exec);
		_exit(0);
	}
	ASSERT_EQ(0, wait_or_dump(child, 10, &status)) {
		kill(child, SIGKILL);
		TH_LOG("QUEUE_DESTROY waited for an executor that cannot finish");
	}
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

#define CG "/sys/fs/cgroup"
#define CG_TEST CG "/tcc-hardening"

/*
 * A job's kernel copy of its commands is up to 256 KiB, and a queue holds
 * up to max_queue_jobs of them (any number of queues per file): kernel
 * memory any render-node user can pin.  It is charged to the submitter's
 * memory cgroup (GFP_KERNEL_ACCOUNT, as drm_syncobj and dma-buf do), so a
 * cgroup limit bounds it: in a 32 MiB cgroup, 1000 jobs of 4096 commands
 * (250 MiB) must not all be accepted.
 */
TEST(job_memory_is_charged_to_the_submitters_memory_cgroup)
{
	int progress[2], accepted = 0, n;
	pid_t child;

	mkdir(CG, 0755);
	if (access(CG "/cgroup.controllers", F_OK) && mount("cgroup2", CG, "cgroup2", 0, NULL))
		SKIP(return, "no cgroup2 (%s)", strerror(errno));
	tcc_write_file(CG "/cgroup.subtree_control", "+memory");
	rmdir(CG_TEST);
	ASSERT_EQ(0, mkdir(CG_TEST, 0755));
	if (access(CG_TEST "/memory.max", F_OK))
		SKIP(return, "no memory controller");
	ASSERT_EQ(0, tcc_write_file(CG_TEST "/memory.max", "33554432"));
	ASSERT_EQ(0, pipe(progress));

	child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		static struct drm_tcc_cmd nops[DRM_TCC_MAX_CMDS];
		struct drm_tcc_submit s = { 0 };
		char pid[16];
		uint32_t q, bo;
		int fd;

		snprintf(pid, sizeof(pid), "%d", getpid());
		if (tcc_write_file(CG_TEST "/cgroup.procs", pid))
			_exit(2);
		fd = tcc_test_open();
		/* A CPU queue without executors: every job stays queued. */
		if (fd < 0 || queue_create(fd, CPU, &q) || tcc_bo_create(fd, 4096, 0, &bo))
			_exit(3);
		s.queue_id = q;
		s.cmds = (uintptr_t)nops;
		s.ncmds = DRM_TCC_MAX_CMDS;
		s.bo_handles = (uintptr_t)&bo;
		s.nbos = 1;
		for (int i = 0; i < 1000; i++) {
			if (xioctl(fd, DRM_IOCTL_TCC_SUBMIT, &s))
				_exit(0);
			if (write(progress[1], "x", 1) != 1)
				_exit(4);
		}
		_exit(0);
	}
	close(progress[1]);
	/* The child may also be killed by the cgroup's OOM killer: count what it got through. */
	while ((n = read(progress[0], (char[64]){ 0 }, 64)) > 0)
		accepted += n;
	close(progress[0]);
	waitpid(child, NULL, 0);
	TH_LOG("%d jobs of 256 KiB accepted in a 32 MiB cgroup", accepted);
	EXPECT_GT(accepted, 0);
	EXPECT_LT(accepted, 1000) TH_LOG("job memory is not charged to the submitter");
	for (int i = 0; i < 50 && rmdir(CG_TEST); i++)
		usleep(100 * 1000);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * libtccml's queue API (include/tcc/queue.h) against the real tcc.ko: the
 * kmod backend's submit, sync_file fences, dependencies, error reporting and
 * tcc_executor_run() as a CPU executor process.  Linked statically with
 * build/lib/libtccml.a; each TEST runs in its own process, so each opens
 * the queue device afresh.
 */
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#define TCC_TEST_NO_RAW_BO
#include "tcc_test_util.h"

#include <tcc/queue.h>

#define DEBUGFS "/sys/kernel/debug/tcc_sim"

static int sim_inject(const char *knob, const char *value)
{
	char path[128];
	struct stat st;

	if (stat(DEBUGFS, &st))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	snprintf(path, sizeof(path), DEBUGFS "/%s", knob);
	return tcc_write_file(path, value);
}

/* Forked before this process opens the queue device, so it has its own DRM file. */
static pid_t spawn_executor(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		_exit(tcc_executor_run() == TCC_OK ? 0 : 1);
	}
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

FIXTURE(lib) {
	tcc_device *dev;
	tcc_bo *bo[3];
	tcc_buf buf[3];
};

FIXTURE_SETUP(lib)
{
	ASSERT_EQ(tcc_queue_device(&self->dev), TCC_OK) TH_LOG("%s", tcc_last_error());
	ASSERT_STREQ(tcc_queue_backend(), "kmod");
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(tcc_bo_create(self->dev, 4096, 0, &self->bo[i]), TCC_OK);
		ASSERT_EQ(tcc_buf_from_bo(self->bo[i], &self->buf[i]), TCC_OK);
		ASSERT_NE(self->buf[i].handle, 0);
	}
	sim_inject("delay_ms", "0");
}

FIXTURE_TEARDOWN(lib)
{
	for (int i = 0; i < 3; i++)
		tcc_bo_free(self->bo[i]);
	sim_inject("delay_ms", "0");
}

static void add_on(struct __test_metadata *_metadata, FIXTURE_DATA(lib) *self, tcc_engine engine)
{
	float *a = self->buf[0].ptr, *b = self->buf[1].ptr, *c = self->buf[2].ptr;
	tcc_cmd add = { .op = TCC_CMD_ADD, .dst = 2, .src0 = 0, .src1 = 1, .size = 4096 };
	tcc_job job = { .cmds = &add, .ncmds = 1, .bufs = self->buf, .nbufs = 3 };
	tcc_queue *q;
	tcc_fence *f;

	for (int i = 0; i < 1024; i++) {
		a[i] = i * 0.25f;
		b[i] = 1000.0f - i;
	}
	ASSERT_EQ(tcc_queue_create(engine, TCC_PRIO_NORMAL, &q), TCC_OK);
	ASSERT_GT(tcc_queue_id(q), 0);
	ASSERT_EQ(tcc_queue_submit(q, &job, &f), TCC_OK) TH_LOG("%s", tcc_last_error());
	struct pollfd p = { .fd = tcc_fence_fd(f), .events = POLLIN };
	ASSERT_GE(p.fd, 0);
	ASSERT_EQ(poll(&p, 1, 20000), 1);
	ASSERT_EQ(tcc_fence_wait(f, 0), TCC_OK);
	EXPECT_TRUE(tcc_fence_signalled(f));
	EXPECT_EQ(tcc_fence_error(f), 0);
	for (int i = 0; i < 1024; i++)
		ASSERT_TRUE(c[i] == a[i] + b[i]);
	tcc_fence_put(f);
	tcc_queue_destroy(q);
}

TEST_F(lib, sim_job_through_the_library)
{
	add_on(_metadata, self, TCC_ENGINE_SIM);
}

TEST(executor_process_serves_library_jobs)
{
	pid_t ex = spawn_executor();	/* before this process opens the device */
	tcc_device *dev;
	tcc_bo *bo[2];
	tcc_buf buf[2];
	tcc_queue *q;
	tcc_fence *f[64];

	ASSERT_GT(ex, 0);
	ASSERT_EQ(tcc_queue_device(&dev), TCC_OK);
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(tcc_bo_create(dev, 4096, 0, &bo[i]), TCC_OK);
		ASSERT_EQ(tcc_buf_from_bo(bo[i], &buf[i]), TCC_OK);
	}
	ASSERT_EQ(tcc_queue_create(TCC_ENGINE_CPU, TCC_PRIO_HIGH, &q), TCC_OK);
	for (int i = 0; i < 64; i++) {
		tcc_cmd fill = { .op = TCC_CMD_FILL, .dst = 1, .dst_off = 4 * i, .size = 4, .value = 100 + i };
		tcc_job job = { .cmds = &fill, .ncmds = 1, .bufs = buf, .nbufs = 2 };

		ASSERT_EQ(tcc_queue_submit(q, &job, &f[i]), TCC_OK) TH_LOG("%s", tcc_last_error());
	}
	for (int i = 0; i < 64; i++) {
		ASSERT_EQ(tcc_fence_wait(f[i], 20000), TCC_OK);
		EXPECT_EQ(tcc_fence_error(f[i]), 0);
		tcc_fence_put(f[i]);
		ASSERT_EQ(((uint32_t *)buf[1].ptr)[i], 100 + i);
	}
	tcc_queue_destroy(q);
	tcc_bo_free(bo[0]);
	tcc_bo_free(bo[1]);
	reap(ex);
}

/*
 * Two executors may finish a CPU queue's jobs out of order; tcc_queue_destroy()
 * still waits for every one of them (none is cancelled by the destroy).
 */
TEST(destroy_waits_for_every_cpu_job)
{
	pid_t ex[2] = { spawn_executor(), spawn_executor() };
	tcc_device *dev;
	tcc_bo *bo;
	tcc_buf buf;
	tcc_queue *q;
	tcc_fence *f[300];

	ASSERT_GT(ex[0], 0);
	ASSERT_GT(ex[1], 0);
	ASSERT_EQ(tcc_queue_device(&dev), TCC_OK);
	ASSERT_EQ(tcc_bo_create(dev, 4096, 0, &bo), TCC_OK);
	ASSERT_EQ(tcc_buf_from_bo(bo, &buf), TCC_OK);
	ASSERT_EQ(tcc_queue_create(TCC_ENGINE_CPU, TCC_PRIO_NORMAL, &q), TCC_OK);
	for (int i = 0; i < 300; i++) {
		tcc_cmd fill = { .op = TCC_CMD_FILL, .dst_off = 4 * (i % 1024), .size = 4, .value = i };
		tcc_job job = { .cmds = &fill, .ncmds = 1, .bufs = &buf, .nbufs = 1 };

		ASSERT_EQ(tcc_queue_submit(q, &job, &f[i]), TCC_OK) TH_LOG("%s", tcc_last_error());
	}
	tcc_queue_destroy(q);
	for (int i = 0; i < 300; i++) {
		EXPECT_TRUE(tcc_fence_signalled(f[i]));
		EXPECT_EQ(tcc_fence_error(f[i]), 0);
		tcc_fence_put(f[i]);
	}
	for (int i = 0; i < 300; i++)
		ASSERT_EQ(((uint32_t *)buf.ptr)[i], i);
	tcc_bo_free(bo);
	reap(ex[0]);
	reap(ex[1]);
}

TEST_F(lib, dependency_and_failure_are_reported)
{
	tcc_cmd fill = { .op = TCC_CMD_FILL, .dst = 0, .size = 64, .value = 5 };
	tcc_cmd copy = { .op = TCC_CMD_COPY, .dst = 1, .src0 = 0, .size = 64 };
	tcc_job ja = { .cmds = &fill, .ncmds = 1, .bufs = self->buf, .nbufs = 2 };
	tcc_job jb = { .cmds = &copy, .ncmds = 1, .bufs = self->buf, .nbufs = 2 };
	tcc_queue *q1, *q2;
	tcc_fence *fa, *fb, *ff;

	ASSERT_EQ(tcc_queue_create(TCC_ENGINE_SIM, TCC_PRIO_LOW, &q1), TCC_OK);
	ASSERT_EQ(tcc_queue_create(TCC_ENGINE_SIM, TCC_PRIO_HIGH, &q2), TCC_OK);
	ASSERT_EQ(sim_inject("delay_ms", "200"), 0);
	ASSERT_EQ(tcc_queue_submit(q1, &ja, &fa), TCC_OK);
	jb.deps = &fa;
	jb.ndeps = 1;
	ASSERT_EQ(tcc_queue_submit(q2, &jb, &fb), TCC_OK);
	EXPECT_EQ(tcc_fence_wait(fb, 0), TCC_ERR_TIMEOUT);
	ASSERT_EQ(tcc_fence_wait(fb, 20000), TCC_OK);
	EXPECT_TRUE(tcc_fence_signalled(fa));
	EXPECT_EQ(((uint32_t *)self->buf[1].ptr)[15], 5);

	ASSERT_EQ(sim_inject("delay_ms", "0"), 0);
	ASSERT_EQ(sim_inject("fail_next", "1"), 0);
	ASSERT_EQ(tcc_queue_submit(q1, &ja, &ff), TCC_OK);
	ASSERT_EQ(tcc_fence_wait(ff, 20000), TCC_OK);
	EXPECT_EQ(tcc_fence_error(ff), -EIO);
	tcc_fence_put(fa), tcc_fence_put(fb), tcc_fence_put(ff);
	tcc_queue_destroy(q1);
	tcc_queue_destroy(q2);
}

TEST_F(lib, bad_input_gets_a_status_and_a_message)
{
	char host[64];
	tcc_buf hb = tcc_buf_host(host, sizeof(host));
	tcc_cmd oob = { .op = TCC_CMD_FILL, .dst = 0, .dst_off = 4096, .size = 4 };
	tcc_job bad_cmd = { .cmds = &oob, .ncmds = 1, .bufs = self->buf, .nbufs = 1 };
	tcc_job host_buf = { .bufs = &hb, .nbufs = 1 };
	tcc_queue *q;
	tcc_fence *f;
	tcc_device *other;
	tcc_bo *foreign;
	tcc_buf fb;

	ASSERT_EQ(tcc_queue_create(TCC_ENGINE_SIM, TCC_PRIO_NORMAL, &q), TCC_OK);
	EXPECT_EQ(tcc_queue_submit(q, &bad_cmd, &f), TCC_ERR_INVALID_ARG);
	EXPECT_NE(strstr(tcc_last_error(), "Invalid argument"), NULL) TH_LOG("%s", tcc_last_error());
	EXPECT_EQ(tcc_queue_submit(q, &host_buf, &f), TCC_ERR_INVALID_ARG);
	EXPECT_EQ(tcc_queue_create((tcc_engine)5, TCC_PRIO_NORMAL, &q), TCC_ERR_INVALID_ARG);
	/* A buffer of another open of the device: its GEM handle means nothing here. */
	ASSERT_EQ(tcc_device_open(TCC_DEVICE_MODULE, &other), TCC_OK);
	ASSERT_EQ(tcc_bo_create(other, 4096, 0, &foreign), TCC_OK);
	EXPECT_EQ(tcc_buf_from_bo(foreign, &fb), TCC_ERR_INVALID_ARG);
	tcc_bo_free(foreign);
	tcc_device_close(other);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * Model jobs through tcc.ko (Documentation/executors.md): a model job is a
 * CPU job whose only command is a NOP tagged with TCC_MODEL_JOB_MAGIC.  These
 * tests check what the design relies on: tcc.ko hands that command to the
 * executor byte for byte, with the client's buffers mapped zero copy, also
 * after the executor holding it was SIGKILLed; and, when the guest has
 * /bin/tcc-executor (a dynamic program: libtccml's model runtime needs
 * libdnnl, which Debian ships only as a shared library), that a real
 * executor runs the model on the requeued job and the numbers are right.
 */
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/sync_file.h>

#define TCC_TEST_NO_RAW_BO	/* <tcc/executor.h> declares libtccml's tcc_bo_* */
#include "kselftest_harness.h"
#include "tcc_test_util.h"

#include <tcc/executor.h>

#include "mlp_onnx.h"	/* exec_mlp_onnx[]: tests/exec/gen_models.py's mlp.onnx */

#define BOSZ 4096
#define MODEL_ID 7
#define EXECUTOR_BIN "/bin/tcc-executor"
#define MODEL_PATH "/tmp/exec_mlp.onnx"

static int qioctl(int fd, unsigned long req, void *arg)
{
	int rc;

	do
		rc = ioctl(fd, req, arg);
	while (rc < 0 && errno == EINTR);
	return rc < 0 ? -errno : 0;
}

struct bo {
	uint32_t handle;
	float *map;
};

static struct bo bo_new(int fd)
{
	struct drm_tcc_bo_create c = { .size = BOSZ };
	struct drm_tcc_bo_info info = { 0 };
	struct bo b = { 0 };
	void *p;

	if (qioctl(fd, DRM_IOCTL_TCC_BO_CREATE, &c))
		return b;
	info.handle = c.handle;
	if (qioctl(fd, DRM_IOCTL_TCC_BO_INFO, &info))
		return b;
	p = mmap(NULL, BOSZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd, info.mmap_offset);
	b.handle = c.handle;
	b.map = p == MAP_FAILED ? NULL : p;
	return b;
}

/* The wire form, stated here independently of libtccml's encoder. */
static struct drm_tcc_cmd model_cmd(uint32_t model_id, uint32_t nin, uint32_t nout)
{
	struct drm_tcc_cmd c = {
		.op = DRM_TCC_CMD_NOP, .dst = model_id, .src0 = nin, .src1 = nout,
		.size = TCC_MODEL_JOB_VERSION, .value = TCC_MODEL_JOB_MAGIC,
	};
	return c;
}

static int submit(int fd, uint32_t q, const struct drm_tcc_cmd *cmd, const uint32_t *bos,
		  uint32_t nbos, uint64_t *job_id)
{
	struct drm_tcc_submit s = {
		.queue_id = q, .flags = DRM_TCC_SUBMIT_FENCE_FD_OUT, .cmds = (uintptr_t)cmd,
		.ncmds = 1, .bo_handles = (uintptr_t)bos, .nbos = nbos,
	};
	int rc = qioctl(fd, DRM_IOCTL_TCC_SUBMIT, &s);

	if (rc)
		return rc;
	*job_id = s.job_id;
	return s.out_fence_fd;
}

static int fence_wait(int fence_fd, int ms)
{
	struct pollfd p = { .fd = fence_fd, .events = POLLIN };

	return poll(&p, 1, ms);
}

/* 1 signalled OK, < 0 signalled with that error, 0 pending. */
static int fence_status(int fence_fd)
{
	struct sync_file_info info = { 0 };

	if (ioctl(fence_fd, SYNC_IOC_FILE_INFO, &info))
		return -1000;
	return info.status;
}

static struct drm_tcc_job_status job_status(int fd, uint64_t job_id)
{
	struct drm_tcc_job_status st = { .job_id = job_id, .state = 99 };

	qioctl(fd, DRM_IOCTL_TCC_JOB_STATUS, &st);
	return st;
}

/* What a raw executor saw of the job it fetched, sent back over a pipe. */
struct seen {
	uint64_t job_id;
	uint32_t ncmds, nbos;
	struct drm_tcc_cmd cmd;
	uint64_t sizes[4];
	float x0, g0;		/* first element of the client's X and G, read through its own mapping */
};

/*
 * A raw executor: attaches on its own file, fetches one job, maps its BOs,
 * reports what it saw on @report; then, with @complete_with <= 0, writes
 * 42.0 into the third buffer and completes the job with that error, or with
 * @complete_with > 0 holds the job until it is killed.
 */
static void raw_executor(int report, int complete_with)
{
	struct drm_tcc_exec_attach at = { .engine = DRM_TCC_ENGINE_CPU };
	static struct drm_tcc_cmd cmds[DRM_TCC_MAX_CMDS];
	static struct drm_tcc_exec_bo bos[DRM_TCC_MAX_BOS];
	struct drm_tcc_exec_fetch fe = { .cmds = (uintptr_t)cmds, .bos = (uintptr_t)bos };
	struct drm_tcc_exec_complete done = { 0 };
	struct seen s = { 0 };
	float *map[4] = { 0 };
	int fd = tcc_test_open(), rc;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (fd < 0 || qioctl(fd, DRM_IOCTL_TCC_EXEC_ATTACH, &at))
		_exit(2);
	while ((rc = qioctl(fd, DRM_IOCTL_TCC_EXEC_FETCH, &fe)) == -EAGAIN)
		;
	if (rc)
		_exit(3);
	s.job_id = fe.job_id;
	s.ncmds = fe.ncmds;
	s.nbos = fe.nbos;
	s.cmd = cmds[0];
	for (uint32_t i = 0; i < fe.nbos && i < 4; i++) {
		s.sizes[i] = bos[i].size;
		map[i] = mmap(NULL, bos[i].size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			      bos[i].mmap_offset);
		if (map[i] == MAP_FAILED)
			_exit(4);
	}
	if (fe.nbos >= 2) {
		s.x0 = map[0][0];
		s.g0 = map[1][0];
	}
	if (write(report, &s, sizeof(s)) != sizeof(s))
		_exit(5);
	while (complete_with > 0)
		pause();
	if (fe.nbos >= 3)
		map[2][0] = 42.0f;
	done.job_id = fe.job_id;
	done.error = complete_with;
	_exit(qioctl(fd, DRM_IOCTL_TCC_EXEC_COMPLETE, &done) ? 6 : 0);
}

static pid_t spawn_raw_executor(int report, int complete_with)
{
	pid_t pid = fork();

	if (pid == 0)
		raw_executor(report, complete_with);
	return pid;
}

static int reap(pid_t pid, int sig)
{
	int status = -1;

	if (pid <= 0)
		return -1;
	if (sig)
		kill(pid, sig);
	waitpid(pid, &status, 0);
	return status;
}

/* The model's definition (tests/exec/gen_models.py), computed directly. */
static void reference(const float *x, const float *g, float *y, float *z)
{
	for (int r = 0; r < 2; r++)
		for (int j = 0; j < 4; j++) {
			float acc = (float)j / 10.0f - 0.15f;

			for (int i = 0; i < 8; i++)
				acc += x[r * 8 + i] * (float)((4 * i + j) % 7 - 3) / 4.0f;
			y[r * 4 + j] = acc > 0 ? acc : 0;
			z[r * 4 + j] = y[r * 4 + j] * g[r * 4 + j];
		}
}

FIXTURE(exec) {
	int fd;
	uint32_t q;
	struct bo bo[4];	/* X f32[2,8], G f32[2,4], Y, Z f32[2,4] */
	uint32_t h[4];
};

FIXTURE_SETUP(exec)
{
	struct drm_tcc_queue_create c = { .engine = DRM_TCC_ENGINE_CPU,
					  .priority = DRM_TCC_PRIO_NORMAL };

	self->fd = tcc_test_open();
	ASSERT_GE(self->fd, 0) TH_LOG("no render node with driver 'tcc'");
	ASSERT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_QUEUE_CREATE, &c), 0);
	self->q = c.queue_id;
	for (int i = 0; i < 4; i++) {
		self->bo[i] = bo_new(self->fd);
		ASSERT_NE(self->bo[i].map, NULL);
		self->h[i] = self->bo[i].handle;
	}
	for (int k = 0; k < 16; k++)
		self->bo[0].map[k] = (float)((k * 17) % 23 - 11) / 8.0f;
	for (int k = 0; k < 8; k++)
		self->bo[1].map[k] = (float)((k * 5) % 9 - 4) / 2.0f;
	memset(self->bo[2].map, 0xff, BOSZ);	/* NaN: a job that did not run cannot pass */
	memset(self->bo[3].map, 0xff, BOSZ);
}

FIXTURE_TEARDOWN(exec)
{
	struct drm_tcc_queue_destroy d = { .queue_id = self->q };

	qioctl(self->fd, DRM_IOCTL_TCC_QUEUE_DESTROY, &d);
	for (int i = 0; i < 4; i++)
		if (self->bo[i].map)
			munmap(self->bo[i].map, BOSZ);
	close(self->fd);	/* closes the BO handles */
}

/* tcc.ko passes the tagged NOP through untouched, with the client's pages mapped. */
TEST_F(exec, model_descriptor_reaches_the_executor_intact)
{
	struct drm_tcc_cmd cmd = model_cmd(MODEL_ID, 2, 2);
	struct seen s;
	uint64_t job;
	int report[2], f;
	pid_t ex;

	ASSERT_EQ(pipe(report), 0);
	f = submit(self->fd, self->q, &cmd, self->h, 4, &job);
	ASSERT_GE(f, 0);
	ex = spawn_raw_executor(report[1], -ENOEXEC);
	ASSERT_GT(ex, 0);
	ASSERT_EQ(read(report[0], &s, sizeof(s)), sizeof(s));
	EXPECT_EQ(s.job_id, job);
	EXPECT_EQ(s.ncmds, 1);
	EXPECT_EQ(s.nbos, 4);
	EXPECT_EQ(memcmp(&s.cmd, &cmd, sizeof(cmd)), 0);
	for (int i = 0; i < 4; i++)
		EXPECT_GE(s.sizes[i], BOSZ);
	EXPECT_EQ(s.x0, self->bo[0].map[0]);
	EXPECT_EQ(s.g0, self->bo[1].map[0]);
	ASSERT_EQ(fence_wait(f, 20000), 1);
	/* The executor's error reaches the client; its write is in the client's page. */
	EXPECT_EQ(fence_status(f), -ENOEXEC);
	EXPECT_EQ(self->bo[2].map[0], 42.0f);
	EXPECT_EQ(reap(ex, 0), 0);
	close(f);
}

/* The executor holding a model job is SIGKILLed: the next one gets the same descriptor. */
TEST_F(exec, descriptor_survives_the_requeue_after_an_executor_is_killed)
{
	struct drm_tcc_cmd cmd = model_cmd(MODEL_ID, 2, 2);
	struct seen first, second;
	uint64_t job;
	int report[2], f;
	pid_t dying, next;

	ASSERT_EQ(pipe(report), 0);
	f = submit(self->fd, self->q, &cmd, self->h, 4, &job);
	ASSERT_GE(f, 0);
	dying = spawn_raw_executor(report[1], 1);
	ASSERT_EQ(read(report[0], &first, sizeof(first)), sizeof(first));
	ASSERT_EQ(first.job_id, job);
	EXPECT_EQ(job_status(self->fd, job).state, DRM_TCC_JOB_RUNNING);
	reap(dying, SIGKILL);

	next = spawn_raw_executor(report[1], 0);
	ASSERT_EQ(read(report[0], &second, sizeof(second)), sizeof(second));
	EXPECT_EQ(second.job_id, job);
	EXPECT_EQ(second.nbos, 4);
	EXPECT_EQ(memcmp(&second.cmd, &cmd, sizeof(cmd)), 0);
	ASSERT_EQ(fence_wait(f, 20000), 1);
	EXPECT_EQ(fence_status(f), 1);
	EXPECT_EQ(job_status(self->fd, job).attempts, 2);
	EXPECT_EQ(reap(next, 0), 0);
	close(f);
}

static pid_t spawn_tcc_executor(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		int log = open("/tmp/tcc-executor.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (log >= 0) {
			dup2(log, 1);
			dup2(log, 2);
		}
		setenv("TCC_CACHE_DIR", "/tmp/tcc-cache", 1);
		execl(EXECUTOR_BIN, EXECUTOR_BIN, MODEL_PATH, "--id", "7", "--threads", "1",
		      "--verbose", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void print_executor_log(void)
{
	char line[256];
	FILE *f = fopen("/tmp/tcc-executor.log", "re");

	while (f && fgets(line, sizeof(line), f))
		printf("# tcc-executor: %s", line);
	if (f)
		fclose(f);
}

static void expect_reference(struct __test_metadata *_metadata, FIXTURE_DATA(exec) *self)
{
	float y[8], z[8];

	reference(self->bo[0].map, self->bo[1].map, y, z);
	for (int k = 0; k < 8; k++) {
		ASSERT_LT(fabsf(self->bo[2].map[k] - y[k]), 1e-5f)
			TH_LOG("Y[%d] = %g, want %g", k, self->bo[2].map[k], y[k]);
		ASSERT_LT(fabsf(self->bo[3].map[k] - z[k]), 1e-5f)
			TH_LOG("Z[%d] = %g, want %g", k, self->bo[3].map[k], z[k]);
	}
}

/*
 * The real thing: the executor holding the model job is SIGKILLed, and
 * tcc-executor (libtccml's tcc_model_executor_run() on tcc.ko) runs the
 * requeued job with tcc_model_run() on the client's buffers.
 */
TEST_F(exec, tcc_executor_runs_the_model_job_a_killed_executor_held)
{
	struct drm_tcc_cmd cmd = model_cmd(MODEL_ID, 2, 2), unknown = model_cmd(99, 2, 2);
	struct seen first;
	uint64_t job, job2;
	int report[2], f, f2, status;
	pid_t dying, ex;

	if (access(EXECUTOR_BIN, X_OK))
		SKIP(return, EXECUTOR_BIN " is not in the guest (tests/kmod/run.sh must copy "
		     "build/bin/tcc-executor with --dynamic: libdnnl has no static library)");
	ASSERT_EQ(tcc_write_model(MODEL_PATH, exec_mlp_onnx, sizeof(exec_mlp_onnx)), 0);
	ASSERT_EQ(pipe(report), 0);
	f = submit(self->fd, self->q, &cmd, self->h, 4, &job);
	ASSERT_GE(f, 0);
	dying = spawn_raw_executor(report[1], 1);
	ASSERT_EQ(read(report[0], &first, sizeof(first)), sizeof(first));
	ASSERT_EQ(first.job_id, job);
	reap(dying, SIGKILL);

	ex = spawn_tcc_executor();
	ASSERT_GT(ex, 0);
	ASSERT_EQ(fence_wait(f, 45000), 1) print_executor_log();
	EXPECT_EQ(fence_status(f), 1) print_executor_log();
	EXPECT_EQ(job_status(self->fd, job).attempts, 2);
	expect_reference(_metadata, self);

	/* A model id it does not serve fails that job only. */
	f2 = submit(self->fd, self->q, &unknown, self->h, 4, &job2);
	ASSERT_GE(f2, 0);
	ASSERT_EQ(fence_wait(f2, 20000), 1);
	EXPECT_EQ(fence_status(f2), -ENOEXEC);

	/* SIGTERM: it finishes and exits 0. */
	status = reap(ex, SIGTERM);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) print_executor_log();
	close(f);
	close(f2);
}

TEST_HARNESS_MAIN

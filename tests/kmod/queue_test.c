// SPDX-License-Identifier: GPL-2.0
/*
 * tcc.ko device queues: TCC_QUEUE_CREATE/DESTROY, TCC_SUBMIT on the
 * simulated XPU and on CPU executors, fences (sync_file poll, syncobj),
 * dependencies, the fault paths (hang -> timeout -> reset, failed and
 * corrupted jobs, executor killed mid-job, client exiting mid-job), bad
 * input, and 4 clients x 1000 jobs with the counters checked.  Runs as root
 * in the QEMU guest (tests/qemu/boot.sh); each TEST runs in its own process.
 * Executors here are forked children of the test running a small loop on
 * the raw ioctls, with libtcc's command interpreter.
 */
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/sync_file.h>

#include "kselftest_harness.h"
#include "tcc_test_util.h"

/* The same interpreter libtccml's executors use (tcc_cmd mirrors drm_tcc_cmd). */
#include "queue/cmd_exec.c"

#define SIM DRM_TCC_ENGINE_SIM
#define CPU DRM_TCC_ENGINE_CPU
#define DEBUGFS "/sys/kernel/debug/tcc_sim"
#define BOSZ 4096

/* Raw ioctl, 0 or -errno, without retrying EAGAIN (FETCH returns it). */
static int qioctl(int fd, unsigned long req, void *arg)
{
	int rc;

	do
		rc = ioctl(fd, req, arg);
	while (rc < 0 && errno == EINTR);
	return rc < 0 ? -errno : 0;
}

static int queue_create(int fd, uint32_t engine, uint32_t prio, uint32_t *id)
{
	struct drm_tcc_queue_create c = { .engine = engine, .priority = prio };
	int rc = qioctl(fd, DRM_IOCTL_TCC_QUEUE_CREATE, &c);

	if (!rc)
		*id = c.queue_id;
	return rc;
}

static int queue_destroy(int fd, uint32_t id)
{
	struct drm_tcc_queue_destroy d = { .queue_id = id };

	return qioctl(fd, DRM_IOCTL_TCC_QUEUE_DESTROY, &d);
}

struct bo {
	uint32_t handle;
	void *map;
};

static struct bo bo_new(int fd)
{
	struct drm_tcc_bo_info info;
	struct bo b = { 0 };

	if (tcc_bo_create(fd, BOSZ, 0, &b.handle) || tcc_bo_info(fd, b.handle, &info))
		return b;
	b.map = mmap(NULL, BOSZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd, info.mmap_offset);
	if (b.map == MAP_FAILED)
		b.map = NULL;
	return b;
}

/* Submits @n commands on @bos with optional in-fence fds; returns the out fd or -errno. */
static int submit(int fd, uint32_t q, const struct drm_tcc_cmd *cmds, uint32_t n,
		  const uint32_t *bos, uint32_t nbos, const int *in, uint32_t nin, uint64_t *job_id)
{
	uint32_t in32[DRM_TCC_MAX_IN_FENCES + 1];
	struct drm_tcc_submit s = {
		.queue_id = q, .flags = DRM_TCC_SUBMIT_FENCE_FD_OUT | DRM_TCC_SUBMIT_FENCE_FD_IN,
		.cmds = (uintptr_t)cmds, .ncmds = n, .bo_handles = (uintptr_t)bos, .nbos = nbos,
		.in_fences = (uintptr_t)in32, .nin_fences = nin,
	};
	int rc;

	for (uint32_t i = 0; i < nin && i <= DRM_TCC_MAX_IN_FENCES; i++)
		in32[i] = (uint32_t)in[i];
	rc = qioctl(fd, DRM_IOCTL_TCC_SUBMIT, &s);
	if (rc)
		return rc;
	if (job_id)
		*job_id = s.job_id;
	return s.out_fence_fd;
}

static int fence_wait(int fence_fd, int ms)
{
	struct pollfd p = { .fd = fence_fd, .events = POLLIN };

	return poll(&p, 1, ms);
}

/* The sync_file's status: 1 signalled OK, < 0 signalled with that error, 0 pending. */
static int fence_status(int fence_fd)
{
	struct sync_file_info info = { 0 };

	if (ioctl(fence_fd, SYNC_IOC_FILE_INFO, &info))
		return -1000;
	return info.status;
}

static struct drm_tcc_job_status job_status(int fd, uint64_t job_id)
{
	struct drm_tcc_job_status st = { .job_id = job_id };

	st.state = 99;
	qioctl(fd, DRM_IOCTL_TCC_JOB_STATUS, &st);
	return st;
}

static void debugfs_ready(void)
{
	struct stat st;

	if (stat(DEBUGFS, &st))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
}

static int sim_inject(const char *knob, const char *value)
{
	char path[128];

	debugfs_ready();
	snprintf(path, sizeof(path), DEBUGFS "/%s", knob);
	return tcc_write_file(path, value);
}

/* "name value" lines of <device>/queue/totals. */
static uint64_t totals(const char *name)
{
	char key[64];
	unsigned long long v;
	uint64_t found = UINT64_MAX;
	FILE *f = fopen(TCC_SYSFS "/queue/totals", "re");

	if (!f)
		return UINT64_MAX;
	while (fscanf(f, "%63s %llu", key, &v) == 2)
		if (!strcmp(key, name))
			found = v;
	fclose(f);
	return found;
}

/* One row of <device>/queue/queues for queue @id. */
struct qrow {
	unsigned long long submitted, completed, failed, timedout, requeued, inflight;
	unsigned int depth, p50, p99;
	int found;
};

static struct qrow queue_row(uint32_t id)
{
	struct qrow r = { 0 };
	char line[512], engine[16], prio[16];
	unsigned int qid;
	int pid;
	FILE *f = fopen(TCC_SYSFS "/queue/queues", "re");

	if (!f)
		return r;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u %15s %15s %d %llu %llu %llu %llu %llu %llu %u %u %u", &qid, engine,
			   prio, &pid, &r.submitted, &r.completed, &r.failed, &r.timedout, &r.requeued,
			   &r.inflight, &r.depth, &r.p50, &r.p99) == 13 && qid == id) {
			r.found = 1;
			break;
		}
	}
	fclose(f);
	return r;
}

/*
 * A CPU executor: attach on its own fd, then fetch/run/complete until killed
 * or @max jobs done.  With @stall > 0, it fetches one job, reports its id on
 * @report and sleeps holding it (to be SIGKILLed mid-job); with @stall < 0
 * it reports each fetched job and waits for a byte on fd -@stall before
 * running it.
 */
static void executor_main(int max, int stall, int report)
{
	struct drm_tcc_exec_attach at = { .engine = CPU };
	static struct drm_tcc_cmd cmds[DRM_TCC_MAX_CMDS];
	static struct drm_tcc_exec_bo bos[DRM_TCC_MAX_BOS];
	int fd = tcc_test_open(), done = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (fd < 0 || qioctl(fd, DRM_IOCTL_TCC_EXEC_ATTACH, &at))
		_exit(2);
	while (max < 0 || done < max) {
		struct drm_tcc_exec_fetch fe = { .cmds = (uintptr_t)cmds, .bos = (uintptr_t)bos };
		struct drm_tcc_exec_complete c = { 0 };
		void *ptrs[DRM_TCC_MAX_BOS];
		uint64_t sizes[DRM_TCC_MAX_BOS];
		const char *why;
		uint32_t bad, i;
		int rc = qioctl(fd, DRM_IOCTL_TCC_EXEC_FETCH, &fe);

		if (rc == -EAGAIN)
			continue;
		if (rc)
			_exit(3);
		if (stall) {
			char go;

			(void)!write(report, &fe.job_id, sizeof(fe.job_id));
			while (stall > 0)
				pause();
			if (read(-stall, &go, 1) != 1)
				_exit(6);
		}
		for (i = 0; i < fe.nbos; i++) {
			sizes[i] = bos[i].size;
			ptrs[i] = mmap(NULL, bos[i].size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				       bos[i].mmap_offset);
			if (ptrs[i] == MAP_FAILED)
				_exit(4);
		}
		if (tcc_cmds_validate((tcc_cmd *)cmds, fe.ncmds, sizes, fe.nbos, &bad, &why))
			c.error = -EINVAL;
		else
			tcc_cmds_execute((tcc_cmd *)cmds, fe.ncmds, ptrs);
		for (i = 0; i < fe.nbos; i++)
			munmap(ptrs[i], sizes[i]);
		c.job_id = fe.job_id;
		if (qioctl(fd, DRM_IOCTL_TCC_EXEC_COMPLETE, &c))
			_exit(5);
		done++;
	}
	_exit(0);
}

static pid_t spawn_executor(int max, int stall, int report)
{
	pid_t pid = fork();

	if (pid == 0)
		executor_main(max, stall, report);
	return pid;
}

static void reap(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

FIXTURE(queue) {
	int fd;
	struct bo a, b, c;
	uint32_t h[3];
};

FIXTURE_SETUP(queue)
{
	self->fd = tcc_test_open();
	ASSERT_GE(self->fd, 0) TH_LOG("no render node with driver 'tcc'");
	self->a = bo_new(self->fd);
	self->b = bo_new(self->fd);
	self->c = bo_new(self->fd);
	ASSERT_NE(self->a.map, NULL);
	ASSERT_NE(self->b.map, NULL);
	ASSERT_NE(self->c.map, NULL);
	self->h[0] = self->a.handle;
	self->h[1] = self->b.handle;
	self->h[2] = self->c.handle;
	sim_inject("delay_ms", "0");
}

FIXTURE_TEARDOWN(queue)
{
	sim_inject("paused", "0");
	sim_inject("delay_ms", "0");
	close(self->fd);
}

/* ADD, MUL, RELU, COPY, FILL, SIGNAL on @engine; checks every value. */
static void check_all_ops(struct __test_metadata *_metadata, FIXTURE_DATA(queue) *self, uint32_t engine)
{
	float *a = self->a.map, *b = self->b.map, *c = self->c.map;
	uint32_t q, n = BOSZ / 4;
	uint64_t job;
	int f;

	for (uint32_t i = 0; i < n; i++) {
		a[i] = (float)i - 100.0f;
		b[i] = 0.5f * i;
	}
	ASSERT_EQ(queue_create(self->fd, engine, DRM_TCC_PRIO_NORMAL, &q), 0);
	struct drm_tcc_cmd add = { .op = DRM_TCC_CMD_ADD, .dst = 2, .src0 = 0, .src1 = 1, .size = BOSZ };
	f = submit(self->fd, q, &add, 1, self->h, 3, NULL, 0, &job);
	ASSERT_GE(f, 0);
	ASSERT_EQ(fence_wait(f, 20000), 1);
	ASSERT_EQ(fence_status(f), 1);
	close(f);
	for (uint32_t i = 0; i < n; i++)
		ASSERT_TRUE(c[i] == a[i] + b[i]);
	struct drm_tcc_job_status st = job_status(self->fd, job);
	EXPECT_EQ(st.state, DRM_TCC_JOB_DONE);
	EXPECT_EQ(st.error, 0);
	EXPECT_EQ(st.attempts, 1);

	struct drm_tcc_cmd three[3] = {
		{ .op = DRM_TCC_CMD_MUL, .dst = 2, .src0 = 0, .src1 = 1, .size = BOSZ },
		{ .op = DRM_TCC_CMD_RELU, .dst = 2, .src0 = 2, .size = BOSZ },
		{ .op = DRM_TCC_CMD_SIGNAL, .dst = 1, .dst_off = 8, .value = 0xabcdef0123456789ull },
	};
	f = submit(self->fd, q, three, 3, self->h, 3, NULL, 0, NULL);
	ASSERT_GE(f, 0);
	ASSERT_EQ(fence_wait(f, 20000), 1);
	close(f);
	for (uint32_t i = 0; i < n; i++) {
		float want = a[i] * b[i];

		if (i == 2 || i == 3)
			continue;	/* the SIGNAL after the MUL overwrote b[2..3] */
		ASSERT_TRUE(c[i] == (want > 0 ? want : 0));
	}
	ASSERT_TRUE(*(uint64_t *)((char *)self->b.map + 8) == 0xabcdef0123456789ull);

	struct drm_tcc_cmd two[2] = {
		{ .op = DRM_TCC_CMD_FILL, .dst = 2, .dst_off = 16, .size = 32, .value = 0x5a5a5a5a },
		{ .op = DRM_TCC_CMD_COPY, .dst = 0, .dst_off = 1, .src0 = 2, .src0_off = 16, .size = 7 },
	};
	f = submit(self->fd, q, two, 2, self->h, 3, NULL, 0, NULL);
	ASSERT_GE(f, 0);
	ASSERT_EQ(fence_wait(f, 20000), 1);
	close(f);
	for (int i = 4; i < 12; i++)
		ASSERT_EQ(((uint32_t *)c)[i], 0x5a5a5a5a);
	for (int i = 1; i < 8; i++)
		ASSERT_EQ(((uint8_t *)a)[i], 0x5a);
	ASSERT_EQ(queue_destroy(self->fd, q), 0);
}

TEST_F(queue, sim_engine_runs_every_command)
{
	check_all_ops(_metadata, self, SIM);
}

TEST_F(queue, cpu_engine_runs_every_command_on_an_executor)
{
	pid_t ex = spawn_executor(-1, 0, -1);

	ASSERT_GT(ex, 0);
	check_all_ops(_metadata, self, CPU);
	reap(ex);
}

TEST_F(queue, commands_can_come_from_a_bo)
{
	struct drm_tcc_cmd *in_bo = self->c.map;
	uint32_t q, h[2] = { self->a.handle, self->c.handle };
	struct drm_tcc_submit s = { 0 };

	ASSERT_EQ(queue_create(self->fd, SIM, DRM_TCC_PRIO_NORMAL, &q), 0);
	in_bo[2] = (struct drm_tcc_cmd){ .op = DRM_TCC_CMD_FILL, .dst = 0, .size = 64, .value = 7 };
	s = (struct drm_tcc_submit){ .queue_id = q, .flags = DRM_TCC_SUBMIT_CMDS_IN_BO | DRM_TCC_SUBMIT_FENCE_FD_OUT,
		.cmds = 2 * sizeof(struct drm_tcc_cmd), .ncmds = 1, .cmd_bo = self->c.handle,
		.bo_handles = (uintptr_t)h, .nbos = 2 };
	ASSERT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_SUBMIT, &s), 0);
	ASSERT_EQ(fence_wait(s.out_fence_fd, 20000), 1);
	close(s.out_fence_fd);
	ASSERT_EQ(((uint32_t *)self->a.map)[15], 7);
	/* The command range must lie inside the BO. */
	s.cmds = BOSZ - sizeof(struct drm_tcc_cmd) + 8;
	EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_SUBMIT, &s), -EINVAL);
	s.cmds = UINT64_MAX - 8;
	EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_SUBMIT, &s), -EINVAL);
	s.cmds = 0;
	s.cmd_bo = 9999;
	EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_SUBMIT, &s), -ENOENT);
}

/* Queue 2 (CPU) waits on queue 1 (SIM, stalled for a while): B must see A's result. */
TEST_F(queue, dependency_across_queues_and_engines)
{
	uint32_t qs, qc;
	pid_t ex = spawn_executor(-1, 0, -1);
	struct drm_tcc_cmd fill = { .op = DRM_TCC_CMD_FILL, .dst = 0, .size = 256, .value = 0x11223344 };
	struct drm_tcc_cmd copy = { .op = DRM_TCC_CMD_COPY, .dst = 1, .src0 = 0, .size = 256 };
	int fa, fb;

	ASSERT_GT(ex, 0);
	ASSERT_EQ(queue_create(self->fd, SIM, DRM_TCC_PRIO_NORMAL, &qs), 0);
	ASSERT_EQ(queue_create(self->fd, CPU, DRM_TCC_PRIO_NORMAL, &qc), 0);
	ASSERT_EQ(sim_inject("paused", "1"), 0);
	fa = submit(self->fd, qs, &fill, 1, self->h, 2, NULL, 0, NULL);
	ASSERT_GE(fa, 0);
	fb = submit(self->fd, qc, &copy, 1, self->h, 2, &fa, 1, NULL);
	ASSERT_GE(fb, 0);
	usleep(50000);	/* time for the executor to run B, were it not waiting for A */
	EXPECT_EQ(fence_wait(fa, 0), 0);	/* A is held by the stalled device */
	EXPECT_EQ(fence_wait(fb, 0), 0);
	ASSERT_EQ(sim_inject("paused", "0"), 0);
	ASSERT_EQ(fence_wait(fb, 20000), 1);
	EXPECT_EQ(fence_status(fa), 1);
	EXPECT_EQ(fence_status(fb), 1);
	for (int i = 0; i < 64; i++)
		ASSERT_EQ(((uint32_t *)self->b.map)[i], 0x11223344);
	close(fa);
	close(fb);
	reap(ex);
}

/* Out-fences as DRM syncobjs, waited with DRM_IOCTL_SYNCOBJ_WAIT, and as in-fences. */
TEST_F(queue, syncobj_out_and_in_fences)
{
	uint64_t has = 0;
	uint32_t q, s1, s2;
	struct drm_tcc_cmd fill = { .op = DRM_TCC_CMD_FILL, .dst = 0, .size = 64, .value = 3 };
	struct drm_tcc_submit s = { .ncmds = 1, .cmds = (uintptr_t)&fill, .bo_handles = (uintptr_t)self->h, .nbos = 1 };

	ASSERT_EQ(queue_create(self->fd, SIM, DRM_TCC_PRIO_HIGH, &q), 0);
	s.queue_id = q;
	if (drmGetCap(self->fd, DRM_CAP_SYNCOBJ, &has) || !has) {
		/* The driver must say so clearly, not crash or ignore the fence. */
		s.out_fence = 1;
		EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_SUBMIT, &s), -EOPNOTSUPP);
		SKIP(return, "tcc.ko lacks DRIVER_SYNCOBJ: syncobj fences unavailable (sync_file fences tested elsewhere)");
	}
	ASSERT_EQ(drmSyncobjCreate(self->fd, 0, &s1), 0);
	ASSERT_EQ(drmSyncobjCreate(self->fd, 0, &s2), 0);
	ASSERT_EQ(sim_inject("delay_ms", "100"), 0);
	s.out_fence = s1;
	ASSERT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_SUBMIT, &s), 0);
	s.out_fence = s2;
	s.in_fences = (uintptr_t)&s1;
	s.nin_fences = 1;
	ASSERT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_SUBMIT, &s), 0);
	/* The syncobj's fence exported as a sync_file polls like the direct one. */
	int sf = -1;
	ASSERT_EQ(drmSyncobjExportSyncFile(self->fd, s2, &sf), 0);
	ASSERT_EQ(fence_wait(sf, 20000), 1);
	EXPECT_EQ(fence_status(sf), 1);
	close(sf);
	ASSERT_EQ(drmSyncobjWait(self->fd, &s2, 1, INT64_MAX, 0, NULL), 0);
	ASSERT_EQ(drmSyncobjWait(self->fd, &s1, 1, 0, 0, NULL), 0);	/* already signalled */
	EXPECT_EQ(((uint32_t *)self->a.map)[0], 3);
	/* A syncobj with no fence cannot be waited on as a dependency. */
	uint32_t empty;
	ASSERT_EQ(drmSyncobjCreate(self->fd, 0, &empty), 0);
	s.in_fences = (uintptr_t)&empty;
	EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_SUBMIT, &s), -EINVAL);
	uint32_t bogus = 4242;
	s.in_fences = (uintptr_t)&bogus;
	EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_SUBMIT, &s), -ENOENT);
}

/* The guilty job fails with -ETIMEDOUT, the device resets, the innocent job still runs. */
TEST_F(queue, hang_times_out_resets_and_innocent_jobs_rerun)
{
	uint32_t q1, q2;
	uint64_t resets0 = totals("sim_resets"), guilty, innocent;
	struct drm_tcc_cmd hang = { .op = DRM_TCC_CMD_FILL, .dst = 0, .size = 64, .value = 1 };
	struct drm_tcc_cmd fill = { .op = DRM_TCC_CMD_FILL, .dst = 1, .size = 64, .value = 0x77 };
	int fg, fi, fafter;

	ASSERT_NE(resets0, UINT64_MAX);
	ASSERT_EQ(queue_create(self->fd, SIM, DRM_TCC_PRIO_NORMAL, &q1), 0);
	ASSERT_EQ(queue_create(self->fd, SIM, DRM_TCC_PRIO_NORMAL, &q2), 0);
	ASSERT_EQ(sim_inject("hang_next", "1"), 0);
	fg = submit(self->fd, q1, &hang, 1, self->h, 2, NULL, 0, &guilty);
	ASSERT_GE(fg, 0);
	fi = submit(self->fd, q2, &fill, 1, self->h, 2, NULL, 0, &innocent);
	ASSERT_GE(fi, 0);
	ASSERT_EQ(fence_wait(fg, 30000), 1);
	ASSERT_EQ(fence_wait(fi, 30000), 1);
	EXPECT_EQ(fence_status(fg), -ETIMEDOUT);
	EXPECT_EQ(fence_status(fi), 1);
	EXPECT_EQ(((uint32_t *)self->b.map)[15], 0x77);
	EXPECT_EQ(((uint32_t *)self->a.map)[0], 0);	/* the hung job never ran */
	struct drm_tcc_job_status st = job_status(self->fd, guilty);
	EXPECT_EQ(st.state, DRM_TCC_JOB_DONE);
	EXPECT_EQ(st.error, -ETIMEDOUT);
	EXPECT_EQ(job_status(self->fd, innocent).error, 0);
	/* It was on the device behind the hung job: dropped by the reset, run again. */
	EXPECT_EQ(job_status(self->fd, innocent).attempts, 2);
	EXPECT_EQ(st.attempts, 1);
	EXPECT_GE(totals("sim_resets"), resets0 + 1);
	EXPECT_EQ(queue_row(q1).timedout, 1);
	EXPECT_EQ(queue_row(q1).failed, 1);
	EXPECT_EQ(queue_row(q2).completed, 1);
	/* The device works after the reset, on the guilty queue too. */
	fafter = submit(self->fd, q1, &fill, 1, self->h, 2, NULL, 0, NULL);
	ASSERT_GE(fafter, 0);
	ASSERT_EQ(fence_wait(fafter, 20000), 1);
	EXPECT_EQ(fence_status(fafter), 1);
	close(fg), close(fi), close(fafter);
}

/*
 * A device too slow for sim_timeout_ms (500 ms): the job times out, the reset
 * stops the firmware before it executes the job (its output stays untouched),
 * and the job queued behind it runs after the reset.
 */
TEST_F(queue, slow_device_past_the_timeout_fails_the_job_cleanly)
{
	struct drm_tcc_cmd slow = { .op = DRM_TCC_CMD_FILL, .dst = 0, .size = 64, .value = 0x51 };
	struct drm_tcc_cmd next = { .op = DRM_TCC_CMD_FILL, .dst = 1, .size = 64, .value = 0x52 };
	uint32_t q;
	int fs, fn;

	ASSERT_EQ(queue_create(self->fd, SIM, DRM_TCC_PRIO_NORMAL, &q), 0);
	ASSERT_EQ(sim_inject("delay_ms", "900"), 0);
	fs = submit(self->fd, q, &slow, 1, self->h, 2, NULL, 0, NULL);
	ASSERT_GE(fs, 0);
	usleep(100000);	/* the firmware is now sleeping 900 ms before the job */
	ASSERT_EQ(sim_inject("delay_ms", "0"), 0);
	fn = submit(self->fd, q, &next, 1, self->h, 2, NULL, 0, NULL);
	ASSERT_GE(fn, 0);
	ASSERT_EQ(fence_wait(fs, 20000), 1);
	ASSERT_EQ(fence_wait(fn, 20000), 1);
	EXPECT_EQ(fence_status(fs), -ETIMEDOUT);
	EXPECT_EQ(fence_status(fn), 1);
	EXPECT_EQ(((uint32_t *)self->a.map)[0], 0);
	EXPECT_EQ(((uint32_t *)self->b.map)[15], 0x52);
	close(fs);
	close(fn);
}

TEST_F(queue, injected_failure_and_corruption_are_reported_or_visible)
{
	uint32_t q;
	uint64_t job;
	struct drm_tcc_cmd fill = { .op = DRM_TCC_CMD_FILL, .dst = 0, .size = 64, .value = 0x01010101 };
	int f;

	ASSERT_EQ(queue_create(self->fd, SIM, DRM_TCC_PRIO_LOW, &q), 0);
	ASSERT_EQ(sim_inject("fail_next", "1"), 0);
	f = submit(self->fd, q, &fill, 1, self->h, 1, NULL, 0, &job);
	ASSERT_GE(f, 0);
	ASSERT_EQ(fence_wait(f, 20000), 1);
	EXPECT_EQ(fence_status(f), -EIO);
	EXPECT_EQ(job_status(self->fd, job).error, -EIO);
	EXPECT_EQ(((uint32_t *)self->a.map)[0], 0);
	close(f);

	/* Silent corruption: success status, wrong data (what checksums are for). */
	ASSERT_EQ(sim_inject("corrupt_next", "1"), 0);
	f = submit(self->fd, q, &fill, 1, self->h, 1, NULL, 0, &job);
	ASSERT_GE(f, 0);
	ASSERT_EQ(fence_wait(f, 20000), 1);
	EXPECT_EQ(fence_status(f), 1);
	EXPECT_EQ(((uint32_t *)self->a.map)[0], 0x010101fe);
	EXPECT_EQ(((uint32_t *)self->a.map)[1], 0x01010101);
	close(f);
}

/* An executor SIGKILLed holding a job: the job goes to another executor and completes. */
TEST_F(queue, executor_killed_mid_job_is_requeued)
{
	struct drm_tcc_cmd fill = { .op = DRM_TCC_CMD_FILL, .dst = 0, .size = BOSZ, .value = 0xc0ffee };
	uint64_t requeued0 = totals("requeued"), job, held = 0;
	int report[2], f;
	uint32_t q;
	pid_t dying, healthy;

	ASSERT_EQ(pipe(report), 0);
	dying = spawn_executor(-1, 1, report[1]);
	ASSERT_GT(dying, 0);
	ASSERT_EQ(queue_create(self->fd, CPU, DRM_TCC_PRIO_NORMAL, &q), 0);
	f = submit(self->fd, q, &fill, 1, self->h, 1, NULL, 0, &job);
	ASSERT_GE(f, 0);
	ASSERT_EQ(read(report[0], &held, sizeof(held)), sizeof(held));
	ASSERT_EQ(held, job);
	EXPECT_EQ(job_status(self->fd, job).state, DRM_TCC_JOB_RUNNING);
	EXPECT_EQ(fence_wait(f, 200), 0);
	reap(dying);

	healthy = spawn_executor(-1, 0, -1);
	ASSERT_GT(healthy, 0);
	ASSERT_EQ(fence_wait(f, 20000), 1);
	EXPECT_EQ(fence_status(f), 1);
	for (int i = 0; i < BOSZ / 4; i++)
		ASSERT_EQ(((uint32_t *)self->a.map)[i], 0xc0ffee);
	EXPECT_EQ(job_status(self->fd, job).attempts, 2);
	EXPECT_EQ(totals("requeued"), requeued0 + 1);
	EXPECT_EQ(queue_row(q).requeued, 1);
	reap(healthy);
	close(f);
}

/* Past the retry budget a job whose executors keep dying fails with -EIO. */
TEST_F(queue, job_fails_with_eio_after_the_retry_budget)
{
	struct drm_tcc_cmd nop = { .op = DRM_TCC_CMD_NOP };
	int report[2], f, retries = (int)tcc_sysfs_u64("../../../module/tcc/parameters/exec_retries");
	uint64_t job, held;
	uint32_t q;

	ASSERT_GE(retries, 0);
	ASSERT_LT(retries, 10);
	ASSERT_EQ(pipe(report), 0);
	ASSERT_EQ(queue_create(self->fd, CPU, DRM_TCC_PRIO_NORMAL, &q), 0);
	f = submit(self->fd, q, &nop, 1, self->h, 1, NULL, 0, &job);
	ASSERT_GE(f, 0);
	for (int i = 0; i <= retries; i++) {
		pid_t dying = spawn_executor(-1, 1, report[1]);

		ASSERT_EQ(read(report[0], &held, sizeof(held)), sizeof(held));
		ASSERT_EQ(held, job);
		reap(dying);
	}
	ASSERT_EQ(fence_wait(f, 20000), 1);
	EXPECT_EQ(fence_status(f), -EIO);
	close(f);
}

/*
 * A client exits while an executor is running one of its CPU jobs: the jobs
 * no executor took are cancelled, the running one completes normally and
 * only then is the client's BO released.
 */
TEST_F(queue, client_exit_while_an_executor_runs_its_job)
{
	uint64_t bos0 = tcc_sysfs_u64("bo_count"), held;
	int report[2], gate[2], ready[2], status;
	pid_t ex, client;
	char c;

	ASSERT_EQ(pipe(report), 0);
	ASSERT_EQ(pipe(gate), 0);
	ASSERT_EQ(pipe(ready), 0);
	ex = spawn_executor(1, -gate[0], report[1]);
	ASSERT_GT(ex, 0);
	client = fork();
	if (client == 0) {
		int fd = tcc_test_open();
		struct bo mine = bo_new(fd);
		struct drm_tcc_cmd fill = { .op = DRM_TCC_CMD_FILL, .dst = 0, .size = BOSZ, .value = 4 };
		uint32_t q;

		if (!mine.map || queue_create(fd, CPU, DRM_TCC_PRIO_NORMAL, &q))
			_exit(1);
		for (int i = 0; i < 3; i++)
			if (submit(fd, q, &fill, 1, &mine.handle, 1, NULL, 0, NULL) < 0)
				_exit(2);
		if (read(ready[0], &c, 1) != 1)	/* until the executor holds a job */
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(read(report[0], &held, sizeof(held)), sizeof(held));
	ASSERT_EQ(write(ready[1], "x", 1), 1);
	ASSERT_EQ(waitpid(client, &status, 0), client);
	ASSERT_EQ(WEXITSTATUS(status), 0);
	EXPECT_EQ(tcc_sysfs_u64("bo_count"), bos0 + 1);	/* the executor's job holds it */
	ASSERT_EQ(write(gate[1], "g", 1), 1);
	ASSERT_EQ(waitpid(ex, &status, 0), ex);
	EXPECT_EQ(WEXITSTATUS(status), 0) TH_LOG("executor failed at stage %d", WEXITSTATUS(status));
	for (int i = 0; i < 200 && tcc_sysfs_u64("bo_count") != bos0; i++)
		usleep(10000);
	EXPECT_EQ(tcc_sysfs_u64("bo_count"), bos0);
}

/* A client exits with jobs queued and running: no crash, BOs freed once the device is done. */
TEST_F(queue, client_exit_mid_job_cancels_and_releases_bos)
{
	uint64_t bos0 = tcc_sysfs_u64("bo_count"), exec0 = totals("sim_executed");
	int ready[2];
	pid_t client;
	char c;

	ASSERT_EQ(pipe(ready), 0);
	ASSERT_EQ(sim_inject("paused", "1"), 0);	/* 32 jobs on the device, 28 queued */
	client = fork();
	if (client == 0) {
		int fd = tcc_test_open();
		struct bo mine = bo_new(fd);
		struct drm_tcc_cmd fill = { .op = DRM_TCC_CMD_FILL, .dst = 0, .size = BOSZ, .value = 9 };
		uint32_t q;

		if (!mine.map || queue_create(fd, SIM, DRM_TCC_PRIO_NORMAL, &q))
			_exit(1);
		for (int i = 0; i < 60; i++)
			if (submit(fd, q, &fill, 1, &mine.handle, 1, NULL, 0, NULL) < 0)
				_exit(2);
		(void)!write(ready[1], "x", 1);
		_exit(0);	/* fd, mapping and handles go away with jobs in flight */
	}
	ASSERT_EQ(read(ready[0], &c, 1), 1);
	int status;
	ASSERT_EQ(waitpid(client, &status, 0), client);
	ASSERT_EQ(WEXITSTATUS(status), 0);
	EXPECT_EQ(tcc_sysfs_u64("bo_count"), bos0 + 1);	/* the jobs on the device hold it */
	ASSERT_EQ(sim_inject("paused", "0"), 0);
	/* The device still holds the client's BO until its last job is done. */
	for (int i = 0; i < 200 && tcc_sysfs_u64("bo_count") != bos0; i++)
		usleep(20000);
	EXPECT_EQ(tcc_sysfs_u64("bo_count"), bos0);
	uint64_t ran = totals("sim_executed") - exec0;
	/* The 32 on the device ran; the 28 still queued were cancelled. */
	EXPECT_EQ(ran, 32);
}

/*
 * With the engine full (32 jobs on the stalled device) and 8 more
 * low-priority jobs waiting in their entity, 8 high-priority jobs take the
 * next 8 free slots: all of them run before the waiting low-priority jobs
 * (round-robin between equal priorities would interleave them).  Each job
 * records when it ran: it adds 1 to a counter and copies the counter into
 * its own slot, so slot i holds job i's rank in the device's execution order.
 */
TEST_F(queue, high_priority_overtakes_waiting_low_priority_jobs)
{
	float *one = self->a.map, *counter = self->b.map, *rank = self->c.map;
	int fence[48];
	uint32_t ql, qh;

	one[0] = 1.0f;
	counter[0] = 0.0f;
	ASSERT_EQ(queue_create(self->fd, SIM, DRM_TCC_PRIO_LOW, &ql), 0);
	ASSERT_EQ(queue_create(self->fd, SIM, DRM_TCC_PRIO_HIGH, &qh), 0);
	ASSERT_EQ(sim_inject("paused", "1"), 0);
	for (int i = 0; i < 48; i++) {	/* 0..39 low, 40..47 high */
		struct drm_tcc_cmd rec[2] = {
			{ .op = DRM_TCC_CMD_ADD, .dst = 1, .src0 = 1, .src1 = 0, .size = 4 },
			{ .op = DRM_TCC_CMD_COPY, .dst = 2, .dst_off = 4 * i, .src0 = 1, .size = 4 },
		};

		fence[i] = submit(self->fd, i < 40 ? ql : qh, rec, 2, self->h, 3, NULL, 0, NULL);
		ASSERT_GE(fence[i], 0);
	}
	EXPECT_EQ(queue_row(ql).depth, 8);	/* 32 on the device, 8 waiting */
	EXPECT_EQ(queue_row(qh).depth, 8);
	ASSERT_EQ(sim_inject("paused", "0"), 0);
	for (int i = 0; i < 48; i++) {
		ASSERT_EQ(fence_wait(fence[i], 20000), 1);
		EXPECT_EQ(fence_status(fence[i]), 1);
		close(fence[i]);
	}
	for (int i = 0; i < 32; i++)
		EXPECT_EQ(rank[i], i + 1);	/* already on the device: first, in order */
	for (int i = 40; i < 48; i++) {
		EXPECT_EQ(rank[i], i - 7) TH_LOG("high job %d ran as #%g", i - 40, rank[i]);
	}
	for (int i = 32; i < 40; i++) {
		EXPECT_EQ(rank[i], i + 9) TH_LOG("waiting low job %d ran as #%g", i, rank[i]);
	}
}

/*
 * An executor maps its clients' buffers: one running as another user gets
 * none of root's jobs; unprivileged clients cannot use the high priority.
 */
TEST_F(queue, executors_see_only_their_users_jobs)
{
	struct drm_tcc_cmd fill = { .op = DRM_TCC_CMD_FILL, .dst = 0, .size = 64, .value = 0xaa };
	int report[2], f;
	uint32_t q;
	pid_t other;
	char verdict;

	ASSERT_EQ(pipe(report), 0);
	ASSERT_EQ(queue_create(self->fd, CPU, DRM_TCC_PRIO_NORMAL, &q), 0);
	f = submit(self->fd, q, &fill, 1, self->h, 1, NULL, 0, NULL);
	ASSERT_GE(f, 0);
	other = fork();
	if (other == 0) {
		struct drm_tcc_exec_attach at = { .engine = CPU };
		struct drm_tcc_cmd cmds[DRM_TCC_MAX_CMDS];
		struct drm_tcc_exec_bo bos[DRM_TCC_MAX_BOS];
		struct drm_tcc_exec_fetch fe = { .flags = DRM_TCC_FETCH_NONBLOCK,
						 .cmds = (uintptr_t)cmds, .bos = (uintptr_t)bos };
		struct drm_tcc_queue_create hi = { .engine = SIM, .priority = DRM_TCC_PRIO_HIGH };
		int fd = tcc_test_open();	/* opened as root, used as nobody */

		if (fd < 0 || setgid(65534) || setuid(65534))
			_exit(1);
		verdict = qioctl(fd, DRM_IOCTL_TCC_EXEC_ATTACH, &at) ? 'a' :
			  qioctl(fd, DRM_IOCTL_TCC_EXEC_FETCH, &fe) != -EAGAIN ? 'f' :
			  qioctl(fd, DRM_IOCTL_TCC_QUEUE_CREATE, &hi) != -EACCES ? 'p' : 'k';
		(void)!write(report[1], &verdict, 1);
		_exit(0);
	}
	ASSERT_EQ(read(report[0], &verdict, 1), 1);
	waitpid(other, NULL, 0);
	EXPECT_EQ(verdict, 'k') TH_LOG("a: attach failed, f: got root's job, p: high priority allowed");
	EXPECT_EQ(fence_wait(f, 0), 0);	/* still waiting for a root executor */
	pid_t ex = spawn_executor(-1, 0, -1);
	ASSERT_EQ(fence_wait(f, 20000), 1);
	EXPECT_EQ(fence_status(f), 1);
	EXPECT_EQ(((uint32_t *)self->a.map)[0], 0xaa);
	reap(ex);
	close(f);
}

/* One queue cannot pin unbounded kernel memory: past max_queue_jobs unfinished jobs, -EBUSY. */
TEST_F(queue, unfinished_jobs_per_queue_are_bounded)
{
	const char *param = "/sys/module/tcc/parameters/max_queue_jobs";
	struct drm_tcc_cmd nop = { .op = DRM_TCC_CMD_NOP };
	struct drm_tcc_submit s = { .cmds = (uintptr_t)&nop, .ncmds = 1 };
	uint64_t cancelled0;
	int first = -1, last;
	uint32_t q;

	/* CPU queue and no executor: nothing finishes. */
	ASSERT_EQ(queue_create(self->fd, CPU, DRM_TCC_PRIO_NORMAL, &q), 0);
	ASSERT_EQ(tcc_write_file(param, "50"), 0);
	s.queue_id = q;
	for (int i = 0; i < 50; i++) {
		/* Fences on the first (handed to the CPU engine) and the last (still in drm_sched). */
		s.flags = i == 0 || i == 49 ? DRM_TCC_SUBMIT_FENCE_FD_OUT : 0;
		ASSERT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_SUBMIT, &s), 0);
		if (i == 0)
			first = s.out_fence_fd;
	}
	last = s.out_fence_fd;
	s.flags = 0;
	EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_SUBMIT, &s), -EBUSY);
	EXPECT_EQ(tcc_write_file(param, "16384"), 0);
	EXPECT_EQ(queue_row(q).inflight, 50);
	cancelled0 = queue_row(q).failed;
	EXPECT_EQ(cancelled0, 0);
	/* Destroying the queue cancels all 50 (-ESRCH), whether waiting in drm_sched or for an executor. */
	ASSERT_EQ(queue_destroy(self->fd, q), 0);
	EXPECT_EQ(queue_row(q).found, 0);
	ASSERT_EQ(fence_wait(first, 20000), 1);
	ASSERT_EQ(fence_wait(last, 20000), 1);
	EXPECT_EQ(fence_status(first), -ESRCH);
	EXPECT_EQ(fence_status(last), -ESRCH);
	close(first);
	close(last);
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

/* xorshift64*: a fixed sequence, so a failure reproduces. */
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dull;
}

/* Mostly-small values with the occasional extreme one: where bounds checks live. */
static uint64_t rnd_field(void)
{
	switch (rnd() % 6) {
	case 0: return 0;
	case 1: return rnd() % 8;
	case 2: return rnd() % (2 * BOSZ);
	case 3: return UINT64_MAX - rnd() % 8;
	case 4: return 1ull << (rnd() % 64);
	default: return rnd();
	}
}

/*
 * Thousands of random submits (random commands on real BOs, random counts,
 * flags, handles, fds and pointers) and random executor/status calls: each
 * either succeeds or returns an errno; the kernel stays sane (the guest
 * panics on any WARN) and the queue still computes correctly afterwards.
 */
TEST_F(queue, random_input_never_breaks_the_device)
{
	static struct drm_tcc_cmd cmds[8];
	uint32_t q, handles[4];
	int ok = 0, fds = 0;

	ASSERT_EQ(queue_create(self->fd, SIM, DRM_TCC_PRIO_NORMAL, &q), 0);
	for (int it = 0; it < 3000; it++) {
		struct drm_tcc_submit s = { 0 };
		uint32_t n = rnd() % 9;
		int rc;

		for (uint32_t i = 0; i < n; i++) {
			cmds[i] = (struct drm_tcc_cmd){
				.op = rnd() % 9, .flags = rnd() % 16 ? 0 : rnd(),
				.dst = rnd() % 5, .src0 = rnd() % 5, .src1 = rnd() % 5,
				.pad = rnd() % 16 ? 0 : 1,
				.dst_off = rnd_field(), .src0_off = rnd_field(), .src1_off = rnd_field(),
				.size = rnd_field(), .value = rnd(),
			};
		}
		for (int i = 0; i < 4; i++)
			handles[i] = rnd() % 8 ? self->h[rnd() % 3] : (uint32_t)rnd();
		s.queue_id = rnd() % 16 ? q : (uint32_t)rnd();
		s.flags = rnd() % 4 ? DRM_TCC_SUBMIT_FENCE_FD_OUT : (uint32_t)rnd_field();
		s.cmds = rnd() % 16 ? (uintptr_t)cmds : rnd_field();
		s.ncmds = rnd() % 16 ? n : (uint32_t)rnd_field();
		s.bo_handles = rnd() % 16 ? (uintptr_t)handles : rnd_field();
		s.nbos = rnd() % 16 ? rnd() % 5 : (uint32_t)rnd_field();
		s.nin_fences = rnd() % 8 ? 0 : rnd() % 3;
		s.in_fences = rnd_field();
		s.cmd_bo = rnd() % 8 ? 0 : rnd() % 4;
		s.out_fence = rnd() % 8 ? 0 : rnd() % 4;
		rc = qioctl(self->fd, DRM_IOCTL_TCC_SUBMIT, &s);
		ASSERT_LE(rc, 0);
		if (rc == 0) {
			ok++;
			if (s.flags & DRM_TCC_SUBMIT_FENCE_FD_OUT) {
				ASSERT_GE(s.out_fence_fd, 0);
				ASSERT_EQ(fence_wait(s.out_fence_fd, 20000), 1);
				close(s.out_fence_fd);
				fds++;
			}
		}
		if (it % 10 == 0) {
			struct drm_tcc_job_status st = { .job_id = rnd_field(), .pad = rnd() % 4 ? 0 : 1 };
			struct drm_tcc_exec_complete c = { .job_id = rnd_field(), .error = (int32_t)rnd() };

			ASSERT_LE(qioctl(self->fd, DRM_IOCTL_TCC_JOB_STATUS, &st), 0);
			ASSERT_LE(qioctl(self->fd, DRM_IOCTL_TCC_EXEC_COMPLETE, &c), 0);
		}
	}
	TH_LOG("%d of 3000 random submits were valid and ran (%d with a fence)", ok, fds);
	EXPECT_GT(ok, 0);
	/* The device and this queue still compute correctly. */
	check_all_ops(_metadata, self, SIM);
}

TEST_F(queue, bad_input_is_rejected)
{
	struct drm_tcc_queue_create qc = { .engine = 7 };
	struct drm_tcc_cmd ok = { .op = DRM_TCC_CMD_FILL, .dst = 0, .size = 64 };
	uint32_t q, many[DRM_TCC_MAX_BOS + 1];
	int closed_fd;

	EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_QUEUE_CREATE, &qc), -EINVAL);
	qc = (struct drm_tcc_queue_create){ .engine = SIM, .priority = 3 };
	EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_QUEUE_CREATE, &qc), -EINVAL);
	qc = (struct drm_tcc_queue_create){ .engine = SIM, .flags = 1 };
	EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_QUEUE_CREATE, &qc), -EINVAL);
	ASSERT_EQ(queue_create(self->fd, SIM, DRM_TCC_PRIO_NORMAL, &q), 0);

	const struct {
		const char *what;
		struct drm_tcc_cmd cmd;
	} bad[] = {
		{ "unknown opcode", { .op = 77 } },
		{ "flags", { .op = DRM_TCC_CMD_NOP, .flags = 1 } },
		{ "padding", { .op = DRM_TCC_CMD_NOP, .pad = 1 } },
		{ "dst index", { .op = DRM_TCC_CMD_FILL, .dst = 3, .size = 4 } },
		{ "src index", { .op = DRM_TCC_CMD_COPY, .src0 = 3, .size = 4 } },
		{ "size past end", { .op = DRM_TCC_CMD_FILL, .size = BOSZ + 4 } },
		{ "offset past end", { .op = DRM_TCC_CMD_COPY, .src0_off = BOSZ, .size = 1 } },
		{ "offset overflow", { .op = DRM_TCC_CMD_COPY, .dst_off = UINT64_MAX - 3, .size = 8 } },
		{ "size overflow", { .op = DRM_TCC_CMD_COPY, .size = UINT64_MAX } },
		{ "unaligned f32", { .op = DRM_TCC_CMD_ADD, .src1 = 1, .size = 6 } },
		{ "unaligned signal", { .op = DRM_TCC_CMD_SIGNAL, .dst_off = 4 } },
		{ "signal past end", { .op = DRM_TCC_CMD_SIGNAL, .dst_off = BOSZ } },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		TH_LOG("bad command: %s", bad[i].what);
		EXPECT_EQ(submit(self->fd, q, &bad[i].cmd, 1, self->h, 3, NULL, 0, NULL), -EINVAL);
	}

	uint32_t bogus = 0xdead;
	EXPECT_EQ(submit(self->fd, q, &ok, 1, &bogus, 1, NULL, 0, NULL), -ENOENT);
	for (int i = 0; i <= DRM_TCC_MAX_BOS; i++)
		many[i] = self->a.handle;
	EXPECT_EQ(submit(self->fd, q, &ok, 1, many, DRM_TCC_MAX_BOS + 1, NULL, 0, NULL), -E2BIG);
	EXPECT_EQ(submit(self->fd, q, &ok, DRM_TCC_MAX_CMDS + 1, self->h, 1, NULL, 0, NULL), -E2BIG);
	EXPECT_EQ(submit(self->fd, q, NULL, 1, self->h, 1, NULL, 0, NULL), -EFAULT);
	EXPECT_EQ(submit(self->fd, q, &ok, 1, (uint32_t *)8, 1, NULL, 0, NULL), -EFAULT);
	int fences[DRM_TCC_MAX_IN_FENCES + 1] = { 0 };
	EXPECT_EQ(submit(self->fd, q, &ok, 1, self->h, 1, fences, DRM_TCC_MAX_IN_FENCES + 1, NULL), -E2BIG);

	/* Closed and non-sync_file fds as in-fences. */
	closed_fd = submit(self->fd, q, &ok, 1, self->h, 1, NULL, 0, NULL);
	ASSERT_GE(closed_fd, 0);
	ASSERT_EQ(fence_wait(closed_fd, 20000), 1);
	close(closed_fd);
	EXPECT_EQ(submit(self->fd, q, &ok, 1, self->h, 1, &closed_fd, 1, NULL), -EINVAL);
	EXPECT_EQ(submit(self->fd, q, &ok, 1, self->h, 1, &self->fd, 1, NULL), -EINVAL);

	struct drm_tcc_submit s = { .queue_id = q, .flags = 1u << 31 };
	EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_SUBMIT, &s), -EINVAL);
	s = (struct drm_tcc_submit){ .queue_id = q, .cmd_bo = self->a.handle };
	EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_SUBMIT, &s), -EINVAL);

	/* Another file cannot use, query or destroy this queue. */
	int other = tcc_test_open();
	ASSERT_GE(other, 0);
	EXPECT_EQ(queue_destroy(other, q), -ENOENT);
	s = (struct drm_tcc_submit){ .queue_id = q };
	EXPECT_EQ(qioctl(other, DRM_IOCTL_TCC_SUBMIT, &s), -ENOENT);
	close(other);

	/* Submit after destroy; destroy twice; unknown queue; job status of nothing. */
	ASSERT_EQ(queue_destroy(self->fd, q), 0);
	EXPECT_EQ(submit(self->fd, q, &ok, 1, self->h, 1, NULL, 0, NULL), -ENOENT);
	EXPECT_EQ(queue_destroy(self->fd, q), -ENOENT);
	EXPECT_EQ(queue_destroy(self->fd, 0), -ENOENT);
	struct drm_tcc_job_status st = { .job_id = ((uint64_t)q << 32) | 1 };
	EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_JOB_STATUS, &st), -ENOENT);

	/* Executor ioctls. */
	struct drm_tcc_exec_fetch fe = { 0 };
	struct drm_tcc_exec_complete done = { .job_id = 1 };
	struct drm_tcc_exec_attach at = { .engine = SIM };
	EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_EXEC_FETCH, &fe), -EPERM);
	EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_EXEC_COMPLETE, &done), -EPERM);
	EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_EXEC_ATTACH, &at), -EINVAL);
	at.engine = CPU;
	EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_EXEC_ATTACH, &at), 0);
	EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_EXEC_ATTACH, &at), -EBUSY);
	EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_EXEC_COMPLETE, &done), -ENOENT);
	done.error = 5;
	EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_EXEC_COMPLETE, &done), -EINVAL);
	fe.flags = DRM_TCC_FETCH_NONBLOCK;
	EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_EXEC_FETCH, &fe), -EAGAIN);
	fe.flags = 4;
	EXPECT_EQ(qioctl(self->fd, DRM_IOCTL_TCC_EXEC_FETCH, &fe), -EINVAL);
}

#define CLIENTS 4
#define JOBS 1000

/*
 * One client: its own fd and queue, 1000 jobs, job i writing word i of the
 * client's BO.  Clients 0 and 2 use the simulated XPU, 1 and 3 the CPU
 * executors.  Exit status 0 when every word is right.
 */
static int client_main(int id, int ready_fd)
{
	int fd = tcc_test_open(), last = -1;
	struct bo out;
	uint32_t q;
	char go;

	if (fd < 0)
		return 10;
	out = bo_new(fd);
	if (!out.map || queue_create(fd, id % 2 ? CPU : SIM, id % 3, &q))
		return 11;
	(void)!write(ready_fd, &q, sizeof(q));
	(void)!read(ready_fd, &go, 1);	/* all clients start together */
	for (int i = 0; i < JOBS; i++) {
		struct drm_tcc_cmd fill = { .op = DRM_TCC_CMD_FILL, .dst = 0, .dst_off = 4 * i,
					    .size = 4, .value = (uint32_t)(id << 16 | i) };
		int f = submit(fd, q, &fill, 1, &out.handle, 1, NULL, 0, NULL);

		if (f < 0)
			return 12;
		/* Waiting on every 100th keeps the fd count low; the last one covers the queue. */
		if (last >= 0)
			close(last);
		last = f;
		if (i % 100 == 99 && fence_wait(f, 30000) != 1)
			return 13;
	}
	if (fence_wait(last, 30000) != 1)
		return 14;
	/* CPU executors may finish a queue's jobs out of order: wait for all by counters. */
	for (int i = 0; i < 3000; i++) {
		struct qrow r = queue_row(q);

		if (r.completed + r.failed == JOBS)
			break;
		usleep(10000);
	}
	for (int i = 0; i < JOBS; i++)
		if (((uint32_t *)out.map)[i] != (uint32_t)(id << 16 | i))
			return 15;
	(void)!write(ready_fd, "d", 1);
	(void)!read(ready_fd, &go, 1);	/* keep the queue until the parent read sysfs */
	return 0;
}

TEST(four_clients_thousand_jobs_nothing_lost)
{
	int sock[CLIENTS][2];
	pid_t client[CLIENTS], ex[2];
	uint32_t qid[CLIENTS];
	char c;

	ex[0] = spawn_executor(-1, 0, -1);
	ex[1] = spawn_executor(-1, 0, -1);
	for (int i = 0; i < CLIENTS; i++) {
		ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sock[i]), 0);
		client[i] = fork();
		if (client[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			_exit(client_main(i, sock[i][1]));
		}
		ASSERT_EQ(read(sock[i][0], &qid[i], sizeof(qid[i])), sizeof(qid[i]));
	}
	for (int i = 0; i < CLIENTS; i++)
		ASSERT_EQ(write(sock[i][0], "g", 1), 1);
	for (int i = 0; i < CLIENTS; i++) {
		int status;

		if (read(sock[i][0], &c, 1) == 1) {
			struct qrow r = queue_row(qid[i]);

			EXPECT_EQ(r.found, 1);
			EXPECT_EQ(r.submitted, JOBS);
			EXPECT_EQ(r.completed, JOBS);
			EXPECT_EQ(r.failed, 0);
			EXPECT_EQ(r.inflight, 0);
			EXPECT_EQ(r.depth, 0);
			EXPECT_LE(r.p50, r.p99);
			TH_LOG("client %d queue %u: p50 %u us, p99 %u us", i, qid[i], r.p50, r.p99);
			(void)!write(sock[i][0], "x", 1);
		}
		ASSERT_EQ(waitpid(client[i], &status, 0), client[i]);
		EXPECT_EQ(WEXITSTATUS(status), 0) TH_LOG("client %d failed at stage %d", i, WEXITSTATUS(status));
	}
	reap(ex[0]);
	reap(ex[1]);
}

TEST_HARNESS_MAIN

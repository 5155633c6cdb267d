// SPDX-License-Identifier: GPL-2.0
/*
 * Seeded ioctl fuzzing of tcc.ko: random sizes, handles, flags, pads,
 * pointers and counts on every tcc ioctl (BOs, queues, submit, executors,
 * weights) and the DRM core ioctls a client uses with them (GEM close,
 * PRIME, syncobj), from two files that are closed and reopened with work
 * in flight.  The kernel must refuse what is wrong without an oops or WARN
 * (the guest boots with panic_on_warn), and afterwards the device must
 * still compute and every counter must be back where it started.
 *
 * Also the simulated XPU's fault injection (failed, corrupted, slow and
 * hung jobs, so resets) at a low rate.  Calls are mostly near-valid
 * (handles, ids and fds the file has seen, one field broken at a time) so
 * that they get past the argument checks; the run fails if some tcc ioctl
 * was never accepted.
 *
 * Bounded: FUZZ_ROUNDS rounds of FUZZ_STEPS steps, about 10 s in the TCG
 * guest; the fuzzing runs in a child and a hang (a task asleep in the
 * kernel) is reported with its kernel stack.  Reproduce another seed with
 * TCC_FUZZ_SEED / TCC_FUZZ_STEPS in the environment or -DFUZZ_SEED=N at
 * build time (the guest passes no environment); the seed is printed.
 */
#include <poll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/sync_file.h>

#include "kselftest_harness.h"
#include "tcc_test_util.h"

#ifndef FUZZ_SEED
#define FUZZ_SEED	0x7cc0ffee
#endif
#define FUZZ_ROUNDS	8
#define FUZZ_STEPS	12000
#define POOL		32
#define NFILES		2
#define MIB		(1ull << 20)
/*
 * A run takes ~10 s in an idle TCG guest, but the guest's speed follows the
 * host's load (5x slower seen on a busy host).  So a hang is a step that
 * does not finish (no progress for FUZZ_STALL_S), never a slow run, and a
 * slow run stops its steps after FUZZ_BUDGET_S so that the program still
 * ends well inside the guest's 60 s limit per program.
 */
#define FUZZ_STALL_S	20
#define FUZZ_BUDGET_S	32

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: tiny, seedable, good enough to pick cases. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

static int chance(uint32_t percent)
{
	return below(100) < percent;
}

/* Handles, ids and fds this file has seen: fuzz input is mostly near-valid. */
struct fuzz_file {
	int fd;
	uint32_t bos[POOL], weights[POOL], queues[POOL], syncobjs[POOL];
	uint64_t jobs[POOL], fetched[POOL];
	int fence_fds[POOL], dmabuf_fds[POOL];
};

static struct fuzz_file files[NFILES];
static uint64_t calls, accepted;

static void remember32(uint32_t *pool, uint32_t v)
{
	pool[below(POOL)] = v;
}

static void remember64(uint64_t *pool, uint64_t v)
{
	pool[below(POOL)] = v;
}

static void remember_fd(int *pool, int fd)
{
	int *slot = &pool[below(POOL)];

	if (*slot > 0)
		close(*slot);
	*slot = fd;
}

/* A remembered entry (a few tries to skip empty slots). */
static uint32_t pick32(const uint32_t *pool)
{
	uint32_t v = 0;

	for (int i = 0; i < 8 && !v; i++)
		v = pool[below(POOL)];
	return v;
}

static int pick_fd(const int *pool)
{
	int v = 0;

	for (int i = 0; i < 8 && v <= 0; i++)
		v = pool[below(POOL)];
	return v;
}

/* Something that looks like a handle: a known one, a small number, 0 or garbage. */
static uint32_t any_handle(const uint32_t *pool)
{
	switch (below(6)) {
	case 0: return 0;
	case 1: return below(64);
	case 2: return (uint32_t)rnd();
	default: return pick32(pool);
	}
}

static uint64_t any_size(void)
{
	static const uint64_t edges[] = {
		0, 1, 3, 4, 7, 8, 4095, 4096, 4097, 65536, 2 * MIB - 1, 2 * MIB, 2 * MIB + 1,
		UINT32_MAX, (uint64_t)UINT32_MAX + 1, INT64_MAX, UINT64_MAX - 4095, UINT64_MAX,
	};

	if (chance(60))
		return edges[below(sizeof(edges) / sizeof(edges[0]))];
	return chance(80) ? below(64 * 1024) : rnd();
}

/* Flags: zero, a valid bit, or random bits. */
static uint32_t any_flags(uint32_t valid)
{
	switch (below(4)) {
	case 0: return 0;
	case 1: return valid & (1u << below(3));
	case 2: return valid;
	default: return (uint32_t)rnd();
	}
}

/* A user pointer: real memory, NULL, unmapped or a kernel address. */
static uint64_t any_ptr(void *good)
{
	switch (below(8)) {
	case 0: return 0;
	case 1: return 0xffffffff81000000ull;
	case 2: return 4096;
	default: return (uintptr_t)good;
	}
}

/* Accepted calls per ioctl number (DRM core and driver), for the coverage log. */
static uint32_t accepted_nr[256];

static uint64_t bad_ptr(void)
{
	static const uint64_t bad[] = { 0, 8, 4096, 0xffffffff81000000ull, 0x00007ffffffff000ull };

	return bad[below(5)];
}

static int fz(int fd, unsigned long req, void *arg)
{
	int rc = ioctl(fd, req, arg);

	calls++;
	if (!rc) {
		accepted++;
		accepted_nr[_IOC_NR(req)]++;
	}
	return rc;
}

static void fuzz_bo(struct fuzz_file *f)
{
	struct drm_tcc_bo_create c = {
		.size = chance(70) ? 4096 * (1 + below(64)) : any_size(),
		.flags = any_flags(TCC_BO_FLAGS_ALL),
		.pad = chance(90) ? 0 : rnd(),
	};
	struct drm_tcc_bo_info info = { .handle = any_handle(f->bos), .pad = chance(90) ? 0 : 1 };

	if (!fz(f->fd, DRM_IOCTL_TCC_BO_CREATE, &c)) {
		/* Big sparse BOs are legal; keep only small ones for jobs to touch. */
		if (c.size > 4 * MIB) {
			tcc_gem_close(f->fd, c.handle);
			return;
		}
		remember32(f->bos, c.handle);
	}
	if (!fz(f->fd, DRM_IOCTL_TCC_BO_INFO, &info) && chance(30)) {
		/* Map some window of it, maybe past the end, and touch it. */
		size_t len = 4096 * (1 + below(4));
		off_t off = info.mmap_offset + (chance(80) ? 0 : 4096 * below(4));
		uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, off);

		if (p != MAP_FAILED) {
			if (len <= info.size && off == (off_t)info.mmap_offset)
				p[below(len)] ^= 1;
			munmap(p, len);
		}
	}
}

static void fuzz_gem_close(struct fuzz_file *f)
{
	struct drm_gem_close c = { .handle = any_handle(chance(50) ? f->bos : f->weights),
				   .pad = chance(90) ? 0 : 1 };

	fz(f->fd, DRM_IOCTL_GEM_CLOSE, &c);
}

static void fuzz_prime(struct fuzz_file *f, struct fuzz_file *other)
{
	struct drm_prime_handle exp = {
		.handle = any_handle(chance(80) ? f->bos : f->weights),
		.flags = chance(80) ? DRM_CLOEXEC | (chance(50) ? DRM_RDWR : 0) : (uint32_t)rnd(),
	};
	struct drm_prime_handle imp = { 0 };

	if (!fz(f->fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp))
		remember_fd(f->dmabuf_fds, exp.fd);
	switch (below(4)) {
	case 0: imp.fd = -1; break;
	case 1: imp.fd = 0; break;			/* stdin: not a dma-buf */
	case 2: imp.fd = (int)rnd(); break;
	default: imp.fd = pick_fd(f->dmabuf_fds); break;
	}
	imp.flags = chance(90) ? 0 : (uint32_t)rnd();
	if (!fz(other->fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp))
		remember32(other->bos, imp.handle);
}

static void fuzz_syncobj(struct fuzz_file *f)
{
	struct drm_syncobj_create c = { .flags = any_flags(DRM_SYNCOBJ_CREATE_SIGNALED) };
	struct drm_syncobj_destroy d = { .handle = any_handle(f->syncobjs), .pad = chance(90) ? 0 : 1 };
	struct drm_syncobj_handle h = {
		.handle = any_handle(f->syncobjs),
		.flags = chance(70) ? DRM_SYNCOBJ_HANDLE_TO_FD_FLAGS_EXPORT_SYNC_FILE : any_flags(3),
	};
	uint32_t handles[4];
	struct drm_syncobj_wait w = {
		.handles = any_ptr(handles), .count_handles = below(6), .timeout_nsec = 0,
		.flags = any_flags(DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL),
	};

	for (int i = 0; i < 4; i++)
		handles[i] = any_handle(f->syncobjs);
	if (!fz(f->fd, DRM_IOCTL_SYNCOBJ_CREATE, &c))
		remember32(f->syncobjs, c.handle);
	if (!fz(f->fd, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h))
		remember_fd(f->fence_fds, h.fd);
	fz(f->fd, DRM_IOCTL_SYNCOBJ_WAIT, &w);
	if (chance(20))
		fz(f->fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d);
}

static void fuzz_queue(struct fuzz_file *f)
{
	struct drm_tcc_queue_create c = {
		.engine = chance(85) ? below(2) : (uint32_t)rnd(),
		.priority = chance(85) ? below(3) : (uint32_t)rnd(),
		.flags = chance(90) ? 0 : (uint32_t)rnd(),
		.queue_id = chance(90) ? 0 : (uint32_t)rnd(),
	};
	struct drm_tcc_queue_destroy d = { .queue_id = any_handle(f->queues), .pad = chance(90) ? 0 : 1 };
	struct drm_tcc_job_status st = {
		.job_id = chance(80) ? f->jobs[below(POOL)] : rnd(), .pad = chance(90) ? 0 : 1,
	};

	if (chance(40) && !fz(f->fd, DRM_IOCTL_TCC_QUEUE_CREATE, &c))
		remember32(f->queues, c.queue_id);
	if (chance(8))
		fz(f->fd, DRM_IOCTL_TCC_QUEUE_DESTROY, &d);
	fz(f->fd, DRM_IOCTL_TCC_JOB_STATUS, &st);
}

/* A command that is valid on BOs of at least 4 KiB, most of the time. */
static void any_cmd(struct drm_tcc_cmd *c, uint32_t nbos)
{
	memset(c, 0, sizeof(*c));
	c->op = below(7);
	c->dst = below(nbos ? nbos : 1);
	c->src0 = below(nbos ? nbos : 1);
	c->src1 = below(nbos ? nbos : 1);
	c->size = 4 * below(257);
	c->dst_off = 8 * below(64);
	c->src0_off = 4 * below(64);
	c->src1_off = 4 * below(64);
	c->value = rnd();
}

/* Breaks one thing about a command. */
static void break_cmd(struct drm_tcc_cmd *c)
{
	switch (below(8)) {
	case 0: c->op = 7 + below(100); break;
	case 1: c->flags = 1u << below(32); break;
	case 2: c->pad = 1u << below(32); break;
	case 3: c->dst = chance(50) ? DRM_TCC_MAX_BOS + below(10) : (uint32_t)rnd(); break;
	case 4: c->src0 = (uint32_t)rnd(); c->op = DRM_TCC_CMD_COPY; break;
	case 5: c->size = any_size(); break;
	case 6: c->dst_off = any_size(); break;
	default: c->src1_off = any_size(); c->op = DRM_TCC_CMD_ADD; break;
	}
}

static void fuzz_submit(struct fuzz_file *f)
{
	static struct drm_tcc_cmd cmds[DRM_TCC_MAX_CMDS + 1];
	uint32_t handles[DRM_TCC_MAX_BOS + 1], in[DRM_TCC_MAX_IN_FENCES + 1];
	struct drm_tcc_submit s = { 0 };
	uint32_t i, nbos = 1 + below(3);

	/* A submit that is valid if the pooled handles are, then maybe one thing broken. */
	s.queue_id = pick32(f->queues);
	s.flags = chance(50) ? DRM_TCC_SUBMIT_FENCE_FD_OUT : 0;
	s.ncmds = below(6);
	s.nbos = nbos;
	for (i = 0; i < nbos; i++)
		handles[i] = pick32(f->bos);
	for (i = 0; i < s.ncmds; i++)
		any_cmd(&cmds[i], nbos);
	s.cmds = (uintptr_t)cmds;
	s.bo_handles = (uintptr_t)handles;
	s.in_fences = (uintptr_t)in;
	if (chance(20)) {
		s.nin_fences = 1 + below(2);
		if (chance(50))
			s.flags |= DRM_TCC_SUBMIT_FENCE_FD_IN;
		for (i = 0; i < s.nin_fences; i++)
			in[i] = (s.flags & DRM_TCC_SUBMIT_FENCE_FD_IN) ?
				(uint32_t)pick_fd(f->fence_fds) : pick32(f->syncobjs);
	}
	if (chance(15))
		s.out_fence = pick32(f->syncobjs);
	if (chance(10)) {
		/* The same commands from a BO: write them there first if it maps. */
		struct drm_tcc_bo_info info;

		s.flags |= DRM_TCC_SUBMIT_CMDS_IN_BO;
		s.cmd_bo = handles[0];
		s.cmds = 0;
		if (!tcc_bo_info(f->fd, s.cmd_bo, &info) && info.size >= sizeof(cmds[0]) * s.ncmds) {
			void *p = mmap(NULL, info.size, PROT_WRITE, MAP_SHARED, f->fd, info.mmap_offset);

			if (p != MAP_FAILED) {
				memcpy(p, cmds, sizeof(cmds[0]) * s.ncmds);
				munmap(p, info.size);
			}
		}
	}

	if (chance(50)) {
		switch (below(14)) {
		case 0: s.queue_id = any_handle(f->queues); break;
		case 1: s.flags |= 1u << below(32); break;
		case 2: s.ncmds = chance(50) ? DRM_TCC_MAX_CMDS + 1 : (uint32_t)rnd(); break;
		case 3:
			/* The longest legal list: NOPs, so TCG does not spend seconds on it. */
			s.ncmds = DRM_TCC_MAX_CMDS;
			memset(cmds, 0, sizeof(cmds));
			break;
		case 4: s.nbos = chance(50) ? DRM_TCC_MAX_BOS + 1 : (uint32_t)rnd(); break;
		case 5: s.cmds = bad_ptr(); break;
		case 6: s.bo_handles = bad_ptr(); break;
		case 7: handles[below(nbos)] = any_handle(chance(50) ? f->bos : f->weights); break;
		case 8: if (s.ncmds) break_cmd(&cmds[below(s.ncmds)]); break;
		case 9: s.nin_fences = chance(50) ? DRM_TCC_MAX_IN_FENCES + 1 : 1 + below(3);
			s.in_fences = any_ptr(in); in[0] = (uint32_t)rnd(); break;
		case 10: s.out_fence = (uint32_t)rnd(); break;
		case 11: s.cmd_bo = any_handle(f->bos); s.cmds = any_size(); break;
		case 12: s.flags |= DRM_TCC_SUBMIT_CMDS_IN_BO; s.cmd_bo = any_handle(f->weights); break;
		default: s.out_fence_fd = (int32_t)rnd(); s.job_id = rnd(); break;	/* out fields */
		}
	}
	if (fz(f->fd, DRM_IOCTL_TCC_SUBMIT, &s))
		return;
	remember64(f->jobs, s.job_id);
	if (s.flags & DRM_TCC_SUBMIT_FENCE_FD_OUT)
		remember_fd(f->fence_fds, s.out_fence_fd);
}

static void fuzz_exec(struct fuzz_file *f)
{
	static struct drm_tcc_cmd cmds[DRM_TCC_MAX_CMDS];
	static struct drm_tcc_exec_bo bos[DRM_TCC_MAX_BOS];
	struct drm_tcc_exec_attach at = {
		.engine = chance(90) ? DRM_TCC_ENGINE_CPU : (uint32_t)rnd(),
		.flags = chance(90) ? 0 : 1, .pad = chance(90) ? 0 : 1,
	};
	/* Never a blocking FETCH: it would sleep a second when nothing is ready. */
	struct drm_tcc_exec_fetch fe = {
		.flags = DRM_TCC_FETCH_NONBLOCK | (chance(95) ? 0 : (uint32_t)rnd()),
		.pad = chance(95) ? 0 : 1, .cmds = any_ptr(cmds), .bos = any_ptr(bos),
	};
	struct drm_tcc_exec_complete done = {
		.job_id = chance(90) ? f->fetched[below(POOL)] : f->jobs[below(POOL)],
		.error = chance(70) ? 0 : (chance(50) ? -(int32_t)below(5000) : (int32_t)rnd()),
		.pad = chance(95) ? 0 : 1,
	};

	if (chance(10))
		fz(f->fd, DRM_IOCTL_TCC_EXEC_ATTACH, &at);
	if (!fz(f->fd, DRM_IOCTL_TCC_EXEC_FETCH, &fe)) {
		remember64(f->fetched, fe.job_id);
		if (chance(70))
			done.job_id = fe.job_id;
	}
	fz(f->fd, DRM_IOCTL_TCC_EXEC_COMPLETE, &done);
}

static void any_name(char *name)
{
	static const char *const names[] = { "fuzz-a", "fuzz-b", "fuzz.c", "", ".hidden", "-x", "a/b",
					     "fuzz d" };
	uint32_t pick = below(10);

	memset(name, 0, TCC_WEIGHTS_NAME_LEN);
	if (pick < 8) {
		strcpy(name, names[pick]);
	} else if (pick == 8) {
		memset(name, 'n', TCC_WEIGHTS_NAME_LEN);	/* no NUL */
	} else {
		strcpy(name, "fuzz-e");
		name[TCC_WEIGHTS_NAME_LEN - 1] = 'x';	/* junk after the NUL */
	}
}

static void fuzz_weights(struct fuzz_file *f)
{
	static struct drm_tcc_weights_entry entries[8];
	uint8_t data[256];
	struct drm_tcc_weights_create c = {
		.size = chance(70) ? 4096 * (1 + below(600)) : any_size(),
		.mode = chance(90) ? 0644 : (uint32_t)rnd(),
		.flags = chance(95) ? 0 : 1, .pad = chance(95) ? 0 : 1,
	};
	struct drm_tcc_weights_write w = {
		.handle = any_handle(f->weights), .pad = chance(95) ? 0 : 1,
		.offset = chance(70) ? 4096 * below(600) : any_size(),
		.size = chance(70) ? below(sizeof(data) + 1) : any_size(), .data = any_ptr(data),
	};
	struct drm_tcc_weights_seal seal = { .handle = any_handle(f->weights),
					     .flags = chance(95) ? 0 : 1 };
	struct drm_tcc_weights_open o = { .flags = chance(95) ? 0 : 1 };
	struct drm_tcc_weights_list l = { .entries = any_ptr(entries), .pad = chance(95) ? 0 : 1,
					  .count = chance(80) ? below(9) : (uint32_t)rnd() };
	struct drm_tcc_weights_resident r = { .resident = chance(90) ? below(2) : (uint32_t)rnd(),
					      .pad = chance(95) ? 0 : 1 };

	memset(data, 0xab, sizeof(data));
	any_name(c.name);
	any_name(o.name);
	any_name(r.name);
	if (c.size > 8 * MIB)
		c.size = chance(50) ? c.size : 8 * MIB;
	if (chance(30) && !fz(f->fd, DRM_IOCTL_TCC_WEIGHTS_CREATE, &c))
		remember32(f->weights, c.handle);
	fz(f->fd, DRM_IOCTL_TCC_WEIGHTS_WRITE, &w);
	if (chance(30))
		fz(f->fd, DRM_IOCTL_TCC_WEIGHTS_SEAL, &seal);
	if (!fz(f->fd, DRM_IOCTL_TCC_WEIGHTS_OPEN, &o)) {
		remember32(f->weights, o.handle);
		if (chance(30)) {
			void *p = mmap(NULL, 4096, chance(80) ? PROT_READ : PROT_READ | PROT_WRITE,
				       MAP_SHARED, f->fd, o.mmap_offset);

			if (p != MAP_FAILED) {
				(void)*(volatile uint8_t *)p;
				munmap(p, 4096);
			}
		}
	}
	fz(f->fd, DRM_IOCTL_TCC_WEIGHTS_LIST, &l);
	if (chance(20))
		fz(f->fd, DRM_IOCTL_TCC_WEIGHTS_RESIDENT, &r);
}

/* Unknown ioctl numbers in the driver's range, with random payloads. */
static void fuzz_unknown(struct fuzz_file *f)
{
	uint8_t junk[128];
	uint32_t nr = DRM_COMMAND_BASE + below(0x30);

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)rnd();
	if (nr == DRM_COMMAND_BASE + DRM_TCC_EXEC_FETCH)
		return;		/* would block; fuzz_exec covers it */
	fz(f->fd, _IOC(_IOC_READ | _IOC_WRITE, DRM_IOCTL_BASE, nr, 1 + below(sizeof(junk))), junk);
}

#define SIM_DEBUGFS "/sys/kernel/debug/tcc_sim"

/* The simulated XPU's fault injection: failed, corrupted, slow or hung jobs (reset). */
static void fuzz_sim_faults(void)
{
	static const char *const knobs[] = { "fail_next", "corrupt_next", "hang_next", "delay_ms" };
	uint32_t k = below(4);
	char path[128], value[16];

	snprintf(path, sizeof(path), SIM_DEBUGFS "/%s", knobs[k]);
	snprintf(value, sizeof(value), "%u", k == 3 ? (chance(50) ? 0 : below(3)) : 1);
	calls++;
	if (!tcc_write_file(path, value))
		accepted++;
}

static void sim_faults_off(void)
{
	tcc_write_file(SIM_DEBUGFS "/hang_next", "0");
	tcc_write_file(SIM_DEBUGFS "/fail_next", "0");
	tcc_write_file(SIM_DEBUGFS "/corrupt_next", "0");
	tcc_write_file(SIM_DEBUGFS "/delay_ms", "0");
}

static void file_open(struct fuzz_file *f)
{
	memset(f, 0, sizeof(*f));
	f->fd = tcc_test_open();
}

/* Close with whatever is in flight: queues, jobs, fetched jobs, mappings. */
static void file_close(struct fuzz_file *f)
{
	for (int i = 0; i < POOL; i++) {
		if (f->fence_fds[i] > 0)
			close(f->fence_fds[i]);
		if (f->dmabuf_fds[i] > 0)
			close(f->dmabuf_fds[i]);
	}
	close(f->fd);
	f->fd = -1;
}

static uint64_t sysfs_lines(const char *name)
{
	char path[256], line[512];
	uint64_t n = 0;
	FILE *fp;

	snprintf(path, sizeof(path), TCC_SYSFS "/%s", name);
	fp = fopen(path, "re");
	if (!fp)
		return UINT64_MAX;
	while (fgets(line, sizeof(line), fp))
		n++;
	fclose(fp);
	return n;
}

/* Waits (bounded) until the BO count drops to @want: SIM jobs finish asynchronously. */
static uint64_t settle_bo_count(uint64_t want)
{
	uint64_t now = tcc_sysfs_u64("bo_count");

	for (int i = 0; i < 200 && now != want; i++) {
		usleep(50 * 1000);
		now = tcc_sysfs_u64("bo_count");
	}
	return now;
}

/* Unload every weight buffer the fuzzer may have made resident. */
static void unload_fuzz_weights(void)
{
	static const char *const names[] = { "fuzz-a", "fuzz-b", "fuzz.c" };
	int fd = tcc_test_open();

	for (size_t i = 0; i < 3; i++) {
		struct drm_tcc_weights_resident r = { .resident = 0 };

		strcpy(r.name, names[i]);
		ioctl(fd, DRM_IOCTL_TCC_WEIGHTS_RESIDENT, &r);
	}
	close(fd);
}

/* A SIM job and a sealed weight buffer, checked end to end. */
static void device_still_works(struct __test_metadata *_metadata)
{
	struct drm_tcc_queue_create qc = { .engine = DRM_TCC_ENGINE_SIM, .priority = 1 };
	struct drm_tcc_cmd fill = { .op = DRM_TCC_CMD_FILL, .size = 4096, .value = 0x12345678 };
	struct drm_tcc_weights_create wc = { .name = "fuzz-after", .size = 4096, .mode = 0600 };
	struct drm_tcc_weights_seal seal = { 0 };
	struct drm_tcc_weights_open wo = { .name = "fuzz-after" };
	struct drm_tcc_submit s = { 0 };
	struct drm_tcc_bo_info info;
	struct pollfd p;
	uint32_t bo, *map;
	int fd = tcc_test_open();

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, tcc_bo_create(fd, 4096, 0, &bo));
	ASSERT_EQ(0, tcc_bo_info(fd, bo, &info));
	ASSERT_EQ(0, ioctl(fd, DRM_IOCTL_TCC_QUEUE_CREATE, &qc));
	s.queue_id = qc.queue_id;
	s.flags = DRM_TCC_SUBMIT_FENCE_FD_OUT;
	s.cmds = (uintptr_t)&fill;
	s.ncmds = 1;
	s.bo_handles = (uintptr_t)&bo;
	s.nbos = 1;
	ASSERT_EQ(0, ioctl(fd, DRM_IOCTL_TCC_SUBMIT, &s));
	p = (struct pollfd){ .fd = s.out_fence_fd, .events = POLLIN };
	ASSERT_EQ(1, poll(&p, 1, 10000));
	map = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, info.mmap_offset);
	ASSERT_NE(MAP_FAILED, map);
	EXPECT_EQ(0x12345678u, map[0]);
	EXPECT_EQ(0x12345678u, map[1023]);
	munmap(map, 4096);
	close(s.out_fence_fd);

	ASSERT_EQ(0, ioctl(fd, DRM_IOCTL_TCC_WEIGHTS_CREATE, &wc));
	seal.handle = wc.handle;
	ASSERT_EQ(0, ioctl(fd, DRM_IOCTL_TCC_WEIGHTS_SEAL, &seal));
	ASSERT_EQ(0, ioctl(fd, DRM_IOCTL_TCC_WEIGHTS_OPEN, &wo));
	close(fd);
}

static const uint32_t tcc_nrs[] = {
	DRM_TCC_BO_CREATE, DRM_TCC_BO_INFO, DRM_TCC_QUEUE_CREATE, DRM_TCC_QUEUE_DESTROY,
	DRM_TCC_SUBMIT, DRM_TCC_JOB_STATUS, DRM_TCC_EXEC_ATTACH, DRM_TCC_EXEC_FETCH,
	DRM_TCC_EXEC_COMPLETE, DRM_TCC_WEIGHTS_CREATE, DRM_TCC_WEIGHTS_WRITE, DRM_TCC_WEIGHTS_SEAL,
	DRM_TCC_WEIGHTS_OPEN, DRM_TCC_WEIGHTS_LIST, DRM_TCC_WEIGHTS_RESIDENT,
};

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * The fuzzing itself, in a child process: its exit status is the verdict.
 * *@progress counts finished steps, for the parent's hang detector.
 */
static int fuzz_run(uint64_t seed, int steps, volatile uint64_t *progress)
{
	struct timespec t0;
	uint64_t done = 0, planned = (uint64_t)FUZZ_ROUNDS * (steps > 0 ? steps : 0);
	bool out_of_time = false;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int round = 0; round < FUZZ_ROUNDS && !out_of_time; round++) {
		rng_state = seed + round * 0x9e3779b97f4a7c15ull;
		if (!rng_state)
			rng_state = 1;
		for (int i = 0; i < NFILES; i++) {
			file_open(&files[i]);
			if (files[i].fd < 0)
				return 2;
		}
		for (int step = 0; step < steps; step++) {
			struct fuzz_file *f = &files[below(NFILES)], *other = &files[below(NFILES)];

			*progress = ++done;
			if (!(done & 255) && seconds_since(&t0) > FUZZ_BUDGET_S) {
				out_of_time = true;
				break;
			}

			switch (below(10)) {
			case 0: fuzz_bo(f); break;
			case 1: fuzz_gem_close(f); break;
			case 2: fuzz_prime(f, other); break;
			case 3: fuzz_syncobj(f); break;
			case 4: fuzz_queue(f); break;
			case 5: case 6: fuzz_submit(f); break;
			case 7: fuzz_exec(f); break;
			case 8: fuzz_weights(f); break;
			default:
				if (chance(50)) {
					fuzz_unknown(f);
				} else if (chance(1)) {
					/* Rare: a hang costs a sim_timeout_ms and a reset. */
					fuzz_sim_faults();
				} else if (chance(10)) {
					/* A file goes away mid-work and a new one takes its place. */
					file_close(f);
					file_open(f);
					if (f->fd < 0)
						return 2;
				}
			}
		}
		for (int i = 0; i < NFILES; i++)
			file_close(&files[i]);
		unload_fuzz_weights();
		sim_faults_off();
	}
	printf("# seed 0x%llx: %llu calls, %llu accepted, %.1f s\n", (unsigned long long)seed,
	       (unsigned long long)calls, (unsigned long long)accepted, seconds_since(&t0));
	if (out_of_time)
		printf("# slow guest: stopped after %d s, %llu of %llu steps\n", FUZZ_BUDGET_S,
		       (unsigned long long)done, (unsigned long long)planned);
	/* The fuzzer must get past the argument checks of every tcc ioctl, not only bounce off. */
	for (size_t i = 0; i < sizeof(tcc_nrs) / sizeof(tcc_nrs[0]); i++) {
		uint32_t n = accepted_nr[DRM_COMMAND_BASE + tcc_nrs[i]];

		printf("# tcc ioctl 0x%02x accepted %u times\n", tcc_nrs[i], n);
		if (!n)
			return 3;
	}
	if (!accepted_nr[_IOC_NR(DRM_IOCTL_PRIME_FD_TO_HANDLE)] ||
	    !accepted_nr[_IOC_NR(DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD)])
		return 3;
	fflush(stdout);
	return 0;
}

/* Prints where a stuck process sleeps in the kernel (its threads' stacks). */
static void dump_stuck(pid_t pid)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		printf("# stuck: %s", line);
	fclose(f);
}

/* The harness's default 30 s is too short for the hang deadline; the guest kills a program at 60 s. */
FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

TEST_F_TIMEOUT(fuzz, random_ioctls_on_every_tcc_ioctl_leave_the_device_working_and_clean, 58)
{
	const char *seed_env = getenv("TCC_FUZZ_SEED"), *steps_env = getenv("TCC_FUZZ_STEPS");
	uint64_t seed = seed_env ? strtoull(seed_env, NULL, 0) : FUZZ_SEED;
	int steps = steps_env ? atoi(steps_env) : FUZZ_STEPS;
	uint64_t bo0 = tcc_sysfs_u64("bo_count"), pinned0 = tcc_sysfs_u64("pinned_bytes");
	uint64_t weights0 = tcc_sysfs_u64("weights/count");
	uint64_t queues0 = sysfs_lines("queue/queues"), execs0 = sysfs_lines("queue/executors");
	int status = -1, stalled = 0;
	volatile uint64_t *progress;
	uint64_t seen = 0;
	pid_t child;

	ASSERT_NE(UINT64_MAX, bo0);
	if (access(SIM_DEBUGFS, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	progress = mmap(NULL, sizeof(*progress), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, (void *)progress);
	*progress = 0;
	fflush(stdout);
	child = fork();
	ASSERT_GE(child, 0);
	if (child == 0)
		_exit(fuzz_run(seed, steps, progress));
	/* A hang is a step that never returns: no progress for FUZZ_STALL_S. */
	while (waitpid(child, &status, WNOHANG) != child) {
		uint64_t now = *progress;

		stalled = now == seen ? stalled + 1 : 0;
		seen = now;
		if (stalled == FUZZ_STALL_S * 10) {
			/* A child stuck in the kernel cannot be killed: say where it sleeps. */
			dump_stuck(child);
			kill(child, SIGKILL);
			ASSERT_TRUE(0) TH_LOG("a fuzz step did not return in %d s, after %llu steps (seed 0x%llx)",
					      FUZZ_STALL_S, (unsigned long long)now, (unsigned long long)seed);
		}
		usleep(100 * 1000);
	}
	munmap((void *)progress, sizeof(*progress));
	sim_faults_off();
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("3: some tcc ioctl was never accepted");

	EXPECT_EQ(bo0, settle_bo_count(bo0));
	EXPECT_EQ(pinned0, tcc_sysfs_u64("pinned_bytes"));
	EXPECT_EQ(weights0, tcc_sysfs_u64("weights/count"));
	EXPECT_EQ(queues0, sysfs_lines("queue/queues"));
	EXPECT_EQ(execs0, sysfs_lines("queue/executors"));

	device_still_works(_metadata);
	EXPECT_EQ(bo0, settle_bo_count(bo0));
	EXPECT_EQ(weights0, tcc_sysfs_u64("weights/count"));
}

TEST_HARNESS_MAIN

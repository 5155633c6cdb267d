// SPDX-License-Identifier: GPL-2.0
/*
 * tcc.ko weight buffers: TCC_WEIGHTS_CREATE / WRITE / SEAL / OPEN / LIST /
 * RESIDENT, read-only and PMD mappings, access control, limits and the
 * sysfs counters.  Runs as root inside the QEMU guest (tests/qemu/boot.sh);
 * each test runs in its own child process, several fork more.
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "tcc_test_util.h"

#define MIB ((uint64_t)1 << 20)
#define PARAM_MAX_WEIGHTS_MB "/sys/module/tcc/parameters/max_weights_mb"

static int w_create(int fd, const char *name, uint64_t size, uint32_t mode, uint32_t *handle,
		    uint64_t *offset)
{
	struct drm_tcc_weights_create c = { .size = size, .mode = mode };
	int rc;

	snprintf(c.name, sizeof(c.name), "%s", name);
	rc = tcc_ioctl(fd, DRM_IOCTL_TCC_WEIGHTS_CREATE, &c);
	if (!rc && handle)
		*handle = c.handle;
	if (!rc && offset)
		*offset = c.mmap_offset;
	return rc;
}

static int w_write(int fd, uint32_t handle, uint64_t offset, const void *data, uint64_t size)
{
	struct drm_tcc_weights_write w = { .handle = handle, .offset = offset,
					   .data = (uintptr_t)data, .size = size };

	return tcc_ioctl(fd, DRM_IOCTL_TCC_WEIGHTS_WRITE, &w);
}

static int w_seal(int fd, uint32_t handle)
{
	struct drm_tcc_weights_seal s = { .handle = handle };

	return tcc_ioctl(fd, DRM_IOCTL_TCC_WEIGHTS_SEAL, &s);
}

static int w_open(int fd, const char *name, uint32_t *handle, uint64_t *size, uint64_t *offset)
{
	struct drm_tcc_weights_open o = { 0 };
	int rc;

	snprintf(o.name, sizeof(o.name), "%s", name);
	rc = tcc_ioctl(fd, DRM_IOCTL_TCC_WEIGHTS_OPEN, &o);
	if (!rc) {
		if (handle)
			*handle = o.handle;
		if (size)
			*size = o.size;
		if (offset)
			*offset = o.mmap_offset;
	}
	return rc;
}

static int w_resident(int fd, const char *name, uint32_t resident)
{
	struct drm_tcc_weights_resident r = { .resident = resident };

	snprintf(r.name, sizeof(r.name), "%s", name);
	return tcc_ioctl(fd, DRM_IOCTL_TCC_WEIGHTS_RESIDENT, &r);
}

/* The LIST entry of @name; 0, or -ENOENT. */
static int w_entry(int fd, const char *name, struct drm_tcc_weights_entry *out)
{
	struct drm_tcc_weights_entry e[64];
	struct drm_tcc_weights_list l = { .entries = (uintptr_t)e, .count = 64 };
	int rc = tcc_ioctl(fd, DRM_IOCTL_TCC_WEIGHTS_LIST, &l);

	if (rc)
		return rc;
	for (uint32_t i = 0; i < l.count && i < 64; i++)
		if (!strcmp(e[i].name, name) && (e[i].flags & TCC_WEIGHTS_NAMED)) {
			*out = e[i];
			return 0;
		}
	return -ENOENT;
}

/* A mapping at a 2 MiB aligned address (PMDs need it), or MAP_FAILED. */
static void *map_aligned(int fd, uint64_t offset, size_t len, int prot)
{
	uint8_t *res = mmap(NULL, len + 2 * MIB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;

	if (res == MAP_FAILED)
		return MAP_FAILED;
	a = ((uintptr_t)res + 2 * MIB - 1) & ~(uintptr_t)(2 * MIB - 1);
	if (mmap((void *)a, len, prot, MAP_SHARED | MAP_FIXED, fd, offset) == MAP_FAILED) {
		munmap(res, len + 2 * MIB);
		return MAP_FAILED;
	}
	if (a > (uintptr_t)res)
		munmap(res, a - (uintptr_t)res);
	munmap((void *)(a + len), (uintptr_t)res + len + 2 * MIB - a - len);
	return (void *)a;
}

/* PMD-mapped kB of the vma containing @p, from the kernel's own smaps. */
static long pmd_mapped_kb(const void *p)
{
	unsigned long long lo, hi, kb;
	char line[256];
	long total = -1;
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx ", &lo, &hi) == 2) {
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
			if (in)
				total = 0;
			continue;
		}
		if (in && (sscanf(line, "ShmemPmdMapped: %llu kB", &kb) == 1 ||
			   sscanf(line, "FilePmdMapped: %llu kB", &kb) == 1))
			total += kb;
	}
	fclose(f);
	return total;
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 31 + (i >> 12) + 5);
}

static int wait_child(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

FIXTURE(weights) {
	int fd;
	uint64_t count0, charged0, refusals0;
	char limit0[32];
};

FIXTURE_SETUP(weights)
{
	int pfd;
	ssize_t n;

	self->fd = tcc_test_open();
	ASSERT_GE(self->fd, 0) TH_LOG("no render node with driver 'tcc'");
	self->count0 = tcc_sysfs_u64("weights/count");
	self->charged0 = tcc_sysfs_u64("weights/charged_bytes");
	self->refusals0 = tcc_sysfs_u64("weights/refusals");
	ASSERT_NE(UINT64_MAX, self->count0);
	pfd = open(PARAM_MAX_WEIGHTS_MB, O_RDONLY);
	ASSERT_GE(pfd, 0);
	n = read(pfd, self->limit0, sizeof(self->limit0) - 1);
	close(pfd);
	ASSERT_GT(n, 0);
	self->limit0[n] = '\0';
}

FIXTURE_TEARDOWN(weights)
{
	tcc_write_file(PARAM_MAX_WEIGHTS_MB, self->limit0);
	close(self->fd);
	/* Nothing may outlive a test: every buffer and charged byte is back. */
	EXPECT_EQ(self->count0, tcc_sysfs_u64("weights/count"));
	EXPECT_EQ(self->charged0, tcc_sysfs_u64("weights/charged_bytes"));
}

/* Fill half by WRITE, half through a writable mapping; children open and check it all. */
TEST_F(weights, create_fill_seal_then_open_and_map_from_several_processes)
{
	const size_t size = 5 * MIB + 4097;
	uint8_t *src = malloc(size), *rw;
	uint64_t off;
	uint32_t h;
	pid_t kids[4];

	ASSERT_NE(NULL, src);
	for (size_t i = 0; i < size; i++)
		src[i] = pattern(i);
	ASSERT_EQ(0, w_create(self->fd, "several", size, 0644, &h, &off));
	ASSERT_EQ(0, w_write(self->fd, h, 0, src, size / 2));
	rw = mmap(NULL, 6 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, off);
	ASSERT_NE(MAP_FAILED, rw);
	memcpy(rw + size / 2, src + size / 2, size - size / 2);
	ASSERT_EQ(0, munmap(rw, 6 * MIB));
	ASSERT_EQ(0, w_seal(self->fd, h));

	for (int k = 0; k < 4; k++) {
		kids[k] = fork();
		ASSERT_GE(kids[k], 0);
		if (kids[k] == 0) {
			int fd = tcc_test_open();
			uint64_t sz, o;
			uint32_t rh;
			const uint8_t *p;

			if (fd < 0 || w_open(fd, "several", &rh, &sz, &o))
				_exit(10);
			if (sz != size)
				_exit(11);
			p = map_aligned(fd, o, 6 * MIB, PROT_READ);
			if (p == MAP_FAILED)
				_exit(12);
			if (memcmp(p, src, size))
				_exit(13);
			for (size_t i = size; i < 6 * MIB; i++)
				if (p[i])
					_exit(14);	/* the tail past size reads as zero */
			_exit(0);
		}
	}
	/* The creator goes first: the children's handles keep it alive. */
	for (int k = 0; k < 4; k++)
		EXPECT_EQ(0, wait_child(kids[k]));
	ASSERT_EQ(0, tcc_gem_close(self->fd, h));
	free(src);
}

TEST_F(weights, writes_after_seal_fail_and_writable_mappings_are_revoked)
{
	uint64_t off, o;
	uint32_t h, rh;
	uint8_t *rw, byte = 7;
	int other = tcc_test_open();
	pid_t pid;

	ASSERT_GE(other, 0);
	ASSERT_EQ(0, w_create(self->fd, "revoke", 2 * MIB, 0600, &h, &off));
	rw = mmap(NULL, 2 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, off);
	ASSERT_NE(MAP_FAILED, rw);
	rw[0] = 42;
	ASSERT_EQ(0, w_seal(self->fd, h));
	EXPECT_EQ(0, w_seal(self->fd, h));	/* idempotent */
	EXPECT_EQ(-EPERM, w_write(self->fd, h, 0, &byte, 1));

	/* the creator's mapping survives for reading, but a store now faults */
	EXPECT_EQ(42, rw[0]);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		((volatile uint8_t *)rw)[1] = 1;
		_exit(0);
	}
	EXPECT_EQ(128 + SIGBUS, wait_child(pid));
	EXPECT_EQ(0, rw[1]);
	/* a new writable mapping is refused outright */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 2 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
				   off));
	munmap(rw, 2 * MIB);

	/* an opener can neither write nor seal */
	ASSERT_EQ(0, w_open(other, "revoke", &rh, NULL, &o));
	EXPECT_EQ(-EPERM, w_write(other, rh, 0, &byte, 1));
	EXPECT_EQ(-EPERM, w_seal(other, rh));
	close(other);
}

TEST_F(weights, sealed_mapping_is_read_only)
{
	uint64_t off, o;
	uint32_t h, rh;
	uint8_t *p;
	pid_t pid;

	ASSERT_EQ(0, w_create(self->fd, "readonly", MIB, 0600, &h, &off));
	ASSERT_EQ(0, w_write(self->fd, h, 0, "abc", 3));
	ASSERT_EQ(0, w_seal(self->fd, h));
	ASSERT_EQ(0, w_open(self->fd, "readonly", &rh, NULL, &o));

	errno = 0;
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 2 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, o));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 2 * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE, self->fd, o));
	p = mmap(NULL, 2 * MIB, PROT_READ, MAP_SHARED, self->fd, o);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, memcmp(p, "abc", 3));
	EXPECT_EQ(-1, mprotect(p, 2 * MIB, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		((volatile uint8_t *)p)[0] = 'x';
		_exit(0);
	}
	EXPECT_EQ(128 + SIGSEGV, wait_child(pid));
	EXPECT_EQ('a', p[0]);
	/* past the end of the buffer */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 4 * MIB, PROT_READ, MAP_SHARED, self->fd, o));
	munmap(p, 2 * MIB);
}

/* 2 MiB folios, mapped with PMDs: the kernel's smaps and the module's own counts agree. */
TEST_F(weights, touched_mapping_is_pmd_mapped)
{
	struct drm_tcc_weights_entry e;
	uint64_t off, o;
	uint32_t h, rh;
	const volatile uint8_t *p;
	unsigned int sum = 0;

	ASSERT_EQ(0, w_create(self->fd, "pmd", 8 * MIB, 0600, &h, &off));
	ASSERT_EQ(0, w_seal(self->fd, h));
	ASSERT_EQ(0, w_open(self->fd, "pmd", &rh, NULL, &o));
	ASSERT_EQ(0, w_entry(self->fd, "pmd", &e));
	EXPECT_EQ(8 * MIB, e.alloc_size);
	EXPECT_EQ(4, e.huge_chunks) TH_LOG("2 MiB folios: %u, small pages: %u", e.huge_chunks,
					   e.small_chunks);
	EXPECT_EQ(0, e.small_chunks);

	p = map_aligned(self->fd, o, 8 * MIB, PROT_READ);
	ASSERT_NE(MAP_FAILED, p);
	for (size_t i = 0; i < 8 * MIB; i += 4096)
		sum += p[i];
	EXPECT_EQ(0, sum);
	EXPECT_EQ(8 * 1024, pmd_mapped_kb((const void *)p));
	ASSERT_EQ(0, w_entry(self->fd, "pmd", &e));
	printf("# 8 MiB touched page by page: %ld kB PMD-mapped (smaps), %llu faults, %u huge chunks\n",
	       pmd_mapped_kb((const void *)p), (unsigned long long)e.faults, e.huge_chunks);
	EXPECT_EQ(1, e.mappers);
	/* 2048 pages touched; PTE mapping would need >= 128 faults even with fault-around */
	EXPECT_LE(e.faults, 8) TH_LOG("faults: %llu", (unsigned long long)e.faults);
	munmap((void *)p, 8 * MIB);
	ASSERT_EQ(0, w_entry(self->fd, "pmd", &e));
	EXPECT_EQ(0, e.mappers);
}

/* The "name pid pid ..." line of sysfs weights/mapper_pids, or "" */
static void mapper_line(const char *name, char *out, size_t len)
{
	char buf[4096], *save = NULL, *l;
	FILE *f = fopen(TCC_SYSFS "/weights/mapper_pids", "re");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	out[0] = '\0';
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		if (!strncmp(l, name, strlen(name)) && l[strlen(name)] == ' ')
			snprintf(out, len, "%s", l);
}

TEST_F(weights, sysfs_lists_the_pids_mapping_a_buffer)
{
	char line[256], want[64];
	int go[2], ready[2];
	uint64_t o;
	uint32_t h, rh;
	const uint8_t *p;
	pid_t pid;
	char c;

	ASSERT_EQ(0, w_create(self->fd, "pids", MIB, 0600, &h, NULL));
	ASSERT_EQ(0, w_seal(self->fd, h));
	ASSERT_EQ(0, w_open(self->fd, "pids", &rh, NULL, &o));
	mapper_line("pids", line, sizeof(line));
	EXPECT_STREQ("", line);
	p = mmap(NULL, 2 * MIB, PROT_READ, MAP_SHARED, self->fd, o);
	ASSERT_NE(MAP_FAILED, p);
	snprintf(want, sizeof(want), "pids %d", getpid());
	mapper_line("pids", line, sizeof(line));
	EXPECT_STREQ(want, line);

	/* a forked child inherits the mapping: its pid, not ours, is the new entry */
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(p[0]);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	snprintf(want, sizeof(want), "pids %d %d", getpid(), pid);
	mapper_line("pids", line, sizeof(line));
	EXPECT_STREQ(want, line);
	ASSERT_EQ(1, write(go[1], "g", 1));
	EXPECT_EQ(0, wait_child(pid));
	snprintf(want, sizeof(want), "pids %d", getpid());
	mapper_line("pids", line, sizeof(line));
	EXPECT_STREQ(want, line);
	munmap((void *)p, 2 * MIB);
	mapper_line("pids", line, sizeof(line));
	EXPECT_STREQ("", line);
}

TEST_F(weights, names_collide_until_the_last_holder_goes)
{
	int other = tcc_test_open();
	uint32_t h, h2, rh;

	ASSERT_GE(other, 0);
	ASSERT_EQ(0, w_create(self->fd, "dup", MIB, 0600, &h, NULL));
	EXPECT_EQ(-EEXIST, w_create(self->fd, "dup", MIB, 0600, &h2, NULL));
	EXPECT_EQ(-EEXIST, w_create(other, "dup", 4 * MIB, 0600, &h2, NULL));
	ASSERT_EQ(0, w_seal(self->fd, h));
	ASSERT_EQ(0, w_open(other, "dup", &rh, NULL, NULL));
	ASSERT_EQ(0, tcc_gem_close(self->fd, h));
	/* still held by the other file */
	EXPECT_EQ(-EEXIST, w_create(self->fd, "dup", MIB, 0600, &h2, NULL));
	ASSERT_EQ(0, tcc_gem_close(other, rh));
	EXPECT_EQ(0, w_create(self->fd, "dup", MIB, 0600, &h2, NULL));
	close(other);
}

TEST_F(weights, bad_names_flags_and_padding_are_rejected)
{
	static const char *const bad[] = { "", ".hidden", "-opt", "a/b", "a b", "caf\xc3\xa9",
					   "new\nline" };
	struct drm_tcc_weights_create c = { .size = MIB };
	struct drm_tcc_weights_seal s = { 0 };
	uint32_t h;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, w_create(self->fd, bad[i], MIB, 0600, &h, NULL)) {
			TH_LOG("name '%s'", bad[i]);
		}
	}
	/* 64 bytes, no NUL */
	memset(c.name, 'a', sizeof(c.name));
	EXPECT_EQ(-EINVAL, tcc_ioctl(self->fd, DRM_IOCTL_TCC_WEIGHTS_CREATE, &c));
	/* bytes after the NUL */
	memset(c.name, 0, sizeof(c.name));
	strcpy(c.name, "ok");
	c.name[10] = 'x';
	EXPECT_EQ(-EINVAL, tcc_ioctl(self->fd, DRM_IOCTL_TCC_WEIGHTS_CREATE, &c));
	c.name[10] = 0;
	c.flags = 1;
	EXPECT_EQ(-EINVAL, tcc_ioctl(self->fd, DRM_IOCTL_TCC_WEIGHTS_CREATE, &c));
	c.flags = 0;
	c.pad = 1;
	EXPECT_EQ(-EINVAL, tcc_ioctl(self->fd, DRM_IOCTL_TCC_WEIGHTS_CREATE, &c));
	c.pad = 0;
	c.mode = 01000;
	EXPECT_EQ(-EINVAL, tcc_ioctl(self->fd, DRM_IOCTL_TCC_WEIGHTS_CREATE, &c));
	c.mode = 0600;
	ASSERT_EQ(0, tcc_ioctl(self->fd, DRM_IOCTL_TCC_WEIGHTS_CREATE, &c));
	s.handle = c.handle;
	s.flags = 2;
	EXPECT_EQ(-EINVAL, tcc_ioctl(self->fd, DRM_IOCTL_TCC_WEIGHTS_SEAL, &s));
	/* handles that are not weight buffers, or not handles at all */
	EXPECT_EQ(-ENOENT, w_seal(self->fd, 0xdead));
	ASSERT_EQ(0, tcc_bo_create(self->fd, MIB, 0, &h));
	EXPECT_EQ(-ENOENT, w_seal(self->fd, h));
	EXPECT_EQ(-ENOENT, w_write(self->fd, h, 0, "x", 1));
	EXPECT_EQ(-ENOENT, w_open(self->fd, "no-such-buffer", &h, NULL, NULL));
}

TEST_F(weights, other_users_are_refused_by_mode)
{
	uint32_t h;
	pid_t pid;

	ASSERT_EQ(0, w_create(self->fd, "private", MIB, 0600, &h, NULL));
	ASSERT_EQ(0, w_seal(self->fd, h));
	ASSERT_EQ(0, w_create(self->fd, "public", MIB, 0604, &h, NULL));
	ASSERT_EQ(0, w_seal(self->fd, h));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		uint32_t rh;

		/* the render node fd is inherited; the caller's identity is what counts */
		if (setgid(65534) || setuid(65534))
			_exit(2);
		if (w_open(self->fd, "private", &rh, NULL, NULL) != -EACCES)
			_exit(3);
		if (w_open(self->fd, "public", &rh, NULL, NULL) != 0)
			_exit(4);
		if (w_resident(self->fd, "public", 0) != -EPERM)
			_exit(5);	/* nor unload someone else's */
		_exit(0);
	}
	EXPECT_EQ(0, wait_child(pid));
}

TEST_F(weights, oversize_and_exhaustion_are_refused_and_counted)
{
	uint32_t a, b, c;

	EXPECT_EQ(-EINVAL, w_create(self->fd, "zero", 0, 0600, &a, NULL));
	EXPECT_EQ(-EINVAL, w_create(self->fd, "max", UINT64_MAX, 0600, &a, NULL));
	ASSERT_EQ(0, tcc_write_file(PARAM_MAX_WEIGHTS_MB, "8"));
	EXPECT_EQ(-E2BIG, w_create(self->fd, "big", 9 * MIB, 0600, &a, NULL));
	ASSERT_EQ(0, w_create(self->fd, "a", 3 * MIB, 0600, &a, NULL));	/* charged 4 MiB */
	ASSERT_EQ(0, w_create(self->fd, "b", 4 * MIB, 0600, &b, NULL));
	EXPECT_EQ(self->charged0 + 8 * MIB, tcc_sysfs_u64("weights/charged_bytes"));
	EXPECT_EQ(-ENOMEM, w_create(self->fd, "c", 1, 0600, &c, NULL));
	EXPECT_EQ(self->refusals0 + 1, tcc_sysfs_u64("weights/refusals"));
	ASSERT_EQ(0, tcc_gem_close(self->fd, a));
	EXPECT_EQ(0, w_create(self->fd, "c", 1, 0600, &c, NULL));
}

/* Killed before sealing, with a writable mapping: the buffer, its name and its charge go. */
/* A weight buffer's handle is not a BO: BO ioctls must not treat it as one. */
TEST_F(weights, bo_info_refuses_a_weights_handle)
{
	struct drm_tcc_bo_info info = { 0 };
	uint32_t h;

	ASSERT_EQ(0, w_create(self->fd, "not-a-bo", MIB, 0600, &h, NULL));
	info.handle = h;
	EXPECT_EQ(-ENOENT, tcc_ioctl(self->fd, DRM_IOCTL_TCC_BO_INFO, &info));
}

TEST_F(weights, creator_dying_before_seal_frees_everything)
{
	int ready[2];
	char ch;
	uint32_t h;
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd = tcc_test_open();
		uint64_t off;
		uint8_t *rw;

		if (fd < 0 || w_create(fd, "doomed", 4 * MIB, 0600, &h, &off))
			_exit(1);
		rw = mmap(NULL, 4 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, off);
		if (rw == MAP_FAILED)
			_exit(1);
		memset(rw, 0xab, 3 * MIB);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &ch, 1));
	EXPECT_EQ(self->count0 + 1, tcc_sysfs_u64("weights/count"));
	EXPECT_EQ(-ENOENT, w_open(self->fd, "doomed", &h, NULL, NULL));	/* unsealed */
	kill(pid, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, wait_child(pid));
	EXPECT_EQ(self->count0, tcc_sysfs_u64("weights/count"));
	EXPECT_EQ(self->charged0, tcc_sysfs_u64("weights/charged_bytes"));
	EXPECT_EQ(0, w_create(self->fd, "doomed", MIB, 0600, &h, NULL));
}

TEST_F(weights, resident_outlives_holders_until_unload)
{
	struct drm_tcc_weights_entry e;
	uint64_t o;
	uint32_t h, rh;
	const uint8_t *p;

	ASSERT_EQ(0, w_create(self->fd, "pinned", MIB, 0600, &h, NULL));
	ASSERT_EQ(0, w_write(self->fd, h, MIB - 1, "z", 1));
	EXPECT_EQ(-EBUSY, w_resident(self->fd, "pinned", 1));	/* not sealed yet */
	ASSERT_EQ(0, w_seal(self->fd, h));
	ASSERT_EQ(0, w_resident(self->fd, "pinned", 1));
	ASSERT_EQ(0, tcc_gem_close(self->fd, h));
	ASSERT_EQ(0, w_entry(self->fd, "pinned", &e));
	EXPECT_EQ(TCC_WEIGHTS_SEALED | TCC_WEIGHTS_RESIDENT | TCC_WEIGHTS_NAMED, e.flags);
	EXPECT_EQ(0, e.handles);

	ASSERT_EQ(0, w_open(self->fd, "pinned", &rh, NULL, &o));
	p = mmap(NULL, 2 * MIB, PROT_READ, MAP_SHARED, self->fd, o);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, tcc_gem_close(self->fd, rh));
	ASSERT_EQ(0, w_resident(self->fd, "pinned", 0));	/* unload */
	EXPECT_EQ(-ENOENT, w_open(self->fd, "pinned", &rh, NULL, NULL));
	EXPECT_EQ(-ENOENT, w_resident(self->fd, "pinned", 0));
	EXPECT_EQ('z', p[MIB - 1]);	/* the mapping still holds it */
	EXPECT_EQ(self->count0 + 1, tcc_sysfs_u64("weights/count"));
	munmap((void *)p, 2 * MIB);
	EXPECT_EQ(self->count0, tcc_sysfs_u64("weights/count"));
}

TEST_F(weights, list_reports_every_buffer_and_the_count)
{
	struct drm_tcc_weights_entry e[2];
	struct drm_tcc_weights_list l = { .entries = (uintptr_t)e, .count = 0 };
	uint32_t a, b;

	ASSERT_EQ(0, w_create(self->fd, "l1", MIB, 0640, &a, NULL));
	ASSERT_EQ(0, w_create(self->fd, "l2", 3 * MIB, 0600, &b, NULL));
	ASSERT_EQ(0, tcc_ioctl(self->fd, DRM_IOCTL_TCC_WEIGHTS_LIST, &l));
	EXPECT_EQ(self->count0 + 2, l.count);
	l.count = 2;
	l.pad = 1;
	EXPECT_EQ(-EINVAL, tcc_ioctl(self->fd, DRM_IOCTL_TCC_WEIGHTS_LIST, &l));
	l.pad = 0;
	l.entries = 8;	/* unmapped user pointer */
	EXPECT_EQ(-EFAULT, tcc_ioctl(self->fd, DRM_IOCTL_TCC_WEIGHTS_LIST, &l));
	ASSERT_EQ(0, w_entry(self->fd, "l2", &e[0]));
	EXPECT_EQ(3 * MIB, e[0].size);
	EXPECT_EQ(4 * MIB, e[0].alloc_size);
	EXPECT_EQ(0, e[0].uid);
	EXPECT_EQ(0600, e[0].mode);
	EXPECT_EQ(TCC_WEIGHTS_NAMED, e[0].flags);
	EXPECT_EQ(1, e[0].handles);
}

TEST_F(weights, dma_buf_export_is_refused)
{
	uint32_t h;
	int dmabuf = -1;

	ASSERT_EQ(0, w_create(self->fd, "noexport", MIB, 0600, &h, NULL));
	ASSERT_EQ(0, w_seal(self->fd, h));
	EXPECT_NE(0, drmPrimeHandleToFD(self->fd, h, DRM_CLOEXEC, &dmabuf));
	EXPECT_EQ(-1, dmabuf);
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * tcc.ko buffer objects: TCC_BO_CREATE / TCC_BO_INFO, GEM close, mmap, PRIME,
 * the pinned-memory limit and the sysfs counters.  Runs as root inside the
 * QEMU guest (tests/qemu/boot.sh); each test runs in its own child process.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "tcc_test_util.h"

#define PAGE ((uint64_t)sysconf(_SC_PAGESIZE))

FIXTURE(bo) {
	int fd;
	uint64_t count0, pinned0, created0, refusals0;
	char limit0[32];
};

FIXTURE_SETUP(bo)
{
	int pfd;
	ssize_t n;

	self->fd = tcc_test_open();
	ASSERT_GE(self->fd, 0) TH_LOG("no render node with driver 'tcc'");
	self->count0 = tcc_sysfs_u64("bo_count");
	self->pinned0 = tcc_sysfs_u64("pinned_bytes");
	self->created0 = tcc_sysfs_u64("bos_created");
	self->refusals0 = tcc_sysfs_u64("pinned_refusals");
	ASSERT_NE(self->count0, UINT64_MAX);
	pfd = open(TCC_PARAM_MAX_PINNED_MB, O_RDONLY);
	ASSERT_GE(pfd, 0);
	n = read(pfd, self->limit0, sizeof(self->limit0) - 1);
	close(pfd);
	ASSERT_GT(n, 0);
	self->limit0[n] = '\0';
}

FIXTURE_TEARDOWN(bo)
{
	/* Tests that lower the limit must not leak it into the next test. */
	tcc_write_file(TCC_PARAM_MAX_PINNED_MB, self->limit0);
	close(self->fd);
}

TEST_F(bo, device_is_render_node_named_tcc)
{
	drmVersionPtr v = drmGetVersion(self->fd);

	ASSERT_NE(NULL, v);
	EXPECT_STREQ("tcc", v->name);
	EXPECT_EQ(DRM_NODE_RENDER, drmGetNodeTypeFromFd(self->fd));
	drmFreeVersion(v);
}

TEST_F(bo, create_rounds_size_up_to_pages_and_info_reports_it)
{
	struct drm_tcc_bo_info info;
	uint32_t h;

	ASSERT_EQ(0, tcc_bo_create(self->fd, 1, 0, &h));
	EXPECT_NE(0, h);
	ASSERT_EQ(0, tcc_bo_info(self->fd, h, &info));
	EXPECT_EQ(PAGE, info.size);
	EXPECT_EQ(0, info.flags);
	EXPECT_EQ(0, info.pad2);
	EXPECT_NE(0, info.mmap_offset);
	EXPECT_EQ(0, info.mmap_offset % PAGE);

	ASSERT_EQ(0, tcc_bo_create(self->fd, 3 * PAGE + 1, 0, &h));
	ASSERT_EQ(0, tcc_bo_info(self->fd, h, &info));
	EXPECT_EQ(4 * PAGE, info.size);
}

TEST_F(bo, create_counts_in_sysfs_and_gem_close_releases)
{
	uint32_t h;

	ASSERT_EQ(0, tcc_bo_create(self->fd, 2 * PAGE, 0, &h));
	EXPECT_EQ(self->count0 + 1, tcc_sysfs_u64("bo_count"));
	EXPECT_EQ(self->created0 + 1, tcc_sysfs_u64("bos_created"));
	EXPECT_EQ(self->pinned0, tcc_sysfs_u64("pinned_bytes"));
	ASSERT_EQ(0, tcc_gem_close(self->fd, h));
	EXPECT_EQ(self->count0, tcc_sysfs_u64("bo_count"));
}

TEST_F(bo, create_rejects_zero_size)
{
	EXPECT_EQ(-EINVAL, tcc_bo_create(self->fd, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, tcc_bo_create(self->fd, 0, TCC_BO_PINNED, NULL));
}

TEST_F(bo, create_rejects_size_that_overflows_when_page_aligned)
{
	EXPECT_EQ(-EINVAL, tcc_bo_create(self->fd, UINT64_MAX, 0, NULL));
	EXPECT_EQ(-EINVAL, tcc_bo_create(self->fd, UINT64_MAX - PAGE + 2, 0, NULL));
	EXPECT_EQ(-EINVAL, tcc_bo_create(self->fd, UINT64_MAX, TCC_BO_PINNED, NULL));
}

TEST_F(bo, create_rejects_size_larger_than_ram)
{
	EXPECT_EQ(-E2BIG, tcc_bo_create(self->fd, 1ull << 50, 0, NULL));
	EXPECT_EQ(-E2BIG, tcc_bo_create(self->fd, UINT64_MAX - 2 * PAGE, 0, NULL));
	EXPECT_EQ(self->count0, tcc_sysfs_u64("bo_count"));
}

TEST_F(bo, create_rejects_unknown_flags)
{
	EXPECT_EQ(-EINVAL, tcc_bo_create(self->fd, PAGE, 1u << 1, NULL));
	EXPECT_EQ(-EINVAL, tcc_bo_create(self->fd, PAGE, 1u << 31, NULL));
	EXPECT_EQ(-EINVAL, tcc_bo_create(self->fd, PAGE, TCC_BO_PINNED | (1u << 7), NULL));
	EXPECT_EQ(self->count0, tcc_sysfs_u64("bo_count"));
}

TEST_F(bo, create_rejects_nonzero_padding)
{
	struct drm_tcc_bo_create c = { .size = PAGE, .pad = 1 };

	EXPECT_EQ(-EINVAL, tcc_ioctl(self->fd, DRM_IOCTL_TCC_BO_CREATE, &c));
	c.pad = 1ull << 63;
	EXPECT_EQ(-EINVAL, tcc_ioctl(self->fd, DRM_IOCTL_TCC_BO_CREATE, &c));
}

TEST_F(bo, info_rejects_nonzero_padding)
{
	struct drm_tcc_bo_info info = { 0 };
	uint32_t h;

	ASSERT_EQ(0, tcc_bo_create(self->fd, PAGE, 0, &h));
	info.handle = h;
	info.pad = 1;
	EXPECT_EQ(-EINVAL, tcc_ioctl(self->fd, DRM_IOCTL_TCC_BO_INFO, &info));
}

TEST_F(bo, info_rejects_unknown_handles)
{
	struct drm_tcc_bo_info info;

	EXPECT_EQ(-ENOENT, tcc_bo_info(self->fd, 0, &info));
	EXPECT_EQ(-ENOENT, tcc_bo_info(self->fd, 4242, &info));
	EXPECT_EQ(-ENOENT, tcc_bo_info(self->fd, UINT32_MAX, &info));
}

TEST_F(bo, handles_are_private_to_their_file)
{
	struct drm_tcc_bo_info info;
	int other = tcc_test_open();
	uint32_t h;

	ASSERT_GE(other, 0);
	ASSERT_EQ(0, tcc_bo_create(self->fd, PAGE, 0, &h));
	EXPECT_EQ(-ENOENT, tcc_bo_info(other, h, &info));
	EXPECT_EQ(-EINVAL, tcc_gem_close(other, h));
	EXPECT_EQ(0, tcc_bo_info(self->fd, h, &info));
	close(other);
}

TEST_F(bo, double_close_and_bad_handle_close_fail)
{
	uint32_t h;

	ASSERT_EQ(0, tcc_bo_create(self->fd, PAGE, 0, &h));
	EXPECT_EQ(0, tcc_gem_close(self->fd, h));
	EXPECT_EQ(-EINVAL, tcc_gem_close(self->fd, h));
	EXPECT_EQ(-EINVAL, tcc_gem_close(self->fd, 0));
	EXPECT_EQ(-EINVAL, tcc_gem_close(self->fd, 999999));
	EXPECT_EQ(self->count0, tcc_sysfs_u64("bo_count"));
}

TEST_F(bo, mmap_starts_zeroed_and_keeps_data_across_mappings)
{
	struct drm_tcc_bo_info info;
	uint32_t h;
	uint8_t *p;

	ASSERT_EQ(0, tcc_bo_create(self->fd, 3 * PAGE, 0, &h));
	ASSERT_EQ(0, tcc_bo_info(self->fd, h, &info));
	p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, info.mmap_offset);
	ASSERT_NE(MAP_FAILED, p);
	for (uint64_t i = 0; i < info.size; i++)
		ASSERT_EQ(0, p[i]);
	for (uint64_t i = 0; i < info.size; i++)
		p[i] = (uint8_t)(i * 7 + 1);
	ASSERT_EQ(0, munmap(p, info.size));

	p = mmap(NULL, info.size, PROT_READ, MAP_SHARED, self->fd, info.mmap_offset);
	ASSERT_NE(MAP_FAILED, p);
	for (uint64_t i = 0; i < info.size; i++)
		ASSERT_EQ((uint8_t)(i * 7 + 1), p[i]);
	munmap(p, info.size);
}

TEST_F(bo, mmap_past_the_end_is_refused)
{
	struct drm_tcc_bo_info info;
	uint32_t h;
	void *p;

	ASSERT_EQ(0, tcc_bo_create(self->fd, 2 * PAGE, 0, &h));
	ASSERT_EQ(0, tcc_bo_info(self->fd, h, &info));
	p = mmap(NULL, 3 * PAGE, PROT_READ, MAP_SHARED, self->fd, info.mmap_offset);
	EXPECT_EQ(MAP_FAILED, p);
	/* Starting inside the object and running off its end. */
	p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, self->fd, info.mmap_offset + PAGE);
	EXPECT_EQ(MAP_FAILED, p);
	/* An offset no object owns. */
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, self->fd, info.mmap_offset + (1ull << 40));
	EXPECT_EQ(MAP_FAILED, p);
}

TEST_F(bo, mapping_outlives_gem_close)
{
	struct drm_tcc_bo_info info;
	uint32_t h;
	uint8_t *p;

	ASSERT_EQ(0, tcc_bo_create(self->fd, PAGE, 0, &h));
	ASSERT_EQ(0, tcc_bo_info(self->fd, h, &info));
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, info.mmap_offset);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, tcc_gem_close(self->fd, h));
	/* The mapping holds its own reference: still usable, still counted. */
	p[0] = 42;
	EXPECT_EQ(42, p[0]);
	EXPECT_EQ(self->count0 + 1, tcc_sysfs_u64("bo_count"));
	munmap(p, PAGE);
	EXPECT_EQ(self->count0, tcc_sysfs_u64("bo_count"));
}

TEST_F(bo, pinned_bo_is_charged_until_closed)
{
	struct drm_tcc_bo_info info;
	uint32_t h;

	ASSERT_EQ(0, tcc_bo_create(self->fd, 16 * PAGE, TCC_BO_PINNED, &h));
	ASSERT_EQ(0, tcc_bo_info(self->fd, h, &info));
	EXPECT_EQ(TCC_BO_PINNED, info.flags);
	EXPECT_EQ(self->pinned0 + 16 * PAGE, tcc_sysfs_u64("pinned_bytes"));
	ASSERT_EQ(0, tcc_gem_close(self->fd, h));
	EXPECT_EQ(self->pinned0, tcc_sysfs_u64("pinned_bytes"));
}

TEST_F(bo, pinned_limit_exhaustion_fails_with_enomem_and_counts_refusals)
{
	uint32_t a, b;

	ASSERT_EQ(0, self->pinned0) TH_LOG("another test left pinned memory behind");
	ASSERT_EQ(0, tcc_write_file(TCC_PARAM_MAX_PINNED_MB, "1"));
	EXPECT_EQ(1ull << 20, tcc_sysfs_u64("pinned_limit_bytes"));

	ASSERT_EQ(0, tcc_bo_create(self->fd, 512 << 10, TCC_BO_PINNED, &a));
	ASSERT_EQ(0, tcc_bo_create(self->fd, 512 << 10, TCC_BO_PINNED, &b));
	EXPECT_EQ(1ull << 20, tcc_sysfs_u64("pinned_bytes"));
	/* The limit is exact: one more page is one too many. */
	EXPECT_EQ(-ENOMEM, tcc_bo_create(self->fd, PAGE, TCC_BO_PINNED, NULL));
	EXPECT_EQ(self->refusals0 + 1, tcc_sysfs_u64("pinned_refusals"));
	/* A single request above the whole limit. */
	EXPECT_EQ(-ENOMEM, tcc_bo_create(self->fd, 2 << 20, TCC_BO_PINNED, NULL));
	EXPECT_EQ(self->refusals0 + 2, tcc_sysfs_u64("pinned_refusals"));
	/* Unpinned memory is not charged, so it is still available. */
	EXPECT_EQ(0, tcc_bo_create(self->fd, 4 << 20, 0, NULL));
	/* Freeing pinned memory makes room again. */
	ASSERT_EQ(0, tcc_gem_close(self->fd, a));
	EXPECT_EQ(0, tcc_bo_create(self->fd, PAGE, TCC_BO_PINNED, NULL));
	EXPECT_EQ(self->count0 + 3, tcc_sysfs_u64("bo_count"));
}

TEST_F(bo, zero_limit_refuses_every_pinned_create)
{
	ASSERT_EQ(0, tcc_write_file(TCC_PARAM_MAX_PINNED_MB, "0"));
	EXPECT_EQ(-ENOMEM, tcc_bo_create(self->fd, PAGE, TCC_BO_PINNED, NULL));
	EXPECT_EQ(self->refusals0 + 1, tcc_sysfs_u64("pinned_refusals"));
	EXPECT_EQ(self->count0, tcc_sysfs_u64("bo_count"));
}

TEST_F(bo, sysfs_bos_lists_each_bo_with_its_creator)
{
	char buf[8192], want[64];
	uint32_t h;
	ssize_t n;
	int fd;

	ASSERT_EQ(0, tcc_bo_create(self->fd, 5 * PAGE, TCC_BO_PINNED, &h));
	fd = open(TCC_SYSFS "/bos", O_RDONLY);
	ASSERT_GE(fd, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ASSERT_GT(n, 0);
	buf[n] = '\0';
	/* "<id> <size> <flags> <pinned> <imported> <pid>" */
	snprintf(want, sizeof(want), " %llu 0x1 1 0 %d\n", (unsigned long long)(5 * PAGE), getpid());
	EXPECT_NE(NULL, strstr(buf, want)) TH_LOG("no '%s' in:\n%s", want, buf);
}

static int export(int fd, uint32_t h, int *dmabuf)
{
	return drmPrimeHandleToFD(fd, h, DRM_CLOEXEC | DRM_RDWR, dmabuf) ? -errno : 0;
}

static int import(int fd, int dmabuf, uint32_t *h)
{
	return drmPrimeFDToHandle(fd, dmabuf, h) ? -errno : 0;
}

TEST_F(bo, prime_export_and_import_share_the_same_memory)
{
	struct drm_tcc_bo_info info, info2;
	int other = tcc_test_open(), dmabuf;
	uint32_t h, h2;
	uint8_t *p, *q;

	ASSERT_GE(other, 0);
	ASSERT_EQ(0, tcc_bo_create(self->fd, 2 * PAGE, 0, &h));
	ASSERT_EQ(0, tcc_bo_info(self->fd, h, &info));
	ASSERT_EQ(0, export(self->fd, h, &dmabuf));
	ASSERT_EQ(0, import(other, dmabuf, &h2));
	ASSERT_EQ(0, tcc_bo_info(other, h2, &info2));
	EXPECT_EQ(info.size, info2.size);
	/* Same device: the import is the same object, not a copy. */
	EXPECT_EQ(self->count0 + 1, tcc_sysfs_u64("bo_count"));

	p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, info.mmap_offset);
	q = mmap(NULL, info2.size, PROT_READ | PROT_WRITE, MAP_SHARED, other, info2.mmap_offset);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(MAP_FAILED, q);
	p[0] = 0x5a;
	p[info.size - 1] = 0xa5;
	EXPECT_EQ(0x5a, q[0]);
	EXPECT_EQ(0xa5, q[info.size - 1]);
	munmap(p, info.size);
	munmap(q, info2.size);

	/* Importing the same dma-buf again gives the same handle. */
	ASSERT_EQ(0, import(self->fd, dmabuf, &h2));
	EXPECT_EQ(h, h2);
	close(dmabuf);
	close(other);
}

TEST_F(bo, dma_buf_can_be_mapped_directly)
{
	struct drm_tcc_bo_info info;
	int dmabuf;
	uint32_t h;
	uint8_t *p, *q;

	ASSERT_EQ(0, tcc_bo_create(self->fd, PAGE, 0, &h));
	ASSERT_EQ(0, tcc_bo_info(self->fd, h, &info));
	ASSERT_EQ(0, export(self->fd, h, &dmabuf));
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, info.mmap_offset);
	q = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, dmabuf, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(MAP_FAILED, q);
	p[100] = 77;
	EXPECT_EQ(77, q[100]);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 2 * PAGE, PROT_READ, MAP_SHARED, dmabuf, 0));
	munmap(p, PAGE);
	munmap(q, PAGE);
	close(dmabuf);
}

TEST_F(bo, exported_bo_outlives_its_handle)
{
	int dmabuf;
	uint32_t h;

	ASSERT_EQ(0, tcc_bo_create(self->fd, PAGE, TCC_BO_PINNED, &h));
	ASSERT_EQ(0, export(self->fd, h, &dmabuf));
	ASSERT_EQ(0, tcc_gem_close(self->fd, h));
	EXPECT_EQ(self->count0 + 1, tcc_sysfs_u64("bo_count"));
	EXPECT_EQ(self->pinned0 + PAGE, tcc_sysfs_u64("pinned_bytes"));
	ASSERT_EQ(0, import(self->fd, dmabuf, &h));
	close(dmabuf);
	EXPECT_EQ(self->count0 + 1, tcc_sysfs_u64("bo_count"));
	ASSERT_EQ(0, tcc_gem_close(self->fd, h));
	EXPECT_EQ(self->count0, tcc_sysfs_u64("bo_count"));
	EXPECT_EQ(self->pinned0, tcc_sysfs_u64("pinned_bytes"));
}

TEST_F(bo, export_of_bad_handle_fails)
{
	int dmabuf;

	EXPECT_EQ(-ENOENT, export(self->fd, 12345, &dmabuf));
}

TEST_F(bo, import_of_closed_fd_fails)
{
	int dmabuf;
	uint32_t h;

	ASSERT_EQ(0, tcc_bo_create(self->fd, PAGE, 0, &h));
	ASSERT_EQ(0, export(self->fd, h, &dmabuf));
	close(dmabuf);
	EXPECT_EQ(-EBADF, import(self->fd, dmabuf, &h));
	EXPECT_EQ(-EBADF, import(self->fd, -1, &h));
}

TEST_F(bo, import_of_fd_that_is_not_a_dma_buf_fails)
{
	int memfd = memfd_create("not-a-dmabuf", MFD_CLOEXEC);
	int pipes[2];
	uint32_t h;

	ASSERT_GE(memfd, 0);
	ASSERT_EQ(0, ftruncate(memfd, PAGE));
	EXPECT_EQ(-EINVAL, import(self->fd, memfd, &h));
	ASSERT_EQ(0, pipe(pipes));
	EXPECT_EQ(-EINVAL, import(self->fd, pipes[0], &h));
	/* The DRM fd itself is not a dma-buf either. */
	EXPECT_EQ(-EINVAL, import(self->fd, self->fd, &h));
	EXPECT_EQ(self->count0, tcc_sysfs_u64("bo_count"));
}

/* vgem is another DRM driver in Debian's tree: its dumb BOs are foreign. */
TEST_F(bo, import_of_foreign_dma_buf_from_vgem)
{
	struct drm_mode_create_dumb dumb = { .width = 1024, .height = 4, .bpp = 8 };
	struct drm_mode_map_dumb map = { 0 };
	struct drm_tcc_bo_info info;
	int vgem = tcc_test_open_driver("vgem", 1), dmabuf;
	uint8_t *v, *t;
	uint32_t h;

	if (vgem < 0)
		SKIP(return, "vgem.ko not loaded");
	ASSERT_EQ(0, tcc_ioctl(vgem, DRM_IOCTL_MODE_CREATE_DUMB, &dumb));
	map.handle = dumb.handle;
	ASSERT_EQ(0, tcc_ioctl(vgem, DRM_IOCTL_MODE_MAP_DUMB, &map));
	v = mmap(NULL, dumb.size, PROT_READ | PROT_WRITE, MAP_SHARED, vgem, map.offset);
	ASSERT_NE(MAP_FAILED, v);
	memset(v, 0xc3, dumb.size);
	ASSERT_EQ(0, export(vgem, dumb.handle, &dmabuf));

	ASSERT_EQ(0, import(self->fd, dmabuf, &h));
	EXPECT_EQ(self->count0 + 1, tcc_sysfs_u64("bo_count"));
	ASSERT_EQ(0, tcc_bo_info(self->fd, h, &info));
	EXPECT_EQ(dumb.size, info.size);
	EXPECT_EQ(0, info.flags);
	t = mmap(NULL, info.size, PROT_READ, MAP_SHARED, self->fd, info.mmap_offset);
	ASSERT_NE(MAP_FAILED, t);
	EXPECT_EQ(0xc3, t[0]);
	EXPECT_EQ(0xc3, t[info.size - 1]);
	munmap(t, info.size);
	munmap(v, dumb.size);
	close(dmabuf);
	ASSERT_EQ(0, tcc_gem_close(self->fd, h));
	EXPECT_EQ(self->count0, tcc_sysfs_u64("bo_count"));
	close(vgem);
}

/* Creates a pinned and a plain BO, maps and exports both, then dies. */
static void child_with_mapped_exported_bos(int sock)
{
	int fd = tcc_test_open(), dmabuf;
	struct drm_tcc_bo_info info;
	uint32_t h;

	if (fd < 0)
		_exit(10);
	for (int i = 0; i < 2; i++) {
		uint8_t *p;

		if (tcc_bo_create(fd, 8 * PAGE, i ? TCC_BO_PINNED : 0, &h) ||
		    tcc_bo_info(fd, h, &info) || export(fd, h, &dmabuf))
			_exit(11);
		p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, info.mmap_offset);
		if (p == MAP_FAILED)
			_exit(12);
		memset(p, 0x11 * (i + 1), info.size);
	}
	if (sock >= 0) {
		char one = 1;
		union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
		struct iovec iov = { &one, 1 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
				    .msg_control = u.b, .msg_controllen = sizeof(u.b) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);

		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &dmabuf, sizeof(int));
		if (sendmsg(sock, &m, 0) != 1)
			_exit(13);
	}
	raise(SIGKILL);
	_exit(14);
}

TEST_F(bo, process_killed_with_mapped_and_exported_bos_leaks_nothing)
{
	int status;
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (pid == 0)
		child_with_mapped_exported_bos(-1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status)) TH_LOG("child exited %d", WEXITSTATUS(status));
	EXPECT_EQ(self->count0, tcc_sysfs_u64("bo_count"));
	EXPECT_EQ(self->pinned0, tcc_sysfs_u64("pinned_bytes"));
}

TEST_F(bo, dma_buf_passed_by_a_dead_process_stays_valid)
{
	union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } u;
	char one;
	struct iovec iov = { &one, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = u.b, .msg_controllen = sizeof(u.b) };
	struct drm_tcc_bo_info info;
	int sv[2], status, dmabuf;
	uint8_t *p;
	uint32_t h;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		child_with_mapped_exported_bos(sv[1]);
	close(sv[1]);
	ASSERT_EQ(1, recvmsg(sv[0], &m, 0));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	memcpy(&dmabuf, CMSG_DATA(CMSG_FIRSTHDR(&m)), sizeof(int));

	/* The child is gone; only the pinned BO it sent is left. */
	EXPECT_EQ(self->count0 + 1, tcc_sysfs_u64("bo_count"));
	EXPECT_EQ(self->pinned0 + 8 * PAGE, tcc_sysfs_u64("pinned_bytes"));
	ASSERT_EQ(0, import(self->fd, dmabuf, &h));
	close(dmabuf);
	ASSERT_EQ(0, tcc_bo_info(self->fd, h, &info));
	EXPECT_EQ(TCC_BO_PINNED, info.flags);
	p = mmap(NULL, info.size, PROT_READ, MAP_SHARED, self->fd, info.mmap_offset);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0x22, p[0]);
	EXPECT_EQ(0x22, p[info.size - 1]);
	munmap(p, info.size);
	ASSERT_EQ(0, tcc_gem_close(self->fd, h));
	EXPECT_EQ(self->count0, tcc_sysfs_u64("bo_count"));
	EXPECT_EQ(self->pinned0, tcc_sysfs_u64("pinned_bytes"));
	close(sv[0]);
}

TEST_F(bo, closing_the_device_fd_releases_every_handle)
{
	int fd = tcc_test_open();

	ASSERT_GE(fd, 0);
	for (int i = 0; i < 32; i++)
		ASSERT_EQ(0, tcc_bo_create(fd, PAGE, i & 1 ? TCC_BO_PINNED : 0, NULL));
	EXPECT_EQ(self->count0 + 32, tcc_sysfs_u64("bo_count"));
	close(fd);
	EXPECT_EQ(self->count0, tcc_sysfs_u64("bo_count"));
	EXPECT_EQ(self->pinned0, tcc_sysfs_u64("pinned_bytes"));
}

TEST_F(bo, unimplemented_ioctls_of_other_ranges_do_not_crash)
{
	/* Numbers past the driver's table are rejected by the DRM core. */
	char buf[64] = { 0 };

	EXPECT_NE(0, tcc_ioctl(self->fd, DRM_IOWR(DRM_COMMAND_BASE + 0x0f, char[64]), buf));
	EXPECT_NE(0, tcc_ioctl(self->fd, DRM_IOWR(DRM_COMMAND_BASE + 0x5f, char[64]), buf));
}

struct churn {
	int fd;
	int failures;
};

/* Creates and closes BOs, half of them pinned, as fast as it can. */
static void *churn_bos(void *arg)
{
	struct churn *c = arg;

	for (int i = 0; i < 300; i++) {
		uint32_t h;
		int rc = tcc_bo_create(c->fd, PAGE * (1 + i % 4), i & 1 ? TCC_BO_PINNED : 0, &h);

		if (rc == -ENOMEM && (i & 1))
			continue;	/* the shared limit was reached: allowed */
		if (rc || tcc_gem_close(c->fd, h))
			c->failures++;
	}
	return NULL;
}

TEST_F(bo, concurrent_creates_and_closes_keep_exact_counts)
{
	struct churn c[4];
	pthread_t t[4];

	/* A limit small enough that the pinned creates race for it. */
	ASSERT_EQ(0, tcc_write_file(TCC_PARAM_MAX_PINNED_MB, "1"));
	for (int i = 0; i < 4; i++) {
		c[i].fd = i & 1 ? tcc_test_open() : self->fd;
		c[i].failures = 0;
		ASSERT_GE(c[i].fd, 0);
		ASSERT_EQ(0, pthread_create(&t[i], NULL, churn_bos, &c[i]));
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, c[i].failures);
		if (c[i].fd != self->fd)
			close(c[i].fd);
	}
	EXPECT_EQ(self->count0, tcc_sysfs_u64("bo_count"));
	EXPECT_EQ(self->pinned0, tcc_sysfs_u64("pinned_bytes"));
	EXPECT_EQ(self->created0 + 1200 - (tcc_sysfs_u64("pinned_refusals") - self->refusals0),
		  tcc_sysfs_u64("bos_created"));
}

TEST_F(bo, sysfs_bos_list_longer_than_a_page_is_marked_cut)
{
	char buf[8192];
	ssize_t n;
	int fd;

	for (int i = 0; i < 400; i++)
		ASSERT_EQ(0, tcc_bo_create(self->fd, PAGE, 0, NULL));
	fd = open(TCC_SYSFS "/bos", O_RDONLY);
	ASSERT_GE(fd, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ASSERT_GT(n, 0);
	buf[n] = '\0';
	EXPECT_LE(n, PAGE);
	EXPECT_EQ(0, strcmp(buf + n - 4, "...\n")) TH_LOG("list ends with '%s'", buf + n - 20);
	EXPECT_EQ(self->count0 + 400, tcc_sysfs_u64("bo_count"));
}

TEST_HARNESS_MAIN

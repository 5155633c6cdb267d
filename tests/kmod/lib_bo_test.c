// SPDX-License-Identifier: GPL-2.0
/*
 * libtccml's device layer (include/tcc/bo.h) against the real tcc.ko: the
 * module backend's create/map/export/import, the pinned fallback rules and
 * GEM handle sharing.  Linked statically with build/lib/libtccml.a.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#define TCC_TEST_NO_RAW_BO
#include "tcc_test_util.h"

#include <tcc/bo.h>
#include <tcc/status.h>

FIXTURE(lib) {
	tcc_device *dev;
	uint64_t count0;
	char limit0[32];
};

FIXTURE_SETUP(lib)
{
	int pfd = open(TCC_PARAM_MAX_PINNED_MB, O_RDONLY);
	ssize_t n;

	ASSERT_GE(pfd, 0);
	n = read(pfd, self->limit0, sizeof(self->limit0) - 1);
	close(pfd);
	ASSERT_GT(n, 0);
	self->limit0[n] = '\0';
	self->count0 = tcc_sysfs_u64("bo_count");
	ASSERT_EQ(TCC_OK, tcc_device_open(TCC_DEVICE_MODULE, &self->dev)) TH_LOG("%s", tcc_last_error());
}

FIXTURE_TEARDOWN(lib)
{
	tcc_device_close(self->dev);
	tcc_write_file(TCC_PARAM_MAX_PINNED_MB, self->limit0);
}

TEST_F(lib, module_device_is_the_tcc_render_node)
{
	EXPECT_EQ(TCC_DEVICE_MODULE, tcc_device_backend(self->dev));
	EXPECT_EQ(0, strncmp(tcc_device_name(self->dev), "/dev/dri/renderD", 16));
}

TEST_F(lib, auto_picks_the_module_and_env_can_force_embedded)
{
	tcc_device *d;

	unsetenv("TCC_DEVICE");
	ASSERT_EQ(TCC_OK, tcc_device_open(TCC_DEVICE_AUTO, &d));
	EXPECT_EQ(TCC_DEVICE_MODULE, tcc_device_backend(d));
	tcc_device_close(d);
	setenv("TCC_DEVICE", "embedded", 1);
	ASSERT_EQ(TCC_OK, tcc_device_open(TCC_DEVICE_AUTO, &d));
	EXPECT_EQ(TCC_DEVICE_EMBEDDED, tcc_device_backend(d));
	tcc_device_close(d);
	unsetenv("TCC_DEVICE");
}

TEST_F(lib, bo_is_a_gem_object_visible_in_sysfs)
{
	tcc_bo *bo;
	uint8_t *p;

	ASSERT_EQ(TCC_OK, tcc_bo_create(self->dev, 10000, 0, &bo));
	EXPECT_EQ(12288, tcc_bo_size(bo));
	EXPECT_FALSE(tcc_bo_is_pinned(bo));
	EXPECT_EQ(self->count0 + 1, tcc_sysfs_u64("bo_count"));
	ASSERT_EQ(TCC_OK, tcc_bo_map(bo, (void **)&p));
	EXPECT_EQ(0, p[12287]);
	p[12287] = 9;
	tcc_bo_free(bo);
	EXPECT_EQ(self->count0, tcc_sysfs_u64("bo_count"));
}

TEST_F(lib, export_and_import_share_memory_between_devices)
{
	tcc_device *other;
	tcc_bo *a, *b;
	uint8_t *pa, *pb;
	int fd;

	ASSERT_EQ(TCC_OK, tcc_device_open(TCC_DEVICE_MODULE, &other));
	ASSERT_EQ(TCC_OK, tcc_bo_create(self->dev, 4096, 0, &a));
	ASSERT_EQ(TCC_OK, tcc_bo_export_fd(a, &fd));
	ASSERT_EQ(TCC_OK, tcc_bo_import_fd(other, fd, &b));
	close(fd);
	EXPECT_EQ(tcc_bo_size(a), tcc_bo_size(b));
	ASSERT_EQ(TCC_OK, tcc_bo_map(a, (void **)&pa));
	ASSERT_EQ(TCC_OK, tcc_bo_map(b, (void **)&pb));
	pa[1] = 0x42;
	EXPECT_EQ(0x42, pb[1]);
	tcc_bo_free(a);
	/* b still holds the object. */
	EXPECT_EQ(0x42, pb[1]);
	EXPECT_EQ(self->count0 + 1, tcc_sysfs_u64("bo_count"));
	tcc_bo_free(b);
	EXPECT_EQ(self->count0, tcc_sysfs_u64("bo_count"));
	tcc_device_close(other);
}

TEST_F(lib, reimport_into_the_same_device_shares_the_handle_safely)
{
	tcc_bo *a, *b;
	uint8_t *pb;
	int fd;

	ASSERT_EQ(TCC_OK, tcc_bo_create(self->dev, 4096, 0, &a));
	ASSERT_EQ(TCC_OK, tcc_bo_export_fd(a, &fd));
	/* The kernel hands back a's own GEM handle for its own dma-buf. */
	ASSERT_EQ(TCC_OK, tcc_bo_import_fd(self->dev, fd, &b));
	close(fd);
	tcc_bo_free(a);
	/* Freeing a must not have closed the handle b relies on. */
	ASSERT_EQ(TCC_OK, tcc_bo_map(b, (void **)&pb)) TH_LOG("%s", tcc_last_error());
	pb[0] = 1;
	EXPECT_EQ(self->count0 + 1, tcc_sysfs_u64("bo_count"));
	tcc_bo_free(b);
	EXPECT_EQ(self->count0, tcc_sysfs_u64("bo_count"));
}

TEST_F(lib, pinned_bo_is_pinned_by_the_kernel)
{
	tcc_bo *bo;

	ASSERT_EQ(TCC_OK, tcc_bo_create(self->dev, 8192, TCC_BO_PINNED | TCC_BO_PIN_REQUIRED, &bo));
	EXPECT_TRUE(tcc_bo_is_pinned(bo));
	EXPECT_EQ(8192, tcc_sysfs_u64("pinned_bytes"));
	tcc_bo_free(bo);
	EXPECT_EQ(0, tcc_sysfs_u64("pinned_bytes"));
}

TEST_F(lib, over_the_pinned_limit_required_fails_and_best_effort_falls_back)
{
	tcc_bo *bo;

	ASSERT_EQ(0, tcc_write_file(TCC_PARAM_MAX_PINNED_MB, "0"));
	EXPECT_EQ(TCC_ERR_NO_MEMORY,
		  tcc_bo_create(self->dev, 4096, TCC_BO_PINNED | TCC_BO_PIN_REQUIRED, &bo));
	EXPECT_NE(NULL, strstr(tcc_last_error(), "max_pinned_mb")) TH_LOG("%s", tcc_last_error());
	ASSERT_EQ(TCC_OK, tcc_bo_create(self->dev, 4096, TCC_BO_PINNED, &bo));
	EXPECT_FALSE(tcc_bo_is_pinned(bo));
	tcc_bo_free(bo);
}

TEST_F(lib, bad_sizes_and_flags_are_invalid_arguments)
{
	tcc_bo *bo;

	EXPECT_EQ(TCC_ERR_INVALID_ARG, tcc_bo_create(self->dev, 0, 0, &bo));
	EXPECT_EQ(TCC_ERR_INVALID_ARG, tcc_bo_create(self->dev, SIZE_MAX, 0, &bo));
	EXPECT_EQ(TCC_ERR_INVALID_ARG, tcc_bo_create(self->dev, (size_t)1 << 50, 0, &bo));
	EXPECT_EQ(TCC_ERR_INVALID_ARG, tcc_bo_create(self->dev, 4096, 1u << 9, &bo));
	EXPECT_EQ(TCC_ERR_INVALID_ARG, tcc_bo_create(self->dev, 4096, TCC_BO_PIN_REQUIRED, &bo));
	EXPECT_EQ(self->count0, tcc_sysfs_u64("bo_count"));
}

TEST_F(lib, import_of_a_memfd_or_closed_fd_is_rejected)
{
	tcc_device *emb;
	tcc_bo *mem, *bo;
	int fd;

	ASSERT_EQ(TCC_OK, tcc_device_open(TCC_DEVICE_EMBEDDED, &emb));
	ASSERT_EQ(TCC_OK, tcc_bo_create(emb, 4096, 0, &mem));
	ASSERT_EQ(TCC_OK, tcc_bo_export_fd(mem, &fd));
	EXPECT_EQ(TCC_ERR_INVALID_ARG, tcc_bo_import_fd(self->dev, fd, &bo));
	close(fd);
	EXPECT_EQ(TCC_ERR_INVALID_ARG, tcc_bo_import_fd(self->dev, fd, &bo));
	tcc_bo_free(mem);
	tcc_device_close(emb);
}

TEST_F(lib, dma_buf_is_not_importable_as_an_embedded_buffer)
{
	tcc_device *emb;
	tcc_bo *a, *b;
	int fd;

	ASSERT_EQ(TCC_OK, tcc_device_open(TCC_DEVICE_EMBEDDED, &emb));
	ASSERT_EQ(TCC_OK, tcc_bo_create(self->dev, 4096, 0, &a));
	ASSERT_EQ(TCC_OK, tcc_bo_export_fd(a, &fd));
	EXPECT_EQ(TCC_ERR_INVALID_ARG, tcc_bo_import_fd(emb, fd, &b));
	close(fd);
	tcc_bo_free(a);
	tcc_device_close(emb);
}

TEST_HARNESS_MAIN

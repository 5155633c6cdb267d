// SPDX-License-Identifier: GPL-2.0
/*
 * libtccml's tcc_weights_* in the QEMU guest, where (as root) the test can
 * reserve hugetlb pages and turn shmem THP on: the embedded backend's
 * MFD_HUGETLB and MADV_HUGEPAGE paths, which the host suite (tests/weights)
 * can only skip, and the module backend through the same API.
 */
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "tcc_test_util.h"

#include <tcc/weights.h>

#define MIB ((size_t)1 << 20)
#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"
#define SHMEM_THP "/sys/kernel/mm/transparent_hugepage/shmem_enabled"

/* The selected word of a sysfs/procfs knob ("[advise]" style or a plain value). */
static void read_knob(const char *path, char *buf, size_t len)
{
	char raw[256] = "", *l, *r;
	FILE *f = fopen(path, "re");

	if (f) {
		if (!fgets(raw, sizeof(raw), f))
			raw[0] = '\0';
		fclose(f);
	}
	raw[strcspn(raw, "\n")] = '\0';
	l = strchr(raw, '[');
	r = l ? strchr(l, ']') : NULL;
	if (l && r) {
		*r = '\0';
		snprintf(buf, len, "%s", l + 1);
	} else {
		snprintf(buf, len, "%s", raw);
	}
}

/* HugePages_Total, _Free, _Rsvd and _Surp from /proc/meminfo (-1 when missing). */
static void hugepages_counts(long *total, long *free_, long *rsvd, long *surp)
{
	char line[128];
	FILE *f = fopen("/proc/meminfo", "re");

	*total = *free_ = *rsvd = *surp = -1;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "HugePages_Total: %ld", total);
		sscanf(line, "HugePages_Free: %ld", free_);
		sscanf(line, "HugePages_Rsvd: %ld", rsvd);
		sscanf(line, "HugePages_Surp: %ld", surp);
	}
	fclose(f);
}

/* HugePages_Total - HugePages_Free from /proc/meminfo, or -1. */
static long hugepages_in_use(void)
{
	long total, free_, rsvd, surp;

	hugepages_counts(&total, &free_, &rsvd, &surp);
	return total < 0 || free_ < 0 ? -1 : total - free_;
}

/*
 * Make the pool hold at most @n pages (surplus pages are off: the default
 * vm.nr_overcommit_hugepages = 0, checked by the caller).  The kernel keeps
 * the pool above the pages still in use or reserved, and an earlier test's
 * keeper may hold some for a moment after its last close: write again
 * until it really is that small (bounded: 5 s).  It may end smaller: with
 * memory fragmented the kernel may not find even @n free 2 MiB blocks.
 */
static int hugepages_pool_at_most(long n)
{
	char v[32];
	long total, free_, rsvd, surp;

	snprintf(v, sizeof(v), "%ld", n);
	for (int i = 0; i < 500; i++) {
		if (tcc_write_file(NR_HUGEPAGES, v))
			return -1;
		hugepages_counts(&total, &free_, &rsvd, &surp);
		if (total >= 0 && total <= n)
			return 0;
		usleep(10000);
	}
	return -1;
}

/*
 * An earlier test's buffer is released by its keeper process, which exits
 * on its own after the last close: wait (bounded) until no huge page is in
 * use, so that resizing the pool below really leaves it that small.
 */
static int wait_hugepages_idle(void)
{
	for (int i = 0; i < 500; i++) {
		if (hugepages_in_use() == 0)
			return 0;
		usleep(10000);
	}
	return -1;
}

static long read_long(const char *path)
{
	char buf[32];

	read_knob(path, buf, sizeof(buf));
	return buf[0] ? strtol(buf, NULL, 10) : -1;
}

/* Tests change the guest's hugetlb pool and shmem THP mode: put them back, even on failure. */
FIXTURE(knobs) {
	char hugepages[32], shmem_thp[32];
};

FIXTURE_SETUP(knobs)
{
	read_knob(NR_HUGEPAGES, self->hugepages, sizeof(self->hugepages));
	read_knob(SHMEM_THP, self->shmem_thp, sizeof(self->shmem_thp));
	ASSERT_NE(0, self->hugepages[0]);
	ASSERT_NE(0, self->shmem_thp[0]);
}

/*
 * The pool is restored only once the test's huge pages are idle: a buffer's
 * keeper process still holds them for a moment after the last close, and
 * shrinking the pool below the pages in use turns those into surplus pages,
 * which stay in the pool after they are freed (writing nr_hugepages again
 * does not release free surplus pages), so the next test would find a pool
 * it cannot shrink.
 */
FIXTURE_TEARDOWN(knobs)
{
	unsetenv("TCC_WEIGHTS_BACKING");
	if (wait_hugepages_idle())
		TH_LOG("huge pages still in use after 5 s; restoring nr_hugepages anyway");
	tcc_write_file(NR_HUGEPAGES, self->hugepages);
	tcc_write_file(SHMEM_THP, self->shmem_thp);
}

/* Create, fill, seal, reopen, map and touch: returns the PMD-mapped bytes. */
static size_t roundtrip(struct __test_metadata *_metadata, const char *name, size_t size,
			tcc_weights_backend backend, tcc_weights_info *info)
{
	tcc_weights_options o = { .backend = backend };
	tcc_weights *w, *r;
	const uint8_t *p;
	size_t pmd = 0;
	void *rw;

	ASSERT_EQ(TCC_OK, tcc_weights_create(&w, name, size, &o)) TH_LOG("%s", tcc_last_error());
	ASSERT_EQ(TCC_OK, tcc_weights_map_writable(w, &rw)) TH_LOG("%s", tcc_last_error());
	memset(rw, 0x3c, size);
	ASSERT_EQ(TCC_OK, tcc_weights_seal(w)) TH_LOG("%s", tcc_last_error());
	ASSERT_EQ(TCC_OK, tcc_weights_open(&r, name, &o)) TH_LOG("%s", tcc_last_error());
	ASSERT_EQ(TCC_OK, tcc_weights_map(r, (const void **)&p));
	for (size_t i = 0; i < size; i += 4096)
		ASSERT_EQ(0x3c, p[i]);
	ASSERT_EQ(TCC_OK, tcc_weights_pmd_mapped_bytes(p, &pmd));
	ASSERT_EQ(TCC_OK, tcc_weights_info_get(r, info));
	tcc_weights_close(r);
	tcc_weights_close(w);
	return pmd;
}

TEST_F(knobs, embedded_hugetlb_is_pmd_mapped)
{
	tcc_weights_info info;
	size_t pmd;

	ASSERT_EQ(0, tcc_write_file(NR_HUGEPAGES, "4"));
	setenv("TCC_WEIGHTS_BACKING", "hugetlb", 1);
	pmd = roundtrip(_metadata, "emb-hugetlb", 4 * MIB, TCC_WEIGHTS_EMBEDDED, &info);
	unsetenv("TCC_WEIGHTS_BACKING");
	EXPECT_EQ(TCC_WEIGHTS_HUGETLB, info.backing);
	EXPECT_EQ(4 * MIB, pmd);
	printf("# embedded hugetlb: %zu of %zu bytes PMD-mapped\n", pmd, 4 * MIB);
}

TEST_F(knobs, embedded_hugetlb_pool_exhausted_is_no_memory)
{
	tcc_weights_options o = { .backend = TCC_WEIGHTS_EMBEDDED };
	tcc_weights *w;
	void *rw;

	ASSERT_EQ(0, wait_hugepages_idle()) TH_LOG("huge pages still in use after 5 s");
	ASSERT_EQ(0, read_long("/proc/sys/vm/nr_overcommit_hugepages")) TH_LOG("surplus huge pages are on");
	/* At most one page: a 4 MiB buffer (two) cannot be had, whatever else is freed meanwhile. */
	if (hugepages_pool_at_most(1)) {
		long total, free_, rsvd, surp;

		hugepages_counts(&total, &free_, &rsvd, &surp);
		ASSERT_TRUE(0) TH_LOG("the hugetlb pool did not shrink to 1 page in 5 s: total %ld, free %ld, reserved %ld, surplus %ld",
				      total, free_, rsvd, surp);
	}
	setenv("TCC_WEIGHTS_BACKING", "hugetlb", 1);
	ASSERT_EQ(TCC_OK, tcc_weights_create(&w, "emb-exhaust", 4 * MIB, &o));
	EXPECT_EQ(TCC_ERR_NO_MEMORY, tcc_weights_map_writable(w, &rw));
	tcc_weights_close(w);
}

TEST_F(knobs, embedded_thp_is_pmd_mapped_when_shmem_thp_is_advised)
{
	tcc_weights_info info;
	size_t pmd;

	ASSERT_EQ(0, tcc_write_file(SHMEM_THP, "advise"));
	pmd = roundtrip(_metadata, "emb-thp", 4 * MIB, TCC_WEIGHTS_EMBEDDED, &info);
	EXPECT_EQ(TCC_WEIGHTS_THP, info.backing);
	EXPECT_EQ(4 * MIB, pmd);
	printf("# embedded THP (shmem_enabled=advise): %zu of %zu bytes PMD-mapped\n", pmd, 4 * MIB);
	ASSERT_EQ(0, tcc_write_file(SHMEM_THP, "never"));
	pmd = roundtrip(_metadata, "emb-small", 4 * MIB, TCC_WEIGHTS_EMBEDDED, &info);
	EXPECT_EQ(TCC_WEIGHTS_SMALL_PAGES, info.backing);
	EXPECT_EQ(0, pmd);
}

TEST(module_backend_through_the_library)
{
	tcc_weights_info info, *list;
	size_t pmd, n, found = 0;

	pmd = roundtrip(_metadata, "lib-mod", 6 * MIB, TCC_WEIGHTS_MODULE, &info);
	EXPECT_EQ(TCC_WEIGHTS_MODULE, info.backend);
	EXPECT_EQ(TCC_WEIGHTS_CHUNKS, info.backing);
	EXPECT_EQ(3, info.huge_chunks);
	EXPECT_EQ(6 * MIB, pmd);
	printf("# module: %zu of %zu bytes PMD-mapped\n", pmd, 6 * MIB);
	/* closed everywhere: gone */
	ASSERT_EQ(TCC_OK, tcc_weights_list(TCC_WEIGHTS_MODULE, &list, &n));
	for (size_t i = 0; i < n; i++)
		found += !strcmp(list[i].name, "lib-mod");
	free(list);
	EXPECT_EQ(0, found);
	EXPECT_EQ(0, tcc_sysfs_u64("weights/count"));
}

TEST(module_packed_records_resident_and_unload)
{
	float a[5] = { 1, 2, 3, 4, 5 };
	tcc_weights_record rec = { .name = "fc.weight", .dtype = TCC_F32, .rank = 1,
				   .dims = { 5 }, .data = a, .nbytes = sizeof(a) };
	tcc_weights_options o = { .backend = TCC_WEIGHTS_AUTO, .resident = 1 };
	tcc_weights_record got;
	tcc_weights_info info;
	tcc_weights *w, *r;
	const void *img;

	ASSERT_EQ(TCC_OK, tcc_weights_load_records(&w, "lib-pack", &rec, 1, &o))
		TH_LOG("%s", tcc_last_error());
	tcc_weights_close(w);
	/* AUTO picked the module; resident keeps it with no holder */
	ASSERT_EQ(TCC_OK, tcc_weights_open(&r, "lib-pack", NULL));
	ASSERT_EQ(TCC_OK, tcc_weights_info_get(r, &info));
	EXPECT_EQ(TCC_WEIGHTS_MODULE, info.backend);
	EXPECT_TRUE(info.resident);
	ASSERT_EQ(TCC_OK, tcc_weights_map(r, &img));
	ASSERT_EQ(TCC_OK, tcc_weights_image_find(img, info.size, "fc.weight", &got));
	EXPECT_EQ(0, memcmp(got.data, a, sizeof(a)));
	EXPECT_EQ(TCC_OK, tcc_weights_unload(TCC_WEIGHTS_AUTO, "lib-pack"));
	EXPECT_EQ(TCC_ERR_NOT_FOUND, tcc_weights_unload(TCC_WEIGHTS_AUTO, "lib-pack"));
	tcc_weights_close(r);
	EXPECT_EQ(0, tcc_sysfs_u64("weights/count"));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: GPL-2.0
/*
 * tccctl against the loaded module: `status` and `bo list`, human and
 * --json, agree with the sysfs counters.  tests/kmod/run.sh puts tccctl at
 * /bin/tccctl in the guest; without it every test is skipped.
 */
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "tcc_test_util.h"

#define TCCCTL "/bin/tccctl"

static int tccctl(const char *args, char *out, size_t len)
{
	return tcc_run_tccctl(args, out, len);
}

FIXTURE(ctl) {
	int fd;
	char out[16384];
};

FIXTURE_SETUP(ctl)
{
	if (access(TCCCTL, X_OK))
		SKIP(return, "no " TCCCTL " in this guest");
	self->fd = tcc_test_open();
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(ctl)
{
	if (self->fd > 0)
		close(self->fd);
}

TEST_F(ctl, status_json_matches_sysfs)
{
	char want[128];

	ASSERT_EQ(0, tcc_bo_create(self->fd, 8192, 0, NULL));
	ASSERT_EQ(0, tcc_bo_create(self->fd, 4096, TCC_BO_PINNED, NULL));
	ASSERT_EQ(0, tccctl("--json status", self->out, sizeof(self->out))) TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, "\"loaded\": true"));
	snprintf(want, sizeof(want), "\"bo_count\": %llu",
		 (unsigned long long)tcc_sysfs_u64("bo_count"));
	EXPECT_NE(NULL, strstr(self->out, want)) TH_LOG("no '%s' in %s", want, self->out);
	snprintf(want, sizeof(want), "\"pinned_bytes\": %llu",
		 (unsigned long long)tcc_sysfs_u64("pinned_bytes"));
	EXPECT_NE(NULL, strstr(self->out, want)) TH_LOG("no '%s' in %s", want, self->out);
	EXPECT_NE(NULL, strstr(self->out, "\"pinned_limit_bytes\": "));
}

TEST_F(ctl, status_human_names_the_render_node)
{
	ASSERT_EQ(0, tccctl("status", self->out, sizeof(self->out))) TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, "tcc.ko loaded: /dev/dri/renderD")) TH_LOG("%s", self->out);
	EXPECT_NE(NULL, strstr(self->out, "pinned memory:"));
}

TEST_F(ctl, bo_list_shows_this_process_bos)
{
	char want[128];

	ASSERT_EQ(0, tcc_bo_create(self->fd, 3 * 4096, TCC_BO_PINNED, NULL));
	ASSERT_EQ(0, tccctl("--json bo list", self->out, sizeof(self->out))) TH_LOG("%s", self->out);
	snprintf(want, sizeof(want), "\"size\": 12288, \"flags\": 1, \"pinned\": true, "
		 "\"imported\": false, \"pid\": %d}", getpid());
	EXPECT_NE(NULL, strstr(self->out, want)) TH_LOG("no '%s' in %s", want, self->out);
	EXPECT_NE(NULL, strstr(self->out, "\"truncated\": false"));

	ASSERT_EQ(0, tccctl("bo list", self->out, sizeof(self->out)));
	snprintf(want, sizeof(want), "PINNED  yes    no       %d\n", getpid());
	EXPECT_NE(NULL, strstr(self->out, want)) TH_LOG("no '%s' in %s", want, self->out);
}

TEST_F(ctl, bo_list_says_when_sysfs_cut_it_short)
{
	for (int i = 0; i < 400; i++)
		ASSERT_EQ(0, tcc_bo_create(self->fd, 4096, 0, NULL));
	ASSERT_EQ(0, tccctl("--json bo list", self->out, sizeof(self->out)));
	EXPECT_NE(NULL, strstr(self->out, "\"truncated\": true")) TH_LOG("%s", self->out);
	ASSERT_EQ(0, tccctl("bo list", self->out, sizeof(self->out)));
	EXPECT_NE(NULL, strstr(self->out, "list cut short")) TH_LOG("%s", self->out);
}

TEST_F(ctl, usage_errors_exit_2_and_help_exits_0)
{
	EXPECT_EQ(2, tccctl("no-such-command", self->out, sizeof(self->out)));
	EXPECT_EQ(2, tccctl("bo frobnicate", self->out, sizeof(self->out)));
	EXPECT_EQ(2, tccctl("", self->out, sizeof(self->out)));
	EXPECT_EQ(0, tccctl("--help", self->out, sizeof(self->out)));
	EXPECT_NE(NULL, strstr(self->out, "usage: tccctl"));
}

TEST_HARNESS_MAIN

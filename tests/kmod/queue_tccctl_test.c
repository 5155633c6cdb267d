// SPDX-License-Identifier: GPL-2.0
/*
 * tccctl queues / queue N [--watch] / --json against the loaded module: the
 * numbers it prints are the queue's real counters after known work.
 * tests/kmod/run.sh puts tccctl at /bin/tccctl in the guest; without it
 * every test is skipped.
 */
#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "tcc_test_util.h"

#define TCCCTL "/bin/tccctl"

static int tccctl(const char *args, char *out, size_t len)
{
	return tcc_run_tccctl(args, out, len);
}

FIXTURE(qctl) {
	int fd;
	uint32_t q, bo;
	char out[16384];
};

/* A SIM queue that ran 5 jobs, 1 of them failed (injected). */
FIXTURE_SETUP(qctl)
{
	struct drm_tcc_queue_create c = { .engine = DRM_TCC_ENGINE_SIM, .priority = DRM_TCC_PRIO_HIGH };
	struct drm_tcc_cmd fill = { .op = DRM_TCC_CMD_FILL, .size = 64, .value = 1 };

	if (access(TCCCTL, X_OK))
		SKIP(return, "no " TCCCTL " in this guest");
	self->fd = tcc_test_open();
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(tcc_ioctl(self->fd, DRM_IOCTL_TCC_QUEUE_CREATE, &c), 0);
	self->q = c.queue_id;
	ASSERT_EQ(tcc_bo_create(self->fd, 4096, 0, &self->bo), 0);
	for (int i = 0; i < 5; i++) {
		struct drm_tcc_submit s = { .queue_id = self->q, .flags = DRM_TCC_SUBMIT_FENCE_FD_OUT,
			.cmds = (uintptr_t)&fill, .ncmds = 1, .bo_handles = (uintptr_t)&self->bo, .nbos = 1 };
		struct pollfd p;

		if (i == 4) {
			system("mount -t debugfs none /sys/kernel/debug 2>/dev/null");
			ASSERT_EQ(tcc_write_file("/sys/kernel/debug/tcc_sim/fail_next", "1"), 0);
		}
		ASSERT_EQ(tcc_ioctl(self->fd, DRM_IOCTL_TCC_SUBMIT, &s), 0);
		p = (struct pollfd){ .fd = s.out_fence_fd, .events = POLLIN };
		ASSERT_EQ(poll(&p, 1, 20000), 1);
		close(s.out_fence_fd);
	}
}

FIXTURE_TEARDOWN(qctl)
{
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * The row of the human table whose first word is @id, re-joined with single
 * spaces and without its last @drop words (the latencies vary), into @row.
 */
static bool table_row(const char *out, uint32_t id, int drop, char *row, size_t len)
{
	char idw[16];

	snprintf(idw, sizeof(idw), "%u", id);
	for (const char *p = out; *p;) {
		size_t n = strcspn(p, "\n");
		char line[512], *words[32], *save;
		int nw = 0;

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		p += n + (p[n] == '\n');
		for (char *w = strtok_r(line, " ", &save); w && nw < 32; w = strtok_r(NULL, " ", &save))
			words[nw++] = w;
		if (nw <= drop || strcmp(words[0], idw))
			continue;
		row[0] = '\0';
		for (int i = 0; i < nw - drop; i++)
			snprintf(row + strlen(row), len - strlen(row), "%s%s", i ? " " : "", words[i]);
		return true;
	}
	return false;
}

TEST_F(qctl, queues_lists_the_queue_with_its_counters)
{
	char want[128], row[256];

	ASSERT_EQ(tccctl("queues", self->out, sizeof(self->out)), 0) TH_LOG("%s", self->out);
	ASSERT_NE(strstr(self->out, "submitted"), NULL);
	ASSERT_NE(strstr(self->out, "executors ("), NULL);
	ASSERT_NE(strstr(self->out, "sim_executed="), NULL);
	/* id engine priority pid submitted completed failed timedout requeued inflight depth [p50 p99] */
	snprintf(want, sizeof(want), "%u sim high %d 5 4 1 0 0 0 0", self->q, getpid());
	ASSERT_TRUE(table_row(self->out, self->q, 2, row, sizeof(row))) TH_LOG("%s", self->out);
	EXPECT_STREQ(row, want);
}

TEST_F(qctl, json_queue_has_the_numbers)
{
	char args[64], want[160];

	snprintf(args, sizeof(args), "--json queue %u", self->q);
	ASSERT_EQ(tccctl(args, self->out, sizeof(self->out)), 0) TH_LOG("%s", self->out);
	snprintf(want, sizeof(want), "{\"id\": %u, \"engine\": \"sim\", \"priority\": \"high\", \"pid\": %d, "
		 "\"submitted\": 5, \"completed\": 4, \"failed\": 1, \"timedout\": 0, \"requeued\": 0, "
		 "\"inflight\": 0, \"depth\": 0", self->q, getpid());
	EXPECT_EQ(strncmp(self->out, want, strlen(want)), 0) TH_LOG("want '%s', got %s", want, self->out);
	ASSERT_EQ(tccctl("--json queues", self->out, sizeof(self->out)), 0);
	EXPECT_EQ(strncmp(self->out, "{\"queues\": [{", 13), 0) TH_LOG("%s", self->out);
	EXPECT_NE(strstr(self->out, "\"totals\": {\"sim_executed\": "), NULL) TH_LOG("%s", self->out);
}

TEST_F(qctl, watch_refreshes_and_unknown_queue_fails)
{
	char args[96];
	int n = 0;

	snprintf(args, sizeof(args), "--json queue %u --watch --interval 10 --count 3", self->q);
	ASSERT_EQ(tccctl(args, self->out, sizeof(self->out)), 0) TH_LOG("%s", self->out);
	for (char *p = self->out; (p = strstr(p, "\"submitted\": 5")); p++)
		n++;
	EXPECT_EQ(n, 3);
	EXPECT_EQ(tccctl("queue 4000000000", self->out, sizeof(self->out)), 1);
	EXPECT_NE(strstr(self->out, "no queue 4000000000"), NULL);
	EXPECT_EQ(tccctl("queue", self->out, sizeof(self->out)), 2);
	EXPECT_EQ(tccctl("queue 1 --interval 0", self->out, sizeof(self->out)), 2);
}

TEST_HARNESS_MAIN

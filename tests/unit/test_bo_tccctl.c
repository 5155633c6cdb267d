// SPDX-License-Identifier: MIT
/*
 * tccctl on a machine without tcc.ko (the CI host): it must say so clearly
 * and exit with its own status, in human and --json form.  The module-side
 * behaviour is tested in the QEMU guest (tests/kmod/tccctl_test.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dev/node.h"

static char tccctl_path[PATH_MAX];
static char out[8192];

/* Runs tccctl with @args (stdout and stderr into out); returns its exit status. */
static int run(const char *args)
{
	char cmd[PATH_MAX + 256];
	size_t n = 0;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "'%s' %s 2>&1", tccctl_path, args);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (n < sizeof(out) - 1 && fgets(out + n, (int)(sizeof(out) - n), p))
		n += strlen(out + n);
	out[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}


static void status_without_module_says_it_is_not_loaded_and_exits_3(void **state)
{
	char node[64];

	if (tcc_node_find(node, sizeof(node)) == 0)
		skip();
	assert_int_equal(run("status"), 3);
	assert_non_null(strstr(out, "tcc.ko is not loaded (no /dev/dri render node with driver 'tcc')"));
}

static void json_status_without_module_is_machine_readable(void **state)
{
	char node[64];

	if (tcc_node_find(node, sizeof(node)) == 0)
		skip();
	/* stdout carries the JSON object; the message also goes to stderr. */
	assert_int_equal(run("--json status"), 3);
	assert_non_null(strstr(out, "{\"loaded\": false, \"error\": \"tcc.ko is not loaded"));
	assert_int_equal(run("bo list --json"), 3);
	assert_non_null(strstr(out, "\n{\"loaded\": false, \"bos\": []}\n"));
}

static void usage_errors_exit_2(void **state)
{
	assert_int_equal(run(""), 2);
	assert_non_null(strstr(out, "usage: tccctl"));
	assert_int_equal(run("frobnicate"), 2);
	assert_non_null(strstr(out, "unknown command 'frobnicate'"));
	assert_int_equal(run("bo"), 2);
	assert_int_equal(run("status extra"), 2);
}

static void help_lists_every_command(void **state)
{
	assert_int_equal(run("--help"), 0);
	for (const char *c = "status\0bo list\0queues\0queue N\0weights\0store\0"; *c; c += strlen(c) + 1)
		assert_non_null(strstr(out, c));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(status_without_module_says_it_is_not_loaded_and_exits_3),
		cmocka_unit_test(json_status_without_module_is_machine_readable),
		cmocka_unit_test(usage_errors_exit_2),
		cmocka_unit_test(help_lists_every_command),
	};
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	/* build/tests/unit/test_bo_tccctl -> build/bin/tccctl */
	if (n <= 0)
		return 1;
	self[n] = '\0';
	snprintf(tccctl_path, sizeof(tccctl_path), "%s/../../bin/tccctl", dirname(self));
	return cmocka_run_group_tests_name("bo_tccctl", tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * The device layer's embedded default (include/tcc/bo.h without tcc.ko):
 * memfd-backed buffers, mlock for PINNED, sharing by passing the memfd.
 * Runs without root and without the module.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tcc/bo.h>
#include "dev/node.h"

#define PAGE ((size_t)sysconf(_SC_PAGESIZE))

static int open_embedded(void **state)
{
	tcc_device *dev;

	if (tcc_device_open(TCC_DEVICE_EMBEDDED, &dev) != TCC_OK)
		return -1;
	*state = dev;
	return 0;
}

static int close_device(void **state)
{
	tcc_device_close(*state);
	return 0;
}

static bool module_present(void)
{
	char node[64];

	return tcc_node_find(node, sizeof(node)) == 0;
}

static void embedded_device_says_what_it_is(void **state)
{
	assert_int_equal(tcc_device_backend(*state), TCC_DEVICE_EMBEDDED);
	assert_string_equal(tcc_device_name(*state), "embedded");
}

static void auto_without_the_module_is_embedded(void **state)
{
	tcc_device *dev;

	if (module_present())
		skip();
	unsetenv("TCC_DEVICE");
	assert_int_equal(tcc_device_open(TCC_DEVICE_AUTO, &dev), TCC_OK);
	assert_int_equal(tcc_device_backend(dev), TCC_DEVICE_EMBEDDED);
	tcc_device_close(dev);
}

static void demanding_the_module_without_it_says_it_is_not_loaded(void **state)
{
	tcc_device *dev = (tcc_device *)1;

	if (module_present())
		skip();
	assert_int_equal(tcc_device_open(TCC_DEVICE_MODULE, &dev), TCC_ERR_NO_DEVICE);
	assert_null(dev);
	assert_non_null(strstr(tcc_last_error(), "tcc.ko is not loaded"));
}

static void env_selects_the_backend_and_rejects_nonsense(void **state)
{
	tcc_device *dev;

	setenv("TCC_DEVICE", "embedded", 1);
	assert_int_equal(tcc_device_open(TCC_DEVICE_AUTO, &dev), TCC_OK);
	assert_int_equal(tcc_device_backend(dev), TCC_DEVICE_EMBEDDED);
	tcc_device_close(dev);
	setenv("TCC_DEVICE", "gpu", 1);
	assert_int_equal(tcc_device_open(TCC_DEVICE_AUTO, &dev), TCC_ERR_INVALID_ARG);
	assert_non_null(strstr(tcc_last_error(), "TCC_DEVICE='gpu'"));
	unsetenv("TCC_DEVICE");
	assert_int_equal(tcc_device_open((tcc_device_kind)42, &dev), TCC_ERR_INVALID_ARG);
}

static void create_rounds_up_to_pages_and_zero_fills(void **state)
{
	tcc_bo *bo;
	uint8_t *p, *again;

	assert_int_equal(tcc_bo_create(*state, PAGE + 1, 0, &bo), TCC_OK);
	assert_int_equal(tcc_bo_size(bo), 2 * PAGE);
	assert_false(tcc_bo_is_pinned(bo));
	assert_int_equal(tcc_bo_map(bo, (void **)&p), TCC_OK);
	for (size_t i = 0; i < 2 * PAGE; i++)
		assert_int_equal(p[i], 0);
	p[2 * PAGE - 1] = 0xee;
	assert_int_equal(tcc_bo_map(bo, (void **)&again), TCC_OK);
	assert_ptr_equal(p, again);
	tcc_bo_free(bo);
}

static void bad_sizes_and_flags_are_rejected(void **state)
{
	tcc_bo *bo = (tcc_bo *)1;

	assert_int_equal(tcc_bo_create(*state, 0, 0, &bo), TCC_ERR_INVALID_ARG);
	assert_null(bo);
	assert_int_equal(tcc_bo_create(*state, SIZE_MAX, 0, &bo), TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_bo_create(*state, SIZE_MAX - PAGE, 0, &bo), TCC_ERR_INVALID_ARG);
	assert_non_null(strstr(tcc_last_error(), "larger than this machine's memory"));
	assert_int_equal(tcc_bo_create(*state, PAGE, 1u << 5, &bo), TCC_ERR_INVALID_ARG);
	assert_non_null(strstr(tcc_last_error(), "unknown flags"));
	assert_int_equal(tcc_bo_create(*state, PAGE, TCC_BO_PIN_REQUIRED, &bo), TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_bo_create(NULL, PAGE, 0, &bo), TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_bo_create(*state, PAGE, 0, NULL), TCC_ERR_INVALID_ARG);
}

static void exported_memfd_shares_memory_and_its_size_is_sealed(void **state)
{
	tcc_bo *a, *b;
	uint8_t *pa, *pb;
	int fd;

	assert_int_equal(tcc_bo_create(*state, 3 * PAGE, 0, &a), TCC_OK);
	assert_int_equal(tcc_bo_export_fd(a, &fd), TCC_OK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	/* Nobody can shrink the buffer under an importer's mapping. */
	assert_int_equal(ftruncate(fd, PAGE), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(tcc_bo_import_fd(*state, fd, &b), TCC_OK);
	close(fd);
	assert_int_equal(tcc_bo_size(b), 3 * PAGE);
	assert_int_equal(tcc_bo_map(a, (void **)&pa), TCC_OK);
	assert_int_equal(tcc_bo_map(b, (void **)&pb), TCC_OK);
	pa[PAGE] = 17;
	assert_int_equal(pb[PAGE], 17);
	tcc_bo_free(a);
	/* The importer keeps the memory alive. */
	assert_int_equal(pb[PAGE], 17);
	tcc_bo_free(b);
}

static void another_process_sees_the_same_bytes(void **state)
{
	tcc_bo *bo;
	uint8_t *p;
	int fd, status;
	pid_t pid;

	assert_int_equal(tcc_bo_create(*state, PAGE, 0, &bo), TCC_OK);
	assert_int_equal(tcc_bo_map(bo, (void **)&p), TCC_OK);
	assert_int_equal(tcc_bo_export_fd(bo, &fd), TCC_OK);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* A fresh device in the child, as a separate program would have. */
		tcc_device *dev;
		tcc_bo *imp;
		uint8_t *q;

		if (tcc_device_open(TCC_DEVICE_EMBEDDED, &dev) || tcc_bo_import_fd(dev, fd, &imp) ||
		    tcc_bo_map(imp, (void **)&q))
			_exit(1);
		q[10] = 99;
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(p[10], 99);
	close(fd);
	tcc_bo_free(bo);
}

static void import_rejects_what_is_not_a_tcc_buffer(void **state)
{
	int pipes[2], loose, dirfd;
	tcc_bo *bo;
	char path[] = "/tmp/tcc-bo-test-XXXXXX";
	int file;

	assert_int_equal(tcc_bo_import_fd(*state, -1, &bo), TCC_ERR_INVALID_ARG);
	assert_int_equal(pipe(pipes), 0);
	assert_int_equal(tcc_bo_import_fd(*state, pipes[0], &bo), TCC_ERR_INVALID_ARG);
	close(pipes[0]);
	close(pipes[1]);
	/* A closed fd. */
	assert_int_equal(tcc_bo_import_fd(*state, pipes[0], &bo), TCC_ERR_INVALID_ARG);
	/* A memfd whose owner could still truncate it. */
	loose = memfd_create("loose", MFD_CLOEXEC);
	assert_true(loose >= 0);
	assert_int_equal(ftruncate(loose, PAGE), 0);
	assert_int_equal(tcc_bo_import_fd(*state, loose, &bo), TCC_ERR_INVALID_ARG);
	assert_non_null(strstr(tcc_last_error(), "not a tcc buffer"));
	close(loose);
	/* A regular file. */
	file = mkstemp(path);
	assert_true(file >= 0);
	unlink(path);
	assert_int_equal(ftruncate(file, PAGE), 0);
	assert_int_equal(tcc_bo_import_fd(*state, file, &bo), TCC_ERR_INVALID_ARG);
	close(file);
	dirfd = open("/", O_RDONLY | O_DIRECTORY);
	assert_int_equal(tcc_bo_import_fd(*state, dirfd, &bo), TCC_ERR_INVALID_ARG);
	close(dirfd);
}

static void pinned_buffer_is_locked_in_memory(void **state)
{
	struct rlimit rl;
	tcc_bo *bo;

	getrlimit(RLIMIT_MEMLOCK, &rl);
	if (geteuid() != 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 16 * PAGE)
		skip();	/* this environment allows no locking at all */
	assert_int_equal(tcc_bo_create(*state, 4 * PAGE, TCC_BO_PINNED | TCC_BO_PIN_REQUIRED, &bo),
			 TCC_OK);
	assert_true(tcc_bo_is_pinned(bo));
	tcc_bo_free(bo);
}

/* Make mlock() fail: no CAP_IPC_LOCK and a zero RLIMIT_MEMLOCK. */
static void forbid_mlock(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	struct rlimit zero = { 0, 0 };

	if (syscall(SYS_capget, &h, d) == 0) {
		d[CAP_IPC_LOCK / 32].effective &= ~(1u << (CAP_IPC_LOCK % 32));
		syscall(SYS_capset, &h, d);
	}
	setrlimit(RLIMIT_MEMLOCK, &zero);
}

/* In a child: a demanded pin fails, a requested one degrades to unpinned. */
static int pin_refusal_child(void)
{
	tcc_device *dev;
	tcc_bo *bo;
	uint8_t *p;

	forbid_mlock();
	if (tcc_device_open(TCC_DEVICE_EMBEDDED, &dev))
		return 10;
	if (tcc_bo_create(dev, 4 * PAGE, TCC_BO_PINNED | TCC_BO_PIN_REQUIRED, &bo) != TCC_ERR_NO_MEMORY)
		return 11;
	if (!strstr(tcc_last_error(), "mlock"))
		return 12;
	if (tcc_bo_create(dev, 4 * PAGE, TCC_BO_PINNED, &bo) != TCC_OK)
		return 13;
	if (tcc_bo_is_pinned(bo) || tcc_bo_map(bo, (void **)&p))
		return 14;
	p[0] = 1;
	tcc_bo_free(bo);
	tcc_device_close(dev);
	return 0;
}

static void refused_pin_fails_only_when_demanded(void **state)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(pin_refusal_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void null_buffers_are_harmless(void **state)
{
	int fd;
	void *p;

	tcc_bo_free(NULL);
	assert_int_equal(tcc_bo_size(NULL), 0);
	assert_false(tcc_bo_is_pinned(NULL));
	assert_int_equal(tcc_bo_export_fd(NULL, &fd), TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_bo_map(NULL, &p), TCC_ERR_INVALID_ARG);
	tcc_device_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(embedded_device_says_what_it_is, open_embedded, close_device),
		cmocka_unit_test(auto_without_the_module_is_embedded),
		cmocka_unit_test(demanding_the_module_without_it_says_it_is_not_loaded),
		cmocka_unit_test(env_selects_the_backend_and_rejects_nonsense),
		cmocka_unit_test_setup_teardown(create_rounds_up_to_pages_and_zero_fills, open_embedded, close_device),
		cmocka_unit_test_setup_teardown(bad_sizes_and_flags_are_rejected, open_embedded, close_device),
		cmocka_unit_test_setup_teardown(exported_memfd_shares_memory_and_its_size_is_sealed,
						open_embedded, close_device),
		cmocka_unit_test_setup_teardown(another_process_sees_the_same_bytes, open_embedded, close_device),
		cmocka_unit_test_setup_teardown(import_rejects_what_is_not_a_tcc_buffer, open_embedded, close_device),
		cmocka_unit_test_setup_teardown(pinned_buffer_is_locked_in_memory, open_embedded, close_device),
		cmocka_unit_test(refused_pin_fails_only_when_demanded),
		cmocka_unit_test(null_buffers_are_harmless),
	};
	return cmocka_run_group_tests_name("bo_embedded", tests, NULL, NULL);
}

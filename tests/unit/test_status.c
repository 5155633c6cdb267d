// SPDX-License-Identifier: MIT
/* tcc_status: names and the thread-local last-error message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>
#include <pthread.h>

#include <tcc/status.h>
#include "common/error.h"

static void status_names_are_stable(void **state)
{
	assert_string_equal(tcc_status_str(TCC_OK), "TCC_OK");
	assert_string_equal(tcc_status_str(TCC_ERR_PARSE), "TCC_ERR_PARSE");
	assert_string_equal(tcc_status_str((tcc_status)999), "TCC_ERR_UNKNOWN");
}

static void set_error_returns_status_and_formats_message(void **state)
{
	assert_int_equal(tcc_set_error(TCC_ERR_PARSE, "node '%s': %d", "Conv_3", 7), TCC_ERR_PARSE);
	assert_string_equal(tcc_last_error(), "node 'Conv_3': 7");
	assert_int_equal(tcc_set_errno(TCC_ERR_IO, ENOENT, "open %s", "x.onnx"), TCC_ERR_IO);
	assert_string_equal(tcc_last_error(), "open x.onnx: No such file or directory");
	tcc_clear_error();
	assert_string_equal(tcc_last_error(), "");
}

static void *fail_in_thread(void *arg)
{
	tcc_set_error(TCC_ERR_TIMEOUT, "other thread");
	return NULL;
}

static void last_error_is_per_thread(void **state)
{
	pthread_t t;

	tcc_set_error(TCC_ERR_PARSE, "main thread");
	assert_int_equal(pthread_create(&t, NULL, fail_in_thread, NULL), 0);
	pthread_join(t, NULL);
	assert_string_equal(tcc_last_error(), "main thread");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(status_names_are_stable),
		cmocka_unit_test(set_error_returns_status_and_formats_message),
		cmocka_unit_test(last_error_is_per_thread),
	};
	return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}

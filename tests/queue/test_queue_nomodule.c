// SPDX-License-Identifier: MIT
/* Asking for the tcc.ko queue backend where the module is not loaded: a clear error, no crash. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <tcc/queue.h>

static int module_loaded(void)
{
	tcc_device *dev;

	if (tcc_device_open(TCC_DEVICE_MODULE, &dev) != TCC_OK)
		return 0;
	tcc_device_close(dev);
	return 1;
}

static void kmod_backend_without_module_says_so(void **state)
{
	tcc_queue *q = (tcc_queue *)&q;
	tcc_device *dev = (tcc_device *)&dev;

	if (module_loaded())
		skip();	/* this machine has tcc.ko: tests/kmod covers that case */
	setenv("TCC_QUEUE_BACKEND", "kmod", 1);
	assert_int_equal(tcc_queue_create(TCC_ENGINE_SIM, TCC_PRIO_NORMAL, &q), TCC_ERR_NO_DEVICE);
	assert_null(q);
	assert_non_null(strstr(tcc_last_error(), "queue device"));
	assert_string_equal(tcc_queue_backend(), "none");
	assert_int_equal(tcc_queue_device(&dev), TCC_ERR_NO_DEVICE);
	assert_null(dev);
	assert_int_equal(tcc_executor_run(), TCC_ERR_NO_DEVICE);
	tcc_executor_stop();	/* harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kmod_backend_without_module_says_so),
	};
	return cmocka_run_group_tests_name("queue_nomodule", tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * Weight buffers, user-level behaviour.  Runs on the embedded backend by
 * default; TCC_WEIGHTS_TEST_BACKEND=module runs the same cases on tcc.ko.
 * Several processes take part through fork(): children report with their
 * exit status (no cmocka in a child).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tcc/weights.h>
#include "weights/packed.h"

#define MIB ((size_t)1 << 20)

static tcc_weights_options opts;

static const char *name_of(const char *what)
{
	static char buf[4][64];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "wt-%d-%s", (int)getpid(), what);
	return buf[k];
}

static unsigned char pattern(size_t i)
{
	return (unsigned char)(i * 131 + (i >> 12) * 7 + 1);
}

/* Create, fill with pattern() and seal; the handle stays open. */
static tcc_weights *make_sealed(const char *name, size_t size)
{
	tcc_weights *w;
	void *p;
	size_t i;

	assert_int_equal(tcc_weights_create(&w, name, size, &opts), TCC_OK);
	assert_int_equal(tcc_weights_map_writable(w, &p), TCC_OK);
	for (i = 0; i < size; i++)
		((unsigned char *)p)[i] = pattern(i);
	assert_int_equal(tcc_weights_seal(w), TCC_OK);
	return w;
}

static int listed(const char *name, tcc_weights_info *out)
{
	tcc_weights_info *list;
	size_t n, i;
	int found = 0;

	if (tcc_weights_list(opts.backend, &list, &n) != TCC_OK)
		return -1;
	for (i = 0; i < n; i++)
		if (!strcmp(list[i].name, name)) {
			found = 1;
			if (out)
				*out = list[i];
		}
	free(list);
	return found;
}

/* The name goes asynchronously after the last close (the keeper notices the EOF). */
static int gone_within(const char *name, int ms)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < ms / 10; i++) {
		if (listed(name, NULL) == 0)
			return 1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

static int wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

static void names_are_validated(void **state)
{
	char longname[TCC_WEIGHTS_NAME_MAX + 2];
	tcc_weights *w = (void *)1;

	assert_int_equal(tcc_weights_check_name("resnet50-v1.5_int8"), TCC_OK);
	assert_int_equal(tcc_weights_check_name(""), TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_weights_check_name(NULL), TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_weights_check_name(".hidden"), TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_weights_check_name("-flag"), TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_weights_check_name("a/b"), TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_weights_check_name("a b"), TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_weights_check_name("caf\xc3\xa9"), TCC_ERR_INVALID_ARG);
	memset(longname, 'a', sizeof(longname));
	longname[TCC_WEIGHTS_NAME_MAX] = '\0';
	assert_int_equal(tcc_weights_check_name(longname), TCC_OK);
	longname[TCC_WEIGHTS_NAME_MAX] = 'a';
	longname[TCC_WEIGHTS_NAME_MAX + 1] = '\0';
	assert_int_equal(tcc_weights_check_name(longname), TCC_ERR_INVALID_ARG);
	assert_non_null(strstr(tcc_last_error(), "longer"));
	/* create and open apply the same rule before touching anything */
	assert_int_equal(tcc_weights_create(&w, "../etc", MIB, &opts), TCC_ERR_INVALID_ARG);
	assert_null(w);
	assert_int_equal(tcc_weights_open(&w, "a\nb", &opts), TCC_ERR_INVALID_ARG);
	assert_null(w);
}

static void bad_sizes_are_refused(void **state)
{
	tcc_weights *w;

	assert_int_equal(tcc_weights_create(&w, name_of("zero"), 0, &opts), TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_weights_create(&w, name_of("max"), SIZE_MAX, &opts),
			 TCC_ERR_NO_MEMORY);
	/* more than the machine has: refused up front, not at the first fault */
	assert_int_equal(tcc_weights_create(&w, name_of("huge"), (size_t)1 << 50, &opts),
			 TCC_ERR_NO_MEMORY);
	assert_null(w);
	assert_int_equal(listed(name_of("huge"), NULL), 0);
}

/* Children open by name, map, and check every byte; the creator has closed by then. */
static void several_processes_share_one_sealed_buffer(void **state)
{
	const char *name = name_of("shared");
	const size_t size = 3 * MIB + 123;
	tcc_weights *w = make_sealed(name, size);
	pid_t kids[4];
	int i;

	for (i = 0; i < 4; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			tcc_weights *r;
			tcc_weights_info info;
			const unsigned char *p;
			size_t j;

			if (tcc_weights_open(&r, name, &opts) != TCC_OK)
				_exit(10);
			if (tcc_weights_map(r, (const void **)&p) != TCC_OK)
				_exit(11);
			if ((uintptr_t)p % (2 * MIB))
				_exit(12);
			if (tcc_weights_info_get(r, &info) != TCC_OK || info.size != size ||
			    !info.sealed)
				_exit(13);
			for (j = 0; j < size; j++)
				if (p[j] != pattern(j))
					_exit(14);
			tcc_weights_close(r);
			_exit(0);
		}
	}
	tcc_weights_close(w);	/* children hold it from here */
	for (i = 0; i < 4; i++)
		assert_int_equal(wait_child(kids[i]), 0);
	assert_true(gone_within(name, 2000));
}

static void writes_after_seal_fail(void **state)
{
	const char *name = name_of("sealed");
	tcc_weights *w = make_sealed(name, MIB), *r;
	const unsigned char *p;
	void *rw;
	char byte = 1;

	assert_int_equal(tcc_weights_write(w, 0, &byte, 1), TCC_ERR_PERMISSION);
	assert_int_equal(tcc_weights_map_writable(w, &rw), TCC_ERR_PERMISSION);
	assert_int_equal(tcc_weights_open(&r, name, &opts), TCC_OK);
	assert_int_equal(tcc_weights_write(r, 0, &byte, 1), TCC_ERR_PERMISSION);
	assert_int_equal(tcc_weights_seal(r), TCC_ERR_PERMISSION);
	assert_int_equal(tcc_weights_map(r, (const void **)&p), TCC_OK);
	assert_int_equal(p[0], pattern(0));
	tcc_weights_close(r);
	tcc_weights_close(w);
	assert_true(gone_within(name, 2000));
}

/*
 * The mapping cannot be made writable, a store into it faults, and not even
 * reopening the file behind it read-write gets past the seals.
 */
static void sealed_mapping_is_read_only(void **state)
{
	const char *name = name_of("ro");
	tcc_weights *w = make_sealed(name, 2 * MIB), *r;
	const unsigned char *p;
	pid_t pid;

	assert_int_equal(tcc_weights_open(&r, name, &opts), TCC_OK);
	assert_int_equal(tcc_weights_map(r, (const void **)&p), TCC_OK);
	assert_int_equal(mprotect((void *)p, 2 * MIB, PROT_READ | PROT_WRITE), -1);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);	/* cmocka's handler would resume the tests in here */
		((volatile unsigned char *)p)[100] = 0;
		_exit(0);
	}
	assert_int_equal(wait_child(pid), 128 + SIGSEGV);

	if (opts.backend != TCC_WEIGHTS_MODULE) {
		/* the memfd behind the mapping, reopened O_RDWR through /proc */
		char lnk[320], target[256];
		struct dirent *de;
		DIR *d = opendir("/proc/self/fd");
		int tried = 0, fd;

		assert_non_null(d);
		while ((de = readdir(d))) {
			ssize_t n;

			snprintf(lnk, sizeof(lnk), "/proc/self/fd/%s", de->d_name);
			n = readlink(lnk, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = '\0';
			if (!strstr(target, name))
				continue;
			fd = open(lnk, O_RDWR);
			if (fd < 0)
				continue;
			tried++;
			assert_int_equal(pwrite(fd, "x", 1, 0), -1);
			assert_int_equal(errno, EPERM);
			assert_true(mmap(NULL, 2 * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) ==
				    MAP_FAILED);
			assert_int_equal(ftruncate(fd, 0), -1);
			close(fd);
		}
		closedir(d);
		assert_true(tried > 0);
	}
	assert_int_equal(p[100], pattern(100));
	tcc_weights_close(r);
	tcc_weights_close(w);
}

static void names_collide(void **state)
{
	const char *name = name_of("dup");
	tcc_weights *a, *b = (void *)1;

	/* while the first is still being filled ... */
	assert_int_equal(tcc_weights_create(&a, name, MIB, &opts), TCC_OK);
	assert_int_equal(tcc_weights_create(&b, name, MIB, &opts), TCC_ERR_EXISTS);
	assert_null(b);
	/* ... and once it is sealed, also from another process */
	assert_int_equal(tcc_weights_seal(a), TCC_OK);
	assert_int_equal(tcc_weights_create(&b, name, 2 * MIB, &opts), TCC_ERR_EXISTS);
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(tcc_weights_create(&b, name, MIB, &opts) == TCC_ERR_EXISTS ? 0 : 1);
	assert_int_equal(wait_child(pid), 0);
	tcc_weights_close(a);
	assert_true(gone_within(name, 2000));
	/* free again once the last holder is gone */
	assert_int_equal(tcc_weights_create(&b, name, MIB, &opts), TCC_OK);
	tcc_weights_close(b);
}

static void unsealed_buffers_cannot_be_opened_or_mapped(void **state)
{
	const char *name = name_of("unsealed");
	tcc_weights *w, *r = (void *)1;
	const void *p;

	assert_int_equal(tcc_weights_create(&w, name, MIB, &opts), TCC_OK);
	assert_int_equal(tcc_weights_open(&r, name, &opts), TCC_ERR_NOT_FOUND);
	assert_null(r);
	assert_int_equal(tcc_weights_map(w, &p), TCC_ERR_BUSY);
	assert_int_equal(tcc_weights_write(w, MIB - 1, "ab", 2), TCC_ERR_INVALID_ARG);
	assert_int_equal(tcc_weights_write(w, MIB - 2, "ab", 2), TCC_OK);
	tcc_weights_close(w);
	assert_int_equal(tcc_weights_open(&r, "wt-no-such-name", &opts), TCC_ERR_NOT_FOUND);
}

/*
 * The creator fills half the buffer and is killed before sealing: the name is
 * free again at once and nothing of it is left (no name, no process, no file).
 */
static void creator_dying_before_seal_leaves_nothing(void **state)
{
	const char *name = name_of("dies");
	tcc_weights_info info;
	tcc_weights *w;
	int ready[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		void *p;

		if (tcc_weights_create(&w, name, 4 * MIB, &opts) != TCC_OK ||
		    tcc_weights_map_writable(w, &p) != TCC_OK)
			_exit(1);
		memset(p, 0xab, 2 * MIB);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	assert_int_equal(listed(name, &info), 1);
	assert_false(info.sealed);
	assert_int_equal(tcc_weights_open(&w, name, &opts), TCC_ERR_NOT_FOUND);

	kill(pid, SIGKILL);
	assert_int_equal(wait_child(pid), 128 + SIGKILL);
	assert_true(gone_within(name, 2000));
	assert_int_equal(tcc_weights_create(&w, name, MIB, &opts), TCC_OK);
	tcc_weights_close(w);
}

/* Resident buffers outlive their holders until unloaded; mappings outlive unload. */
static void resident_until_unloaded(void **state)
{
	const char *name = name_of("resident");
	tcc_weights_options ro = opts;
	tcc_weights_info info;
	tcc_weights *w, *r;
	const unsigned char *p;
	void *rw;

	ro.resident = 1;
	assert_int_equal(tcc_weights_create(&w, name, MIB, &ro), TCC_OK);
	assert_int_equal(tcc_weights_map_writable(w, &rw), TCC_OK);
	memset(rw, 0x5a, MIB);
	assert_int_equal(tcc_weights_seal(w), TCC_OK);
	tcc_weights_close(w);
	usleep(50 * 1000);
	assert_int_equal(listed(name, &info), 1);
	assert_true(info.resident);
	assert_true(info.sealed);
	assert_int_equal(info.size, MIB);

	assert_int_equal(tcc_weights_open(&r, name, &opts), TCC_OK);
	assert_int_equal(tcc_weights_map(r, (const void **)&p), TCC_OK);
	assert_int_equal(tcc_weights_unload(opts.backend, name), TCC_OK);
	assert_int_equal(tcc_weights_open(&w, name, &opts), TCC_ERR_NOT_FOUND);
	assert_int_equal(listed(name, NULL), 0);
	assert_int_equal(p[MIB - 1], 0x5a);	/* still mapped, still intact */
	tcc_weights_close(r);
	assert_int_equal(tcc_weights_unload(opts.backend, name), TCC_ERR_NOT_FOUND);
}

/* Another user is refused: the keeper checks its peer's credentials. */
static void other_users_are_refused(void **state)
{
	const char *name = name_of("uid");
	tcc_weights *w;
	pid_t pid;

	if (geteuid() != 0)
		skip();	/* needs root to become nobody */
	w = make_sealed(name, MIB);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		tcc_weights *r;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		if (opts.backend == TCC_WEIGHTS_MODULE)
			_exit(tcc_weights_open(&r, name, &opts) == TCC_ERR_PERMISSION ? 0 : 3);
		/*
		 * Embedded names are per user, so nobody's own lookup cannot see
		 * root's buffer; go straight at root's keeper address instead.
		 */
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		struct { uint32_t magic, op; } req = { 0x4b574354u, 1 };
		char reply[64], cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { reply, sizeof(reply) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf) };
		int s = socket(AF_UNIX, SOCK_STREAM, 0), n, err;

		n = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "tcc-weights/0/%s", name);
		if (connect(s, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path) + 1 + n))
			_exit(4);
		if (send(s, &req, sizeof(req), 0) != sizeof(req))
			_exit(5);
		if (recvmsg(s, &m, 0) < 8)
			_exit(6);
		memcpy(&err, reply + 4, sizeof(err));
		_exit(err == EACCES && m.msg_controllen == 0 ? 0 :
		      tcc_weights_open(&r, name, &opts) == TCC_ERR_NOT_FOUND ? 7 : 8);
	}
	assert_int_equal(wait_child(pid), 0);
	tcc_weights_close(w);
}

/*
 * Where the system offers huge pages for this backing, a touched mapping is
 * PMD-mapped; otherwise say why and skip (shmem THP "never", no hugetlb pool).
 */
static void huge_pages_are_used_when_available(void **state)
{
	const char *name = name_of("huge");
	tcc_weights *w = make_sealed(name, 4 * MIB), *r;
	tcc_weights_info info;
	const volatile unsigned char *p;
	size_t pmd = 0, i;
	unsigned int sum = 0;

	assert_int_equal(tcc_weights_info_get(w, &info), TCC_OK);
	print_message("# backing: %s\n", tcc_weights_backing_str(info.backing));
	if (info.backing == TCC_WEIGHTS_SMALL_PAGES) {
		tcc_weights_close(w);
		skip();
	}
	assert_int_equal(tcc_weights_open(&r, name, &opts), TCC_OK);
	assert_int_equal(tcc_weights_map(r, (const void **)&p), TCC_OK);
	for (i = 0; i < 4 * MIB; i += 4096)
		sum += p[i];
	assert_int_equal(tcc_weights_pmd_mapped_bytes((const void *)p, &pmd), TCC_OK);
	print_message("# PMD-mapped: %zu of %zu bytes (sum %u)\n", pmd, 4 * MIB, sum);
	assert_true(pmd >= 2 * MIB);
	tcc_weights_close(r);
	tcc_weights_close(w);
}

/* A pool with no free huge pages: the mapping fails cleanly with NO_MEMORY. */
static void exhausted_hugetlb_pool_fails_cleanly(void **state)
{
	const char *name = name_of("exhaust");
	FILE *f = fopen("/proc/meminfo", "r");
	unsigned long long freep = 1, v;
	char line[128];
	tcc_weights *w;
	void *p;
	tcc_status st;

	if (opts.backend == TCC_WEIGHTS_MODULE)
		skip();	/* the module's exhaustion case lives in tests/kmod */
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "HugePages_Free: %llu", &v) == 1)
			freep = v;
	if (f)
		fclose(f);
	if (freep != 0)
		skip();	/* a reserved pool exists: we would only be testing its size */
	setenv("TCC_WEIGHTS_BACKING", "hugetlb", 1);
	st = tcc_weights_create(&w, name, 4 * MIB, &opts);
	if (st == TCC_OK) {
		st = tcc_weights_map_writable(w, &p);
		tcc_weights_close(w);
	}
	unsetenv("TCC_WEIGHTS_BACKING");
	if (st == TCC_ERR_UNSUPPORTED) {
		print_message("# %s\n", tcc_last_error());
		skip();	/* a kernel without hugetlbfs */
	}
	assert_int_equal(st, TCC_ERR_NO_MEMORY);
	assert_true(gone_within(name, 2000));
}

static void packed_records_are_found_in_place(void **state)
{
	const char *name = name_of("pack");
	float a[6] = { 1, 2, 3, 4, 5, 6 };
	int64_t b[3] = { -1, 0, 7 };
	tcc_weights_record recs[2] = {
		{ .name = "layer0.weight", .dtype = TCC_F32, .rank = 2, .dims = { 2, 3 },
		  .data = a, .nbytes = sizeof(a) },
		{ .name = "layer0.bias", .dtype = TCC_I64, .rank = 1, .dims = { 3 },
		  .data = b, .nbytes = sizeof(b) },
	};
	tcc_weights_record got;
	tcc_weights_info info;
	tcc_weights *w, *r;
	const void *img;
	size_t n;

	assert_int_equal(tcc_weights_load_records(&w, name, recs, 2, &opts), TCC_OK);
	assert_int_equal(tcc_weights_open(&r, name, &opts), TCC_OK);
	assert_int_equal(tcc_weights_map(r, &img), TCC_OK);
	assert_int_equal(tcc_weights_info_get(r, &info), TCC_OK);
	assert_int_equal(tcc_weights_image_count(img, info.size, &n), TCC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(tcc_weights_image_find(img, info.size, "layer0.bias", &got), TCC_OK);
	assert_int_equal(got.dtype, TCC_I64);
	assert_int_equal(got.rank, 1);
	assert_int_equal(got.dims[0], 3);
	assert_int_equal(got.nbytes, sizeof(b));
	assert_memory_equal(got.data, b, sizeof(b));
	/* in place: the pointer is inside the shared mapping, 64-byte aligned */
	assert_true((const char *)got.data > (const char *)img &&
		    (const char *)got.data < (const char *)img + info.size);
	assert_int_equal((uintptr_t)got.data % 64, 0);
	assert_int_equal(tcc_weights_image_at(img, info.size, 0, &got), TCC_OK);
	assert_string_equal(got.name, "layer0.weight");
	assert_memory_equal(got.data, a, sizeof(a));
	assert_int_equal(tcc_weights_image_find(img, info.size, "nope", &got), TCC_ERR_NOT_FOUND);
	tcc_weights_close(r);
	tcc_weights_close(w);
}

/* A model's initializers packed by name, read in place by every process. */
static void onnx_initializers_are_loaded_once(void **state)
{
	const char *path = getenv("TCC_WEIGHTS_TEST_ONNX");
	const char *name = name_of("onnx"), *packed_name = name_of("onnx-packed");
	tcc_weights_record got;
	tcc_weights_info info;
	tcc_weights *w, *r;
	const float *f;
	const void *img;
	pid_t pid;

	if (!path || !*path) {
		print_message("# no test model (python3-onnx missing?)\n");
		skip();
	}
	assert_int_equal(tcc_weights_load_onnx(&w, name, "/nonexistent.onnx", &opts),
			 TCC_ERR_NOT_FOUND);
	/* By default W, read only by its MatMul, is stored pre-packed alone; B stays plain. */
	assert_int_equal(tcc_weights_load_onnx(&w, packed_name, path, &opts), TCC_OK);
	assert_int_equal(tcc_weights_map(w, &img), TCC_OK);
	assert_int_equal(tcc_weights_info_get(w, &info), TCC_OK);
	assert_int_equal(tcc_weights_image_find(img, info.size, "W", &got), TCC_ERR_NOT_FOUND);
	assert_int_equal(tcc_weights_image_find(img, info.size, "W@packed", &got), TCC_OK);
	assert_int_equal(tcc_weights_image_find(img, info.size, "B", &got), TCC_OK);
	tcc_weights_close(w);
	/* keep_plain: every initializer as in the file, readable by any process. */
	tcc_weights_options keep = opts;

	keep.keep_plain = 1;
	assert_int_equal(tcc_weights_load_onnx(&w, name, path, &keep), TCC_OK);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (tcc_weights_open(&r, name, &opts) || tcc_weights_map(r, &img) ||
		    tcc_weights_info_get(r, &info) ||
		    tcc_weights_image_find(img, info.size, "W", &got))
			_exit(1);
		f = got.data;
		if (got.dtype != TCC_F32 || got.rank != 2 || got.dims[0] != 4 || got.dims[1] != 3 ||
		    got.nbytes != 48 || f[0] != 0.0f || f[5] != 1.25f || f[11] != 2.75f)
			_exit(2);
		if (tcc_weights_image_find(img, info.size, "B", &got) || got.nbytes != 12 ||
		    ((const float *)got.data)[0] != -1.0f)
			_exit(3);
		_exit(0);
	}
	assert_int_equal(wait_child(pid), 0);
	tcc_weights_close(w);
}

static void malformed_images_are_rejected(void **state)
{
	float a[4] = { 1, 2, 3, 4 };
	tcc_weights_record rec = { .name = "w", .dtype = TCC_F32, .rank = 1, .dims = { 4 },
				   .data = a, .nbytes = sizeof(a) };
	unsigned char img[512], bad[512];
	tcc_weights_record got;
	size_t size, i;

	assert_int_equal(tcc_weights_pack_size(&rec, 1, &size), TCC_OK);
	assert_true(size <= sizeof(img));
	assert_int_equal(tcc_weights_pack(img, sizeof(img), &rec, 1), TCC_OK);
	assert_int_equal(tcc_weights_image_find(img, size, "w", &got), TCC_OK);
	assert_int_equal(tcc_weights_image_find(img, 16, "w", &got), TCC_ERR_PARSE);
	/* every single corrupted header/index byte is either rejected or harmless */
	for (i = 0; i < 64 + 112; i++) {
		tcc_status st;

		memcpy(bad, img, size);
		bad[i] ^= 0xff;
		st = tcc_weights_image_find(bad, size, "w", &got);
		if (st == TCC_OK) {
			assert_true((const unsigned char *)got.data >= bad &&
				    (const unsigned char *)got.data + got.nbytes <= bad + size);
		} else {
			assert_true(st == TCC_ERR_PARSE || st == TCC_ERR_NOT_FOUND);
		}
	}
	rec.rank = 9;
	assert_int_equal(tcc_weights_pack_size(&rec, 1, &size), TCC_ERR_INVALID_ARG);
}

/*
 * Every record carries the digest of its name, dtype, dims and bytes: the
 * same values pass, one changed byte anywhere is named; images of the
 * format before digests (TCCWPK01) are refused saying so.
 */
static void records_carry_content_digests(void **state)
{
	static float a[4096], b[4096];
	tcc_weights_record rec[2] = {
		{ .name = "w", .dtype = TCC_F32, .rank = 2, .dims = { 64, 64 }, .data = a, .nbytes = sizeof(a) },
		{ .name = "v", .dtype = TCC_F32, .rank = 1, .dims = { 4096 }, .data = b, .nbytes = sizeof(b) },
	};
	static unsigned char img[80 * 1024];
	static float model[4096];
	uint64_t d1, d2;
	size_t size;

	for (int i = 0; i < 4096; i++)
		a[i] = (float)i, b[i] = (float)-i;
	assert_int_equal(tcc_weights_pack_size(rec, 2, &size), TCC_OK);
	assert_true(size <= sizeof(img));
	assert_int_equal(tcc_weights_pack(img, sizeof(img), rec, 2), TCC_OK);
	memcpy(model, a, sizeof(a));
	assert_int_equal(tcc_weights_image_verify(img, size, "w", model, sizeof(model)), TCC_OK);
	model[1000] += 1;	/* one value, between any two sample windows */
	assert_int_equal(tcc_weights_image_verify(img, size, "w", model, sizeof(model)), TCC_ERR_INVALID_ARG);
	assert_non_null(strstr(tcc_last_error(), "initializer 'w'"));
	assert_int_equal(tcc_weights_image_verify(img, size, "v", b, sizeof(b)), TCC_OK);
	assert_int_equal(tcc_weights_image_verify(img, size, "u", b, sizeof(b)), TCC_ERR_NOT_FOUND);
	/* The whole image's digest moves with any record's values. */
	assert_int_equal(tcc_weights_image_model_digest(img, size, &d1), TCC_OK);
	b[7] = 1;
	assert_int_equal(tcc_weights_pack(img, sizeof(img), rec, 2), TCC_OK);
	assert_int_equal(tcc_weights_image_model_digest(img, size, &d2), TCC_OK);
	assert_true(d1 != d2);
	/* The dims are part of a record's digest, not only its bytes. */
	assert_true(tcc_weights_record_digest("w", TCC_F32, 2, (const int64_t[]){ 64, 64 }, a, sizeof(a)) !=
		    tcc_weights_record_digest("w", TCC_F32, 2, (const int64_t[]){ 32, 128 }, a, sizeof(a)));
	/* An image of the previous format. */
	memcpy(img, "TCCWPK01", 8);
	assert_int_equal(tcc_weights_image_verify(img, size, "w", a, sizeof(a)), TCC_ERR_PARSE);
	assert_non_null(strstr(tcc_last_error(), "older tcc"));
	tcc_weights_record got;
	assert_int_equal(tcc_weights_image_find(img, size, "w", &got), TCC_ERR_PARSE);
}

/* After everything above: no fd of ours left open, none of our names left. */
static void nothing_leaks(void **state)
{
	int before = count_fds();
	const char *name = name_of("leak");
	tcc_weights *w = make_sealed(name, MIB), *r;
	const void *p;
	tcc_weights_info *list;
	size_t n, i;
	char prefix[32];

	assert_int_equal(tcc_weights_open(&r, name, &opts), TCC_OK);
	assert_int_equal(tcc_weights_map(r, &p), TCC_OK);
	tcc_weights_close(r);
	tcc_weights_close(w);
	assert_int_equal(count_fds(), before);
	assert_true(gone_within(name, 2000));
	snprintf(prefix, sizeof(prefix), "wt-%d-", (int)getpid());
	assert_int_equal(tcc_weights_list(opts.backend, &list, &n), TCC_OK);
	for (i = 0; i < n; i++)
		if (!strncmp(list[i].name, prefix, strlen(prefix)))
			fail_msg("left behind: %s", list[i].name);
	free(list);
}

int main(void)
{
	const char *b = getenv("TCC_WEIGHTS_TEST_BACKEND");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_are_validated),
		cmocka_unit_test(bad_sizes_are_refused),
		cmocka_unit_test(several_processes_share_one_sealed_buffer),
		cmocka_unit_test(writes_after_seal_fail),
		cmocka_unit_test(sealed_mapping_is_read_only),
		cmocka_unit_test(names_collide),
		cmocka_unit_test(unsealed_buffers_cannot_be_opened_or_mapped),
		cmocka_unit_test(creator_dying_before_seal_leaves_nothing),
		cmocka_unit_test(resident_until_unloaded),
		cmocka_unit_test(other_users_are_refused),
		cmocka_unit_test(huge_pages_are_used_when_available),
		cmocka_unit_test(exhausted_hugetlb_pool_fails_cleanly),
		cmocka_unit_test(packed_records_are_found_in_place),
		cmocka_unit_test(onnx_initializers_are_loaded_once),
		cmocka_unit_test(malformed_images_are_rejected),
		cmocka_unit_test(records_carry_content_digests),
		cmocka_unit_test(nothing_leaks),
	};

	opts.backend = b && !strcmp(b, "module") ? TCC_WEIGHTS_MODULE : TCC_WEIGHTS_EMBEDDED;
	return cmocka_run_group_tests_name(opts.backend == TCC_WEIGHTS_MODULE ? "weights-module" :
					   "weights-embedded", tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * TensorProto -> tensor data: raw_data, the typed repeated fields, and
 * external data files.  Every size in the file is checked against what the
 * dims imply before anything is copied.
 */
#include "onnx/onnx.h"
#include "common/error.h"
#include "onnx/onnx.pb-c.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

tcc_status onnx_tensor_shape(const Onnx__TensorProto *tp, tv *out, size_t *nbytes)
{
	const char *name = tp->name ? tp->name : "";
	int64_t n = 1;

	if (!tp->has_data_type)
		return tcc_set_error(TCC_ERR_PARSE, "tensor '%s': no data_type", name);
	out->dtype = (tcc_dtype)tp->data_type;
	if (out->dtype == TCC_STRING || tcc_dtype_size(out->dtype) == 0)
		return tcc_set_error(TCC_ERR_UNSUPPORTED, "tensor '%s': data type %d is not supported",
				     name, tp->data_type);
	if (tp->n_dims > TCC_MAX_RANK)
		return tcc_set_error(TCC_ERR_UNSUPPORTED, "tensor '%s': rank %zu exceeds %d", name,
				     tp->n_dims, TCC_MAX_RANK);
	out->rank = (int)tp->n_dims;
	for (size_t i = 0; i < tp->n_dims; i++) {
		if (tp->dims[i] < 0)
			return tcc_set_error(TCC_ERR_PARSE, "tensor '%s': negative dim %lld", name,
					     (long long)tp->dims[i]);
		if (tp->dims[i] && n > (INT64_MAX >> 4) / tp->dims[i])
			return tcc_set_error(TCC_ERR_PARSE, "tensor '%s': element count overflows", name);
		out->dims[i] = tp->dims[i];
		n *= tp->dims[i];
	}
	*nbytes = (size_t)n * tcc_dtype_size(out->dtype);
	return TCC_OK;
}

/* External data must stay inside the model's directory: no absolute paths, no "..". */
static bool location_is_safe(const char *loc)
{
	if (!loc[0] || loc[0] == '/')
		return false;
	for (const char *p = loc; *p; p = strchr(p, '/') ? strchr(p, '/') + 1 : p + strlen(p))
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || p[2] == '\0'))
			return false;
	return true;
}

/* Why an open of external data failed, in words a model author can act on. */
static const char *open_failure(int e)
{
	switch (e) {
	case ELOOP:
		return "is or passes through a symbolic link (not followed for external data)";
	case EXDEV:
		return "resolves outside the model's directory";
	case ENOTDIR:
		return "a path component is not a directory";
	default:
		return strerror(e);
	}
}

/*
 * Open @loc beneath directory @dirfd without following any symlink, as
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) does.  For kernels before
 * 5.6 (or a seccomp filter that refuses openat2): one openat() with
 * O_NOFOLLOW per component, ".." refused (location_is_safe() already did).
 * O_NONBLOCK: a FIFO must not block the load waiting for a writer.
 */
static int open_beneath(int dirfd, const char *loc)
{
	const int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	struct open_how how = { .flags = (uint64_t)flags,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
	long fd = syscall(SYS_openat2, dirfd, loc, &how, sizeof(how));

	if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
		return (int)fd;
	char part[PATH_MAX];
	const char *p = loc;
	int cur = dup(dirfd);

	while (cur >= 0) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len >= sizeof(part)) {
			close(cur);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(part, p, len);
		part[len] = 0;
		if (!slash)	/* the file itself */
			break;
		p = slash + 1;
		if (len == 0 || !strcmp(part, "."))
			continue;
		int next = openat(cur, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		struct stat st;

		/* O_DIRECTORY | O_NOFOLLOW on a symlink says ENOTDIR: report the link. */
		if (next < 0 && e == ENOTDIR && !fstatat(cur, part, &st, AT_SYMLINK_NOFOLLOW) && S_ISLNK(st.st_mode))
			e = ELOOP;

		close(cur);
		errno = e;
		cur = next;
	}
	if (cur < 0)
		return -1;
	int f = openat(cur, part, flags | O_NOFOLLOW);
	int e = errno;

	close(cur);
	errno = e;
	return f;
}

static tcc_status read_external(const Onnx__TensorProto *tp, const char *base_dir, void *dst,
				size_t nbytes)
{
	const char *name = tp->name ? tp->name : "";
	const char *loc = NULL;
	long long off = 0, len = -1;
	struct stat stbuf;
	int fd, dirfd;

	for (size_t i = 0; i < tp->n_external_data; i++) {
		const Onnx__StringStringEntryProto *e = tp->external_data[i];
		char *end;

		if (!e->key || !e->value)
			continue;
		if (!strcmp(e->key, "location")) {
			loc = e->value;
		} else if (!strcmp(e->key, "offset") || !strcmp(e->key, "length")) {
			errno = 0;
			long long v = strtoll(e->value, &end, 10);

			if (errno || *end || v < 0)
				return tcc_set_error(TCC_ERR_PARSE, "tensor '%s': bad external %s '%s'",
						     name, e->key, e->value);
			*(!strcmp(e->key, "offset") ? &off : &len) = v;
		}
	}
	if (!base_dir)
		return tcc_set_error(TCC_ERR_UNSUPPORTED,
				     "tensor '%s': external data needs a model loaded from a file", name);
	if (!loc || !location_is_safe(loc))
		return tcc_set_error(TCC_ERR_PARSE, "tensor '%s': bad external data location '%s'",
				     name, loc ? loc : "(none)");
	if (len >= 0 && (unsigned long long)len != nbytes)
		return tcc_set_error(TCC_ERR_PARSE, "tensor '%s': external length %lld, dims need %zu",
				     name, len, nbytes);
	/* The model's directory is the root every location is resolved beneath. */
	dirfd = open(base_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return tcc_set_errno(TCC_ERR_IO, errno, "tensor '%s': model directory '%s'", name, base_dir);
	fd = open_beneath(dirfd, loc);
	int open_errno = errno;

	close(dirfd);
	if (fd < 0)
		return tcc_set_error(open_errno == ENOENT ? TCC_ERR_IO : TCC_ERR_PARSE,
				     "tensor '%s': external data '%s' in '%s': %s", name, loc, base_dir,
				     open_failure(open_errno));
	if (fstat(fd, &stbuf) != 0 || !S_ISREG(stbuf.st_mode)) {
		close(fd);
		return tcc_set_error(TCC_ERR_PARSE, "tensor '%s': external data '%s' is not a regular file",
				     name, loc);
	}
	/* off <= size and size - off >= nbytes: no sum that could overflow. */
	if ((unsigned long long)off > (unsigned long long)stbuf.st_size ||
	    (unsigned long long)stbuf.st_size - (unsigned long long)off < nbytes) {
		close(fd);
		return tcc_set_error(TCC_ERR_PARSE,
				     "tensor '%s': external data '%s' has %lld bytes, too short for offset %lld + %zu bytes",
				     name, loc, (long long)stbuf.st_size, off, nbytes);
	}
	size_t done = 0;

	while (done < nbytes) {
		ssize_t r = pread(fd, (char *)dst + done, nbytes - done, (off_t)(off + (long long)done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = r < 0 ? errno : EIO;

			close(fd);
			return tcc_set_errno(TCC_ERR_IO, e, "tensor '%s': reading '%s'", name, loc);
		}
		done += (size_t)r;
	}
	close(fd);
	return TCC_OK;
}

/* Copies n typed values into dst with the element type of the tensor. */
#define COPY_FIELD(FIELD, CNT)							\
	do {									\
		if (tp->CNT != count)						\
			goto count_mismatch;					\
		for (size_t i = 0; i < count; i++)				\
			store(out->dtype, dst, i, tp->FIELD[i]);		\
	} while (0)

static void store(tcc_dtype t, void *dst, size_t i, double v)
{
	tcc_store_f64(t, dst, (int64_t)i, v);
}

tcc_status onnx_tensor_to_tv(Onnx__TensorProto *tp, const char *base_dir, tv *out)
{
	const char *name = tp->name ? tp->name : "";
	size_t nbytes = 0, count;
	void *dst;
	tcc_status st;

	memset(out, 0, sizeof(*out));
	st = onnx_tensor_shape(tp, out, &nbytes);
	if (st)
		return st;
	count = nbytes / tcc_dtype_size(out->dtype);
	if (tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
		dst = malloc(nbytes ? nbytes : 1);
		if (!dst)
			return tcc_set_error(TCC_ERR_NO_MEMORY, "tensor '%s': %zu bytes", name, nbytes);
		st = read_external(tp, base_dir, dst, nbytes);
		if (st) {
			free(dst);
			return st;
		}
		out->data = dst;
		return TCC_OK;
	}
	if (tp->has_raw_data) {
		if (tp->raw_data.len != nbytes)
			return tcc_set_error(TCC_ERR_PARSE, "tensor '%s': raw_data has %zu bytes, dims need %zu",
					     name, tp->raw_data.len, nbytes);
		/* Take the buffer protobuf-c allocated instead of copying it. */
		if (nbytes) {
			out->data = tp->raw_data.data;
			tp->raw_data.data = NULL;
			tp->raw_data.len = 0;
			tp->has_raw_data = 0;
		} else {
			out->data = malloc(1);
		}
		return out->data ? TCC_OK : tcc_set_error(TCC_ERR_NO_MEMORY, "tensor '%s'", name);
	}
	dst = malloc(nbytes ? nbytes : 1);
	if (!dst)
		return tcc_set_error(TCC_ERR_NO_MEMORY, "tensor '%s': %zu bytes", name, nbytes);
	switch (out->dtype) {
	case TCC_F32:
		COPY_FIELD(float_data, n_float_data);
		break;
	case TCC_F64:
		COPY_FIELD(double_data, n_double_data);
		break;
	case TCC_I64:
		if (tp->n_int64_data != count)
			goto count_mismatch;
		memcpy(dst, tp->int64_data, nbytes);
		break;
	case TCC_U32: case TCC_U64:
		if (tp->n_uint64_data != count)
			goto count_mismatch;
		for (size_t i = 0; i < count; i++)
			tcc_store_i64(out->dtype, dst, (int64_t)i, (int64_t)tp->uint64_data[i]);
		break;
	case TCC_F16: case TCC_BF16:
		/* Stored as the raw 16-bit patterns in int32_data. */
		if (tp->n_int32_data != count)
			goto count_mismatch;
		for (size_t i = 0; i < count; i++)
			((uint16_t *)dst)[i] = (uint16_t)tp->int32_data[i];
		break;
	default:
		if (tp->n_int32_data != count)
			goto count_mismatch;
		for (size_t i = 0; i < count; i++)
			tcc_store_i64(out->dtype, dst, (int64_t)i, tp->int32_data[i]);
		break;
	}
	out->data = dst;
	return TCC_OK;
count_mismatch:
	free(dst);
	return tcc_set_error(TCC_ERR_PARSE, "tensor '%s': stored element count does not match dims (%zu)",
			     name, count);
}

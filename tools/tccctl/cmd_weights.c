// SPDX-License-Identifier: MIT
/*
 * tccctl weights: list, load and unload weight buffers through libtccml's
 * tcc_weights_* API, so the same commands work on tcc.ko and, without it,
 * on the embedded backend (the caller's own buffers).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tcc/weights.h>

#include "tccctl.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tccctl weights list [--json]\n"
		"       tccctl weights load NAME FILE [--onnx [--keep-plain|--plain-only] [--bf16]] [--resident] [--mode OCTAL]\n"
		"       tccctl weights unload NAME\n"
		"options: --backend module|embedded (default: tcc.ko when loaded)\n"
		"\n"
		"load copies FILE into a sealed buffer NAME (--onnx: the model's\n"
		"initializers, packed with an index; MatMul/Gemm/Conv weights in the\n"
		"layout oneDNN runs them in on this host, instead of the file's:\n"
		"--keep-plain keeps the file's layout too, --plain-only only that;\n"
		"--bf16 packs for workers that run with tcc_options.bf16 / tcc-run --bf16).\n"
		"With --resident it stays until unload (tcc.ko: needs CAP_SYS_ADMIN);\n"
		"without, tccctl holds it until interrupted.  unload drops the name\n"
		"and the pin: mappings keep the memory until they go.\n");
}

static const char *backend_str(tcc_weights_backend b)
{
	return b == TCC_WEIGHTS_MODULE ? "module" : "embedded";
}

static int fail(tcc_status st, const char *what)
{
	fprintf(stderr, "tccctl weights %s: %s (%s)\n", what, tcc_last_error(), tcc_status_str(st));
	return st == TCC_ERR_NO_DEVICE ? TCCCTL_EXIT_NO_MODULE : TCCCTL_EXIT_ERROR;
}

/*
 * The pids mapping @name, from tcc.ko's sysfs weights/mapper_pids ("name pid
 * pid ..." lines), into @out as "pid,pid" ("" for none or without the module).
 */
static void mapper_pids(const char *sysfs, const char *name, char *out, size_t len)
{
	static char buf[8192];
	struct tccctl_device dev;
	char *save = NULL, *line;
	size_t n = strlen(name);

	out[0] = '\0';
	if (!sysfs)
		return;
	memset(&dev, 0, sizeof(dev));
	snprintf(dev.sysfs, sizeof(dev.sysfs), "%s", sysfs);

	if (tccctl_sysfs_read(&dev, "weights/mapper_pids", buf, sizeof(buf)))
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, name, n) || line[n] != ' ')
			continue;
		snprintf(out, len, "%s", line + n + 1);
		for (char *c = out; *c; c++)
			if (*c == ' ')
				*c = ',';
		return;
	}
}

static int list(tcc_weights_backend backend)
{
	struct tccctl_device dev;
	const char *sysfs = NULL;
	char pids[512];
	tcc_weights_info *l;
	char sz[32];
	size_t n, i;
	tcc_status st;

	st = tcc_weights_list(backend, &l, &n);
	if (st)
		return fail(st, "list");
	/* The list came from tcc.ko, so its node exists: its sysfs has the pids. */
	if (n && l[0].backend == TCC_WEIGHTS_MODULE && tccctl_find_device(&dev) == 0)
		sysfs = dev.sysfs;
	if (tccctl_json) {
		printf("{\"weights\": [");
		for (i = 0; i < n; i++) {
			printf("%s{\"name\": ", i ? ", " : "");
			tccctl_json_str(stdout, l[i].name);
			printf(", \"backend\": \"%s\", \"size\": %zu, \"alloc_size\": %zu, "
			       "\"backing\": \"%s\", \"huge_chunks\": %zu, \"small_chunks\": %zu, "
			       "\"sealed\": %s, \"resident\": %s, \"holders\": %u, \"mappers\": %u, "
			       "\"uid\": %u, \"gid\": %u, \"mode\": \"%04o\", \"mapper_pids\": [",
			       backend_str(l[i].backend), l[i].size, l[i].alloc_size,
			       tcc_weights_backing_str(l[i].backing), l[i].huge_chunks,
			       l[i].small_chunks, l[i].sealed ? "true" : "false",
			       l[i].resident ? "true" : "false", l[i].holders, l[i].mappers,
			       (unsigned int)l[i].uid, (unsigned int)l[i].gid, l[i].mode);
			mapper_pids(sysfs, l[i].name, pids, sizeof(pids));
			printf("%s]}", pids);
		}
		printf("]}\n");
	} else {
		printf("%-24s %-8s %11s  %-11s %5s %5s %7s %7s %-8s %5s %4s  %s\n", "NAME",
		       "BACKEND", "SIZE", "BACKING", "HUGE", "SMALL", "HOLDERS", "MAPPERS", "STATE",
		       "UID", "MODE", "PIDS");
		for (i = 0; i < n; i++) {
			mapper_pids(sysfs, l[i].name, pids, sizeof(pids));
			printf("%-24s %-8s %11s  %-11s %5zu %5zu %7u %7u %-8s %5u %04o  %s\n",
			       l[i].name,
			       backend_str(l[i].backend),
			       tccctl_human_bytes(l[i].size, sz, sizeof(sz)),
			       tcc_weights_backing_str(l[i].backing), l[i].huge_chunks,
			       l[i].small_chunks, l[i].holders, l[i].mappers,
			       !l[i].sealed ? "filling" : l[i].resident ? "resident" : "sealed",
			       (unsigned int)l[i].uid, l[i].mode, pids[0] ? pids : "-");
		}
	}
	free(l);
	return TCCCTL_EXIT_OK;
}

/* Read all of @fd into @dst (a mapping of exactly @size bytes). */
static int read_all(int fd, void *dst, size_t size)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = read(fd, (char *)dst + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

/* Report, hold @w until told to stop unless resident, close. */
static int loaded(tcc_weights *w, const char *name, const tcc_weights_options *o)
{
	tcc_weights_info info;
	sigset_t set;
	int sig;

	tcc_weights_info_get(w, &info);
	printf("loaded %s: %zu bytes (%s, %zu huge chunks)%s\n", name, info.size,
	       tcc_weights_backing_str(info.backing), info.huge_chunks,
	       o->resident ? ", resident" : "");
	if (!o->resident) {
		/* Nobody else holds it yet: keep it alive until told to stop. */
		printf("holding %s until interrupted (use --resident to detach)\n", name);
		fflush(stdout);
		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGHUP);
		sigprocmask(SIG_BLOCK, &set, NULL);
		sigwait(&set, &sig);
	}
	tcc_weights_close(w);
	return TCCCTL_EXIT_OK;
}

static int load_onnx(const char *name, const char *path, tcc_weights_options *o)
{
	tcc_weights *w;
	tcc_status st = tcc_weights_load_onnx(&w, name, path, o);

	return st ? fail(st, "load") : loaded(w, name, o);
}

static int load(const char *name, const char *path, tcc_weights_options *o)
{
	struct stat sb;
	tcc_weights *w;
	tcc_status st;
	void *dst;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0) {
		fprintf(stderr, "tccctl weights load: %s: %s\n", path, strerror(errno));
		return TCCCTL_EXIT_ERROR;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size == 0) {
		fprintf(stderr, "tccctl weights load: %s: not a non-empty regular file\n", path);
		close(fd);
		return TCCCTL_EXIT_ERROR;
	}
	st = tcc_weights_create(&w, name, (size_t)sb.st_size, o);
	if (st) {
		close(fd);
		return fail(st, "load");
	}
	st = tcc_weights_map_writable(w, &dst);
	if (st) {
		close(fd);
		tcc_weights_close(w);
		return fail(st, "load");
	}
	rc = read_all(fd, dst, (size_t)sb.st_size);
	close(fd);
	if (rc) {
		fprintf(stderr, "tccctl weights load: reading %s: %s\n", path, strerror(-rc));
		tcc_weights_close(w);	/* never sealed: the name and memory go */
		return TCCCTL_EXIT_ERROR;
	}
	st = tcc_weights_seal(w);
	if (st) {
		tcc_weights_close(w);
		return fail(st, "load");
	}
	return loaded(w, name, o);
}

int tccctl_cmd_weights(int argc, char **argv)
{
	tcc_weights_options o = { .backend = TCC_WEIGHTS_AUTO, .mode = 0644 };
	char *pos[3];
	int npos = 0, i, onnx = 0;
	tcc_status st;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--resident")) {
			o.resident = 1;
		} else if (!strcmp(argv[i], "--onnx")) {
			onnx = 1;
		} else if (!strcmp(argv[i], "--keep-plain")) {
			o.keep_plain = 1;
		} else if (!strcmp(argv[i], "--plain-only")) {
			o.plain_only = 1;
		} else if (!strcmp(argv[i], "--bf16")) {
			o.bf16 = 1;
		} else if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
			char *end;
			unsigned long m = strtoul(argv[++i], &end, 8);

			if (*end || m > 0777) {
				fprintf(stderr, "tccctl weights: --mode wants octal 0..0777\n");
				return TCCCTL_EXIT_USAGE;
			}
			o.mode = (unsigned int)m;
		} else if (!strcmp(argv[i], "--backend") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "module"))
				o.backend = TCC_WEIGHTS_MODULE;
			else if (!strcmp(argv[i], "embedded"))
				o.backend = TCC_WEIGHTS_EMBEDDED;
			else {
				fprintf(stderr, "tccctl weights: --backend module|embedded\n");
				return TCCCTL_EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return TCCCTL_EXIT_OK;
		} else if (argv[i][0] == '-' || npos == 3) {
			usage(stderr);
			return TCCCTL_EXIT_USAGE;
		} else {
			pos[npos++] = argv[i];
		}
	}
	if (npos == 1 && !strcmp(pos[0], "list"))
		return list(o.backend);
	if (npos == 3 && !strcmp(pos[0], "load"))
		return onnx ? load_onnx(pos[1], pos[2], &o) : load(pos[1], pos[2], &o);
	if (npos == 2 && !strcmp(pos[0], "unload")) {
		st = tcc_weights_unload(o.backend, pos[1]);
		if (st)
			return fail(st, "unload");
		printf("unloaded %s\n", pos[1]);
		return TCCCTL_EXIT_OK;
	}
	usage(stderr);
	return TCCCTL_EXIT_USAGE;
}

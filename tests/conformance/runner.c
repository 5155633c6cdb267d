// SPDX-License-Identifier: MIT
/*
 * ONNX backend conformance runner: one process for the whole suite that runs
 * every test of the manifest (written by convert.py) through libtccml's public
 * model API and prints TAP.
 *
 * Each test runs in a forked child of its own process group: a crash is
 * recorded as a failure naming the phase it happened in, a test running past
 * the per-test timeout is killed (with any compiler it spawned) and failed,
 * and the suite's time budget turns the tests it could not reach into
 * failures, never into silently lost counts.  Children run --jobs at a time;
 * results are printed in manifest order.
 *
 * usage: runner [--manifest F] [--known F] [--summary F] [--log F] [--jobs N] [--timeout S]
 *               [--budget S] [--threads T] [--opt-level L] [--mem-mb M] [--no-target]
 *               [GLOB...]   (only tests whose "dir/name" matches a GLOB)
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compare.h"
#include "known.h"
#include "manifest.h"
#include "run_test.h"
#include "summary.h"

#define MAX_JOBS 64

struct config {
	const char *manifest, *summary, *log, *known;
	int jobs, timeout_s, budget_s, mem_mb;
	int target;		/* 1: judge the target; 0: report it as SKIP */
	struct run_opts run;
	char **globs;
	int n_globs;
};

struct slot {
	pid_t pid;
	int fd;
	int test;		/* position in the run order */
	double start;
	int timed_out;
	char line[1400];	/* partial line being received */
	size_t len;
	char phase[256];
	char verdict[1300];	/* "pass ...", "fail ..." or "unsupported ..." */
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int selected(const struct config *cfg, const struct conf_test *t)
{
	if (!cfg->n_globs)
		return 1;
	char full[512];
	snprintf(full, sizeof(full), "%s/%s", t->dir, t->name);
	for (int i = 0; i < cfg->n_globs; i++)
		if (!fnmatch(cfg->globs[i], full, 0))
			return 1;
	return 0;
}

static void set_result(struct result *r, enum outcome o, const char *reason, double secs)
{
	r->outcome = o;
	snprintf(r->reason, sizeof(r->reason), "%s", reason ? reason : "");
	r->seconds = secs;
}

/*
 * Fault injection for run.sh's check of this runner's isolation:
 * TCC_CONFORMANCE_INJECT="crash:GLOB,hang:GLOB,exit:GLOB" makes the child of a
 * matching test crash, hang or exit without a verdict instead of running it.
 */
static void inject_fault(const struct conf_test *t, int fd)
{
	const char *spec = getenv("TCC_CONFORMANCE_INJECT");
	char full[512], buf[1024], *save = NULL;
	if (!spec)
		return;
	snprintf(full, sizeof(full), "%s/%s", t->dir, t->name);
	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *glob = strchr(tok, ':');
		if (!glob || fnmatch(glob + 1, full, 0))
			continue;
		*glob = '\0';
		dprintf(fd, "P injected %s\n", tok);
		if (!strcmp(tok, "crash"))
			raise(SIGSEGV);
		if (!strcmp(tok, "hang"))
			for (;;)
				pause();
		if (!strcmp(tok, "exit"))
			_exit(3);
	}
}

static void child_main(const struct config *cfg, const struct conf_test *t, int fd, int log_fd)
{
	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	if (log_fd >= 0) {
		dprintf(log_fd, "=== %s/%s\n", t->dir, t->name);
		dup2(log_fd, STDOUT_FILENO);
		dup2(log_fd, STDERR_FILENO);
		close(log_fd);
	}
	if (cfg->mem_mb > 0) {
		struct rlimit rl = { .rlim_cur = (rlim_t)cfg->mem_mb << 20, .rlim_max = (rlim_t)cfg->mem_mb << 20 };
		setrlimit(RLIMIT_AS, &rl);
	}
	inject_fault(t, fd);
	run_test(t, &cfg->run, fd);
	fflush(NULL);
	_exit(0);
}

static int spawn(const struct config *cfg, const struct manifest *m, int idx, int pos, struct slot *s,
		 int log_fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC))
		return -1;
	fcntl(p[0], F_SETFL, O_NONBLOCK);	/* the parent's reads never block the suite */
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		child_main(cfg, &m->tests[idx], p[1], log_fd);
	}
	setpgid(pid, pid);	/* also here: no race with a kill before the child ran */
	close(p[1]);
	memset(s, 0, sizeof(*s));
	s->pid = pid;
	s->fd = p[0];
	s->test = pos;
	s->start = now();
	snprintf(s->phase, sizeof(s->phase), "start-up");
	return 0;
}

static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void take_line(struct slot *s)
{
	s->line[s->len] = '\0';
	if (!strncmp(s->line, "P ", 2))
		copy_str(s->phase, sizeof(s->phase), s->line + 2);
	else if (!strncmp(s->line, "V ", 2))
		copy_str(s->verdict, sizeof(s->verdict), s->line + 2);
	s->len = 0;
}

/* Reads what the child sent; returns 1 at end of file. */
static int drain(struct slot *s)
{
	char buf[4096];
	ssize_t n = read(s->fd, buf, sizeof(buf));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : 1;
	if (n == 0)
		return 1;
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n')
			take_line(s);
		else if (s->len < sizeof(s->line) - 1)
			s->line[s->len++] = buf[i];
	}
	return 0;
}

/*
 * Reaps the child once its pipe is closed.  Never blocks: a child that closed
 * the pipe but lives on is still subject to the timeout.  Returns 1 when the
 * result is recorded.
 */
static int finish(const struct config *cfg, struct slot *s, struct result *r)
{
	int status = 0;
	pid_t got = waitpid(s->pid, &status, WNOHANG);
	if (got == 0 || (got < 0 && errno == EINTR))
		return 0;
	kill(-s->pid, SIGKILL);	/* anything the test left behind in its group */
	double secs = now() - s->start;
	char why[1400];
	if (s->timed_out) {
		snprintf(why, sizeof(why), "timed out after %d s during %s", cfg->timeout_s, s->phase);
		set_result(r, OUT_FAIL, why, secs);
	} else if (WIFSIGNALED(status)) {
		snprintf(why, sizeof(why), "crashed with %s during %s", strsignal(WTERMSIG(status)), s->phase);
		set_result(r, OUT_FAIL, why, secs);
	} else if (!s->verdict[0]) {
		snprintf(why, sizeof(why), "exited with status %d during %s without a verdict",
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1, s->phase);
		set_result(r, OUT_FAIL, why, secs);
	} else if (!strncmp(s->verdict, "pass", 4)) {
		set_result(r, OUT_PASS, "", secs);
	} else if (!strncmp(s->verdict, "unsupported ", 12)) {
		set_result(r, OUT_UNSUPPORTED, s->verdict + 12, secs);
	} else {
		set_result(r, OUT_FAIL, s->verdict + (strncmp(s->verdict, "fail ", 5) ? 0 : 5), secs);
	}
	return 1;
}

/* TAP descriptions are one line and must not contain '#' (it starts a directive). */
static void tap_clean(const char *in, char *out, size_t len)
{
	size_t j = 0;
	for (size_t i = 0; in[i] && j + 1 < len; i++)
		out[j++] = in[i] == '#' ? '%' : (in[i] == '\n' || in[i] == '\r') ? ' ' : in[i];
	out[j] = '\0';
}

static void print_result(int n, const struct conf_test *t, const struct result *r)
{
	char why[1400], evidence[600];
	tap_clean(r->reason, why, sizeof(why));
	if (r->outcome == OUT_FAIL && r->known) {
		tap_clean(r->known, evidence, sizeof(evidence));
		printf("not ok %d - %s/%s: %s # TODO known test-data defect: %s\n", n, t->dir, t->name, why,
		       evidence);
		fflush(stdout);
		return;
	}
	switch (r->outcome) {
	case OUT_PASS:
		printf("ok %d - %s/%s\n", n, t->dir, t->name);
		break;
	case OUT_UNSUPPORTED:
		printf("ok %d - %s/%s # SKIP unsupported: %s\n", n, t->dir, t->name, why);
		break;
	default:
		printf("not ok %d - %s/%s: %s\n", n, t->dir, t->name, why);
	}
	fflush(stdout);
}

static void mark_known(const struct known_list *known, const struct conf_test *t, struct result *r)
{
	char full[512];
	snprintf(full, sizeof(full), "%s/%s", t->dir, t->name);
	const struct known_defect *k = r->outcome == OUT_FAIL ? known_match(known, full, r->reason) : NULL;
	r->known = k ? k->evidence : NULL;
}

static void run_all(const struct config *cfg, const struct manifest *m, const struct known_list *known,
		    struct result *res, int *order, int n_sel)
{
	struct slot slots[MAX_JOBS];
	int active = 0, next = 0, printed = 0;
	int log_fd = cfg->log ? open(cfg->log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644) : -1;
	double deadline = now() + cfg->budget_s;

	while (printed < n_sel) {
		while (active < cfg->jobs && next < n_sel) {
			int idx = order[next];
			const struct conf_test *t = &m->tests[idx];
			char why[600];
			if (t->skip_reason) {
				snprintf(why, sizeof(why), "test data not representable as tcc tensors: %s",
					 t->skip_reason);
				set_result(&res[next++], OUT_UNSUPPORTED, why, 0);
			} else if (cfg->budget_s > 0 && now() > deadline) {
				snprintf(why, sizeof(why), "not run: the suite's %d s time budget ran out",
					 cfg->budget_s);
				set_result(&res[next++], OUT_FAIL, why, 0);
			} else if (spawn(cfg, m, idx, next, &slots[active], log_fd)) {
				snprintf(why, sizeof(why), "runner could not fork: %s", strerror(errno));
				set_result(&res[next++], OUT_FAIL, why, 0);
			} else {
				active++;
				next++;
			}
		}
		while (printed < next && res[printed].outcome != OUT_PENDING) {
			mark_known(known, &m->tests[order[printed]], &res[printed]);
			print_result(printed + 1, &m->tests[order[printed]], &res[printed]);
			printed++;
		}
		if (!active)
			continue;

		struct pollfd pfd[MAX_JOBS];
		double t_now = now(), wait_s = 1.0;
		for (int i = 0; i < active; i++) {
			/* A closed pipe (fd -1) is ignored by poll; its child is being reaped. */
			pfd[i] = (struct pollfd){ .fd = slots[i].fd, .events = POLLIN };
			double left = slots[i].start + cfg->timeout_s - t_now;
			if (!slots[i].timed_out && left < wait_s)
				wait_s = left > 0 ? left : 0;
			if (slots[i].fd < 0 && wait_s > 0.005)
				wait_s = 0.005;
		}
		if (poll(pfd, (nfds_t)active, (int)(wait_s * 1000) + 1) < 0 && errno != EINTR) {
			perror("poll");
			exit(2);
		}
		t_now = now();
		for (int i = 0; i < active; i++) {
			struct slot *s = &slots[i];
			if (!s->timed_out && t_now - s->start > cfg->timeout_s) {
				s->timed_out = 1;
				kill(-s->pid, SIGKILL);
			}
			if (s->fd >= 0 && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) && drain(s)) {
				close(s->fd);
				s->fd = -1;
			}
			if (s->fd >= 0 || !finish(cfg, s, &res[s->test]))
				continue;
			slots[i] = slots[--active];
			pfd[i] = pfd[active];
			i--;
		}
	}
	if (log_fd >= 0)
		close(log_fd);
}

static int env_int(const char *name, int dflt)
{
	const char *v = getenv(name);
	return v && *v ? atoi(v) : dflt;
}

static void usage(void)
{
	fprintf(stderr, "usage: runner [--manifest F] [--known F] [--summary F] [--log F] [--jobs N] [--timeout S] [--budget S]\n"
			"              [--threads T] [--opt-level L] [--mem-mb M] [--no-target] [GLOB...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct config cfg = {
		.manifest = "build/conformance/manifest.tsv",
		.summary = "build/conformance/summary.json",
		.log = "build/conformance/runner.log",
		.jobs = cpus > 0 ? (int)cpus : 1,
		.timeout_s = 60, .budget_s = 540, .mem_mb = 4096,
		.target = env_int("TCC_CONFORMANCE_TARGET", 1),
		.run = { .threads = 1, .opt_level = 1, .rtol = CONF_RTOL, .atol = CONF_ATOL },
	};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--no-target")) { cfg.target = 0; continue; }
		if (a[0] != '-') { cfg.globs = &argv[i]; cfg.n_globs = argc - i; break; }
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--manifest")) cfg.manifest = v;
		else if (!strcmp(a, "--known")) cfg.known = v;
		else if (!strcmp(a, "--summary")) cfg.summary = v;
		else if (!strcmp(a, "--log")) cfg.log = v;
		else if (!strcmp(a, "--jobs")) cfg.jobs = atoi(v);
		else if (!strcmp(a, "--timeout")) cfg.timeout_s = atoi(v);
		else if (!strcmp(a, "--budget")) cfg.budget_s = atoi(v);
		else if (!strcmp(a, "--threads")) cfg.run.threads = atoi(v);
		else if (!strcmp(a, "--opt-level")) cfg.run.opt_level = atoi(v);
		else if (!strcmp(a, "--mem-mb")) cfg.mem_mb = atoi(v);
		else usage();
	}
	if (cfg.jobs < 1)
		cfg.jobs = 1;
	if (cfg.jobs > MAX_JOBS)
		cfg.jobs = MAX_JOBS;
	if (cfg.timeout_s < 1)
		cfg.timeout_s = 1;
	signal(SIGPIPE, SIG_IGN);

	struct manifest m;
	char err[512];
	if (manifest_load(cfg.manifest, &m, err, sizeof(err))) {
		printf("1..1\nnot ok 1 - conformance manifest: %s\n", err);
		return 1;
	}
	struct known_list known;
	if (known_load(cfg.known, &known, err, sizeof(err))) {
		printf("1..1\nnot ok 1 - conformance known-defects list: %s\n", err);
		return 1;
	}
	int *order = calloc((size_t)m.n_tests + 1, sizeof(int));
	struct result *res = calloc((size_t)m.n_tests + 1, sizeof(*res));
	if (!order || !res) {
		printf("1..1\nnot ok 1 - conformance runner: out of memory\n");
		return 1;
	}
	int n_sel = 0;
	for (int i = 0; i < m.n_tests; i++)
		if (selected(&cfg, &m.tests[i]))
			order[n_sel++] = i;

	double t0 = now();
	printf("1..%d\n", n_sel + 1);
	printf("# conformance: %d tests, %d jobs, %d s per test, %d s budget, threads %d, opt level %d\n",
	       n_sel, cfg.jobs, cfg.timeout_s, cfg.budget_s, cfg.run.threads, cfg.run.opt_level);
	fflush(stdout);
	run_all(&cfg, &m, &known, res, order, n_sel);

	struct totals tot;
	summarize(&m, order, res, n_sel, &tot);
	print_totals(&tot, stdout);
	int target_ok = print_target(&tot, n_sel + 1, cfg.target, cfg.n_globs > 0, stdout);
	printf("# conformance: %.1f s\n", now() - t0);
	if (write_summary_json(cfg.summary, &m, order, res, n_sel, &tot, now() - t0, err, sizeof(err)))
		printf("# warning: %s\n", err);

	int failed = !target_ok;
	for (int i = 0; i < n_sel; i++)
		failed |= res[i].outcome == OUT_FAIL && !res[i].known;
	free(order);
	free(res);
	manifest_free(&m);
	known_free(&known);
	return failed;
}

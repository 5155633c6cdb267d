// SPDX-License-Identifier: MIT
/*
 * tccctl queues / tccctl queue N [--watch]: tcc.ko's device queues and CPU
 * executors, from the module's sysfs tables <device>/queue/{queues,
 * executors,totals}.  The tables are "header line, then one row per object,
 * space separated", so the column names printed (and the JSON keys) are the
 * kernel's own and a column added there shows up here without a change.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tccctl.h"

#define MAX_COLS 24
#define MAX_ROWS 512

struct table {
	char buf[16384];
	int ncols, nrows;
	char *col[MAX_COLS];
	char *cell[MAX_ROWS][MAX_COLS];
};

/* Splits @t->buf in place; 0, or -EINVAL when a row's width differs from the header's. */
static int table_parse(struct table *t)
{
	char *save_line, *line = strtok_r(t->buf, "\n", &save_line);

	t->ncols = t->nrows = 0;
	if (!line)
		return -EINVAL;
	for (char *s, *w = strtok_r(line, " ", &s); w && t->ncols < MAX_COLS; w = strtok_r(NULL, " ", &s))
		t->col[t->ncols++] = w;
	while ((line = strtok_r(NULL, "\n", &save_line)) && t->nrows < MAX_ROWS) {
		int n = 0;

		for (char *s, *w = strtok_r(line, " ", &s); w; w = strtok_r(NULL, " ", &s)) {
			if (n == t->ncols)
				return -EINVAL;
			t->cell[t->nrows][n++] = w;
		}
		if (n != t->ncols)
			return -EINVAL;
		t->nrows++;
	}
	return 0;
}

static int table_read(const struct tccctl_device *dev, const char *name, struct table *t)
{
	int rc = tccctl_sysfs_read(dev, name, t->buf, sizeof(t->buf));

	if (rc) {
		fprintf(stderr, "tccctl: reading %s/%s: %s%s\n", dev->sysfs, name, strerror(-rc),
			rc == -ENOENT ? " (this tcc.ko has no device queues)" : "");
		return TCCCTL_EXIT_ERROR;
	}
	if (table_parse(t)) {
		fprintf(stderr, "tccctl: %s/%s: unexpected format\n", dev->sysfs, name);
		return TCCCTL_EXIT_ERROR;
	}
	return 0;
}

static bool is_number(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static void json_row(const struct table *t, int r)
{
	printf("{");
	for (int c = 0; c < t->ncols; c++) {
		printf("%s", c ? ", " : "");
		tccctl_json_str(stdout, t->col[c]);
		printf(": ");
		if (is_number(t->cell[r][c]))
			printf("%s", t->cell[r][c]);
		else
			tccctl_json_str(stdout, t->cell[r][c]);
	}
	printf("}");
}

static void json_rows(const char *key, const struct table *t, int only)
{
	printf("\"%s\": [", key);
	for (int r = 0, n = 0; r < t->nrows; r++) {
		if (only >= 0 && r != only)
			continue;
		printf("%s", n++ ? ", " : "");
		json_row(t, r);
	}
	printf("]");
}

static void print_table(const struct table *t)
{
	int width[MAX_COLS];

	for (int c = 0; c < t->ncols; c++) {
		width[c] = (int)strlen(t->col[c]);
		for (int r = 0; r < t->nrows; r++)
			if ((int)strlen(t->cell[r][c]) > width[c])
				width[c] = (int)strlen(t->cell[r][c]);
	}
	for (int c = 0; c < t->ncols; c++)
		printf("%s%*s", c ? "  " : "", width[c], t->col[c]);
	printf("\n");
	for (int r = 0; r < t->nrows; r++) {
		for (int c = 0; c < t->ncols; c++)
			printf("%s%*s", c ? "  " : "", width[c], t->cell[r][c]);
		printf("\n");
	}
}

/* totals is "name value" lines: shown as name: value / a JSON object. */
static int show_totals(const struct tccctl_device *dev)
{
	char buf[1024], *save, *line;
	int rc = tccctl_sysfs_read(dev, "queue/totals", buf, sizeof(buf));
	int n = 0;

	if (rc)
		return TCCCTL_EXIT_ERROR;
	printf(tccctl_json ? "\"totals\": {" : "totals:");
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (!sp)
			continue;
		*sp = '\0';
		if (tccctl_json) {
			printf("%s", n++ ? ", " : "");
			tccctl_json_str(stdout, line);
			printf(": %s", is_number(sp + 1) ? sp + 1 : "null");
		} else {
			printf(" %s=%s", line, sp + 1);
		}
	}
	printf(tccctl_json ? "}" : "\n");
	return 0;
}

static int cmd_list(const struct tccctl_device *dev)
{
	static struct table queues, execs;
	int rc = table_read(dev, "queue/queues", &queues);

	if (!rc)
		rc = table_read(dev, "queue/executors", &execs);
	if (rc)
		return rc;
	if (tccctl_json) {
		printf("{");
		json_rows("queues", &queues, -1);
		printf(", ");
		json_rows("executors", &execs, -1);
		printf(", ");
		show_totals(dev);
		printf("}\n");
		return TCCCTL_EXIT_OK;
	}
	printf("queues (%d):\n", queues.nrows);
	print_table(&queues);
	printf("\nexecutors (%d):\n", execs.nrows);
	print_table(&execs);
	printf("\n");
	return show_totals(dev);
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

/* One queue; --watch refreshes every @interval_ms until ^C (or @count times). */
static int cmd_one(const struct tccctl_device *dev, unsigned long id, bool watch,
		   long interval_ms, long count)
{
	static struct table t;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (long i = 0; !stop; i++) {
		int row = -1, rc = table_read(dev, "queue/queues", &t);

		if (rc)
			return rc;
		for (int r = 0; r < t.nrows; r++)
			if (strtoul(t.cell[r][0], NULL, 10) == id)
				row = r;
		if (row < 0) {
			fprintf(stderr, "tccctl: no queue %lu (tccctl queues lists them)\n", id);
			return TCCCTL_EXIT_ERROR;
		}
		if (tccctl_json) {
			json_row(&t, row);
			printf("\n");
		} else {
			if (watch && isatty(STDOUT_FILENO))
				printf("\033[H\033[2J");	/* home + clear, like watch(1) */
			for (int c = 0; c < t.ncols; c++)
				printf("%-10s %s\n", t.col[c], t.cell[row][c]);
			if (watch)
				printf("\n");
		}
		fflush(stdout);
		if (!watch || (count > 0 && i + 1 >= count))
			break;
		nanosleep(&(struct timespec){ interval_ms / 1000, (interval_ms % 1000) * 1000000L }, NULL);
	}
	return TCCCTL_EXIT_OK;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: tccctl [--json] queues\n"
		   "       tccctl [--json] queue N [--watch] [--interval MS] [--count K]\n"
		   "queues lists every queue (engine, priority, owner pid, submitted, completed,\n"
		   "failed, timed out, requeued, in flight, depth, latency p50/p99 in us), the CPU\n"
		   "executors (pid, jobs done) and device totals; queue N shows one queue,\n"
		   "--watch refreshes it every --interval ms (default 1000) until ^C.\n");
}

int tccctl_cmd_queues(int argc, char **argv)
{
	struct tccctl_device dev;
	bool single = !strcmp(argv[0], "queue"), watch = false;
	long interval = 1000, count = 0;
	unsigned long id = 0;
	char *end;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return TCCCTL_EXIT_OK;
		} else if (single && !strcmp(argv[i], "--watch")) {
			watch = true;
		} else if (single && (!strcmp(argv[i], "--interval") || !strcmp(argv[i], "--count")) &&
			   i + 1 < argc) {
			long v = strtol(argv[i + 1], &end, 10);

			if (*end || v < (argv[i][2] == 'i' ? 10 : 1)) {
				fprintf(stderr, "tccctl: bad %s '%s'\n", argv[i], argv[i + 1]);
				return TCCCTL_EXIT_USAGE;
			}
			*(argv[i][2] == 'i' ? &interval : &count) = v;
			i++;
		} else if (single && !id && is_number(argv[i]) && argv[i][0] != '-') {
			id = strtoul(argv[i], NULL, 10);
		} else {
			fprintf(stderr, "tccctl %s: unexpected argument '%s'\n", argv[0], argv[i]);
			usage(stderr);
			return TCCCTL_EXIT_USAGE;
		}
	}
	if (single && !id) {
		usage(stderr);
		return TCCCTL_EXIT_USAGE;
	}
	rc = tccctl_find_device(&dev);
	if (rc) {
		if (tccctl_json)
			printf("{\"loaded\": false, \"error\": \"tcc.ko is not loaded\"}\n");
		return rc;
	}
	return single ? cmd_one(&dev, id, watch, interval, count) : cmd_list(&dev);
}

// SPDX-License-Identifier: MIT
#include "summary.h"

#include <errno.h>
#include <string.h>

static struct dir_totals *dir_of(struct totals *tot, const char *dir)
{
	for (int i = 0; i < tot->n_dirs; i++)
		if (!strcmp(tot->dirs[i].dir, dir))
			return &tot->dirs[i];
	if (tot->n_dirs == MAX_DIRS)
		return NULL;
	tot->dirs[tot->n_dirs].dir = dir;
	return &tot->dirs[tot->n_dirs++];
}

static void count(struct dir_totals *d, const struct result *r)
{
	enum outcome o = r->outcome;
	d->total++;
	d->pass += o == OUT_PASS;
	d->fail += o == OUT_FAIL || o == OUT_PENDING;
	d->known += o == OUT_FAIL && r->known;
	d->unsupported += o == OUT_UNSUPPORTED;
}

void summarize(const struct manifest *m, const int *order, const struct result *res, int n,
	       struct totals *tot)
{
	memset(tot, 0, sizeof(*tot));
	tot->all.dir = "total";
	for (int i = 0; i < n; i++) {
		struct dir_totals *d = dir_of(tot, m->tests[order[i]].dir);
		if (d)
			count(d, &res[i]);
		count(&tot->all, &res[i]);
	}
}

static void print_line(const struct dir_totals *d, FILE *out)
{
	fprintf(out, "# %-18s %4d tests: %4d pass, %4d fail, %4d unsupported", d->dir, d->total, d->pass,
		d->fail, d->unsupported);
	if (d->known)
		fprintf(out, " (%d of the failures: known test-data defects, TODO)", d->known);
	fputc('\n', out);
}

void print_totals(const struct totals *tot, FILE *out)
{
	for (int i = 0; i < tot->n_dirs; i++)
		print_line(&tot->dirs[i], out);
	print_line(&tot->all, out);
}

static const struct dir_totals *find_dir(const struct totals *tot, const char *dir)
{
	for (int i = 0; i < tot->n_dirs; i++)
		if (!strcmp(tot->dirs[i].dir, dir))
			return &tot->dirs[i];
	return NULL;
}

int print_target(const struct totals *tot, int n, int judge, int filtered, FILE *out)
{
	static const struct dir_totals none;
	const struct dir_totals *node = find_dir(tot, "node"), *conv = find_dir(tot, "pytorch-converted");
	node = node ? node : &none;
	conv = conv ? conv : &none;
	double pct = conv->total ? 100.0 * conv->pass / conv->total : 0.0;
	int node_ok = node->pass >= TARGET_NODE_PASS, conv_ok = conv->total && pct >= TARGET_CONVERTED_PERCENT;

	if (filtered || !judge) {
		fprintf(out, "ok %d - conformance target # SKIP %s: node %d/%d (target %d), "
			     "pytorch-converted %.1f%% (target %.0f%%)\n",
			n, filtered ? "filtered run" : "TCC_CONFORMANCE_TARGET=0", node->pass, node->total,
			TARGET_NODE_PASS, pct, TARGET_CONVERTED_PERCENT);
		return 1;
	}
	fprintf(out, "%s %d - conformance target: node %d/%d %s %d, pytorch-converted %.1f%% %s %.0f%%\n",
		node_ok && conv_ok ? "ok" : "not ok", n, node->pass, node->total, node_ok ? ">=" : "<",
		TARGET_NODE_PASS, pct, conv_ok ? ">=" : "<", TARGET_CONVERTED_PERCENT);
	return node_ok && conv_ok;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_totals(FILE *f, const struct dir_totals *d)
{
	fprintf(f, "{\"total\": %d, \"pass\": %d, \"fail\": %d, \"unsupported\": %d, \"known_data_defects\": %d}",
		d->total, d->pass, d->fail, d->unsupported, d->known);
}

int write_summary_json(const char *path, const struct manifest *m, const int *order,
		       const struct result *res, int n, const struct totals *tot, double seconds,
		       char *err, size_t errlen)
{
	static const char *names[] = { "fail", "pass", "fail", "unsupported" };
	FILE *f = fopen(path, "w");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	fprintf(f, "{\n  \"seconds\": %.1f,\n  \"dirs\": {\n", seconds);
	for (int i = 0; i < tot->n_dirs; i++) {
		fprintf(f, "    ");
		json_str(f, tot->dirs[i].dir);
		fprintf(f, ": ");
		json_totals(f, &tot->dirs[i]);
		fprintf(f, "%s\n", i + 1 < tot->n_dirs ? "," : "");
	}
	fprintf(f, "  },\n  \"total\": ");
	json_totals(f, &tot->all);
	fprintf(f, ",\n  \"tests\": [\n");
	for (int i = 0; i < n; i++) {
		const struct conf_test *t = &m->tests[order[i]];
		fprintf(f, "    {\"dir\": ");
		json_str(f, t->dir);
		fprintf(f, ", \"name\": ");
		json_str(f, t->name);
		fprintf(f, ", \"verdict\": \"%s\", \"seconds\": %.3f, \"reason\": ", names[res[i].outcome],
			res[i].seconds);
		json_str(f, res[i].reason);
		if (res[i].known) {
			fprintf(f, ", \"known_data_defect\": ");
			json_str(f, res[i].known);
		}
		fprintf(f, "}%s\n", i + 1 < n ? "," : "");
	}
	fprintf(f, "  ]\n}\n");
	if (fclose(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

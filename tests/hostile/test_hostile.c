// SPDX-License-Identifier: MIT
/*
 * Hostile models (gen_models.py): each must stop where its case says, with
 * the status it says and an error naming the node and the reason; none may
 * crash.  A model that loads is run once on zero-filled inputs (symbolic
 * dims taken as 1).  TAP, one line per case.
 *
 * Usage: test_hostile DIR   (DIR/cases.tsv and DIR/NAME.onnx)
 */
#include <tcc/tcc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hcase {
	char name[128], stage[8], status[40], msg[400];
	size_t tensor_max, fold_max;
};

static const char *status_name(tcc_status st)
{
	static const struct { tcc_status st; const char *name; } names[] = {
		{ TCC_OK, "TCC_OK" }, { TCC_ERR_INVALID_ARG, "TCC_ERR_INVALID_ARG" },
		{ TCC_ERR_PARSE, "TCC_ERR_PARSE" }, { TCC_ERR_UNSUPPORTED, "TCC_ERR_UNSUPPORTED" },
		{ TCC_ERR_NO_MEMORY, "TCC_ERR_NO_MEMORY" }, { TCC_ERR_NOT_FOUND, "TCC_ERR_NOT_FOUND" },
		{ TCC_ERR_INTERNAL, "TCC_ERR_INTERNAL" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].st == st)
			return names[i].name;
	return "other";
}

/* Runs @m once on zero-filled inputs; returns the status. */
static tcc_status run_zero(tcc_model *m)
{
	int ni = tcc_model_num_inputs(m), no = tcc_model_num_outputs(m);
	tcc_tensor in[8] = { 0 }, out[8] = { 0 };
	tcc_status st = TCC_ERR_INVALID_ARG;

	if (ni > 8 || no > 8)
		return st;
	for (int i = 0; i < ni; i++) {
		tcc_tensor_info info;
		size_t n = 1;

		tcc_model_input_info(m, i, &info);
		in[i].dtype = info.dtype;
		in[i].rank = info.rank;
		for (int d = 0; d < info.rank; d++) {
			in[i].dims[d] = info.dims[d] < 0 ? 1 : info.dims[d];
			n *= (size_t)in[i].dims[d];
		}
		in[i].nbytes = n * tcc_dtype_size(info.dtype);
		in[i].data = calloc(1, in[i].nbytes + 1);
	}
	st = tcc_model_run(m, in, ni, out, no);
	if (st == TCC_OK)
		for (int k = 0; k < no; k++)
			tcc_free(out[k].data);
	for (int i = 0; i < ni; i++)
		free(in[i].data);
	return st;
}

static bool check(const char *dir, const struct hcase *c, char *why, size_t len)
{
	char path[1024];
	tcc_options o = { .threads = 1, .max_tensor_bytes = c->tensor_max, .max_fold_bytes = c->fold_max };
	tcc_model *m = NULL;
	tcc_status st;
	const char *stage = "load";

	snprintf(path, sizeof(path), "%s/%s.onnx", dir, c->name);
	st = tcc_model_load(&m, path, &o);
	if (st == TCC_OK) {
		stage = "run";
		st = run_zero(m);
		if (st == TCC_OK)
			stage = "ok";
	}
	const char *err = st ? tcc_last_error() : "";

	tcc_model_free(m);
	if (strcmp(stage, c->stage) || strcmp(status_name(st), c->status) || !strstr(err, c->msg)) {
		snprintf(why, len, "stopped at %s with %s: '%s'; expected %s with %s: '%s'", stage, status_name(st), err,
			 c->stage, c->status, c->msg);
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	char path[1024], line[1200], why[1600];
	struct hcase cases[256];
	int n = 0, bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/cases.tsv", argv[1]);
	FILE *f = fopen(path, "r");

	if (!f) {
		printf("1..1\nnot ok 1 - %s: cannot open\n", path);
		return 1;
	}
	while (n < 256 && fgets(line, sizeof(line), f)) {
		struct hcase *c = &cases[n];
		char *fields[6], *save = NULL, *p = line;
		int k = 0;

		line[strcspn(line, "\n")] = '\0';
		/* strtok would merge the empty message field with its neighbours */
		for (; k < 6; k++) {
			fields[k] = p;
			p = strchr(p, '\t');
			if (!p) {
				k++;
				break;
			}
			*p++ = '\0';
		}
		(void)save;
		if (k != 6)
			continue;
		snprintf(c->name, sizeof(c->name), "%s", fields[0]);
		snprintf(c->stage, sizeof(c->stage), "%s", fields[1]);
		snprintf(c->status, sizeof(c->status), "%s", fields[2]);
		snprintf(c->msg, sizeof(c->msg), "%s", fields[3]);
		c->tensor_max = strtoull(fields[4], NULL, 10);
		c->fold_max = strtoull(fields[5], NULL, 10);
		n++;
	}
	fclose(f);
	printf("1..%d\n", n);
	for (int i = 0; i < n; i++) {
		fflush(stdout);
		if (check(argv[1], &cases[i], why, sizeof(why))) {
			printf("ok %d - %s: %s%s%s\n", i + 1, cases[i].name,
			       strcmp(cases[i].stage, "ok") ? "refused at " : "loads and runs",
			       strcmp(cases[i].stage, "ok") ? cases[i].stage : "", "");
		} else {
			printf("not ok %d - %s: %s\n", i + 1, cases[i].name, why);
			bad = 1;
		}
	}
	return bad;
}

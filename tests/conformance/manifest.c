// SPDX-License-Identifier: MIT
#include "manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 5

/* Splits @line in place at tabs; returns the number of fields. */
static int split_tabs(char *line, char **field)
{
	int n = 0;
	field[n++] = line;
	for (char *p = line; *p && n < MAX_FIELDS; p++) {
		if (*p == '\t') {
			*p = '\0';
			field[n++] = p + 1;
		}
	}
	return n;
}

/* Grows *arr (of *n elements of @size bytes) by one zeroed element. */
static void *push(void *arr_p, int *n, size_t size)
{
	void **arr = arr_p;
	char *grown = realloc(*arr, (size_t)(*n + 1) * size);
	if (!grown)
		return NULL;
	memset(grown + (size_t)*n * size, 0, size);
	*arr = grown;
	return grown + (size_t)(*n)++ * size;
}

static int add_tensor(struct data_set *set, char **f, int nf, int is_out)
{
	if (nf != 4)
		return -1;
	struct tensor_ref *t = is_out ? push(&set->out, &set->n_out, sizeof(*t))
				      : push(&set->in, &set->n_in, sizeof(*t));
	if (!t)
		return -1;
	t->name = strdup(f[1]);
	t->dtype = atoi(f[2]);
	t->path = strdup(f[3]);
	return t->name && t->path ? 0 : -1;
}

static int parse_line(struct manifest *m, char *line)
{
	char *f[MAX_FIELDS];
	int nf = split_tabs(line, f);
	struct conf_test *cur = m->n_tests ? &m->tests[m->n_tests - 1] : NULL;

	if (!strcmp(f[0], "test") || !strcmp(f[0], "skip")) {
		if (nf != 4)
			return -1;
		struct conf_test *t = push(&m->tests, &m->n_tests, sizeof(*t));
		if (!t)
			return -1;
		t->dir = strdup(f[1]);
		t->name = strdup(f[2]);
		if (f[0][0] == 't')
			t->model = strdup(f[3]);
		else
			t->skip_reason = strdup(f[3]);
		return t->dir && t->name && (t->model || t->skip_reason) ? 0 : -1;
	}
	if (!cur || !cur->model)
		return -1;
	if (!strcmp(f[0], "set")) {
		struct data_set *s = push(&cur->sets, &cur->n_sets, sizeof(*s));
		if (!s || nf != 2)
			return -1;
		s->index = atoi(f[1]);
		return 0;
	}
	if (!cur->n_sets)
		return -1;
	struct data_set *set = &cur->sets[cur->n_sets - 1];
	if (!strcmp(f[0], "in"))
		return add_tensor(set, f, nf, 0);
	if (!strcmp(f[0], "out"))
		return add_tensor(set, f, nf, 1);
	return -1;
}

int manifest_load(const char *path, struct manifest *m, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, rc = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!len)
			continue;
		if (parse_line(m, line)) {
			snprintf(err, errlen, "%s:%d: malformed manifest line", path, lineno);
			rc = -1;
			break;
		}
	}
	free(line);
	fclose(f);
	if (rc)
		manifest_free(m);
	return rc;
}

static void free_tensors(struct tensor_ref *t, int n)
{
	for (int i = 0; i < n; i++) {
		free(t[i].name);
		free(t[i].path);
	}
	free(t);
}

void manifest_free(struct manifest *m)
{
	for (int i = 0; i < m->n_tests; i++) {
		struct conf_test *t = &m->tests[i];
		for (int s = 0; s < t->n_sets; s++) {
			free_tensors(t->sets[s].in, t->sets[s].n_in);
			free_tensors(t->sets[s].out, t->sets[s].n_out);
		}
		free(t->sets);
		free(t->dir);
		free(t->name);
		free(t->model);
		free(t->skip_reason);
	}
	free(m->tests);
	memset(m, 0, sizeof(*m));
}

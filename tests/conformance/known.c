// SPDX-License-Identifier: MIT
#include "known.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add(struct known_list *list, char *line)
{
	char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
	if (!tab2 || tab1 == line || tab2 == tab1 + 1 || !tab2[1])
		return -1;
	*tab1 = *tab2 = '\0';
	struct known_defect *grown = realloc(list->items, sizeof(*grown) * (size_t)(list->n + 1));
	if (!grown)
		return -1;
	list->items = grown;
	struct known_defect *k = &list->items[list->n++];
	k->test = strdup(line);
	k->expect = strdup(tab1 + 1);
	k->evidence = strdup(tab2 + 1);
	return k->test && k->expect && k->evidence ? 0 : -1;
}

int known_load(const char *path, struct known_list *list, char *err, size_t errlen)
{
	memset(list, 0, sizeof(*list));
	if (!path)
		return 0;
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
		if (!len || line[0] == '#')
			continue;
		if (add(list, line)) {
			snprintf(err, errlen, "%s:%d: expected 'dir/test<TAB>reason substring<TAB>evidence'",
				 path, lineno);
			rc = -1;
			break;
		}
	}
	free(line);
	fclose(f);
	if (rc)
		known_free(list);
	return rc;
}

const struct known_defect *known_match(const struct known_list *list, const char *test, const char *reason)
{
	for (int i = 0; i < list->n; i++)
		if (!strcmp(list->items[i].test, test) && strstr(reason, list->items[i].expect))
			return &list->items[i];
	return NULL;
}

void known_free(struct known_list *list)
{
	for (int i = 0; i < list->n; i++) {
		free(list->items[i].test);
		free(list->items[i].expect);
		free(list->items[i].evidence);
	}
	free(list->items);
	memset(list, 0, sizeof(*list));
}

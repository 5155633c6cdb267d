/* SPDX-License-Identifier: MIT */
#ifndef TCC_COMMON_JSON_H
#define TCC_COMMON_JSON_H

#include <stdio.h>

/* Writes @s (NULL: empty) as a JSON string literal: quotes, backslashes and control bytes escaped. */
void tcc_json_str(FILE *f, const char *s);

#endif

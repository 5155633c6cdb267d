/* SPDX-License-Identifier: MIT */
/* A model's inputs and outputs as text: name, dtype and shape. */
#ifndef TCC_TOOLS_SIGNATURE_H
#define TCC_TOOLS_SIGNATURE_H

#include <stdio.h>
#include <tcc/model.h>

/*
 * "float32 [batch, 3, 64, 64]": symbolic dims by name ("?" when unnamed);
 * an output whose shape is known only at run time as "[?] (known at run
 * time)".  Returns the length written, at least @len when the text was cut.
 */
int signature_format(char *buf, size_t len, const tcc_tensor_info *info);
/* One line per input, then per output: "<indent>input  NAME: float32 [..]". */
void signature_print(FILE *f, const tcc_model *m, const char *indent);
/* "'a' (float32 [1, 3]), 'b' (int64 [n])": the valid input names, for errors. */
void signature_input_names(char *buf, size_t len, const tcc_model *m);

#endif

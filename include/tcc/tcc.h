/* SPDX-License-Identifier: MIT */
/* Umbrella header for libtccml: includes every public tcc header. */
#ifndef TCC_TCC_H
#define TCC_TCC_H

#include <tcc/status.h>
#include <tcc/bo.h>
#include <tcc/model.h>
#include <tcc/weights.h>
#include <tcc/queue.h>
#include <tcc/executor.h>
#include <tcc/store.h>

#endif

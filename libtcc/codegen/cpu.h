/* SPDX-License-Identifier: MIT */
/*
 * Internal: CPU features detected at run time (cpuid + xgetbv on x86, so a
 * feature the OS does not enable counts as absent; getauxval hwcaps on
 * aarch64).  Never assume a feature from the build machine.
 */
#ifndef TCC_CODEGEN_CPU_H
#define TCC_CODEGEN_CPU_H

#include <stdbool.h>
#include <stddef.h>

typedef struct tcc_cpu_features {
	/* x86-64 */
	bool sse4_2, avx, avx2, fma, f16c;
	bool avx512f, avx512bw, avx512vl, avx512dq, avx512_vnni, avx512_bf16, avx512_fp16;
	bool avx_vnni, amx_tile, amx_bf16, amx_int8;
	/* aarch64 */
	bool neon, asimdhp, sve, sve2, bf16, i8mm;
	int logical_cpus;		/* online CPUs */
	char vendor[16];		/* "GenuineIntel", "AuthenticAMD", "arm", ... */
	char model[64];			/* brand string or "implementer:part" */
} tcc_cpu_features;

/* Detected once, then cached; never NULL. */
const tcc_cpu_features *tcc_cpu_features_get(void);

/* Is the feature named like in /proc/cpuinfo ("avx2", "avx512_bf16", "amx_bf16", "neon", "sve") present? */
bool tcc_cpu_has(const char *name);

/*
 * "vendor model | feat feat ..." into @buf (always NUL-terminated); returns
 * the length it needed, like snprintf.  Part of the JIT cache key.
 */
size_t tcc_cpu_features_string(char *buf, size_t size);

#endif /* TCC_CODEGEN_CPU_H */

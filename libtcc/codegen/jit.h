/* SPDX-License-Identifier: MIT */
/*
 * Internal: compile generated C into a shared object with the system C
 * compiler, cache it on disk, dlopen it and resolve symbols.
 *
 *	static const char *const syms[] = { "fused_0", "fused_1" };
 *	void *fns[2];
 *	tcc_jit_module *m;
 *	if (tcc_jit_compile(&m, src, syms, 2, fns, NULL) != TCC_OK)
 *		... tcc_last_error() has the compiler's stderr ...
 *	((void (*)(const float *, float *, long))fns[0])(x, y, n);
 *	tcc_jit_module_free(m);		// after the last call into it
 *
 * Compiler: $TCC_CC, else "cc", run as
 *   cc -O3 -march=native -fopenmp -fPIC -shared -ffp-contract=fast
 *      -fno-math-errno -fno-trapping-math [$TCC_JIT_CFLAGS] -o X.so X.c -lm
 * No -ffast-math: -ffinite-math-only breaks -inf attention masks and NaN
 * propagation, and free reassociation changes results.  To vectorise a
 * reduction, write `#pragma omp simd reduction(+:acc)` in the generated
 * loop (allowed by -fopenmp), which reassociates only that loop.
 *
 * Cache: directory opts->cache_dir, else $TCC_CACHE_DIR, else
 * $XDG_CACHE_HOME/tcc, else $HOME/.cache/tcc (created if missing).  Entry
 * name: 128-bit XXH3 of (source, compiler path + its size and mtime, flags,
 * CPU model and features) in hex, ".so".  A hit dlopens the entry without
 * running the compiler.  Entries are written to a temporary name and
 * rename()d, so concurrent processes never see a partial file; each entry
 * ends with a trailer holding a hash of its contents, checked before dlopen,
 * so a corrupt or truncated entry is rebuilt instead of loaded.
 * TCC_DEBUG=1 keeps the source as <entry>.c next to the .so.
 * Size: $TCC_CACHE_MAX_MB (default 512, 0 = no limit); a hit refreshes the
 * entry's mtime and a compile that takes the cache over the limit deletes
 * the least recently used entries until 3/4 of it is left (cache_trim.c).
 */
#ifndef TCC_CODEGEN_JIT_H
#define TCC_CODEGEN_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <tcc/status.h>

typedef struct tcc_jit_module tcc_jit_module;

typedef struct tcc_jit_options {
	const char *cache_dir;		/* NULL: see above */
	const char *extra_cflags;	/* appended to the flags (part of the key) */
	bool no_cache;			/* always compile (into a private temp dir) */
	bool verbose;			/* one line per compile / hit on stderr */
} tcc_jit_options;

/*
 * Compile (or load from cache) @c_source and resolve @n_symbols names into
 * @fns (which may be NULL to resolve later with tcc_jit_symbol()).
 * Errors: TCC_ERR_COMPILE (compiler missing or failing: its stderr is in the
 * message; or a symbol not found), TCC_ERR_IO (cache directory unusable),
 * TCC_ERR_INVALID_ARG.
 */
tcc_status tcc_jit_compile(tcc_jit_module **out, const char *c_source,
			   const char *const *symbols, size_t n_symbols, void **fns,
			   const tcc_jit_options *opts);

/* Address of @name in the module, or NULL. */
void *tcc_jit_symbol(const tcc_jit_module *m, const char *name);
/* Path of the cache entry the module was loaded from. */
const char *tcc_jit_module_path(const tcc_jit_module *m);
/* True when the module came from the cache without compiling. */
bool tcc_jit_module_from_cache(const tcc_jit_module *m);
/* dlclose; pointers obtained from the module become invalid. */
void tcc_jit_module_free(tcc_jit_module *m);

/* Process-wide counters (for tests, -v output and the benchmarks). */
typedef struct tcc_jit_stats {
	unsigned long compiles;		/* compiler invocations */
	unsigned long cache_hits;	/* loads that skipped the compiler */
	unsigned long corrupt_entries;	/* entries found bad and rebuilt */
	double compile_seconds;		/* wall time spent in the compiler */
} tcc_jit_stats;

void tcc_jit_get_stats(tcc_jit_stats *stats);

/* The cache directory that would be used for @opts (static buffer per thread). */
/* Is there a C compiler to run ($TCC_CC or cc on PATH)?  Looks, runs nothing. */
bool tcc_jit_compiler_available(void);
const char *tcc_jit_cache_dir(const tcc_jit_options *opts);

/* The size limit in bytes ($TCC_CACHE_MAX_MB; 0: none). */
size_t tcc_jit_cache_limit(void);
/* Mark cache entry @entry used now (its mtime). */
void tcc_jit_cache_touch(const char *entry);
/*
 * Delete the least recently used entries of cache directory @dir while they
 * add up to more than @max_bytes, down to 3/4 of it, never those of key
 * @keep (32 hex digits, or NULL); how many files in *@removed.
 */
tcc_status tcc_jit_cache_trim(const char *dir, size_t max_bytes, const char *keep, size_t *removed);

#endif /* TCC_CODEGEN_JIT_H */

/* SPDX-License-Identifier: MIT */
/* Run-time CPU feature detection (x86-64 cpuid/xgetbv, aarch64 hwcaps). */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#elif defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#include "codegen/cpu.h"

static tcc_cpu_features feats;
static pthread_once_t once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__) || defined(__i386__)
static unsigned long long xgetbv0(void)
{
	unsigned int lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((unsigned long long)hi << 32) | lo;
}

static void detect_x86(tcc_cpu_features *f)
{
	unsigned int a, b, c, d, max;

	if (!__get_cpuid(0, &max, &b, &c, &d))
		return;
	memcpy(f->vendor, &b, 4), memcpy(f->vendor + 4, &d, 4), memcpy(f->vendor + 8, &c, 4);
	f->vendor[12] = 0;

	__cpuid(1, a, b, c, d);
	bool osxsave = c & (1u << 27);
	unsigned long long xcr0 = osxsave ? xgetbv0() : 0;
	/* A feature counts only if the OS saves its registers (XCR0). */
	bool os_avx = (xcr0 & 0x6) == 0x6;
	bool os_avx512 = os_avx && (xcr0 & 0xe0) == 0xe0;
	bool os_amx = (xcr0 & (3ull << 17)) == (3ull << 17);

	f->sse4_2 = c & (1u << 20);
	f->avx = os_avx && (c & (1u << 28));
	f->fma = f->avx && (c & (1u << 12));
	f->f16c = f->avx && (c & (1u << 29));
	if (max >= 7) {
		__cpuid_count(7, 0, a, b, c, d);
		unsigned int max7 = a;

		f->avx2 = f->avx && (b & (1u << 5));
		f->avx512f = os_avx512 && (b & (1u << 16));
		f->avx512dq = f->avx512f && (b & (1u << 17));
		f->avx512bw = f->avx512f && (b & (1u << 30));
		f->avx512vl = f->avx512f && (b & (1u << 31));
		f->avx512_vnni = f->avx512f && (c & (1u << 11));
		f->avx512_fp16 = f->avx512f && (d & (1u << 23));
		f->amx_bf16 = os_amx && (d & (1u << 22));
		f->amx_tile = os_amx && (d & (1u << 24));
		f->amx_int8 = os_amx && (d & (1u << 25));
		if (max7 >= 1) {
			__cpuid_count(7, 1, a, b, c, d);
			f->avx_vnni = f->avx && (a & (1u << 4));
			f->avx512_bf16 = f->avx512f && (a & (1u << 5));
		}
	}
	__cpuid(0x80000000, a, b, c, d);
	if (a >= 0x80000004) {
		unsigned int brand[12];

		for (unsigned int i = 0; i < 3; i++)
			__cpuid(0x80000002 + i, brand[4 * i], brand[4 * i + 1], brand[4 * i + 2], brand[4 * i + 3]);
		_Static_assert(sizeof(f->model) > sizeof(brand), "model holds the brand string");
		memcpy(f->model, brand, sizeof(brand));
		f->model[sizeof(brand)] = 0;
	}
}
#endif

#if defined(__aarch64__)
static void detect_arm(tcc_cpu_features *f)
{
	unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);

	snprintf(f->vendor, sizeof(f->vendor), "arm");
	f->neon = hw & HWCAP_ASIMD;
	f->asimdhp = hw & HWCAP_ASIMDHP;
	f->sve = hw & HWCAP_SVE;
#ifdef HWCAP2_SVE2
	f->sve2 = hw2 & HWCAP2_SVE2;
#endif
#ifdef HWCAP2_BF16
	f->bf16 = hw2 & HWCAP2_BF16;
#endif
#ifdef HWCAP2_I8MM
	f->i8mm = hw2 & HWCAP2_I8MM;
#endif
	(void)hw2;
	/* MIDR via the kernel's sysfs export names the core. */
	FILE *fp = fopen("/sys/devices/system/cpu/cpu0/regs/identification/midr_el1", "r");
	if (fp) {
		if (!fgets(f->model, sizeof(f->model), fp))
			f->model[0] = 0;
		f->model[strcspn(f->model, "\n")] = 0;
		fclose(fp);
	}
}
#endif

static void detect(void)
{
#if defined(__x86_64__) || defined(__i386__)
	detect_x86(&feats);
#elif defined(__aarch64__)
	detect_arm(&feats);
#else
	snprintf(feats.vendor, sizeof(feats.vendor), "unknown");
#endif
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	feats.logical_cpus = n > 0 ? (int)n : 1;
	/* Brand strings are padded with spaces on some parts. */
	size_t len = strlen(feats.model);
	while (len && feats.model[len - 1] == ' ')
		feats.model[--len] = 0;
}

const tcc_cpu_features *tcc_cpu_features_get(void)
{
	pthread_once(&once, detect);
	return &feats;
}

#define FEATURE(name) { #name, offsetof(tcc_cpu_features, name) }
static const struct {
	const char *name;
	size_t offset;
} feature_table[] = {
	FEATURE(sse4_2), FEATURE(avx), FEATURE(avx2), FEATURE(fma), FEATURE(f16c),
	FEATURE(avx512f), FEATURE(avx512bw), FEATURE(avx512vl), FEATURE(avx512dq),
	FEATURE(avx512_vnni), FEATURE(avx512_bf16), FEATURE(avx512_fp16), FEATURE(avx_vnni),
	FEATURE(amx_tile), FEATURE(amx_bf16), FEATURE(amx_int8),
	FEATURE(neon), FEATURE(asimdhp), FEATURE(sve), FEATURE(sve2), FEATURE(bf16), FEATURE(i8mm),
};

bool tcc_cpu_has(const char *name)
{
	const tcc_cpu_features *f = tcc_cpu_features_get();

	if (!name)
		return false;
	for (size_t i = 0; i < sizeof(feature_table) / sizeof(feature_table[0]); i++)
		if (strcmp(name, feature_table[i].name) == 0)
			return *(const bool *)((const char *)f + feature_table[i].offset);
	return false;
}

size_t tcc_cpu_features_string(char *buf, size_t size)
{
	const tcc_cpu_features *f = tcc_cpu_features_get();
	char tmp[512];
	size_t n;

	n = (size_t)snprintf(tmp, sizeof(tmp), "%s %s |", f->vendor, f->model);
	for (size_t i = 0; i < sizeof(feature_table) / sizeof(feature_table[0]) && n < sizeof(tmp); i++)
		if (*(const bool *)((const char *)f + feature_table[i].offset))
			n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, " %s", feature_table[i].name);
	if (size)
		snprintf(buf, size, "%s", tmp);
	return strlen(tmp);
}

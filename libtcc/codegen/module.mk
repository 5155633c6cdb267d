# C codegen: JIT through the system C compiler with an on-disk cache, CPU
# feature detection, and helpers for writing the generated C.
LIBTCC_SRCS += libtcc/codegen/jit.c libtcc/codegen/cpu.c libtcc/codegen/cbuf.c libtcc/codegen/cache_trim.c libtcc/codegen/cache_dir.c
LIBTCC_PKGS += libxxhash

# tcc-executor: serve model jobs of CPU queues (include/tcc/executor.h).
TOOLS += tcc-executor
tcc-executor_SRCS := tools/omp-env/omp_env.c tools/tcc-executor/main.c

# tcc-executor: serve model jobs of CPU queues (include/tcc/executor.h).
TOOLS += tcc-executor
tcc-executor_SRCS := tools/tcc-executor/main.c

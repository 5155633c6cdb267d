# tcc-compile: compile a model ahead of time (fills the code cache) and print its plan.
TOOLS += tcc-compile
tcc-compile_SRCS := tools/tcc-compile/main.c tools/tcc-run/signature.c
tcc-compile_INTERNAL := 1

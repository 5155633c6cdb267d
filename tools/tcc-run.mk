# tcc-run: run an ONNX model from the command line (.npy in/out, --bench).
TOOLS += tcc-run
tcc-run_SRCS := tools/omp-env/omp_env.c tools/tcc-run/main.c tools/tcc-run/npy.c tools/tcc-run/signature.c

# tcc-store: the PyTorch-compatible TCPStore server.
TOOLS += tcc-store
tcc-store_SRCS := tools/tcc-store/main.c

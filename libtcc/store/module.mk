# tcc store: PyTorch-compatible TCPStore server and clients on libuv.
LIBTCC_SRCS += libtcc/store/wire.c libtcc/store/table.c libtcc/store/server.c \
               libtcc/store/server_cmds.c libtcc/store/client.c libtcc/store/client_async.c
LIBTCC_PKGS += libuv

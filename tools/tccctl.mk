# tccctl: admin tool for tcc.ko.  Every tools/tccctl/*.c is part of it, so the
# queue/weights/store parts add their subcommands by dropping in a file that
# defines tccctl_cmd_<name>() (declared weak in tools/tccctl/tccctl.h).
TOOLS += tccctl
tccctl_SRCS := $(sort $(wildcard tools/tccctl/*.c))
tccctl_INTERNAL := 1	# tcc_node_find() and the sysfs directory (libtcc/dev/node.h)

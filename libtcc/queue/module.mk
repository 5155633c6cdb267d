# Device queues (include/tcc/queue.h): the embedded default and the tcc.ko backend.
LIBTCC_SRCS += libtcc/queue/queue.c libtcc/queue/fence.c libtcc/queue/cmd_exec.c \
	       libtcc/queue/embedded.c libtcc/queue/kmod.c
LIBTCC_PKGS += libdrm

# <uapi/drm/tcc_drm.h> includes <drm/drm.h> as the kernel spells it; Debian
# ships that header only as libdrm's /usr/include/libdrm/drm.h, so give the
# queue backend a private include dir where drm/drm.h resolves to it.
QUEUE_DRM_SHIM := $(BUILD)/gen/queue-drm
$(QUEUE_DRM_SHIM)/drm/drm.h:
	@mkdir -p $(@D)
	ln -sf "$$(pkg-config --variable=includedir libdrm)/libdrm/drm.h" $@
	ln -sf "$$(pkg-config --variable=includedir libdrm)/libdrm/drm_mode.h" $(@D)/drm_mode.h
$(BUILD)/obj/libtcc/queue/kmod.o: CFLAGS += -I$(QUEUE_DRM_SHIM)
$(BUILD)/obj/libtcc/queue/kmod.o: | $(QUEUE_DRM_SHIM)/drm/drm.h

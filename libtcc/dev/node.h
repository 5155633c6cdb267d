/* SPDX-License-Identifier: MIT */
/*
 * Internal: finding the tcc.ko render node.  Used by the device layer
 * (libtcc/dev) and by tools that only read the module's sysfs (tccctl).
 */
#ifndef TCC_DEV_NODE_H
#define TCC_DEV_NODE_H

#include <stddef.h>

/* Where render nodes and their sysfs entries live (overridable for tests). */
#define TCC_NODE_DEV_DIR "/dev/dri"
#define TCC_NODE_SYSFS_CLASS "/sys/class/drm"

/*
 * Finds the first /dev/dri/renderD* node (only $TCC_RENDER_NODE when set) whose DRM driver name
 * (drmGetVersion) is "tcc" and opens it read-write, close-on-exec.
 * Returns the fd and writes the node path to @path; returns -ENODEV when no
 * such node exists, or the open() error (e.g. -EACCES) of a node that sysfs
 * says belongs to tcc but that the caller may not open (then @path is set).
 */
int tcc_node_open(char *path, size_t path_len);

/*
 * Like tcc_node_open() but only locates the node: returns 0 with @path set,
 * or -ENODEV.  Works without permission to open the node (tccctl as a user).
 */
int tcc_node_find(char *path, size_t path_len);

/* The sysfs directory holding the module's counters for render node @path:
 * /sys/class/drm/renderDN/device.  Returns 0 or -ENAMETOOLONG. */
int tcc_node_sysfs_dir(const char *path, char *dir, size_t dir_len);

#endif

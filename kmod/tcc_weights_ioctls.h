/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcc_weights_ioctls.h - extra ioctls of the weights part (issue 7), owned by it.
 *
 * tcc_drv.c expands TCC_WEIGHTS_EXTRA_IOCTLS inside its ioctl table, so an ioctl
 * added to the weights range of tcc_drm.h needs no edit of tcc_drv.c, e.g.
 *   #define TCC_WEIGHTS_EXTRA_IOCTLS \
 *	DRM_IOCTL_DEF_DRV(TCC_FOO, tcc_foo_ioctl, DRM_RENDER_ALLOW),
 * (declare tcc_foo_ioctl() here too).
 */
#ifndef TCC_WEIGHTS_IOCTLS_H
#define TCC_WEIGHTS_IOCTLS_H

#define TCC_WEIGHTS_EXTRA_IOCTLS

#endif

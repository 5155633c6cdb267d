// SPDX-License-Identifier: GPL-2.0
/*
 * tcc_sysfs.c - buffer-object counters under the platform device,
 * /sys/devices/platform/tcc (also the "device" link of the render node).
 * tccctl and the kmod test suite's leak check read these.
 */
#include <linux/device.h>
#include <linux/platform_device.h>
#include <linux/sysfs.h>
#include <drm/drm_drv.h>

#include "tcc_drv.h"

static struct tcc_device *dev_to_tcc(struct device *dev)
{
	struct drm_device *drm = dev_get_drvdata(dev);

	return drm ? to_tcc_device(drm) : NULL;
}

/* Snapshot of the counters, consistent with each other. */
static int tcc_stats_get(struct device *dev, struct tcc_bo_stats *out)
{
	struct tcc_device *tdev = dev_to_tcc(dev);

	if (!tdev)
		return -ENODEV;
	mutex_lock(&tdev->bo_lock);
	*out = tdev->stats;
	mutex_unlock(&tdev->bo_lock);
	return 0;
}

#define TCC_STAT_ATTR(_name, _field)					\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct tcc_bo_stats s;						\
	int ret = tcc_stats_get(dev, &s);				\
									\
	return ret ? ret : sysfs_emit(buf, "%llu\n", s._field);		\
}									\
static DEVICE_ATTR_RO(_name)

TCC_STAT_ATTR(bo_count, bo_count);
TCC_STAT_ATTR(pinned_bytes, pinned_bytes);
TCC_STAT_ATTR(pinned_refusals, pinned_refusals);
TCC_STAT_ATTR(bos_created, created);

static ssize_t pinned_limit_bytes_show(struct device *dev,
				       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", (u64)READ_ONCE(tcc_max_pinned_mb) << 20);
}
static DEVICE_ATTR_RO(pinned_limit_bytes);

/*
 * One line per live BO: "<id> <size> <flags> <pinned> <imported> <pid>".
 * Limited to one page like every sysfs file; a last line "..." says the
 * list was cut short (bo_count still has the full number).
 */
static ssize_t bos_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct tcc_device *tdev = dev_to_tcc(dev);
	struct tcc_bo *bo;
	ssize_t len = 0;

	if (!tdev)
		return -ENODEV;
	mutex_lock(&tdev->bo_lock);
	list_for_each_entry(bo, &tdev->bos, node) {
		char line[96];
		int n;

		n = scnprintf(line, sizeof(line), "%llu %zu 0x%x %d %d %d\n", bo->id,
			      bo->base.base.size, bo->flags, bo->pinned,
			      !!bo->base.base.import_attach, bo->creator);
		if (len + n > PAGE_SIZE - 5) {
			len += sysfs_emit_at(buf, len, "...\n");
			break;
		}
		len += sysfs_emit_at(buf, len, "%s", line);
	}
	mutex_unlock(&tdev->bo_lock);
	return len;
}
static DEVICE_ATTR_RO(bos);

static struct attribute *tcc_bo_attrs[] = {
	&dev_attr_bo_count.attr,
	&dev_attr_pinned_bytes.attr,
	&dev_attr_pinned_limit_bytes.attr,
	&dev_attr_pinned_refusals.attr,
	&dev_attr_bos_created.attr,
	&dev_attr_bos.attr,
	NULL,
};

const struct attribute_group tcc_bo_attr_group = {
	.attrs = tcc_bo_attrs,
};

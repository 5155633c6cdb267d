// SPDX-License-Identifier: MIT
/* tccctl helpers: finding the device, reading sysfs, printing. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "dev/node.h"
#include "tccctl.h"

int tccctl_find_device(struct tccctl_device *dev)
{
	if (tcc_node_find(dev->node, sizeof(dev->node)) < 0 ||
	    tcc_node_sysfs_dir(dev->node, dev->sysfs, sizeof(dev->sysfs)) < 0) {
		fprintf(stderr, "tccctl: tcc.ko is not loaded (no /dev/dri render node with driver 'tcc')\n");
		return TCCCTL_EXIT_NO_MODULE;
	}
	return 0;
}

int tccctl_sysfs_read(const struct tccctl_device *dev, const char *name, char *buf, size_t len)
{
	char path[512];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dev->sysfs, name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	if (ferror(f)) {
		int err = errno;

		fclose(f);
		return -err;
	}
	fclose(f);
	buf[n] = '\0';
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return 0;
}

int tccctl_sysfs_u64(const struct tccctl_device *dev, const char *name, uint64_t *out)
{
	char buf[64], *end;
	int rc = tccctl_sysfs_read(dev, name, buf, sizeof(buf));

	if (rc)
		return rc;
	errno = 0;
	*out = strtoull(buf, &end, 10);
	return errno || end == buf || *end ? -EINVAL : 0;
}

void tccctl_json_str(FILE *f, const char *s)
{
	tcc_json_str(f, s);
}

const char *tccctl_human_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 " B", bytes);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
	return buf;
}

/* SPDX-License-Identifier: MIT */
/*
 * tccctl internals: the subcommand entry points and the helpers they share.
 *
 * Each subcommand family lives in its own file and is owned by its part:
 *   status.c, bo.c   status, bo list            (foundation)
 *   queues           tccctl_cmd_queues()        (issue 6: "queues", "queue N [--watch]")
 *   weights          tccctl_cmd_weights()       (issue 7: "weights ...")
 *   store            tccctl_cmd_store()         (issue 5: "store ...")
 * main.c declares them weak: a file that is not there yet makes the command
 * print "not available in this build" instead of breaking the link.
 *
 * Every entry point gets argv[0] = the subcommand word ("queue", "queues",
 * "weights", ...) and returns the process exit status (TCCCTL_EXIT_*).
 */
#ifndef TCCCTL_H
#define TCCCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum {
	TCCCTL_EXIT_OK = 0,
	TCCCTL_EXIT_ERROR = 1,		/* the operation failed */
	TCCCTL_EXIT_USAGE = 2,		/* bad command line, or command not in this build */
	TCCCTL_EXIT_NO_MODULE = 3,	/* tcc.ko is not loaded */
};

int tccctl_cmd_status(int argc, char **argv);
int tccctl_cmd_bo(int argc, char **argv);
int tccctl_cmd_queues(int argc, char **argv) __attribute__((weak));
int tccctl_cmd_weights(int argc, char **argv) __attribute__((weak));
int tccctl_cmd_store(int argc, char **argv) __attribute__((weak));

/* Set by a --json anywhere on the command line (main.c removes it from argv). */
extern bool tccctl_json;

/* The tcc device as seen from sysfs. */
struct tccctl_device {
	char node[64];		/* /dev/dri/renderD128 */
	char sysfs[256];	/* /sys/class/drm/renderD128/device */
};

/*
 * Locate tcc.ko's render node.  Returns 0, or prints "tcc.ko is not loaded
 * (...)" to stderr and returns TCCCTL_EXIT_NO_MODULE.
 */
int tccctl_find_device(struct tccctl_device *dev);

/* Read sysfs attribute @name of @dev into @buf (trailing newline removed).
 * Returns 0 or -errno. */
int tccctl_sysfs_read(const struct tccctl_device *dev, const char *name, char *buf, size_t len);

/* Read an unsigned decimal attribute.  Returns 0 or -errno. */
int tccctl_sysfs_u64(const struct tccctl_device *dev, const char *name, uint64_t *out);

/* Print @s as a JSON string literal (quoted, escaped). */
void tccctl_json_str(FILE *f, const char *s);

/* "1.5 MiB" style size into @buf. */
const char *tccctl_human_bytes(uint64_t bytes, char *buf, size_t len);

#endif

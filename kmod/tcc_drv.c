// SPDX-License-Identifier: GPL-2.0
/* Placeholder: the DRM driver lands with the foundation work. */
#include <linux/module.h>

static int __init tcc_init(void) { return 0; }
static void __exit tcc_exit(void) { }
module_init(tcc_init);
module_exit(tcc_exit);
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * Probe for Documentation/weights.md: does this kernel call ->huge_fault on a
 * VM_PFNMAP driver vma, so that vmf_insert_pfn_pmd() could map a 2 MiB
 * alloc_pages() chunk with one PMD?  Not part of tcc.ko; run.sh boots it in QEMU.
 */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/huge_mm.h>
#include <linux/pfn_t.h>

static struct page *chunk;
static atomic_t n_fault, n_huge, n_huge_ok;

static vm_fault_t pt_fault(struct vm_fault *vmf)
{
	unsigned long off = vmf->pgoff;

	atomic_inc(&n_fault);
	return vmf_insert_pfn(vmf->vma, vmf->address, page_to_pfn(chunk) + off);
}

static vm_fault_t pt_huge_fault(struct vm_fault *vmf, enum page_entry_size pe)
{
	unsigned long haddr = vmf->address & PMD_MASK;
	vm_fault_t r;

	atomic_inc(&n_huge);
	if (pe != PE_SIZE_PMD || haddr < vmf->vma->vm_start || haddr + PMD_SIZE > vmf->vma->vm_end)
		return VM_FAULT_FALLBACK;
	r = vmf_insert_pfn_pmd(vmf, pfn_to_pfn_t(page_to_pfn(chunk)), vmf->flags & FAULT_FLAG_WRITE);
	if (r == VM_FAULT_NOPAGE)
		atomic_inc(&n_huge_ok);
	return r;
}

static const struct vm_operations_struct pt_vm_ops = {
	.fault = pt_fault,
	.huge_fault = pt_huge_fault,
};

static int pt_mmap(struct file *f, struct vm_area_struct *vma)
{
	vma->vm_flags |= VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP | VM_HUGEPAGE;
	vma->vm_ops = &pt_vm_ops;
	return 0;
}

static long pt_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	pr_info("pmd_probe: fault=%d huge_fault=%d huge_ok=%d\n", atomic_read(&n_fault),
		atomic_read(&n_huge), atomic_read(&n_huge_ok));
	return atomic_read(&n_huge) * 1000000L + atomic_read(&n_huge_ok) * 1000 + atomic_read(&n_fault);
}

static const struct file_operations pt_fops = {
	.owner = THIS_MODULE, .mmap = pt_mmap, .unlocked_ioctl = pt_ioctl,
};
static struct miscdevice pt_dev = { .minor = MISC_DYNAMIC_MINOR, .name = "pmd_probe", .fops = &pt_fops };

static int __init pt_init(void)
{
	chunk = alloc_pages(GFP_KERNEL | __GFP_ZERO | __GFP_COMP, HPAGE_PMD_ORDER);
	if (!chunk)
		return -ENOMEM;
	return misc_register(&pt_dev);
}
static void __exit pt_exit(void)
{
	misc_deregister(&pt_dev);
	__free_pages(chunk, HPAGE_PMD_ORDER);
}
module_init(pt_init);
module_exit(pt_exit);
MODULE_LICENSE("GPL");

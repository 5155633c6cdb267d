// SPDX-License-Identifier: GPL-2.0
/*
 * tcc_weights.c - huge-page weight buffers (issue 7).
 *
 * A weight buffer is a GEM object backed by a file of a private tmpfs
 * mount with huge=always (like i915's gemfs): its page cache is made of
 * 2 MiB folios, each physically contiguous, and tmpfs falls back to 4 KiB
 * pages by itself when fragmentation leaves no 2 MiB block.  Mapping the
 * tmpfs file itself into user space (the vma is handed to it, as
 * drm_gem_shmem does with imported dma-bufs) lets the core fault path map
 * those folios with PMD entries (do_set_pmd()).
 *
 * Why not alloc_pages(HPAGE_PMD_ORDER) plus a .huge_fault handler: on 6.1
 * vmf_insert_pfn_pmd() needs a VM_PFNMAP/VM_MIXEDMAP vma (or devmap pfns),
 * and __handle_mm_fault() only calls ->huge_fault when hugepage_vma_check()
 * passes, which refuses every VM_SPECIAL vma (VM_PFNMAP, VM_MIXEDMAP, and
 * VM_DONTEXPAND that drm_gem_mmap_obj() insists on) unless it is DAX.  A
 * driver-owned PFN mapping therefore only ever gets PTEs on this kernel;
 * do_set_pmd() (the file-THP path) is not exported.  tmpfs folios get PMDs.
 *
 * Life cycle: CREATE reserves the name and gives the creator the only
 * handle; WRITE or a writable mapping fills it; SEAL allocates whatever was
 * never written, counts huge/small chunks, revokes writable mappings
 * (page_mkwrite refuses after seal, existing PTEs are zapped) and makes the
 * name openable.  The object goes when its last handle and mapping go,
 * unless RESIDENT holds a reference; unload drops that and the name.
 */
#include <linux/ctype.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/huge_mm.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/shmem_fs.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>
#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_vma_manager.h>
#include <uapi/drm/tcc_drm.h>

#include "tcc_drv.h"

#define TCC_WEIGHTS_CHUNK	(2UL << 20)

static unsigned int tcc_max_weights_mb = 256;
module_param_named(max_weights_mb, tcc_max_weights_mb, uint, 0644);
MODULE_PARM_DESC(max_weights_mb, "Limit on weight-buffer memory, MiB (default 256)");

/**
 * struct tcc_weights_dev - weights state of one device (tcc_device.weights_priv)
 * @gemfs: private tmpfs mount (huge=always) backing every buffer
 * @lock: protects @bufs, @charged, @refusals and the name/resident state of buffers
 * @bufs: every live &struct tcc_wbuf
 * @charged: bytes charged against max_weights_mb
 * @refusals: creates refused because the limit was exhausted
 */
struct tcc_weights_dev {
	struct vfsmount *gemfs;
	struct mutex lock;
	struct list_head bufs;
	u64 charged;
	u64 refusals;
};

/**
 * struct tcc_wbuf - one weight buffer
 * @base: the GEM object; @base.filp is the tmpfs file
 * @wdev: owning device state
 * @node: entry in &tcc_weights_dev.bufs
 * @name: NUL-terminated, validated
 * @size: bytes asked for at create (@base.size is the 2 MiB multiple)
 * @creator: DRM file of the creator (compared, never dereferenced)
 * @uid: creator's fsuid
 * @gid: creator's fsgid
 * @mode: 0..0777 permission bits for OPEN
 * @write_lock: serialises WRITE and SEAL
 * @sealed: immutable and openable (read locklessly by page_mkwrite)
 * @named: found by OPEN and CREATE (cleared by unload)
 * @resident: holds one GEM reference of its own
 * @huge_chunks: 2 MiB folios, counted at seal
 * @small_chunks: 4 KiB pages, counted at seal
 * @mappers: live VMAs
 * @faults: fault and map_pages calls
 * @map_lock: protects @mms
 * @mms: one &struct tcc_wmapper per address space mapping the buffer
 */
struct tcc_wbuf {
	struct drm_gem_object base;
	struct tcc_weights_dev *wdev;
	struct list_head node;
	char name[TCC_WEIGHTS_NAME_LEN];
	u64 size;
	struct drm_file *creator;
	kuid_t uid;
	kgid_t gid;
	u32 mode;
	struct mutex write_lock;
	bool sealed;
	bool named;
	bool resident;
	u32 huge_chunks;
	u32 small_chunks;
	atomic_t mappers;
	atomic64_t faults;
	struct mutex map_lock;
	struct list_head mms;
};

/**
 * struct tcc_wmapper - an address space with VMAs of a buffer (for the pids in sysfs)
 * @node: entry in &tcc_wbuf.mms
 * @mm: the address space, only compared, never dereferenced
 * @vmas: VMAs of the buffer in @mm
 *
 * Keyed by mm, and the pid found when shown: fork's vm_open runs before
 * the child has a pid (current is the parent then).
 */
struct tcc_wmapper {
	struct list_head node;
	struct mm_struct *mm;
	unsigned int vmas;
};

/*
 * The thread-group id of a process using @mm (0 if none): a scan that only
 * compares pointers, so it is safe whatever became of @mm.
 */
static pid_t tcc_mm_pid(const struct mm_struct *mm)
{
	struct task_struct *p;
	pid_t pid = 0;

	rcu_read_lock();
	for_each_process(p) {
		if (READ_ONCE(p->mm) == mm) {
			pid = task_tgid_nr(p);
			break;
		}
	}
	rcu_read_unlock();
	return pid;
}

static const struct drm_gem_object_funcs tcc_wbuf_funcs;

static struct tcc_weights_dev *to_wdev(struct drm_device *drm)
{
	return to_tcc_device(drm)->weights_priv;
}

static struct tcc_wbuf *to_wbuf(struct drm_gem_object *obj)
{
	return container_of(obj, struct tcc_wbuf, base);
}

/* A handle of @file that is a weight buffer (with a reference), or NULL. */
static struct tcc_wbuf *tcc_wbuf_lookup(struct drm_file *file, u32 handle)
{
	struct drm_gem_object *obj = drm_gem_object_lookup(file, handle);

	if (!obj)
		return NULL;
	if (obj->funcs != &tcc_wbuf_funcs) {
		drm_gem_object_put(obj);
		return NULL;
	}
	return to_wbuf(obj);
}

/* Copy a name from an ioctl argument; the same rule as libtccml's. */
static int tcc_weights_name_valid(const char *name)
{
	size_t len = strnlen(name, TCC_WEIGHTS_NAME_LEN), i;

	if (len == 0 || len == TCC_WEIGHTS_NAME_LEN || name[0] == '.' || name[0] == '-')
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && name[i] != '.' && name[i] != '_' && name[i] != '-')
			return -EINVAL;
	/* Bytes after the NUL must be zero too: room to grow the field. */
	for (i = len; i < TCC_WEIGHTS_NAME_LEN; i++)
		if (name[i])
			return -EINVAL;
	return 0;
}

static struct tcc_wbuf *tcc_wbuf_find_locked(struct tcc_weights_dev *wdev, const char *name)
{
	struct tcc_wbuf *w;

	lockdep_assert_held(&wdev->lock);
	list_for_each_entry(w, &wdev->bufs, node)
		if (w->named && !strcmp(w->name, name))
			return w;
	return NULL;
}

static void tcc_wbuf_free(struct drm_gem_object *obj)
{
	struct tcc_wbuf *w = to_wbuf(obj);
	struct tcc_weights_dev *wdev = w->wdev;

	mutex_lock(&wdev->lock);
	list_del(&w->node);
	wdev->charged -= obj->size;
	mutex_unlock(&wdev->lock);
	drm_gem_object_release(obj);
	/* Every VMA held a reference: the list is empty by now. */
	WARN_ON(!list_empty(&w->mms));
	mutex_destroy(&w->map_lock);
	mutex_destroy(&w->write_lock);
	kfree(w);
}

/* dma-buf export would hand out a writable path around the seal: refused. */
static struct dma_buf *tcc_wbuf_export(struct drm_gem_object *obj, int flags)
{
	return ERR_PTR(-EOPNOTSUPP);
}

/*
 * The vma is handed to the tmpfs file, so its vm_ops are tmpfs's; these
 * wrap them to count mappers and faults and to refuse writes after seal.
 * Built from tmpfs's table on first use (shmem_vm_ops is not exported),
 * hence not const: checkpatch's warning about that is expected.
 */
static const struct vm_operations_struct *tcc_shmem_vm_ops;
static struct vm_operations_struct tcc_wbuf_vm_ops;
static DEFINE_MUTEX(tcc_vm_ops_lock);

/* Count a VMA of @w in @mm up or down; an allocation failure only costs the pid listing. */
static void tcc_wbuf_track(struct tcc_wbuf *w, struct mm_struct *mm, int delta)
{
	struct tcc_wmapper *m, *found = NULL;

	mutex_lock(&w->map_lock);
	list_for_each_entry(m, &w->mms, node)
		if (m->mm == mm) {
			found = m;
			break;
		}
	if (delta > 0) {
		if (!found) {
			found = kzalloc(sizeof(*found), GFP_KERNEL);
			if (found) {
				found->mm = mm;
				list_add_tail(&found->node, &w->mms);
			}
		}
		if (found)
			found->vmas++;
	} else if (found && !--found->vmas) {
		list_del(&found->node);
		kfree(found);
	}
	mutex_unlock(&w->map_lock);
}

/*
 * The vma holds the tmpfs file, not the DRM file, so nothing else keeps
 * tcc.ko (and these vm_ops) loaded while a mapping lives: each vma holds a
 * module reference besides its GEM reference.
 */
static void tcc_wbuf_vm_open(struct vm_area_struct *vma)
{
	struct tcc_wbuf *w = to_wbuf(vma->vm_private_data);

	__module_get(THIS_MODULE);
	atomic_inc(&w->mappers);
	tcc_wbuf_track(w, vma->vm_mm, 1);
	drm_gem_object_get(&w->base);
}

static void tcc_wbuf_vm_close(struct vm_area_struct *vma)
{
	struct tcc_wbuf *w = to_wbuf(vma->vm_private_data);

	atomic_dec(&w->mappers);
	tcc_wbuf_track(w, vma->vm_mm, -1);
	drm_gem_object_put(&w->base);
	module_put(THIS_MODULE);
}

static vm_fault_t tcc_wbuf_fault(struct vm_fault *vmf)
{
	struct tcc_wbuf *w = to_wbuf(vmf->vma->vm_private_data);

	atomic64_inc(&w->faults);
	return tcc_shmem_vm_ops->fault(vmf);
}

static vm_fault_t tcc_wbuf_map_pages(struct vm_fault *vmf, pgoff_t start, pgoff_t end)
{
	struct tcc_wbuf *w = to_wbuf(vmf->vma->vm_private_data);

	atomic64_inc(&w->faults);
	return tcc_shmem_vm_ops->map_pages(vmf, start, end);
}

/*
 * Having a page_mkwrite makes every shared writable mapping write-notify:
 * the first store to each page (or PMD) asks here, and after seal the
 * answer is SIGBUS.  The answer is given under the page lock, and returned
 * with it held (VM_FAULT_LOCKED): the core keeps it until the writable
 * entry is installed, so tcc_wbuf_seal_drain() can wait for a fault that
 * said yes just before the seal, and the revoke zaps what it installed.
 */
static vm_fault_t tcc_wbuf_page_mkwrite(struct vm_fault *vmf)
{
	struct tcc_wbuf *w = to_wbuf(vmf->vma->vm_private_data);

	lock_page(vmf->page);
	if (READ_ONCE(w->sealed)) {
		unlock_page(vmf->page);
		return VM_FAULT_SIGBUS;
	}
	return VM_FAULT_LOCKED;
}

/*
 * After @w->sealed is set: takes and drops every page lock of the buffer,
 * so that no write fault that passed tcc_wbuf_page_mkwrite() before the
 * seal is still installing its entry when the mappings are revoked.
 */
static void tcc_wbuf_seal_drain(struct tcc_wbuf *w)
{
	struct address_space *mapping = w->base.filp->f_mapping;
	pgoff_t index = 0, npages = w->base.size >> PAGE_SHIFT;

	while (index < npages) {
		struct page *page = find_lock_page(mapping, index);

		if (!page) {
			index++;
			continue;
		}
		index = max(compound_head(page)->index + thp_nr_pages(compound_head(page)), index + 1);
		unlock_page(page);
		put_page(page);
		cond_resched();
	}
}

static int tcc_wbuf_setup_vm_ops(const struct vm_operations_struct *shmem_ops)
{
	int ret = 0;

	mutex_lock(&tcc_vm_ops_lock);
	if (!tcc_shmem_vm_ops) {
		if (!shmem_ops || !shmem_ops->fault || !shmem_ops->map_pages ||
		    shmem_ops->open || shmem_ops->close || shmem_ops->page_mkwrite) {
			ret = -ENODEV;
		} else {
			tcc_wbuf_vm_ops = *shmem_ops;
			tcc_wbuf_vm_ops.open = tcc_wbuf_vm_open;
			tcc_wbuf_vm_ops.close = tcc_wbuf_vm_close;
			tcc_wbuf_vm_ops.fault = tcc_wbuf_fault;
			tcc_wbuf_vm_ops.map_pages = tcc_wbuf_map_pages;
			tcc_wbuf_vm_ops.page_mkwrite = tcc_wbuf_page_mkwrite;
			/* Faults read it only through vmas made after this, under mmap_lock. */
			tcc_shmem_vm_ops = shmem_ops;
		}
	} else if (tcc_shmem_vm_ops != shmem_ops) {
		ret = -ENODEV;
	}
	mutex_unlock(&tcc_vm_ops_lock);
	return ret;
}

/*
 * Called by drm_gem_mmap_obj() with a GEM reference held for the vma
 * (dropped by our vm close).  Before seal only the creator has a handle, so
 * only it can get here; after seal PROT_WRITE is refused and VM_MAYWRITE
 * cleared so that mprotect() cannot add it back.
 */
static int tcc_wbuf_mmap(struct drm_gem_object *obj, struct vm_area_struct *vma)
{
	struct tcc_wbuf *w = to_wbuf(obj);
	int ret;

	if (READ_ONCE(w->sealed)) {
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		vma->vm_flags &= ~VM_MAYWRITE;
	}
	/* drm_gem_mmap() leaves the fake offset in vm_pgoff. */
	vma->vm_pgoff -= drm_vma_node_start(&obj->vma_node);
	vma_set_file(vma, obj->filp);
	ret = call_mmap(obj->filp, vma);
	if (ret)
		return ret;
	ret = tcc_wbuf_setup_vm_ops(vma->vm_ops);
	if (ret)
		return ret;
	vma->vm_ops = &tcc_wbuf_vm_ops;
	vma->vm_private_data = obj;
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	__module_get(THIS_MODULE);
	atomic_inc(&w->mappers);
	tcc_wbuf_track(w, vma->vm_mm, 1);
	return 0;
}

static const struct drm_gem_object_funcs tcc_wbuf_funcs = {
	.free = tcc_wbuf_free,
	.mmap = tcc_wbuf_mmap,
	.export = tcc_wbuf_export,
};

int tcc_weights_create_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct tcc_weights_dev *wdev = to_wdev(drm);
	struct drm_tcc_weights_create *args = data;
	u64 limit = (u64)READ_ONCE(tcc_max_weights_mb) << 20;
	struct tcc_wbuf *w;
	struct file *filp;
	u64 alloc;
	int ret;

	if (args->flags || args->pad || args->mode & ~0777u)
		return -EINVAL;
	ret = tcc_weights_name_valid(args->name);
	if (ret)
		return ret;
	if (!args->size || args->size > U64_MAX - TCC_WEIGHTS_CHUNK)
		return -EINVAL;
	alloc = round_up(args->size, TCC_WEIGHTS_CHUNK);
	if (alloc > limit || alloc > MAX_LFS_FILESIZE)
		return -E2BIG;

	w = kzalloc(sizeof(*w), GFP_KERNEL_ACCOUNT);
	if (!w)
		return -ENOMEM;
	memcpy(w->name, args->name, sizeof(w->name));
	w->wdev = wdev;
	w->size = args->size;
	w->creator = file;
	w->uid = current_fsuid();
	w->gid = current_fsgid();
	w->mode = args->mode;
	mutex_init(&w->write_lock);
	mutex_init(&w->map_lock);
	INIT_LIST_HEAD(&w->node);
	INIT_LIST_HEAD(&w->mms);

	/* VM_NORESERVE: memory is committed by the limit above and allocated at fill/seal. */
	filp = shmem_file_setup_with_mnt(wdev->gemfs, "tcc-weights", alloc, VM_NORESERVE);
	if (IS_ERR(filp)) {
		mutex_destroy(&w->map_lock);
		mutex_destroy(&w->write_lock);
		kfree(w);
		return PTR_ERR(filp);
	}
	drm_gem_private_object_init(drm, &w->base, alloc);
	w->base.funcs = &tcc_wbuf_funcs;
	w->base.filp = filp;

	mutex_lock(&wdev->lock);
	if (tcc_wbuf_find_locked(wdev, w->name)) {
		ret = -EEXIST;
	} else if (wdev->charged + alloc > limit) {
		wdev->refusals++;
		ret = -ENOMEM;
	} else {
		wdev->charged += alloc;
		w->named = true;
		list_add_tail(&w->node, &wdev->bufs);
		ret = 0;
	}
	mutex_unlock(&wdev->lock);
	if (ret) {
		/* Not on the list, nothing charged: release by hand, not through .free. */
		drm_gem_object_release(&w->base);
		mutex_destroy(&w->map_lock);
		mutex_destroy(&w->write_lock);
		kfree(w);
		return ret;
	}

	ret = drm_gem_create_mmap_offset(&w->base);
	if (!ret)
		ret = drm_gem_handle_create(file, &w->base, &args->handle);
	if (!ret)
		args->mmap_offset = drm_vma_node_offset_addr(&w->base.vma_node);
	/* The handle holds the object now (or nothing does and it is freed). */
	drm_gem_object_put(&w->base);
	return ret;
}

int tcc_weights_write_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_tcc_weights_write *args = data;
	const char __user *src = u64_to_user_ptr(args->data);
	struct address_space *mapping;
	struct tcc_wbuf *w;
	u64 pos, end;
	int ret = 0;

	if (args->pad)
		return -EINVAL;
	w = tcc_wbuf_lookup(file, args->handle);
	if (!w)
		return -ENOENT;
	if (args->offset > w->size || args->size > w->size - args->offset) {
		ret = -EINVAL;
		goto out;
	}
	mapping = w->base.filp->f_mapping;
	mutex_lock(&w->write_lock);
	if (w->creator != file || w->sealed) {
		ret = -EPERM;
		goto unlock;
	}
	end = args->offset + args->size;
	for (pos = args->offset; pos < end;) {
		size_t off = offset_in_page(pos);
		size_t n = min_t(u64, PAGE_SIZE - off, end - pos);
		struct page *page;
		void *vaddr;
		unsigned long left;

		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		page = shmem_read_mapping_page(mapping, pos >> PAGE_SHIFT);
		if (IS_ERR(page)) {
			ret = PTR_ERR(page);
			break;
		}
		vaddr = kmap_local_page(page);
		left = copy_from_user(vaddr + off, src + (pos - args->offset), n);
		kunmap_local(vaddr);
		set_page_dirty(page);
		put_page(page);
		if (left) {
			ret = -EFAULT;
			break;
		}
		pos += n;
		cond_resched();
	}
unlock:
	mutex_unlock(&w->write_lock);
out:
	drm_gem_object_put(&w->base);
	return ret;
}

/* Allocate every page not written yet and count 2 MiB folios vs 4 KiB pages. */
static int tcc_wbuf_populate(struct tcc_wbuf *w, u32 *huge, u32 *small)
{
	struct address_space *mapping = w->base.filp->f_mapping;
	pgoff_t index = 0, npages = w->base.size >> PAGE_SHIFT;

	*huge = 0;
	*small = 0;
	while (index < npages) {
		struct page *page, *head;

		if (fatal_signal_pending(current))
			return -EINTR;
		page = shmem_read_mapping_page(mapping, index);
		if (IS_ERR(page))
			return PTR_ERR(page);
		head = compound_head(page);
		if (PageTransHuge(head) && thp_nr_pages(head) == HPAGE_PMD_NR) {
			(*huge)++;
			index = head->index + HPAGE_PMD_NR;
		} else {
			(*small)++;
			index++;
		}
		put_page(page);
		cond_resched();
	}
	return 0;
}

int tcc_weights_seal_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct drm_tcc_weights_seal *args = data;
	struct tcc_wbuf *w;
	u32 huge, small;
	int ret;

	if (args->flags)
		return -EINVAL;
	w = tcc_wbuf_lookup(file, args->handle);
	if (!w)
		return -ENOENT;
	mutex_lock(&w->write_lock);
	if (w->creator != file) {
		ret = -EPERM;
	} else if (w->sealed) {
		ret = 0;
	} else {
		ret = tcc_wbuf_populate(w, &huge, &small);
		if (!ret) {
			w->huge_chunks = huge;
			w->small_chunks = small;
			WRITE_ONCE(w->sealed, true);
			tcc_wbuf_seal_drain(w);
			/*
			 * Revoke: zap every PTE/PMD of the buffer; the creator's
			 * writable vmas refault read-only and page_mkwrite refuses.
			 */
			unmap_mapping_range(w->base.filp->f_mapping, 0, 0, 1);
		}
	}
	mutex_unlock(&w->write_lock);
	drm_gem_object_put(&w->base);
	return ret;
}

static bool tcc_wbuf_may_open(const struct tcc_wbuf *w)
{
	if (uid_eq(current_fsuid(), w->uid) || capable(CAP_SYS_ADMIN))
		return true;
	if ((w->mode & 0040) && in_group_p(w->gid))
		return true;
	return w->mode & 0004;
}

int tcc_weights_open_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct tcc_weights_dev *wdev = to_wdev(drm);
	struct drm_tcc_weights_open *args = data;
	struct tcc_wbuf *w;
	int ret;

	if (args->flags)
		return -EINVAL;
	ret = tcc_weights_name_valid(args->name);
	if (ret)
		return ret;
	mutex_lock(&wdev->lock);
	w = tcc_wbuf_find_locked(wdev, args->name);
	if (!w || !READ_ONCE(w->sealed))
		ret = -ENOENT;
	else if (!tcc_wbuf_may_open(w))
		ret = -EACCES;
	/* .free takes wdev->lock to unlink: a zero refcount here means it is going. */
	else if (!kref_get_unless_zero(&w->base.refcount))
		ret = -ENOENT;
	mutex_unlock(&wdev->lock);
	if (ret)
		return ret;

	ret = drm_gem_create_mmap_offset(&w->base);
	if (!ret)
		ret = drm_gem_handle_create(file, &w->base, &args->handle);
	if (!ret) {
		args->size = w->size;
		args->mmap_offset = drm_vma_node_offset_addr(&w->base.vma_node);
	}
	drm_gem_object_put(&w->base);
	return ret;
}

static void tcc_wbuf_fill_entry(const struct tcc_wbuf *w, struct drm_tcc_weights_entry *e)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->name, w->name, sizeof(e->name));
	e->size = w->size;
	e->alloc_size = w->base.size;
	e->huge_chunks = w->huge_chunks;
	e->small_chunks = w->small_chunks;
	e->mappers = atomic_read(&w->mappers);
	e->flags = (READ_ONCE(w->sealed) ? TCC_WEIGHTS_SEALED : 0) |
		   (w->resident ? TCC_WEIGHTS_RESIDENT : 0) | (w->named ? TCC_WEIGHTS_NAMED : 0);
	e->uid = from_kuid_munged(current_user_ns(), w->uid);
	e->gid = from_kgid_munged(current_user_ns(), w->gid);
	e->mode = w->mode;
	e->handles = READ_ONCE(w->base.handle_count);
	e->faults = atomic64_read(&w->faults);
}

int tcc_weights_list_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct tcc_weights_dev *wdev = to_wdev(drm);
	struct drm_tcc_weights_list *args = data;
	struct drm_tcc_weights_entry __user *out = u64_to_user_ptr(args->entries);
	struct drm_tcc_weights_entry *snap;
	struct tcc_wbuf *w;
	u32 n = 0, cap = args->count, i;
	int ret = 0;

	if (args->pad)
		return -EINVAL;
	/* Snapshot under the lock, copy to user space after: no faults under wdev->lock. */
	cap = min_t(u32, cap, 4096);
	snap = cap ? kvcalloc(cap, sizeof(*snap), GFP_KERNEL) : NULL;
	if (cap && !snap)
		return -ENOMEM;
	mutex_lock(&wdev->lock);
	list_for_each_entry(w, &wdev->bufs, node) {
		if (n < cap)
			tcc_wbuf_fill_entry(w, &snap[n]);
		n++;
	}
	mutex_unlock(&wdev->lock);
	for (i = 0; i < min(n, cap); i++)
		if (copy_to_user(&out[i], &snap[i], sizeof(*snap))) {
			ret = -EFAULT;
			break;
		}
	kvfree(snap);
	args->count = n;
	return ret;
}

int tcc_weights_resident_ioctl(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct tcc_weights_dev *wdev = to_wdev(drm);
	struct drm_tcc_weights_resident *args = data;
	struct tcc_wbuf *w, *put = NULL;
	int ret;

	if (args->pad || args->resident > 1)
		return -EINVAL;
	ret = tcc_weights_name_valid(args->name);
	if (ret)
		return ret;
	mutex_lock(&wdev->lock);
	w = tcc_wbuf_find_locked(wdev, args->name);
	if (!w) {
		ret = -ENOENT;
	} else if (args->resident) {
		if (!capable(CAP_SYS_ADMIN))
			ret = -EPERM;
		else if (!READ_ONCE(w->sealed))
			ret = -EBUSY;
		else if (!w->resident && !kref_get_unless_zero(&w->base.refcount))
			ret = -ENOENT;
		else
			w->resident = true;
	} else {
		if (!uid_eq(current_fsuid(), w->uid) && !capable(CAP_SYS_ADMIN)) {
			ret = -EPERM;
		} else {
			w->named = false;
			if (w->resident)
				put = w;
			w->resident = false;
		}
	}
	mutex_unlock(&wdev->lock);
	/* Outside the lock: the last put runs .free, which takes it. */
	if (put)
		drm_gem_object_put(&put->base);
	return ret;
}

int tcc_weights_init(struct tcc_device *tdev)
{
	struct file_system_type *type;
	struct tcc_weights_dev *wdev;
	char opts[] = "huge=always";

	wdev = kzalloc(sizeof(*wdev), GFP_KERNEL);
	if (!wdev)
		return -ENOMEM;
	mutex_init(&wdev->lock);
	INIT_LIST_HEAD(&wdev->bufs);
	type = get_fs_type("tmpfs");
	if (!type) {
		kfree(wdev);
		return -ENODEV;
	}
	wdev->gemfs = vfs_kern_mount(type, SB_KERNMOUNT, type->name, opts);
	if (IS_ERR(wdev->gemfs)) {
		/* No THP in this kernel: still correct, with small pages only. */
		wdev->gemfs = vfs_kern_mount(type, SB_KERNMOUNT, type->name, NULL);
	}
	if (IS_ERR(wdev->gemfs)) {
		int ret = PTR_ERR(wdev->gemfs);

		kfree(wdev);
		return ret;
	}
	tdev->weights_priv = wdev;
	return 0;
}

void tcc_weights_fini(struct tcc_device *tdev)
{
	struct tcc_weights_dev *wdev = tdev->weights_priv;
	struct tcc_wbuf *w;

	if (!wdev)
		return;
	/* Every file is closed by now: only resident pins keep buffers alive. */
	for (;;) {
		struct tcc_wbuf *put = NULL;

		mutex_lock(&wdev->lock);
		list_for_each_entry(w, &wdev->bufs, node)
			if (w->resident) {
				w->resident = false;
				put = w;
				break;
			}
		mutex_unlock(&wdev->lock);
		if (!put)
			break;
		drm_gem_object_put(&put->base);
	}
	WARN_ON(!list_empty(&wdev->bufs));
	kern_unmount(wdev->gemfs);
	mutex_destroy(&wdev->lock);
	kfree(wdev);
	tdev->weights_priv = NULL;
}

int tcc_weights_open(struct tcc_file *tfile)
{
	return 0;
}

void tcc_weights_postclose(struct tcc_file *tfile)
{
}

/* sysfs: /sys/devices/platform/tcc/weights/ */

static struct tcc_weights_dev *dev_to_wdev(struct device *dev)
{
	struct drm_device *drm = dev_get_drvdata(dev);

	return drm ? to_wdev(drm) : NULL;
}

#define TCC_WEIGHTS_STAT_ATTR(_name, _expr)				\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct tcc_weights_dev *wdev = dev_to_wdev(dev);		\
	u64 v;								\
									\
	if (!wdev)							\
		return -ENODEV;						\
	mutex_lock(&wdev->lock);					\
	v = (_expr);							\
	mutex_unlock(&wdev->lock);					\
	return sysfs_emit(buf, "%llu\n", v);				\
}									\
static DEVICE_ATTR_RO(_name)

static u64 tcc_weights_count_locked(struct tcc_weights_dev *wdev, bool small)
{
	struct tcc_wbuf *w;
	u64 n = 0;

	list_for_each_entry(w, &wdev->bufs, node)
		n += small ? w->small_chunks : 1;
	return n;
}

TCC_WEIGHTS_STAT_ATTR(count, tcc_weights_count_locked(wdev, false));
TCC_WEIGHTS_STAT_ATTR(charged_bytes, wdev->charged);
TCC_WEIGHTS_STAT_ATTR(refusals, wdev->refusals);
TCC_WEIGHTS_STAT_ATTR(small_chunks, tcc_weights_count_locked(wdev, true));

static ssize_t limit_bytes_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", (u64)READ_ONCE(tcc_max_weights_mb) << 20);
}
static DEVICE_ATTR_RO(limit_bytes);

/*
 * One line per live buffer:
 * "<name> <size> <alloc> <huge> <small> <mappers> <handles> <faults> <flags> <uid> <gid> <mode>"
 * with flags a string of s(ealed) r(esident) n(amed) or "-".  One page at
 * most; a last line "..." says it was cut short (count has the total).
 */
static ssize_t buffers_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct tcc_weights_dev *wdev = dev_to_wdev(dev);
	struct drm_tcc_weights_entry e;
	struct tcc_wbuf *w;
	int len = 0, n;

	if (!wdev)
		return -ENODEV;
	mutex_lock(&wdev->lock);
	list_for_each_entry(w, &wdev->bufs, node) {
		tcc_wbuf_fill_entry(w, &e);
		if (len > PAGE_SIZE - 200) {
			len += sysfs_emit_at(buf, len, "...\n");
			break;
		}
		n = sysfs_emit_at(buf, len, "%s %llu %llu %u %u %u %u %llu %s%s%s%s %u %u %03o\n",
				  e.name, e.size, e.alloc_size, e.huge_chunks, e.small_chunks,
				  e.mappers, e.handles, e.faults,
				  e.flags & TCC_WEIGHTS_SEALED ? "s" : "",
				  e.flags & TCC_WEIGHTS_RESIDENT ? "r" : "",
				  e.flags & TCC_WEIGHTS_NAMED ? "n" : "",
				  e.flags ? "" : "-", e.uid, e.gid, e.mode);
		len += n;
	}
	mutex_unlock(&wdev->lock);
	return len;
}
static DEVICE_ATTR_RO(buffers);

/*
 * One line per buffer mapped anywhere: "<name> <pid> <pid> ...", the
 * thread-group ids owning the address spaces that map it.  One page at most.
 */
static ssize_t mapper_pids_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct tcc_weights_dev *wdev = dev_to_wdev(dev);
	struct tcc_wmapper *m;
	struct tcc_wbuf *w;
	int len = 0;

	if (!wdev)
		return -ENODEV;
	mutex_lock(&wdev->lock);
	list_for_each_entry(w, &wdev->bufs, node) {
		if (len > PAGE_SIZE - 200) {
			len += sysfs_emit_at(buf, len, "...\n");
			break;
		}
		mutex_lock(&w->map_lock);
		if (!list_empty(&w->mms)) {
			len += sysfs_emit_at(buf, len, "%s", w->name);
			list_for_each_entry(m, &w->mms, node) {
				if (len > PAGE_SIZE - 16)
					break;
				len += sysfs_emit_at(buf, len, " %d", tcc_mm_pid(m->mm));
			}
			len += sysfs_emit_at(buf, len, "\n");
		}
		mutex_unlock(&w->map_lock);
	}
	mutex_unlock(&wdev->lock);
	return len;
}
static DEVICE_ATTR_RO(mapper_pids);

static struct attribute *tcc_weights_attrs[] = {
	&dev_attr_count.attr,
	&dev_attr_charged_bytes.attr,
	&dev_attr_limit_bytes.attr,
	&dev_attr_refusals.attr,
	&dev_attr_small_chunks.attr,
	&dev_attr_buffers.attr,
	&dev_attr_mapper_pids.attr,
	NULL,
};

const struct attribute_group tcc_weights_attr_group = {
	.name = "weights",
	.attrs = tcc_weights_attrs,
};

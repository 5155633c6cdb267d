// SPDX-License-Identifier: GPL-2.0
/*
 * tcc_sim_fw.c - the simulated XPU: its "firmware" and its register interface.
 *
 * Driver side (what a real driver would do with MMIO):
 *   tcc_sim_ring_doorbell()   write a descriptor into the ring, ring the doorbell
 *   tcc_sim_read_completion() read one completion queue entry (from the IRQ)
 *   tcc_sim_reset()           stop the engine, drop both queues, restart
 * Device side: tcc_sim_fw_loop() consumes descriptors in order, executes the
 * commands on the BOs' memory and posts a completion + interrupt for each.
 *
 * Fault injection (debugfs, /sys/kernel/debug/tcc_sim/):
 *   hang_next N     the next N jobs hang the engine (no completion) until reset
 *   fail_next N     the next N jobs complete with -EIO without running
 *   corrupt_next N  the next N jobs complete "successfully" with a flipped
 *                   byte in their first destination
 *   delay_ms MS     the engine sleeps MS before each job (slow device)
 *   paused 0|1      1: the engine takes no new descriptor until 0 (a stall;
 *                   the scheduler's timeout still applies)
 *   executed, resets  counters (read-only)
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/sched.h>
#if defined(CONFIG_X86)
#include <asm/fpu/api.h>
#define tcc_sim_fpu_begin()	kernel_fpu_begin()
#define tcc_sim_fpu_end()	kernel_fpu_end()
#elif defined(CONFIG_ARM64)
#include <asm/neon.h>
#define tcc_sim_fpu_begin()	kernel_neon_begin()
#define tcc_sim_fpu_end()	kernel_neon_end()
#else
#error "tcc_sim: no kernel FPU section helper for this architecture"
#endif

#include "tcc_sim.h"

/* f32 chunk per FPU section: keeps preemption-off stretches short. */
#define TCC_SIM_FPU_CHUNK	1024

static bool tcc_sim_in_bounds(u64 off, u64 len, u64 size)
{
	return off <= size && len <= size - off;
}

/* The firmware re-checks every access: a device must not trust its driver either. */
static int tcc_sim_check(const struct tcc_sim_desc *d, const struct drm_tcc_cmd *c)
{
	u32 nsrc = 0;

	switch (c->op) {
	case DRM_TCC_CMD_NOP:
		return 0;
	case DRM_TCC_CMD_SIGNAL:
		return c->dst < d->nbos && !(c->dst_off & 7) &&
		       tcc_sim_in_bounds(c->dst_off, 8, d->bos[c->dst].size) ? 0 : -EINVAL;
	case DRM_TCC_CMD_FILL:
		break;
	case DRM_TCC_CMD_COPY:
	case DRM_TCC_CMD_RELU:
		nsrc = 1;
		break;
	case DRM_TCC_CMD_ADD:
	case DRM_TCC_CMD_MUL:
		nsrc = 2;
		break;
	default:
		return -EINVAL;
	}
	if (c->op != DRM_TCC_CMD_COPY && ((c->size | c->dst_off | c->src0_off | c->src1_off) & 3))
		return -EINVAL;
	if (c->dst >= d->nbos || !tcc_sim_in_bounds(c->dst_off, c->size, d->bos[c->dst].size))
		return -EINVAL;
	if (nsrc > 0 && (c->src0 >= d->nbos ||
			 !tcc_sim_in_bounds(c->src0_off, c->size, d->bos[c->src0].size)))
		return -EINVAL;
	if (nsrc > 1 && (c->src1 >= d->nbos ||
			 !tcc_sim_in_bounds(c->src1_off, c->size, d->bos[c->src1].size)))
		return -EINVAL;
	return 0;
}

static void tcc_sim_exec_cmd(const struct tcc_sim_desc *d, const struct drm_tcc_cmd *c)
{
	u8 *dst = c->op == DRM_TCC_CMD_NOP ? NULL : (u8 *)d->bos[c->dst].vaddr + c->dst_off;
	const u8 *s0 = NULL, *s1 = NULL;
	size_t n = c->size / 4, done;

	if (c->op == DRM_TCC_CMD_COPY || c->op == DRM_TCC_CMD_RELU ||
	    c->op == DRM_TCC_CMD_ADD || c->op == DRM_TCC_CMD_MUL)
		s0 = (const u8 *)d->bos[c->src0].vaddr + c->src0_off;
	if (c->op == DRM_TCC_CMD_ADD || c->op == DRM_TCC_CMD_MUL)
		s1 = (const u8 *)d->bos[c->src1].vaddr + c->src1_off;

	switch (c->op) {
	case DRM_TCC_CMD_COPY:
		memmove(dst, s0, c->size);
		break;
	case DRM_TCC_CMD_FILL:
		memset32((u32 *)dst, (u32)c->value, n);
		break;
	case DRM_TCC_CMD_SIGNAL:
		WRITE_ONCE(*(u64 *)dst, c->value);
		break;
	case DRM_TCC_CMD_ADD:
	case DRM_TCC_CMD_MUL:
	case DRM_TCC_CMD_RELU:
		for (done = 0; done < n; done += TCC_SIM_FPU_CHUNK) {
			size_t k = min_t(size_t, n - done, TCC_SIM_FPU_CHUNK);

			tcc_sim_fpu_begin();
			tcc_sim_alu_f32(c->op, (float *)dst + done, (const float *)s0 + done,
					s1 ? (const float *)s1 + done : NULL, k);
			tcc_sim_fpu_end();
			cond_resched();
		}
		break;
	}
}

static int tcc_sim_exec(const struct tcc_sim_desc *d)
{
	u32 i;
	int ret;

	for (i = 0; i < d->ncmds; i++) {
		ret = tcc_sim_check(d, &d->cmds[i]);
		if (ret)
			return ret;
	}
	for (i = 0; i < d->ncmds; i++) {
		tcc_sim_exec_cmd(d, &d->cmds[i]);
		cond_resched();
	}
	return 0;
}

static void tcc_sim_corrupt(const struct tcc_sim_desc *d)
{
	u32 i;

	for (i = 0; i < d->ncmds; i++) {
		const struct drm_tcc_cmd *c = &d->cmds[i];

		if (c->op != DRM_TCC_CMD_NOP && (c->size || c->op == DRM_TCC_CMD_SIGNAL)) {
			((u8 *)d->bos[c->dst].vaddr)[c->dst_off] ^= 0xff;
			return;
		}
	}
}

static void tcc_sim_fw_loop(struct work_struct *work)
{
	struct tcc_sim *sim = container_of(work, struct tcc_sim, fw_work);
	struct tcc_sim_desc d;
	unsigned long flags;
	u32 delay;
	int status;

	for (;;) {
		spin_lock_irqsave(&sim->lock, flags);
		if (sim->hung || sim->stopped || READ_ONCE(sim->paused) ||
		    sim->ring_head == sim->ring_tail) {
			spin_unlock_irqrestore(&sim->lock, flags);
			return;
		}
		d = sim->ring[sim->ring_head % TCC_SIM_RING_SIZE];
		spin_unlock_irqrestore(&sim->lock, flags);

		delay = READ_ONCE(sim->delay_ms);
		if (delay) {
			msleep(delay);
			/* A reset came while we slept: the driver resubmits this job if it wants it. */
			if (READ_ONCE(sim->stopped))
				return;
		}
		if (atomic_add_unless(&sim->hang_next, -1, 0)) {
			/* The descriptor stays at the head: nothing completes until reset. */
			spin_lock_irqsave(&sim->lock, flags);
			sim->hung = true;
			spin_unlock_irqrestore(&sim->lock, flags);
			return;
		}
		if (atomic_add_unless(&sim->fail_next, -1, 0)) {
			status = -EIO;
		} else {
			status = tcc_sim_exec(&d);
			if (!status && atomic_add_unless(&sim->corrupt_next, -1, 0))
				tcc_sim_corrupt(&d);
		}

		/*
		 * Post the completion even if a reset started meanwhile: the job
		 * did run, and the reset waits for this interrupt, so the driver
		 * learns it finished and does not run it a second time.
		 */
		spin_lock_irqsave(&sim->lock, flags);
		sim->ring_head++;
		sim->cq[sim->cq_tail % TCC_SIM_RING_SIZE] =
			(struct tcc_sim_completion){ .seqno = d.seqno, .status = status };
		sim->cq_tail++;
		sim->executed++;
		spin_unlock_irqrestore(&sim->lock, flags);
		irq_work_queue(&sim->irq);
	}
}

static void tcc_sim_irq(struct irq_work *irq)
{
	struct tcc_sim *sim = container_of(irq, struct tcc_sim, irq);

	sim->irq_handler(sim->irq_data);
}

/**
 * tcc_sim_ring_doorbell() - add a descriptor to the ring and ring the doorbell
 * @sim: the device
 * @desc: descriptor; the memory it points to must stay valid until its completion
 *
 * Return: 0, or -EBUSY when the ring is full.
 */
int tcc_sim_ring_doorbell(struct tcc_sim *sim, const struct tcc_sim_desc *desc)
{
	unsigned long flags;

	spin_lock_irqsave(&sim->lock, flags);
	if (sim->ring_tail - sim->ring_head >= TCC_SIM_RING_SIZE) {
		spin_unlock_irqrestore(&sim->lock, flags);
		return -EBUSY;
	}
	sim->ring[sim->ring_tail % TCC_SIM_RING_SIZE] = *desc;
	sim->ring_tail++;
	spin_unlock_irqrestore(&sim->lock, flags);
	queue_work(sim->wq, &sim->fw_work);
	return 0;
}

/**
 * tcc_sim_read_completion() - pop one completion (interrupt handler)
 * @sim: the device
 * @out: the completion
 *
 * Return: false when the completion queue is empty.
 */
bool tcc_sim_read_completion(struct tcc_sim *sim, struct tcc_sim_completion *out)
{
	unsigned long flags;
	bool got = false;

	spin_lock_irqsave(&sim->lock, flags);
	if (sim->cq_head != sim->cq_tail) {
		*out = sim->cq[sim->cq_head % TCC_SIM_RING_SIZE];
		sim->cq_head++;
		got = true;
	}
	spin_unlock_irqrestore(&sim->lock, flags);
	return got;
}

/**
 * tcc_sim_reset() - reset the engine: stop it, drop every queued descriptor
 * and pending completion, clear a hang
 * @sim: the device
 *
 * Sleeps until the firmware has stopped.  The driver must resubmit whatever
 * it still wants executed.
 */
void tcc_sim_reset(struct tcc_sim *sim)
{
	unsigned long flags;

	spin_lock_irqsave(&sim->lock, flags);
	sim->stopped = true;
	spin_unlock_irqrestore(&sim->lock, flags);
	cancel_work_sync(&sim->fw_work);
	irq_work_sync(&sim->irq);

	spin_lock_irqsave(&sim->lock, flags);
	sim->ring_head = sim->ring_tail = 0;
	sim->cq_head = sim->cq_tail = 0;
	sim->hung = false;
	sim->stopped = false;
	sim->resets++;
	spin_unlock_irqrestore(&sim->lock, flags);
}

static int tcc_sim_paused_get(void *data, u64 *val)
{
	struct tcc_sim *sim = data;

	*val = READ_ONCE(sim->paused);
	return 0;
}

/* Unpausing rings the doorbell: descriptors queued meanwhile start now. */
static int tcc_sim_paused_set(void *data, u64 val)
{
	struct tcc_sim *sim = data;

	if (val > 1)
		return -EINVAL;
	WRITE_ONCE(sim->paused, val);
	if (!val)
		queue_work(sim->wq, &sim->fw_work);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(tcc_sim_paused_fops, tcc_sim_paused_get, tcc_sim_paused_set, "%llu\n");

/**
 * tcc_sim_init() - power up the simulated XPU
 * @sim: zeroed device struct
 * @irq_handler: called in hard-irq context after completions were posted
 * @irq_data: its argument
 *
 * Return: 0 or -ENOMEM.
 */
int tcc_sim_init(struct tcc_sim *sim, void (*irq_handler)(void *data), void *irq_data)
{
	spin_lock_init(&sim->lock);
	INIT_WORK(&sim->fw_work, tcc_sim_fw_loop);
	init_irq_work(&sim->irq, tcc_sim_irq);
	sim->irq_handler = irq_handler;
	sim->irq_data = irq_data;
	sim->wq = alloc_ordered_workqueue("tcc_sim_fw", 0);
	if (!sim->wq)
		return -ENOMEM;

	sim->debugfs = debugfs_create_dir("tcc_sim", NULL);
	debugfs_create_atomic_t("hang_next", 0600, sim->debugfs, &sim->hang_next);
	debugfs_create_atomic_t("fail_next", 0600, sim->debugfs, &sim->fail_next);
	debugfs_create_atomic_t("corrupt_next", 0600, sim->debugfs, &sim->corrupt_next);
	debugfs_create_u32("delay_ms", 0600, sim->debugfs, &sim->delay_ms);
	debugfs_create_file_unsafe("paused", 0600, sim->debugfs, sim, &tcc_sim_paused_fops);
	debugfs_create_u64("executed", 0400, sim->debugfs, &sim->executed);
	debugfs_create_u64("resets", 0400, sim->debugfs, &sim->resets);
	return 0;
}

/**
 * tcc_sim_fini() - power down; the driver has no job on the device any more
 * @sim: the device
 */
void tcc_sim_fini(struct tcc_sim *sim)
{
	debugfs_remove_recursive(sim->debugfs);
	tcc_sim_reset(sim);
	destroy_workqueue(sim->wq);
}

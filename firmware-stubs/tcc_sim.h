/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcc_sim.h - the simulated tcc XPU, as its driver sees it.
 *
 * The device is modelled the way a real accelerator presents itself to its
 * kernel driver: a submission ring of descriptors in memory shared with the
 * device, a doorbell register the driver writes after adding descriptors, a
 * completion queue the "firmware" fills, and a completion interrupt.  Here
 * the firmware is a kernel work item (firmware-stubs/tcc_sim_fw.c) and the
 * interrupt is an irq_work, so the driver side runs exactly the code paths
 * it would run on hardware, including hangs and resets.
 */
#ifndef TCC_SIM_H
#define TCC_SIM_H

#include <linux/irq_work.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <uapi/drm/tcc_drm.h>

/* Ring entries; a power of two.  The driver keeps at most half in flight. */
#define TCC_SIM_RING_SIZE	64

/**
 * struct tcc_sim_bo - a buffer as the device sees it (its "DMA address")
 * @vaddr: kernel mapping of the whole BO
 * @size: bytes
 */
struct tcc_sim_bo {
	void *vaddr;
	u64 size;
};

/**
 * struct tcc_sim_desc - one ring descriptor
 * @seqno: driver-chosen, echoed in the completion
 * @cmds: the job's commands (already validated by the driver)
 * @ncmds: number of @cmds
 * @bos: buffers the commands index
 * @nbos: number of @bos
 */
struct tcc_sim_desc {
	u64 seqno;
	const struct drm_tcc_cmd *cmds;
	u32 ncmds;
	u32 nbos;
	const struct tcc_sim_bo *bos;
};

/**
 * struct tcc_sim_completion - one completion queue entry
 * @seqno: of the finished descriptor
 * @status: 0, or a negative errno (-EIO device fault, -EINVAL bad command)
 */
struct tcc_sim_completion {
	u64 seqno;
	s32 status;
};

/**
 * struct tcc_sim - one simulated XPU
 * @lock: the device's bus: ring and completion indices, state bits
 * @ring: submission ring, written by the driver
 * @ring_head: next descriptor the firmware reads
 * @ring_tail: next free slot, advanced by the driver (doorbell value)
 * @cq: completion queue, written by the firmware
 * @cq_head: next completion the driver reads
 * @cq_tail: next free completion slot
 * @hung: the firmware stopped consuming the ring (until reset)
 * @stopped: a reset is in progress: the firmware must not touch the queues
 * @wq: ordered workqueue the firmware runs on
 * @fw_work: the firmware's main loop, kicked by the doorbell
 * @irq: completion interrupt
 * @irq_handler: the driver's interrupt handler (hard-irq context)
 * @irq_data: argument of @irq_handler
 * @hang_next: fault injection: hang on the next N jobs
 * @fail_next: fault injection: fail the next N jobs with -EIO
 * @corrupt_next: fault injection: silently corrupt the output of the next N jobs
 * @delay_ms: fault injection: sleep this long before each job
 * @paused: fault injection: the firmware takes no new descriptor (a stalled engine)
 * @executed: descriptors completed since load
 * @resets: device resets since load
 * @debugfs: the device's debugfs directory
 */
struct tcc_sim {
	spinlock_t lock;
	struct tcc_sim_desc ring[TCC_SIM_RING_SIZE];
	u32 ring_head, ring_tail;
	struct tcc_sim_completion cq[TCC_SIM_RING_SIZE];
	u32 cq_head, cq_tail;
	bool hung, stopped;

	struct workqueue_struct *wq;
	struct work_struct fw_work;
	struct irq_work irq;
	void (*irq_handler)(void *data);
	void *irq_data;

	atomic_t hang_next, fail_next, corrupt_next;
	u32 delay_ms;
	bool paused;
	u64 executed, resets;
	struct dentry *debugfs;
};

int tcc_sim_init(struct tcc_sim *sim, void (*irq_handler)(void *data), void *irq_data);
void tcc_sim_fini(struct tcc_sim *sim);
int tcc_sim_ring_doorbell(struct tcc_sim *sim, const struct tcc_sim_desc *desc);
bool tcc_sim_read_completion(struct tcc_sim *sim, struct tcc_sim_completion *out);
void tcc_sim_reset(struct tcc_sim *sim);

/* tcc_sim_alu.c, built with the FPU enabled; call only inside kernel_fpu_begin/end. */
void tcc_sim_alu_f32(u32 op, float *dst, const float *a, const float *b, size_t n);

#endif /* TCC_SIM_H */

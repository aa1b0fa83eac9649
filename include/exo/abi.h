/* SPDX-License-Identifier: MIT */
/*
 * The kernel ABI: identifiers, the user address-space layout, page rights,
 * the structures the kernel writes into user memory (upcall frames, info
 * pages, exit records) and the ones it reads (page operations). Everything
 * here is fixed-width and its layout is pinned.
 */
#ifndef EXO_ABI_H
#define EXO_ABI_H

#include <stdint.h>

#define EXO_ABI_VERSION 1

/* Environments. */
typedef uint32_t exo_envid_t;
#define EXO_ENV_SELF 0u /* "the caller" wherever an env id is taken */
#define EXO_ENV_ANY 0xffffffffu /* "any": yield to anyone, wait for any */

/*
 * User address space. [EXO_USER_MIN, EXO_USER_MAP_TOP) is the
 * environment's to map. Above it the kernel places the info pages, and
 * PML4 slot 255 holds the read-only view of the environment's own page
 * tables (a recursive mapping): the entry that maps va at level L is
 * readable at exo_pt_view_entry(va, L), without a system call.
 */
#define EXO_PAGE_SIZE 4096ul
#define EXO_USER_MIN 0x10000ul
#define EXO_PT_VIEW 0x00007f8000000000ul
#define EXO_USER_TOP EXO_PT_VIEW
#define EXO_USER_MAP_TOP (EXO_USER_TOP - 0x200000ul)
#define EXO_INFO_VA (EXO_USER_TOP - 0x1000ul) /* struct exo_env_info */
#define EXO_SYSINFO_VA (EXO_USER_TOP - 0x2000ul) /* struct exo_sys_info */

/* Rights when mapping a page (page_map, page_protect, cap_map). */
#define EXO_PERM_R 0x1u /* implied by any mapping */
#define EXO_PERM_W 0x2u
#define EXO_PERM_X 0x4u
/* Three bits the libOS may keep in its PTEs (e.g. copy-on-write marks). */
#define EXO_PERM_USER0 0x10u
#define EXO_PERM_USER1 0x20u
#define EXO_PERM_USER2 0x40u
#define EXO_PERM_ALL 0x77u

/* Page-table entry bits, as read through the page-table view. */
#define EXO_PTE_P (1ul << 0)
#define EXO_PTE_W (1ul << 1)
#define EXO_PTE_U (1ul << 2)
#define EXO_PTE_A (1ul << 5) /* accessed */
#define EXO_PTE_D (1ul << 6) /* dirty */
#define EXO_PTE_PS (1ul << 7)
#define EXO_PTE_USER0 (1ul << 9)
#define EXO_PTE_USER1 (1ul << 10)
#define EXO_PTE_USER2 (1ul << 11)
#define EXO_PTE_NX (1ul << 63)
#define EXO_PTE_ADDR 0x000ffffffffff000ul

/* page_clear_ad: which of the accessed and dirty bits to clear. */
#define EXO_AD_ACCESSED 0x1u
#define EXO_AD_DIRTY 0x2u

/* Address of the level-@level entry (1 = PTE .. 4 = PML4E) mapping @va. */
static inline const volatile uint64_t *exo_pt_view_entry(uint64_t va,
							  int level)
{
	const uint64_t r = 255; /* the recursive slot */
	uint64_t base = r << 39, idx = (va & 0x0000fffffffff000ul) >> 12;
	int l;

	/* Each level up folds one more recursive index into the address. */
	for (l = 1; l < level; l++) {
		base |= r << (39 - 9 * l);
		idx >>= 9;
	}
	return (const volatile uint64_t *)(base | (idx << 3 &
						   ((1ul << (48 - 9 * (level - 1))) - 1)));
}

/*
 * The PTE mapping @va, or 0 when any level is not present. Large pages
 * are not used for user mappings.
 */
static inline uint64_t exo_pte(uint64_t va)
{
	for (int level = 4; level > 1; level--) {
		if (!(*exo_pt_view_entry(va, level) & EXO_PTE_P)) {
			return 0;
		}
	}
	return *exo_pt_view_entry(va, 1);
}

/* Registers of a user context, as saved by the kernel. */
struct exo_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
};
_Static_assert(sizeof(struct exo_regs) == 144, "exo_regs layout");

/* Kinds of upcall. */
#define EXO_UPCALL_FAULT 1 /* a CPU exception in user mode */
#define EXO_UPCALL_PREEMPT 2 /* the env lost the CPU to the timer */

/*
 * What the kernel pushes on the environment's exception stack before
 * starting an upcall entry with rdi pointing at it. Resuming @regs is the
 * handler's business (libOS code, no system call needed).
 */
struct exo_upcall_frame {
	uint64_t kind; /* EXO_UPCALL_* */
	uint64_t vector; /* exception vector (FAULT) */
	uint64_t error; /* CPU error code (FAULT) */
	uint64_t addr; /* faulting address, cr2 (page faults) */
	struct exo_regs regs; /* the interrupted context */
};
_Static_assert(sizeof(struct exo_upcall_frame) == 176, "upcall frame");

/* Bytes below an interrupted rsp that an upcall frame never overwrites. */
#define EXO_UPCALL_GAP 128

/*
 * An upcall taken while the context's rsp lies in (xstack_top -
 * EXO_XSTACK_WINDOW, xstack_top] is nested: its frame goes below that rsp
 * (minus EXO_UPCALL_GAP) instead of at the top of the exception stack.
 * A preemption upcall is not delivered inside that window.
 */
#define EXO_XSTACK_WINDOW (1ul << 20)

/*
 * The boot modules, handed to init: a struct exo_bootmods at
 * EXO_BOOTMODS_VA (read-only), then each module's bytes, copied into
 * frames init owns and mapped read-only at the address its entry gives.
 * Only init gets them; it passes on what others need.
 */
#define EXO_BOOTMODS_VA 0x00007f0000000000ul
#define EXO_BOOTMOD_MAX 16
#define EXO_BOOTMOD_NAME 48

struct exo_bootmod {
	char name[EXO_BOOTMOD_NAME]; /* NUL-terminated */
	uint64_t va; /* where its bytes are mapped in init */
	uint64_t size; /* in bytes */
};
_Static_assert(sizeof(struct exo_bootmod) == 64, "boot module layout");

struct exo_bootmods {
	uint32_t count;
	uint32_t reserved;
	struct exo_bootmod mod[EXO_BOOTMOD_MAX];
};
_Static_assert(sizeof(struct exo_bootmods) == 8 + 16 * 64, "boot modules");

/* Where the kernel puts init's stack, and its size. */
#define EXO_INIT_STACK_TOP 0x00007f0000000000ul
#define EXO_INIT_STACK_SIZE (64ul * 1024)

/* Why an environment ended (exo_exit_info.reason). */
#define EXO_EXIT_NORMAL 1 /* env_exit */
#define EXO_EXIT_KILLED 2 /* env_destroy by another */
#define EXO_EXIT_FAULT 3 /* an exception with no handler */
#define EXO_EXIT_UPCALL_FAULT 4 /* the upcall frame could not be pushed */

struct exo_exit_info {
	exo_envid_t env;
	uint32_t reason; /* EXO_EXIT_* */
	int64_t code; /* env_exit's argument */
	uint64_t vector; /* for faults */
	uint64_t addr;
	uint64_t rip;
};
_Static_assert(sizeof(struct exo_exit_info) == 40, "exit info layout");

/* Notification bits with a fixed meaning. */
#define EXO_NOTIFY_CHILD (1ul << 63) /* a child ended: env_wait it */
#define EXO_NOTIFY_DISK (1ul << 62) /* a disk request completed */

/* ipc_recv flags and results. */
#define EXO_RECV_NONBLOCK 0x1u
#define EXO_IPC_CALL 0 /* a call: reply with ipc_reply_recv */
#define EXO_IPC_NOTIFY 1 /* notification bits in word 0 */
#define EXO_CAP_NONE (-1l) /* no capability transferred */

/* One operation of page_batch. */
#define EXO_PAGE_OP_MAP 1 /* map frame @arg (owned) at @va */
#define EXO_PAGE_OP_UNMAP 2 /* unmap @count pages from @va */
#define EXO_PAGE_OP_PROTECT 3 /* set @perm on @count pages from @va */
#define EXO_PAGE_OP_CAP_MAP 4 /* map the frame of cap slot @arg at @va */
#define EXO_PAGE_BATCH_MAX 512

struct exo_page_op {
	uint16_t op; /* EXO_PAGE_OP_* */
	uint16_t perm; /* EXO_PERM_* */
	uint32_t count; /* pages, for UNMAP and PROTECT */
	uint64_t va;
	uint64_t arg; /* physical address or cap slot */
};
_Static_assert(sizeof(struct exo_page_op) == 24, "page op layout");

/* frame_alloc: any free frame. */
#define EXO_FRAME_ANY (~0ul)

/* Capabilities. */
#define EXO_CAP_FRAME 1
#define EXO_CAP_ENV 2
#define EXO_CAP_DISK 3 /* an extent of the disk: blocks [object, +length) */

#define EXO_CAP_R 0x1u /* frame: map readable; disk: read blocks */
#define EXO_CAP_W 0x2u /* frame: map writable; disk: write, flush */
#define EXO_CAP_X 0x4u /* frame: map executable */
#define EXO_CAP_GRANT 0x8u /* may be granted on (with no more rights) */
#define EXO_CAP_CONTROL 0x10u /* env: start, destroy, set upcalls */
#define EXO_CAP_MAP 0x20u /* env: map pages into it */
#define EXO_CAP_ALL 0x3fu
#define EXO_CAP_SLOTS 64

struct exo_cap_info {
	uint32_t type; /* EXO_CAP_* */
	uint32_t rights;
	uint64_t object; /* physical address or env id */
};
_Static_assert(sizeof(struct exo_cap_info) == 16, "cap info layout");

/*
 * Disks. The disk is an array of EXO_DISK_BLOCK-byte blocks; an extent
 * capability (EXO_CAP_DISK) names a range of them, and every request
 * names blocks relative to the start of its extent. Requests go straight
 * between the device and the caller's frames, and complete
 * asynchronously: EXO_NOTIFY_DISK is raised, and disk_complete collects
 * the records.
 */
#define EXO_DISK_BLOCK 4096u
#define EXO_DISK_MAX_BLOCKS 32u /* blocks one request may move */
#define EXO_DISK_QUEUE 32u /* requests per environment, in flight or not
			      yet collected */

/* disk_submit operations. */
#define EXO_DISK_READ 1u /* device -> buffer */
#define EXO_DISK_WRITE 2u /* buffer -> device */
#define EXO_DISK_FLUSH 3u /* make completed writes durable */

/* What disk_info tells about an extent capability. */
struct exo_disk_info {
	uint64_t start; /* first block of the extent, on the device */
	uint64_t blocks; /* its length */
	uint32_t rights; /* EXO_CAP_R, EXO_CAP_W, EXO_CAP_GRANT */
	uint32_t block_size; /* EXO_DISK_BLOCK */
	uint64_t device_blocks; /* the whole device */
};
_Static_assert(sizeof(struct exo_disk_info) == 32, "disk info layout");

/* One completed request, as disk_complete hands it over. */
struct exo_disk_completion {
	uint64_t tag; /* disk_submit's tag */
	int64_t status; /* 0, or EXO_ERR_IO (the device failed it) */
};
_Static_assert(sizeof(struct exo_disk_completion) == 16,
	       "disk completion layout");

/* Mapped read-only at EXO_INFO_VA in every environment; its own. */
struct exo_env_info {
	uint32_t abi_version;
	exo_envid_t id;
	exo_envid_t parent;
	uint32_t reserved;
	uint64_t syscalls;
	uint64_t faults; /* exceptions delivered or fatal */
	uint64_t slices; /* time slices started */
	uint64_t preemptions; /* slices ended by the timer */
	uint64_t ipc_calls; /* calls made */
	uint64_t ipc_received; /* calls received */
	uint64_t frames; /* frames owned now */
};
_Static_assert(sizeof(struct exo_env_info) == 72, "env info layout");

/* Mapped read-only at EXO_SYSINFO_VA in every environment; shared. */
struct exo_sys_info {
	uint32_t abi_version;
	uint32_t tick_hz; /* timer interrupts per second */
	uint64_t tsc_hz; /* time-stamp counter rate (0 if unknown) */
	uint64_t boot_tsc; /* TSC at kernel entry */
	uint64_t ticks; /* timer interrupts since boot */
	uint64_t syscalls;
	uint64_t faults;
	uint64_t context_switches;
	uint64_t ipc_calls;
	uint64_t frames_total;
	uint64_t frames_free; /* as of the last tick or environment's end */
	uint64_t envs; /* environments alive */
};
_Static_assert(sizeof(struct exo_sys_info) == 88, "sys info layout");

#endif

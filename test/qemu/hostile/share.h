/* SPDX-License-Identifier: MIT */
/*
 * Pages a parent shares with the children it starts. The parent maps page
 * @idx at SHARE_PARENT_VA + @idx pages; a child sees the page it was given
 * at SHARE_CHILD_VA. No child address exists in the parent, so the copy of
 * the parent's address space spawn_fn makes never shadows it.
 */
#ifndef HOSTILE_SHARE_H
#define HOSTILE_SHARE_H

#include <stdint.h>

#define SHARE_PARENT_VA 0x0000600000000000ul
#define SHARE_CHILD_VA 0x0000610000000000ul

/*
 * share_new - a zeroed frame of ours mapped read-write at page @idx of
 * SHARE_PARENT_VA; its physical address goes to *@pa.
 * Return: the page, or NULL (the error is printed).
 */
void *share_new(int idx, uint64_t *pa);

/*
 * share_spawn - spawn_fn(@fn, @arg), then map the frame at @pa read-write
 * at SHARE_CHILD_VA in the child.
 * Return: the child's id, or EXO_ERR_* (no child is left then).
 */
int64_t share_spawn(int (*fn)(uint64_t), uint64_t arg, uint64_t pa);

/* In a child: yield until the shared page is mapped; return it. */
void *share_wait(void);

#endif

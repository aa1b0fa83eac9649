/* SPDX-License-Identifier: MIT */
/*
 * IPC stubs that carry a whole message (struct exo_msg in <libos/exo.h>:
 * peer 0, w[0..3] 8..32, cap 40). The message is read before the call
 * and overwritten with what came back:
 *
 *   int64_t exo_ipc_call_msg(uint64_t dest, struct exo_msg *m);
 *   int64_t exo_ipc_recv_msg(uint64_t flags, struct exo_msg *m);
 *   int64_t exo_ipc_reply_recv_msg(uint64_t to, struct exo_msg *m);
 */
	.text

	.macro ipc_stub name, num, send
	.globl \name
	.type \name, @function
\name:
	push %rbx
	mov %rsi, %rbx			/* the message, kept across the call */
	.if \send
	mov 8(%rbx), %rsi
	mov 16(%rbx), %rdx
	mov 24(%rbx), %r10
	mov 32(%rbx), %r8
	mov 40(%rbx), %r9
	.endif
	mov $\num, %eax
	syscall
	test %rax, %rax
	js 1f				/* failed: the message is unchanged */
	mov %rdi, 0(%rbx)
	mov %rsi, 8(%rbx)
	mov %rdx, 16(%rbx)
	mov %r10, 24(%rbx)
	mov %r8, 32(%rbx)
	mov %r9, 40(%rbx)
1:	pop %rbx
	ret
	.size \name, . - \name
	.endm

	ipc_stub exo_ipc_call_msg, 16, 1
	ipc_stub exo_ipc_recv_msg, 17, 0
	ipc_stub exo_ipc_reply_recv_msg, 18, 1
	.section .note.GNU-stack, "", @progbits

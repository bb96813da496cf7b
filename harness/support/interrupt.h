/* interrupt.h - SIGINT, SIGTERM and SIGHUP stop a run cleanly instead of killing it.
 *
 * The handler only records the signal; the run notices at its next step (the pool's poll
 * returns EINTR at once, the serial loop checks per record), stops reading, ends and reaps
 * its workers, keeps the results it has, and the command exits 128 + the signal (130, 143,
 * 129). SIGQUIT keeps its default (stop at once, with a core dump where enabled: the way to
 * ask for one), and so do the signals sharebench gives no meaning (SIGUSR1...): what such a
 * stop leaves is what SIGKILL leaves, which `sharebench clean` and the next run remove.
 * Only the main thread takes the signals: worker processes and every other thread block
 * them, so the parent alone decides how the run ends.
 */
#ifndef SHAREBENCH_INTERRUPT_H
#define SHAREBENCH_INTERRUPT_H

#include <signal.h>
#include <sys/types.h>

/* Install the handlers (in the main thread, before any other thread starts). */
void interrupt_install(void);

/* The signal that asked the run to stop, or 0. */
int interrupt_signal(void);

/* While pid > 0, the handlers also send the signal they take to pid: a child that is a whole
 * run of its own (compare's `sharebench run`, a baseline) then stops as an interrupted run
 * and its workers with it, instead of running on, orphaned. 0 stops forwarding; call it
 * before the child is reaped, so that a signal never reaches a recycled pid. */
void interrupt_forward(pid_t pid);

/* Block SIGINT, SIGTERM and SIGHUP in the calling thread (and in the threads and processes it then
 * creates); with old, save the previous mask for interrupt_restore. */
void interrupt_block(sigset_t *old);
void interrupt_restore(const sigset_t *old);

#endif

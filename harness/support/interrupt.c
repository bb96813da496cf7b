/* interrupt.c - see interrupt.h. */
#define _GNU_SOURCE
#include "interrupt.h"

#include <pthread.h>
#include <stddef.h>

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t forward_pid;
_Static_assert(sizeof(pid_t) <= sizeof(sig_atomic_t), "a pid must fit a sig_atomic_t");

static void on_signal(int sig)
{
    stop_signal = sig;
    if (forward_pid > 0)
        kill((pid_t)forward_pid, sig); /* async-signal-safe */
}

void interrupt_forward(pid_t pid)
{
    forward_pid = pid;
    if (pid > 0 && stop_signal)
        kill(pid, stop_signal); /* the signal came before the child existed */
}

void interrupt_install(void)
{
    /* No SA_RESTART: a blocking call must return EINTR so the run notices. */
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL); /* the terminal or session went away: stop as cleanly */
}

int interrupt_signal(void)
{
    return stop_signal;
}

void interrupt_block(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, old);
}

void interrupt_restore(const sigset_t *old)
{
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

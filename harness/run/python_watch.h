/* python_watch.h - watching a Python program run, and stopping it (python_run.h).
 *
 * The program runs in a process group of its own. The watch reads its stdout (the summary
 * line) and its progress events ('u' workers up, 'r' a result, 'd' every result in; the
 * memory peaks are taken from 'u', and again from the result that makes as many results as
 * workers, to 'd': the pool at work, not a build's freed temporaries), follows
 * the other processes of its group in /proc (their faults and CPU time, and whether one ended
 * before the run was done: Python's Pool would wait for ever for the task it held), and stops
 * the program when it stalls or when the run was interrupted: a signal to its main process
 * first, which ends its pool and removes what it made, then SIGKILL, multiprocessing's
 * resource tracker last (it unlinks what a killed program left in /dev/shm).
 */
#ifndef SHAREBENCH_PYTHON_WATCH_H
#define SHAREBENCH_PYTHON_WATCH_H

#include "buf.h"
#include "memsample.h"
#include "procgroup.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define PYTHON_MEMBERS_MAX MEMSAMPLE_WORKERS_MAX

/* The Python program while it runs, and what watching it found. */
struct python_program {
    pid_t pid;         /* the program; its process group has the same number */
    int out, progress; /* read ends of its stdout and of its progress pipe */
    struct buf text;   /* what it printed on stdout: the summary line */
    struct memsampler *sampler;
    unsigned task_timeout;
    bool up, done, ended;  /* workers up; every result in; the program ended */
    int status;            /* its wait status, once ended */
    double last_event;     /* when it came up or last sent a result */
    uint64_t results;      /* results so far */
    uint64_t settle_after; /* results after which the memory peaks start again (workers) */
    int stage;             /* how far stopping it has gone (stop_program); 0: not asked */
    double next_stage_at;  /* when to go further */
    int forwarded;         /* the signal passed on to it, or 0 */
    char stopped[1024];    /* why the harness stopped it, or "" */
    struct procgroup_member members[PYTHON_MEMBERS_MAX]; /* its other processes: last readings */
    unsigned nmembers;
};

/* Watch p (started: pid, out and progress set, last_event its start) until its main process
 * has ended, its wait status in p->status; everything it printed is in p->text. */
void python_watch(struct python_program *p);

/* Stop p for the reason given (the run then fails with it), unless it is being stopped. */
void python_stop(struct python_program *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* After the program: wait for the rest of its group to end (its helpers end when its pipes
 * close), kill what lingers, reap all. Nothing outlives a run. */
void python_end_group(pid_t pgid);

#endif

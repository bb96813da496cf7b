/* memsample.h - how much memory a run costs, sampled from /proc while it runs.
 *
 * RSS counts a shared page in every process that maps it, so summing RSS over a parent and
 * its workers counts a shared model once per process. PSS (proportional set size) charges
 * each process 1/N of a page N processes share, so the sum over all of them is the real
 * total; USS (Private_Clean + Private_Dirty) is what a process holds alone, what killing it
 * would give back. A thread in the parent reads /proc/PID/smaps_rollup of the parent and of
 * every worker, every interval_ms at first and at most 50 times per doubling of the run's
 * length later, and (except for a process group, see memsample.c) never more often than
 * keeps its own CPU time under SAMPLER_CPU_SHARE of one core (a sample walks page tables:
 * its cost must stay small next to the workers').
 * Between samples it looks at the processes' resident totals (/proc/PID/statm, counters
 * read without a walk), and samples at once when they reach a new high: a short-lived peak
 * is not missed for want of samples. It keeps the peaks and, if asked, a timeline. A last
 * sample is taken when the work ends.
 */
#ifndef SHAREBENCH_MEMSAMPLE_H
#define SHAREBENCH_MEMSAMPLE_H

#include "memread.h"
#include "util.h"

#include <stdint.h>
#include <sys/types.h>

#define SAMPLER_CPU_SHARE     0.02 /* the sampling thread's CPU time, at most, per second of run */
#define MEMSAMPLE_WORKERS_MAX 64   /* workers followed one by one; more count in the total */

struct mem_summary {
    unsigned samples;
    uint64_t pss_peak;                      /* the largest summed PSS seen */
    uint64_t pss_anon, pss_file, pss_shmem; /* its split, at that sample */
    uint64_t uss_parent_peak;
    uint64_t uss_worker_peak[MEMSAMPLE_WORKERS_MAX]; /* each worker's own peak */
    uint64_t uss_worker_peak_max;
    unsigned workers;
    double cpu_seconds; /* the sampling thread's own CPU: what measuring costs */
};

struct memsampler;

/* What made memsampler_start fail: the timeline file (an output that cannot be made, a fault
 * of the command line's) or the sampling thread (the run's: the process limit, ulimit -u). */
enum memsampler_failure { MEMSAMPLER_TIMELINE, MEMSAMPLER_THREAD };

/* Start sampling this process every interval_ms (then less often, as above); with timeline_path,
 * write one line per sample (t_s, total_pss_mb, parent_pss_mb, w0_pss_mb .. w{columns-1}_pss_mb).
 * On failure: NULL, err, and what failed in *failure (if not NULL).
 */
struct memsampler *memsampler_start(unsigned interval_ms, const char *timeline_path,
                                    unsigned columns, enum memsampler_failure *failure,
                                    struct error *err);

/* The same for a process group started elsewhere (a Python program and its pool, say): its
 * leader pgid counts as the parent, and every other member as a worker, found anew at each
 * sample in the order they appear (procgroup.h): the sum covers the whole process tree,
 * helpers (a forkserver, a resource tracker) included. */
struct memsampler *memsampler_start_group(unsigned interval_ms, const char *timeline_path,
                                          unsigned columns, pid_t pgid, struct error *err);

/* Stop and restart the sampling thread. fork() must happen with it stopped: a child gets a
 * copy of every lock, and one held by another thread at that instant (an allocator's, say) is
 * never released in the child. glibc's malloc guards itself; sanitizer allocators did not,
 * and workers hung. So the process forks only while it is single-threaded. */
void memsampler_pause(struct memsampler *s);
int memsampler_resume(struct memsampler *s, struct error *err);

/* From now on, sample these worker processes too (n = 0: none from now on). */
void memsampler_set_workers(struct memsampler *s, const pid_t *pids, unsigned n);

/* Forget the peaks so far and take a sample: the peaks are those from now on (a Python run's
 * are those of its pool at work, not of the temporaries its build freed before). */
void memsampler_restart_peaks(struct memsampler *s);

/* Take a last sample for the peaks, and keep only the timeline from now on: while workers
 * exit one by one, the last one mapping a shared page counts it as its own (USS) for a
 * moment, which is not what the run cost. */
void memsampler_freeze(struct memsampler *s);

/* Take a sample now (say, just before the workers end). */
void memsampler_sample(struct memsampler *s);

/* Stop, write out the timeline, fill the summary and free. Returns -1 with err if the
 * timeline could not be written. */
int memsampler_stop(struct memsampler *s, struct mem_summary *out, struct error *err);

#endif

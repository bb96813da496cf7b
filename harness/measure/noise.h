/* noise.h - how noisy the machine was while a run ran: the noise gauge.
 *
 * A figure measured on a shared or virtual machine is only as good as the machine was quiet.
 * The gauge records three things beside every run's figures, so that a reader (and
 * `sharebench compare`, and the report) can tell a slow configuration from a slow moment:
 *   load_avg_1m    the 1-minute load average when the run began (getloadavg): other work
 *                  that was ready to run on this machine;
 *   steal_pct      the share of CPU time the hypervisor gave to other virtual machines
 *                  while the run ran (/proc/stat's steal column, over every CPU): time this
 *                  machine wanted and did not get;
 *   nivcsw_parent  involuntary context switches of this process (every thread) over the
 *                  run: the scheduler took the CPU from it to run something else.
 * (The workers' own involuntary switches are in the run's summary as nivcsw_workers.)
 * The gauge is process-wide: `sharebench run` starts it once, before the baseline and the
 * build, and the summary reads it at the end.
 */
#ifndef SHAREBENCH_NOISE_H
#define SHAREBENCH_NOISE_H

#include "summary.h"

/* Start the gauge now (load average, /proc/stat, this process's rusage). */
void noise_start(void);

/* Add load_avg_1m, steal_pct and nivcsw_parent, read from the start until now, to sm; NaN
 * for what could not be read or when the gauge was never started. */
void noise_summary(struct summary *sm);

#endif

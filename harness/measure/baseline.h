/* baseline.h - the memory a run costs with an empty model, measured, not assumed.
 *
 * A model's memory is reported as copies of the model: (peak summed PSS - baseline) / model
 * size. The baseline is everything else a run holds (the binary, libc, buffers, one process
 * per worker), and it differs by strategy and worker count. So it is measured: this binary
 * runs itself with the same strategy, workers, chunk and input, but a spec of the same seed
 * and classes whose vocabulary is one token and which has no rules.
 */
#ifndef SHAREBENCH_BASELINE_H
#define SHAREBENCH_BASELINE_H

#include "run.h"
#include "util.h"

/* Records the baseline run reads: enough for every worker to start and take chunks. */
#define BASELINE_RECORDS 20000

/* Peak summed PSS in MB of opt's configuration with an empty model, or -1 with err. */
double baseline_measure(const struct run_options *opt, struct error *err);

#endif

/* baseline.h - the memory a run costs with an empty model, measured, not assumed.
 *
 * A model's memory is reported as copies of the model: (peak summed PSS - baseline) / model
 * size. The baseline is everything else a run holds (the binary, libc, buffers, one process
 * per worker), and it differs by strategy and worker count. So it is measured: this binary
 * runs itself with the same strategy, workers, chunk and input, but a spec of the same seed
 * and classes whose vocabulary is one token and which has no rules. That spec, and anything
 * else the baseline run is given, lives in memory (a memfd), never on disk.
 *
 * An input that is not a regular file (standard input, a pipe, a FIFO) can be read only once,
 * and the run itself must read it: the baseline then reads records generated for the spec
 * instead (as many as it would have read), with the feed such an input gets (records).
 */
#ifndef SHAREBENCH_BASELINE_H
#define SHAREBENCH_BASELINE_H

#include "run.h"
#include "util.h"

/* Records the baseline run reads: enough for every worker to start and take chunks. */
#define BASELINE_RECORDS 20000

/* Records the baseline run of opt reads (at most BASELINE_RECORDS). */
uint64_t baseline_records(const struct run_options *opt);

/* What opt's input is, if the baseline must not read it ("standard input", "a pipe (FIFO)",
 * ...), or NULL for a regular file (or one that cannot be found: the run will say why). */
const char *baseline_stream_kind(const char *input_path);

/* Peak summed PSS in MB of opt's configuration with an empty model, or -1 with err. */
double baseline_measure(const struct run_options *opt, struct error *err);

#endif

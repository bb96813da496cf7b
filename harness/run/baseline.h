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

/* The baseline run must give every worker work, as the run it stands for does: a worker that
 * never takes a task holds less memory (its read and result buffers untouched), and a
 * baseline with idle workers would count their buffers as model. So it reads
 * BASELINE_RECORDS, or BASELINE_RECORDS_PER_WORKER per worker if that is more (about 400 KB
 * of typical records each), in byte ranges of at most BASELINE_RANGE_BYTES: a worker reads
 * through a buffer of that size (csv_stream.c), so a range of it touches what a longer one
 * does. */
#define BASELINE_RECORDS            20000
#define BASELINE_RECORDS_PER_WORKER 2500
#define BASELINE_RANGE_BYTES        (256u << 10)

/* Records the baseline run of opt reads (fewer if opt's --limit is lower). */
uint64_t baseline_records(const struct run_options *opt);

/* What opt's input is, if the baseline must not read it ("standard input", "a pipe (FIFO)",
 * ...), or NULL for a regular file (or one that cannot be found: the run will say why). */
const char *baseline_stream_kind(const char *input_path);

/* Peak summed PSS in MB of opt's configuration with an empty model, or -1 with err. */
double baseline_measure(const struct run_options *opt, struct error *err);

#endif

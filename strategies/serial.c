/* serial.c - the reference answer: no workers, the parent classifies every record itself.
 *
 * What it does: the process that built the model reads the records and classifies them one
 *   after another through the native, pointer-rich model. Nothing is shared because nothing
 *   else runs.
 * What it costs: no setup beyond building the model, no copies, no IPC; throughput is one
 *   core's.
 * When to use it: as the ground truth. Every other strategy must print the checksum this one
 *   prints, for any worker count and chunk size; it is also the baseline for speed-ups.
 * The Python idiom it mirrors: `for row in reader: classify(row)`, no Pool at all.
 */
#include "strategy.h"

const struct strategy strategy_serial = {
    .name = "serial",
    .summary = "no workers: the parent classifies every record (the reference checksum)",
    .kind = STRATEGY_IN_PROCESS,
    .model_shared = true,
    .prepare = strategy_prepare_parent_model,
    .resolve = strategy_resolve_native,
};

/* threads.c - worker threads sharing one pointer to the model: one address space.
 *
 * What it does: the workers are pthreads in the parent's own process, so they reach the model
 *   through a plain pointer: no copy, no mapping, no inheritance. They are fed by the same
 *   pool, with the same chunks over the same pipes as the worker processes, so that comparing
 *   a process strategy with this one measures the cost of sharing alone, not of transport.
 * What it costs: one copy of the model, no setup beyond pthread_create, nothing per task.
 *   The price is elsewhere: one process means one address space (a crash takes everything
 *   down), and in CPython the GIL serialises the classification itself, which is why Python
 *   programs reach for processes and this whole question exists. C has no GIL.
 * When to use it: in C, C++, Rust or Java, whenever the model is read-only and the work is
 *   CPU-bound; here, as the reference with nothing to share: what a process strategy spends
 *   beyond it in setup and memory is the price of crossing a process boundary. It is no
 *   faster per record than the sharing process strategies (same pool, pipes and cores).
 * The Python idiom it mirrors: `concurrent.futures.ThreadPoolExecutor`, without the GIL.
 */
#include "strategy.h"

const struct strategy strategy_threads = {
    .name = "threads",
    .summary = "worker threads share one pointer to the model (one address space)",
    .kind = STRATEGY_THREADS,
    .model_shared = true,
    .prepare = strategy_prepare_parent_model,
    .resolve = strategy_resolve_native, /* the pointer every thread shares */
};

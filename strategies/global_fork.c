/* global_fork.c - a global set before fork(); workers inherit it copy-on-write.
 *
 * What it does: the parent stores a pointer to its model in a file-scope global, then forks.
 *   Each worker's address space is a copy-on-write image of the parent's, so the global, the
 *   model and every pointer inside it are valid in the worker as they are: it just reads them.
 * What it costs: nothing to set up beyond fork() itself, whose cost grows with the parent's
 *   page tables (bench_fork measures it); nothing per task; memory is one copy, shared, as
 *   long as nobody writes. The catch is "as long as nobody writes": any write to a page of the
 *   model, in parent or worker (a reference count, an allocator's bookkeeping next to an
 *   object, a lazily filled cache), copies that page into the writer. Python's reference
 *   counts do exactly that; `--touch` (classify writes a counter into every entry it reads)
 *   makes the C workers do the same, to measure it.
 * When to use it: a Unix-only program that forks its workers after building the model, where
 *   the model is truly read-only. It is the fastest and simplest answer, and the most fragile:
 *   the coupling is invisible (the worker code reads a global it did not receive), and it
 *   breaks outright with exec or spawn start methods, where nothing is inherited.
 * The Python idiom it mirrors: `MODEL = build(spec)` at module level, then
 *   `multiprocessing.get_context("fork").Pool(n)` whose function reads MODEL.
 */
#include "strategy.h"

/* The global: set by the parent in prepare, read by every worker. On purpose. */
static const struct model *global_model;

static int global_fork_prepare(struct model_source *source, struct strategy_state **state,
                               struct error *err)
{
    global_model = model_source_get(source, err);
    *state = NULL; /* nothing to hand over: that is the point */
    return global_model ? 0 : -1;
}

static int global_fork_resolve(void *ctx, const void *payload, size_t len, struct classifier *out,
                               struct error *err)
{
    (void)ctx, (void)payload, (void)len;
    if (global_model == NULL)
        return error_set(err, "global_fork: no model in this process (was it forked after "
                              "prepare?)");
    model_classifier(global_model, out);
    return 0;
}

static void global_fork_teardown(struct strategy_state *state)
{
    (void)state;
    global_model = NULL;
}

const struct strategy strategy_global_fork = {
    .name = "global_fork",
    .summary = "a global set before fork(); workers read it copy-on-write",
    .kind = STRATEGY_PROCESSES,
    .model_shared = true,
    .prepare = global_fork_prepare,
    .resolve = global_fork_resolve,
    .teardown = global_fork_teardown,
    .fork_only = "its workers read the model through a global pointer the parent set before fork",
};

/* template.c - THE TEMPLATE FOR A NEW STRATEGY. It is not built and not registered: it is only
 * copied, by
 *
 *     scripts/new-strategy NAME
 *
 * which writes strategies/NAME.c from this file (this first comment dropped, every "template"
 * replaced by NAME) and adds the line STRATEGY(NAME) to strategies/strategies.def. Then build
 * as usual (the new file is picked up) and grade it:
 *
 *     cmake --build --preset dev -j2
 *     build/dev/harness/sharebench check --strategy NAME
 *
 * A fresh copy builds and fails its first check with the step to do next. Do the steps in
 * order; `check` passes when the strategy gives the serial answer with every worker count,
 * feed, chunk and range size, with forked and exec'd workers (or refuses exec cleanly),
 * survives a killed worker, and holds the memory it declares. docs/DESIGN.md section 4 says
 * where each hook runs; the other files of strategies/ are worked answers to read alongside
 * (serial.c is the shortest, shared_arrays.c the most complete).
 */
/* template.c - ONE LINE: how workers reach the model in this strategy.
 *
 * (Every strategy opens with these four paragraphs. Write them when the code works.)
 * What it does: ...
 * What it costs: setup, per task, memory, as the worker count and the model size grow.
 * When to use it: ...
 * The Python idiom it mirrors: ...
 */
#include "strategy.h"

#include <stdlib.h>

/* What the strategy keeps between its hooks. prepare makes it in the parent; forked workers
 * inherit a copy of it (copy-on-write), threads share it, exec'd workers get only what adopt
 * rebuilds (step 5). */
struct strategy_state {
    const struct model *model;
};

/* STEP 1 (parent, once, before any worker starts). Get the model and keep in *state what the
 * workers will need. model_source_get(source, err) builds the native model (or returns the one
 * already built); a strategy that needs something else (a flat image: image.h, a file, shared
 * memory) makes it here from source->spec. Return 0, or -1 with error_set(err, ...). */
static int template_prepare(struct model_source *source, struct strategy_state **state,
                            struct error *err)
{
    (void)source, (void)state;
    return error_set(err, "template: step 1 of 6 in strategies/template.c: write "
                          "template_prepare (in the parent: get the model with "
                          "model_source_get(source, err) and keep it in *state)");
}

/* STEP 2 (worker, once per task). Fill *out with a classifier over the model this worker can
 * reach: model_classifier(model, out) for a native model, image_classifier for a flat image.
 * ctx is what attach made (step 3), or the state itself when there is no attach; payload is
 * what the parent's payload hook added to this task (step 4). A failure here fails the task
 * with the message, never the worker. */
static int template_resolve(void *ctx, const void *payload, size_t len, struct classifier *out,
                            struct error *err)
{
    (void)ctx, (void)payload, (void)len, (void)out;
    return error_set(err, "template: step 2 of 6 in strategies/template.c: write "
                          "template_resolve (in each worker, per task: fill *out with "
                          "model_classifier(model, out) over the model the worker reaches)");
}

/* STEP 3, if the strategy needs per-worker setup (worker, once at start, and once at the end).
 * attach makes the worker's context from the state (build a private copy, map a file, compile
 * the rules of an image); detach frees it. Without attach, ctx is the state. Uncomment, and
 * set .attach and .detach below.
 *
 * static int template_attach(struct strategy_state *state, void **ctx, struct error *err);
 * static void template_detach(void *ctx);
 */

/* STEP 4, if something must travel with every task (parent, per task). Append it to out with
 * buf_append; resolve receives it as payload. release (worker, after each task) frees what
 * resolve made for that task only. Set .payload and .release below.
 *
 * static int template_payload(struct strategy_state *state, uint64_t seq, struct buf *out,
 *                             struct error *err);
 * static void template_release(void *ctx, struct classifier *c);
 */

/* STEP 5: workers started by exec (`sharebench run --start exec`, Python's spawn) inherit no
 * memory: not the state, not the model. Either
 *   - make them work: handoff (parent) names what a fresh process needs (a path in out->path,
 *     a descriptor in out->fd, which the pool keeps open across exec), and adopt (the exec'd
 *     worker) rebuilds the state from it and h->spec; set .handoff and .adopt;
 *   - or refuse them: leave .adopt NULL and say in .fork_only where the model lives that only
 *     fork reaches. `check` accepts either, and says which it saw. */

/* STEP 6 (parent, once, after every worker has ended). Free what prepare made. The native
 * model from model_source_get belongs to the run: do not free it. */
static void template_teardown(struct strategy_state *state)
{
    free(state);
}

const struct strategy strategy_template = {
    .name = "template",
    .summary = "TODO: one line for `sharebench list`",
    .kind = STRATEGY_PROCESSES,
    /* STEP 6, continued: say what the run costs in memory, truthfully: `check` holds a
     * strategy to model_shared (at most 1.1 copies with 4 workers), and the harness sizes runs
     * by model_per_worker and model_per_task. */
    .model_shared = false,
    .model_per_worker = false,
    .model_per_task = false,
    .prepare = template_prepare,
    .resolve = template_resolve,
    .teardown = template_teardown,
    .fork_only = "TODO (step 5): where the model lives that only fork reaches",
};

/* per_worker_copy.c - each worker builds its own model from the spec, once, at start.
 *
 * What it does: the parent hands workers nothing but the spec (a few hundred bytes, inherited
 *   or passed); each worker builds the full native model itself in attach, uses it for every
 *   chunk, and frees it at the end. The parent never builds a model at all.
 * What it costs: N builds (in parallel, so the wall time is about one build, on N cores), and
 *   N full private copies in memory: total memory grows linearly with the worker count.
 *   Nothing per task.
 * When to use it: when the model is cheap to build and small next to the machine, or when
 *   workers must not share anything (exec/spawn start methods, workers on other machines). It
 *   is the most decoupled answer; memory is its price.
 * The Python idiom it mirrors: `Pool(n, initializer=load_model, initargs=(spec,))` with the
 *   initializer storing the model in a worker-global.
 */
#include "strategy.h"

static int per_worker_copy_prepare(struct model_source *source, struct strategy_state **state,
                                   struct error *err)
{
    (void)err;
    *state = (struct strategy_state *)source->spec; /* only the spec travels */
    return 0;
}

static int per_worker_copy_attach(struct strategy_state *state, void **ctx, struct error *err)
{
    const struct spec *spec = (const struct spec *)state;
    struct model *m = model_build(spec, err);
    *ctx = m;
    return m ? 0 : -1;
}

/* An exec'd worker is given the spec by the harness (it reads the run's spec file): that is
 * all this strategy ever needed. */
static int per_worker_copy_adopt(const struct strategy_handoff *h, struct strategy_state **state,
                                 struct error *err)
{
    (void)err;
    *state = (struct strategy_state *)h->spec;
    return 0;
}

static void per_worker_copy_detach(void *ctx)
{
    model_free(ctx);
}

const struct strategy strategy_per_worker_copy = {
    .name = "per_worker_copy",
    .summary = "each worker builds its own model from the spec at start (Pool initializer)",
    .kind = STRATEGY_PROCESSES,
    .model_per_worker = true,
    .prepare = per_worker_copy_prepare,
    .attach = per_worker_copy_attach,
    .resolve = strategy_resolve_native,
    .detach = per_worker_copy_detach,
    .adopt = per_worker_copy_adopt,
};

/* my_first.c - the parent's native model, reached through the strategy's state after fork.
 *
 * What it does: prepare takes the model the run builds and keeps a pointer to it in the
 *   strategy's state; the workers, forked after, inherit the state and the model with it
 *   (copy-on-write), and classify through the pointer. It is global_fork with the global
 *   replaced by the state the harness hands to every hook.
 * What it costs: one build in the parent, nothing per worker or per task; one copy of the model,
 *   shared as long as nobody writes to it.
 * When to use it: forked workers and a read-only model, when the coupling should be visible in
 *   the code (the worker reads what it was handed, not a global).
 * The Python idiom it mirrors: Pool(initializer=..., initargs=(model,)) with the fork start
 *   method: the model travels by inheritance, not by pickling.
 */
#include "strategy.h"

#include <stdlib.h>

struct strategy_state {
    const struct model *model;
};

static int my_first_prepare(struct model_source *source, struct strategy_state **state,
                            struct error *err)
{
    const struct model *m = model_source_get(source, err);
    if (m == NULL)
        return -1;
    struct strategy_state *s = xcalloc(1, sizeof *s);
    s->model = m;
    *state = s;
    return 0;
}

static int my_first_resolve(void *ctx, const void *payload, size_t len, struct classifier *out,
                            struct error *err)
{
    (void)payload, (void)len, (void)err;
    const struct strategy_state *s = ctx; /* no attach: the context is the state */
    model_classifier(s->model, out);
    return 0;
}

static void my_first_teardown(struct strategy_state *state)
{
    free(state); /* the model is the run's */
}

const struct strategy strategy_my_first = {
    .name = "my_first",
    .summary = "the parent's model through the strategy's state, inherited by fork",
    .kind = STRATEGY_PROCESSES,
    .model_shared = true,
    .prepare = my_first_prepare,
    .resolve = my_first_resolve,
    .teardown = my_first_teardown,
    .fork_only = "the state holds a pointer into the parent's memory, which only fork copies",
};

/* module_state.c - the model hidden in a module behind init(spec) and classify(record).
 *
 * What it does: the parent looks up a classifier module by name ("bayes", in
 *   bayes_module.c) and calls its init(spec); the module builds its model into file-scope
 *   static state. Workers, forked after, call the module's classify(record) through the same
 *   ops table. Mechanically this is global_fork: the state is inherited copy-on-write.
 * What it costs: the same as global_fork, plus one indirect call per record (nothing you can
 *   measure next to the classification); memory is one shared copy while nobody writes.
 * When to use it: when global_fork's speed is right but its invisible coupling is not. The
 *   code that runs the pool never sees a global: it depends on an interface (init/classify)
 *   chosen by name, so a test can hand it another module, which is dependency injection at
 *   no cost. It still breaks under exec/spawn: the module's state is per process.
 * The Python idiom it mirrors: a module `bayes.py` with a private `_model` and functions
 *   `init(spec)` and `classify(row)`; `Pool(initializer=...)` not needed because the parent
 *   called `bayes.init(spec)` before forking.
 */
#include "classifier_module.h"
#include "strategy.h"

#define MODULE_NAME "bayes"

static int module_state_prepare(struct model_source *source, struct strategy_state **state,
                                struct error *err)
{
    const struct classifier_module *m = classifier_module_find(MODULE_NAME);
    if (m == NULL)
        return error_set(err, "module_state: no classifier module '%s'", MODULE_NAME);
    double t0 = now_seconds();
    if (m->init(source->spec, err) != 0)
        return -1;
    source->build_seconds = now_seconds() - t0; /* the module built the model: count it so */
    *state = (struct strategy_state *)m;
    return 0;
}

/* classify() through the module: the classifier's table is the module's ops table. */
static void classify_through_module(const struct classifier *c, const struct record *rec,
                                    struct result *out)
{
    const struct classifier_module *m = c->table;
    m->classify(rec, out);
}

static int module_state_resolve(void *ctx, const void *payload, size_t len, struct classifier *out,
                                struct error *err)
{
    (void)payload, (void)len, (void)err;
    *out = (struct classifier){.classify = classify_through_module, .table = ctx};
    return 0;
}

static void module_state_teardown(struct strategy_state *state)
{
    const struct classifier_module *m = (const struct classifier_module *)state;
    m->fini();
}

const struct strategy strategy_module_state = {
    .name = "module_state",
    .summary = "the model hidden in a module behind init(spec)/classify(record), found by name",
    .kind = STRATEGY_PROCESSES,
    .model_shared = true,
    .prepare = module_state_prepare,
    .resolve = module_state_resolve,
    .teardown = module_state_teardown,
    .fork_only = "the model is module-private state the parent initialised before fork",
};

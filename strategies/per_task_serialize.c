/* per_task_serialize.c - the whole model serialized into every task, rebuilt for each.
 *
 * What it does: for every chunk, the parent serializes the model afresh (its flat image,
 *   harness/workload/image.h) and sends those bytes ahead of the records. The worker checks them
 *   (magic, version, bounds: a corrupt payload is an error, never a crash), rebuilds the
 *   native pointer-rich model from them (hash table, one allocation per token, regcomp),
 *   classifies the chunk, and frees it all.
 * What it costs: per chunk, a serialization in the parent, the model's full size through a
 *   pipe, and a complete rebuild in the worker: bytes and CPU grow as model size times number
 *   of chunks. Bigger chunks amortise it; nothing removes it. Slow on purpose: this is the
 *   baseline that shows why every other strategy exists.
 * With exec-started workers it works unchanged: everything a worker needs comes with each
 *   task, so nothing has to be inherited (only the --touch setting, from the spec).
 * When to use it: never for a large model. It is what happens by accident when the function
 *   given to a pool drags its model along: the cost hides in the pickling.
 * The Python idiom it mirrors: `pool.imap(classifier.classify, rows)`: a bound method is
 *   pickled with its instance, so every task carries the whole classifier.
 */
#include "strategy.h"

#include "image.h"

#include <stdlib.h>

struct strategy_state {
    const struct model *model; /* the parent's, serialized per chunk; NULL in an exec'd worker */
    bool touch;
};

static int per_task_serialize_prepare(struct model_source *source, struct strategy_state **state,
                                      struct error *err)
{
    const struct model *m = model_source_get(source, err);
    if (m == NULL)
        return -1;
    struct strategy_state *s = xmalloc(sizeof *s);
    *s = (struct strategy_state){.model = m, .touch = source->spec->touch};
    *state = s;
    return 0;
}

static int per_task_serialize_payload(struct strategy_state *state, uint64_t seq, struct buf *out,
                                      struct error *err)
{
    (void)seq, (void)err;
    size_t size = image_size(state->model);
    image_write(state->model, buf_reserve(out, size)); /* encoded again for every chunk */
    out->len += size;
    return 0;
}

static int per_task_serialize_resolve(void *ctx, const void *payload, size_t len,
                                      struct classifier *out, struct error *err)
{
    const struct strategy_state *state = ctx;
    struct image_view view;
    if (image_open(&view, payload, len, err) != 0)
        return -1;
    struct model *m = image_to_model(&view, err);
    if (m == NULL)
        return -1;
    m->spec.touch = state->touch; /* a private, fresh copy: touching it copies nothing */
    model_classifier(m, out);
    return 0;
}

static void per_task_serialize_release(void *ctx, struct classifier *c)
{
    (void)ctx;
    model_free((struct model *)c->table);
}

static int per_task_serialize_adopt(const struct strategy_handoff *h, struct strategy_state **state,
                                    struct error *err)
{
    (void)err;
    struct strategy_state *s = xmalloc(sizeof *s);
    *s = (struct strategy_state){.model = NULL, .touch = h->spec->touch};
    *state = s;
    return 0;
}

static void per_task_serialize_teardown(struct strategy_state *state)
{
    free(state); /* the model is the run's */
}

const struct strategy strategy_per_task_serialize = {
    .name = "per_task_serialize",
    .summary = "every task carries the whole model, rebuilt by the worker (pickling a method)",
    .kind = STRATEGY_PROCESSES,
    .model_per_task = true,
    .prepare = per_task_serialize_prepare,
    .payload = per_task_serialize_payload,
    .resolve = per_task_serialize_resolve,
    .release = per_task_serialize_release,
    .teardown = per_task_serialize_teardown,
    .adopt = per_task_serialize_adopt,
};

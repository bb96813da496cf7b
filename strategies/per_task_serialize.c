/* per_task_serialize.c - the whole model serialized into every task, rebuilt for each.
 *
 * What it does: for every chunk, the parent serializes the model afresh (its flat image,
 *   harness/image.h) and sends those bytes ahead of the records. The worker checks them
 *   (magic, version, bounds: a corrupt payload is an error, never a crash), rebuilds the
 *   native pointer-rich model from them (hash table, one allocation per token, regcomp),
 *   classifies the chunk, and frees it all.
 * What it costs: per chunk, a serialization in the parent, the model's full size through a
 *   pipe, and a complete rebuild in the worker: bytes and CPU grow as model size times number
 *   of chunks. Bigger chunks amortise it; nothing removes it. Slow on purpose: this is the
 *   baseline that shows why every other strategy exists.
 * When to use it: never for a large model. It is what happens by accident when the function
 *   given to a pool drags its model along: the cost hides in the pickling.
 * The Python idiom it mirrors: `pool.imap(classifier.classify, rows)`: a bound method is
 *   pickled with its instance, so every task carries the whole classifier.
 */
#include "strategy.h"

#include "image.h"

static int per_task_serialize_payload(struct strategy_state *state, uint64_t seq, struct buf *out,
                                      struct error *err)
{
    (void)seq, (void)err;
    const struct model *m = (const struct model *)state;
    size_t size = image_size(m);
    image_write(m, buf_reserve(out, size)); /* encoded again for every chunk, like pickle */
    out->len += size;
    return 0;
}

static int per_task_serialize_resolve(void *ctx, const void *payload, size_t len,
                                      struct classifier *out, struct error *err)
{
    const struct model *parent = ctx; /* only asked whether --touch is on */
    struct image_view view;
    if (image_open(&view, payload, len, err) != 0)
        return -1;
    struct model *m = image_to_model(&view, err);
    if (m == NULL)
        return -1;
    m->spec.touch = parent->spec.touch; /* a private, fresh copy: touching it copies nothing */
    model_classifier(m, out);
    return 0;
}

static void per_task_serialize_release(void *ctx, struct classifier *c)
{
    (void)ctx;
    model_free((struct model *)c->table);
}

const struct strategy strategy_per_task_serialize = {
    .name = "per_task_serialize",
    .summary = "every task carries the whole model, rebuilt by the worker (pickling a method)",
    .kind = STRATEGY_PROCESSES,
    .prepare = strategy_prepare_parent_model,
    .payload = per_task_serialize_payload,
    .resolve = per_task_serialize_resolve,
    .release = per_task_serialize_release,
};

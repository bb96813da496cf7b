/* registry.c - an opaque-handle registry: tasks carry a 16-byte UUID, not the model.
 *
 * What it does: the parent registers its model in a registry under a random UUID (libuuid)
 *   before forking. Each task carries only that 16-byte handle; the worker looks it up in the
 *   registry it inherited and classifies with the model found. Several models can live in one
 *   registry, so one pool can serve several models, each task naming its own. The registry
 *   holds its entries weakly: it never owns a model, and when the parent frees one, a hook
 *   marks its entry stale. A handle the worker's registry does not know (a model registered
 *   after the worker was forked, a forged handle) or a stale one is a clear error for that
 *   task: never a crash, never a wrong model.
 * What it costs: the same as global_fork in memory (one copy, copy-on-write), 16 bytes and one
 *   small look-up per task. The coupling is explicit and checkable: a task says which model
 *   it needs, and the worker can refuse.
 * When to use it: several models in one pool (per-customer, per-language classifiers), or
 *   whenever tasks must name the state they need rather than assume a global. Like every
 *   fork-inherited strategy, it needs the registry filled before the workers start.
 * The Python idiom it mirrors: a module-level `dict` of `{uuid: model}` (a
 *   `weakref.WeakValueDictionary`), filled before the Pool forks, with tasks
 *   `pool.imap(classify_with, ((handle, row) for row in rows))`.
 */
#include "registry.h"

#include <stdlib.h>
#include <string.h>

struct registry_entry {
    uuid_t id;
    struct model *model; /* NULL once the model was freed: the entry is stale */
};

struct model_registry {
    struct registry_entry *entry;
    size_t n;
};

struct model_registry *registry_new(void)
{
    return xcalloc(1, sizeof(struct model_registry));
}

/* The weak reference: model_free calls this, and the registry lets go. */
static void entry_went_stale(void *arg, const struct model *m)
{
    struct model_registry *r = arg;
    for (size_t i = 0; i < r->n; i++)
        if (r->entry[i].model == m)
            r->entry[i].model = NULL;
}

void registry_register(struct model_registry *r, struct model *m, uuid_t id)
{
    uuid_generate_random(id);
    r->entry = xrealloc(r->entry, (r->n + 1) * sizeof *r->entry);
    uuid_copy(r->entry[r->n].id, id);
    r->entry[r->n].model = m;
    r->n++;
    model_on_free(m, entry_went_stale, r);
}

int registry_lookup(const struct model_registry *r, const uuid_t id, const struct model **out,
                    struct error *err)
{
    char text[37];
    for (size_t i = 0; i < r->n; i++) {
        if (uuid_compare(r->entry[i].id, id) != 0)
            continue;
        if (r->entry[i].model == NULL) {
            uuid_unparse_lower(id, text);
            return error_set(err, "registry: stale handle %s: its model was freed", text);
        }
        *out = r->entry[i].model;
        return 0;
    }
    uuid_unparse_lower(id, text);
    return error_set(err,
                     "registry: unknown handle %s: no such model in this worker's "
                     "registry (registered after the worker started?)",
                     text);
}

void registry_free(struct model_registry *r)
{
    if (r == NULL)
        return;
    /* Each live model still points back at us: unhook first, so no model frees into us. */
    for (size_t i = 0; i < r->n; i++)
        if (r->entry[i].model)
            model_forget_on_free(r->entry[i].model, entry_went_stale, r);
    free(r->entry);
    free(r);
}

/* ---- the strategy ---------------------------------------------------------------------- */

#define HANDLES_MAX 16

struct strategy_state {
    struct model_registry *registry;
    uuid_t handle[HANDLES_MAX]; /* chunk seq carries handle[seq % handles] */
    size_t handles;
};

static int registry_prepare(struct model_source *source, struct strategy_state **state,
                            struct error *err)
{
    struct model *m = model_source_get(source, err);
    if (m == NULL)
        return -1;
    struct strategy_state *s = xcalloc(1, sizeof *s);
    s->registry = registry_new();
    registry_register(s->registry, m, s->handle[0]);
    s->handles = 1;
    *state = s;
    return 0;
}

void registry_strategy_add_model(struct strategy_state *state, struct model *m)
{
    if (state->handles < HANDLES_MAX)
        registry_register(state->registry, m, state->handle[state->handles++]);
}

void registry_strategy_add_handle(struct strategy_state *state, const uuid_t id)
{
    if (state->handles < HANDLES_MAX)
        uuid_copy(state->handle[state->handles++], id);
}

static int registry_payload(struct strategy_state *state, uint64_t seq, struct buf *out,
                            struct error *err)
{
    (void)err;
    buf_append(out, state->handle[seq % state->handles], sizeof(uuid_t));
    return 0;
}

static int registry_resolve(void *ctx, const void *payload, size_t len, struct classifier *out,
                            struct error *err)
{
    const struct strategy_state *s = ctx; /* this worker's inherited copy */
    if (len != sizeof(uuid_t))
        return error_set(err, "registry: a task must carry a %zu-byte handle, not %zu bytes",
                         sizeof(uuid_t), len);
    uuid_t id;
    memcpy(id, payload, sizeof id);
    const struct model *m = NULL; /* set by a successful lookup */
    if (registry_lookup(s->registry, id, &m, err) != 0)
        return -1;
    model_classifier(m, out);
    return 0;
}

static void registry_teardown(struct strategy_state *state)
{
    registry_free(state->registry);
    free(state);
}

const struct strategy strategy_registry = {
    .name = "registry",
    .summary = "tasks carry a 16-byte UUID handle, resolved in the registry workers inherited",
    .kind = STRATEGY_PROCESSES,
    .model_shared = true,
    .prepare = registry_prepare,
    .payload = registry_payload,
    .resolve = registry_resolve,
    .teardown = registry_teardown,
    .fork_only =
        "the registry of models and their UUID handles was filled by the parent before fork",
};

/* strategy.h - the one interface every sharing strategy fills.
 *
 * A strategy answers one question: how does the code that classifies reach the model? Each
 * strategy is one file in strategies/ exposing one `const struct strategy`, found by name in
 * the table (strategy_find). The harness calls only through this struct and never asks which
 * strategy it runs; a strategy never touches CSV, pipes or measurement. (The pattern is
 * SQLite's VFS and redis's ae_* backends: interchangeable implementations behind a table.)
 *
 * The life of a run, and which hook runs where:
 *
 *   parent   prepare(source)        once: build or fetch the model, set up what is shared
 *   parent     start the workers    (fork, or pthread_create for kind STRATEGY_THREADS)
 *   worker   attach(state)          once per worker: per-worker setup (compile rules, build a
 *                                   private copy, map an image); returns the worker's context
 *   parent   payload(state, seq)    per chunk: bytes to send with it (a handle, a model)
 *   worker   resolve(ctx, payload)  per chunk: a classifier for this chunk's records
 *   worker   release(ctx, c)        per chunk, after classifying (free a per-chunk model)
 *   worker   detach(ctx)            once per worker, at the end
 *   parent   teardown(state)        once, after every worker has ended
 *
 * Every hook but resolve may be NULL: a NULL attach makes the worker's context the state
 * itself; a NULL payload sends nothing. Hooks that can fail return -1 and fill err; a failure
 * in resolve fails that chunk with the message, never the process.
 */
#ifndef SHAREBENCH_STRATEGY_H
#define SHAREBENCH_STRATEGY_H

#include "buf.h"
#include "classify.h"
#include "model.h"
#include "util.h"

#include <stddef.h>
#include <stdint.h>

/* What a strategy keeps between its hooks; each strategy defines its own. */
struct strategy_state;

enum strategy_kind {
    STRATEGY_IN_PROCESS, /* no workers: the parent classifies (serial) */
    STRATEGY_PROCESSES,  /* forked worker processes */
    STRATEGY_THREADS,    /* worker threads in the parent's process */
};

struct strategy {
    const char *name;
    const char *summary; /* one line, for `sharebench list` */
    enum strategy_kind kind;

    int (*prepare)(struct model_source *source, struct strategy_state **state, struct error *err);
    int (*payload)(struct strategy_state *state, uint64_t seq, struct buf *out, struct error *err);
    int (*attach)(struct strategy_state *state, void **ctx, struct error *err);
    int (*resolve)(void *ctx, const void *payload, size_t len, struct classifier *out,
                   struct error *err);
    void (*release)(void *ctx, struct classifier *c);
    void (*detach)(void *ctx);
    void (*teardown)(struct strategy_state *state);
};

/* Shared hooks, for strategies whose hook is exactly this (not copies in each file). */

/* prepare: the state is the parent's native model, built from the source. */
int strategy_prepare_parent_model(struct model_source *source, struct strategy_state **state,
                                  struct error *err);

/* resolve: a classifier over the native model the context points to. */
int strategy_resolve_native(void *ctx, const void *payload, size_t len, struct classifier *out,
                            struct error *err);

/* Every strategy, in presentation order; NULL-terminated. */
extern const struct strategy *const strategy_table[];

/* The strategy called name, or NULL. */
const struct strategy *strategy_find(const char *name);

/* The strategies, one per file. */
extern const struct strategy strategy_serial;
extern const struct strategy strategy_global_fork;
extern const struct strategy strategy_module_state;
extern const struct strategy strategy_registry;
extern const struct strategy strategy_shared_arrays;
extern const struct strategy strategy_per_task_serialize;
extern const struct strategy strategy_per_worker_copy;
extern const struct strategy strategy_threads;

#endif

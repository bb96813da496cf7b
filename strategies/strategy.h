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
 *
 * Workers started by exec (`--start exec`, Python's "spawn") inherit no memory at all: the
 * state prepare left in the parent does not exist in them. Two more hooks carry it across:
 *
 *   parent   handoff(state, h)      once: what a fresh process needs to find the model (a
 *                                   file's path, a descriptor it inherits); NULL: nothing
 *                                   beyond the spec, which every exec'd worker is given
 *   worker   adopt(h, state)        once, in the exec'd process: rebuild the state from h;
 *                                   then attach ... detach as above, and teardown(state)
 *
 * A strategy without adopt cannot run with exec-started workers: its model lives only in the
 * parent's memory, reachable only through what fork copies (global_fork, module_state,
 * registry). That is the lesson, and the harness refuses such a run before building anything.
 */
#ifndef SHAREBENCH_STRATEGY_H
#define SHAREBENCH_STRATEGY_H

#include "buf.h"
#include "classify.h"
#include "model.h"
#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a strategy keeps between its hooks; each strategy defines its own. */
struct strategy_state;

enum strategy_kind {
    STRATEGY_IN_PROCESS, /* no workers: the parent classifies (serial) */
    STRATEGY_PROCESSES,  /* forked worker processes */
    STRATEGY_THREADS,    /* worker threads in the parent's process */
};

/* What an exec'd worker is given to find the model; nothing else reaches it. */
struct strategy_handoff {
    const struct spec *spec; /* loaded by the worker from the run's spec file (touch set) */
    char path[4096];         /* a file the strategy names (mapped_file), or "" */
    int fd;                  /* a descriptor the worker inherits (shared_arrays), or -1 */
};

struct strategy {
    const char *name;
    const char *summary; /* one line, for `sharebench list` */
    enum strategy_kind kind;
    /* What the harness must know to size, budget and label a run; the hooks say the rest. */
    bool model_per_worker; /* every worker builds its own copy: memory grows with workers */
    bool model_per_task;   /* the model travels with every task: cost grows with tasks */
    bool model_shared;     /* the run holds one copy, whatever the workers (check holds it to) */

    int (*prepare)(struct model_source *source, struct strategy_state **state, struct error *err);
    int (*payload)(struct strategy_state *state, uint64_t seq, struct buf *out, struct error *err);
    int (*attach)(struct strategy_state *state, void **ctx, struct error *err);
    int (*resolve)(void *ctx, const void *payload, size_t len, struct classifier *out,
                   struct error *err);
    void (*release)(void *ctx, struct classifier *c);
    void (*detach)(void *ctx);
    void (*teardown)(struct strategy_state *state);

    int (*handoff)(struct strategy_state *state, struct strategy_handoff *out, struct error *err);
    int (*adopt)(const struct strategy_handoff *h, struct strategy_state **state,
                 struct error *err);
    /* No adopt: where the model lives that only fork reaches (for the refusal message). */
    const char *fork_only;
};

/* Shared hooks, for strategies whose hook is exactly this (not copies in each file). */

/* prepare: the state is the parent's native model, built from the source. */
int strategy_prepare_parent_model(struct model_source *source, struct strategy_state **state,
                                  struct error *err);

/* resolve: a classifier over the native model the context points to. */
int strategy_resolve_native(void *ctx, const void *payload, size_t len, struct classifier *out,
                            struct error *err);

/* The model as one flat image mapped read-only (shared_arrays, mapped_file): their states
 * start with this, so the worker hooks below serve both. */
struct image_mapping {
    const void *image; /* mapped PROT_READ, MAP_SHARED */
    size_t size;
    bool touch; /* --touch: count visits in private memory beside the image */
};

/* Map all of fd read-only and shared into m (touch left as it is). */
int image_mapping_map(int fd, struct image_mapping *m, const char *what, struct error *err);
void image_mapping_unmap(struct image_mapping *m);

/* attach, resolve and detach over a state that starts with struct image_mapping: each worker
 * checks the image, compiles its rules once, and classifies from the mapped bytes in place. */
int strategy_attach_image(struct strategy_state *state, void **ctx, struct error *err);
int strategy_resolve_image(void *ctx, const void *payload, size_t len, struct classifier *out,
                           struct error *err);
void strategy_detach_image(void *ctx);

/* Can the strategy's workers be started by exec? (it has adopt, or it has no processes) */
bool strategy_supports_exec(const struct strategy *s);

/* Why s cannot serve exec-started workers, and which strategies can (for messages). */
const char *strategy_exec_refusal(const struct strategy *s, char *out, size_t cap);

/* Every strategy, in presentation order; NULL-terminated. */
extern const struct strategy *const strategy_table[];

/* The strategy called name, or NULL (test strategies, not in the table, included). */
const struct strategy *strategy_find(const char *name);

/* The strategies, one per file: strategy_serial, strategy_global_fork, ... as listed in
 * strategies.def. */
#define STRATEGY(name) extern const struct strategy strategy_##name;
#include "strategies.def"
#undef STRATEGY

/* For the tests only (strategies/testing/): not in strategy_table. */
extern const struct strategy strategy_test_known;

#endif

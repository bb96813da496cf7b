/* strategy.h - the one interface every sharing strategy fills.
 *
 * A strategy answers one question: how does the code that classifies reach the model? Each
 * strategy is one file in strategies/ exposing one `const struct strategy`, found by name in
 * the table (strategy_find). The harness calls only through this struct and never asks which
 * strategy it runs; a strategy never touches CSV, pipes or measurement. (The pattern is
 * SQLite's VFS and redis's ae_* backends: interchangeable implementations behind a table.)
 *
 * Life cycle, in the process that owns the model:
 *   prepare(model)          once, before any classifying: build what the strategy shares
 *   resolve(&classifier)    get a classifier to run classify() through
 *   teardown()              release what prepare made
 * A hook a strategy does not need is NULL.
 */
#ifndef SHAREBENCH_STRATEGY_H
#define SHAREBENCH_STRATEGY_H

#include "classify.h"
#include "model.h"
#include "util.h"

#include <stddef.h>

/* What a strategy keeps between its hooks; each strategy defines its own. */
struct strategy_state;

enum strategy_kind {
    STRATEGY_IN_PROCESS, /* no workers: the parent classifies (serial) */
};

struct strategy {
    const char *name;
    const char *summary; /* one line, for `sharebench list` */
    enum strategy_kind kind;

    int (*prepare)(const struct model *model, struct strategy_state **state, struct error *err);
    int (*resolve)(struct strategy_state *state, struct classifier *out, struct error *err);
    void (*teardown)(struct strategy_state *state);
};

/* Every strategy, in presentation order; NULL-terminated. */
extern const struct strategy *const strategy_table[];

/* The strategy called name, or NULL. */
const struct strategy *strategy_find(const char *name);

/* The strategies, one per file. */
extern const struct strategy strategy_serial;

#endif

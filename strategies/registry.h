/* registry.h - models registered under random UUIDs, held weakly (see registry.c). */
#ifndef SHAREBENCH_REGISTRY_H
#define SHAREBENCH_REGISTRY_H

#include "model.h"
#include "strategy.h"
#include "util.h"

#include <uuid/uuid.h>

struct model_registry;

struct model_registry *registry_new(void);

/* Forget every entry and free the registry (the models stay: it never owned them). */
void registry_free(struct model_registry *r);

/* Register m under a fresh random UUID, written to id. The entry is weak: when m is freed,
 * the entry goes stale and look-ups of id fail. */
void registry_register(struct model_registry *r, struct model *m, uuid_t id);

/* The model registered under id. Returns 0, or -1 with err saying whether the handle is
 * unknown here or stale (its model was freed). */
int registry_lookup(const struct model_registry *r, const uuid_t id, const struct model **out,
                    struct error *err);

/* For tests of the strategy: register another model in a prepared registry strategy's
 * registry; chunks then carry the handles in turn (chunk seq uses handle seq % count). */
void registry_strategy_add_model(struct strategy_state *state, struct model *m);

/* For tests: add a handle that was never registered (chunks carrying it must fail). */
void registry_strategy_add_handle(struct strategy_state *state, const uuid_t id);

#endif

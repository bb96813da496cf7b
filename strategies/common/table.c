/* table.c - every strategy, found by name: the table is the list in strategies.def. */
#include "strategy.h"

#include <string.h>

const struct strategy *const strategy_table[] = {
#define STRATEGY(name) &strategy_##name,
#include "strategies.def"
#undef STRATEGY
    NULL,
};

/* Strategies for the tests only: found by name, never listed. */
static const struct strategy *const hidden_table[] = {
    &strategy_test_known,
    NULL,
};

static const struct strategy *find_in(const struct strategy *const *table, const char *name)
{
    for (const struct strategy *const *s = table; *s; s++)
        if (strcmp((*s)->name, name) == 0)
            return *s;
    return NULL;
}

const struct strategy *strategy_find(const char *name)
{
    const struct strategy *s = find_in(strategy_table, name);
    return s ? s : find_in(hidden_table, name);
}

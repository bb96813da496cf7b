/* table.c - every strategy, found by name: the table is the list in strategies.def. */
#include "strategy.h"

#include <string.h>

const struct strategy *const strategy_table[] = {
#define STRATEGY(name) &strategy_##name,
#include "strategies.def"
#undef STRATEGY
    NULL,
};

const struct strategy *strategy_find(const char *name)
{
    for (const struct strategy *const *s = strategy_table; *s; s++)
        if (strcmp((*s)->name, name) == 0)
            return *s;
    return NULL;
}

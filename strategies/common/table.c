/* table.c - the one place that knows every strategy by name. */
#include "strategy.h"

#include <string.h>

const struct strategy *const strategy_table[] = {
    &strategy_serial,
    &strategy_global_fork,
    &strategy_module_state,
    &strategy_registry,
    &strategy_shared_arrays,
    &strategy_mapped_file,
    &strategy_per_task_serialize,
    &strategy_per_worker_copy,
    &strategy_threads,
    NULL,
};

const struct strategy *strategy_find(const char *name)
{
    for (const struct strategy *const *s = strategy_table; *s; s++)
        if (strcmp((*s)->name, name) == 0)
            return *s;
    return NULL;
}

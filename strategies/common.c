/* common.c - hooks that several strategies share word for word (see strategy.h). */
#include "strategy.h"

int strategy_prepare_parent_model(struct model_source *source, struct strategy_state **state,
                                  struct error *err)
{
    struct model *m = model_source_get(source, err);
    *state = (struct strategy_state *)m;
    return m ? 0 : -1;
}

int strategy_resolve_native(void *ctx, const void *payload, size_t len, struct classifier *out,
                            struct error *err)
{
    (void)payload, (void)len, (void)err;
    model_classifier(ctx, out);
    return 0;
}

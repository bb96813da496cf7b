/* bayes_module.c - the workload's classifier packaged as a module (see classifier_module.h).
 *
 * Its model lives in `static` variables below: no other file can name them. Everything
 * outside goes through the ops table at the bottom.
 */
#include "classifier_module.h"

#include "classify.h"
#include "model.h"

#include <string.h>

static struct model *module_model;    /* the hidden state */
static struct classifier module_view; /* how classify() reaches it */

static int bayes_init(const struct spec *spec, struct error *err)
{
    module_model = model_build(spec, err);
    if (module_model == NULL)
        return -1;
    model_classifier(module_model, &module_view);
    return 0;
}

static void bayes_classify(const struct record *rec, struct result *out)
{
    classify(&module_view, rec, out);
}

static void bayes_fini(void)
{
    model_free(module_model);
    module_model = NULL;
    memset(&module_view, 0, sizeof module_view);
}

static const struct classifier_module bayes_module = {
    .name = "bayes",
    .init = bayes_init,
    .classify = bayes_classify,
    .fini = bayes_fini,
};

/* The ops table of every module there is (one, here: the point is the shape). */
static const struct classifier_module *const modules[] = {&bayes_module, NULL};

const struct classifier_module *classifier_module_find(const char *name)
{
    for (const struct classifier_module *const *m = modules; *m; m++)
        if (strcmp((*m)->name, name) == 0)
            return *m;
    return NULL;
}

/* classifier_module.h - a classifier as a module: state hidden inside, an interface outside.
 *
 * A module keeps its model in file-scope static variables that nothing else can name; the
 * rest of the program reaches it only through this ops table, found by name. The module
 * still holds global state (one model per process), but the coupling is now written down:
 * whoever calls init() and classify() depends on this interface, not on a variable.
 */
#ifndef SHAREBENCH_CLASSIFIER_MODULE_H
#define SHAREBENCH_CLASSIFIER_MODULE_H

#include "record.h"
#include "spec.h"
#include "util.h"
#include "workload.h"

struct classifier_module {
    const char *name;
    /* Build the module's model from spec. Returns -1 with err on failure. */
    int (*init)(const struct spec *spec, struct error *err);
    /* Classify one record with the model init built. */
    void (*classify)(const struct record *rec, struct result *out);
    /* Free the model. */
    void (*fini)(void);
};

/* The module called name, or NULL. */
const struct classifier_module *classifier_module_find(const char *name);

#endif

/* spec.h - the model spec (docs/WORKLOAD.md section 1): a small CSV of key,value lines.
 *
 *   seed,42
 *   vocab,200000
 *   classes,16
 *   rule,user,0,^bot[0-9]+$
 *
 * spec_load() checks every line and every value; on any error it names the file and line and
 * builds nothing. A loaded spec has all its rule patterns proven to compile.
 */
#ifndef SHAREBENCH_SPEC_H
#define SHAREBENCH_SPEC_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rule_field { RULE_FIELD_USER, RULE_FIELD_TEXT };

struct spec_rule {
    enum rule_field field;
    uint32_t class_index;
    char *pattern; /* POSIX ERE */
};

struct spec {
    uint64_t seed;
    uint32_t vocab;   /* V: tokens 0 .. V-1 */
    uint32_t classes; /* K: 1 .. CLASSES_MAX */
    size_t nrules;
    struct spec_rule *rules;
    /* Not from the file: set by a run with --touch. Classify then writes a visit counter in
     * every model entry it reads, as CPython's reference counts write to every object. */
    bool touch;
};

/* The largest spec file read: specs are a few lines; anything bigger is not a spec. */
#define SPEC_FILE_MAX (64 * 1024)

/* Load and check path. Returns 0, or -1 with err naming the file and line. */
int spec_load(const char *path, struct spec *spec, struct error *err);

/* The same over a block of memory; name is used in messages. */
int spec_parse(const char *name, const void *data, size_t len, struct spec *spec,
               struct error *err);

/* Free what a loaded spec owns. Safe on a zeroed spec. */
void spec_free(struct spec *spec);

#endif

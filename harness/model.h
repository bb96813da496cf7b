/* model.h - the model in its natural in-process form: pointer-rich, as a program builds it.
 *
 * A chained hash table of separately malloc'd entries, one per vocabulary token, each holding
 * the token and its K weights; the class priors; the compiled rules. This is the structure a
 * Python program would hold as a dict of lists: easy to build and use in one process, and the
 * reason sharing it between processes is a question at all (every entry is its own
 * allocation, reached through pointers that mean nothing in another address space).
 */
#ifndef SHAREBENCH_MODEL_H
#define SHAREBENCH_MODEL_H

#include "classify.h"
#include "rules.h"
#include "spec.h"

#include <stddef.h>
#include <stdint.h>

struct model_entry {
    struct model_entry *next; /* the next entry in the same bucket */
    token_key key;            /* the token's letters, packed */
    double weight[];          /* classes values */
};

struct model {
    uint64_t seed;
    uint32_t vocab;
    uint32_t classes;
    double *priors;
    struct model_entry **bucket;
    size_t bucket_mask; /* buckets - 1; a power of two */
    struct rule_set rules;
    struct spec spec; /* a copy: the image and serializers need the rule patterns */
    size_t bytes;     /* bytes this model asked malloc for (its own size) */
};

/* Bytes a model of this spec will allocate, computed without building it. */
size_t model_estimate_bytes(const struct spec *spec);

/* Build the model a spec describes. Returns NULL with err if a rule fails to compile. */
struct model *model_build(const struct spec *spec, struct error *err);

/* The weights of the token with this key, or NULL if it is not in the vocabulary. */
const double *model_weights(const struct model *m, token_key key);

/* A classifier over this model (valid while the model lives). */
void model_classifier(const struct model *m, struct classifier *c);

void model_free(struct model *m);

/* Copy a spec (deep). */
void spec_copy(struct spec *dst, const struct spec *src);

#endif

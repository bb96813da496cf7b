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
    uint64_t visits;          /* --touch: how often classify read this entry */
    double weight[];          /* classes values */
};

struct model;

/* Called when a model is freed: how something that refers to a model without owning it (a
 * registry, say) learns that the reference went stale. A weak reference, in C. */
struct model_free_hook {
    void (*fn)(void *arg, const struct model *m);
    void *arg;
    struct model_free_hook *next;
};

struct model {
    uint64_t seed;
    uint32_t vocab;
    uint32_t classes;
    double *priors;
    struct model_entry **bucket;
    size_t bucket_mask; /* buckets - 1; a power of two */
    struct rule_set rules;
    struct spec spec;  /* a copy: the image and serializers need the rule patterns */
    size_t bytes;      /* what it allocated, counted as it did (see model_estimate_bytes) */
    size_t entry_cost; /* what one entry costs the allocator */
    struct model_free_hook *on_free;
};

/* Bytes a model of this spec allocates, computed without building it: what it asks malloc
 * for plus malloc's own overhead per block (the same count model_build keeps in bytes). */
size_t model_estimate_bytes(const struct spec *spec);

/* Build the model a spec describes. Returns NULL with err if a rule fails to compile. */
struct model *model_build(const struct spec *spec, struct error *err);

/* The weights of the token with this key, or NULL if it is not in the vocabulary. */
const double *model_weights(const struct model *m, token_key key);

/* A classifier over this model (valid while the model lives). */
void model_classifier(const struct model *m, struct classifier *c);

/* Call fn(arg, m) when m is freed. */
void model_on_free(struct model *m, void (*fn)(void *arg, const struct model *m), void *arg);

/* Undo model_on_free(m, fn, arg) (the watcher goes away before the model). */
void model_forget_on_free(struct model *m, void (*fn)(void *arg, const struct model *m), void *arg);

/* Free a model (running its free hooks first). NULL is allowed. */
void model_free(struct model *m);

/* An empty model with its priors and rules, ready for model_insert (for models rebuilt from
 * another form, such as the flat image). Returns NULL with err if a rule fails to compile. */
struct model *model_new_empty(const struct spec *spec, struct error *err);

/* Add a token with its weights (classes values, copied). */
void model_insert(struct model *m, token_key key, const double *weights);

/* The model the run uses, built on first request: strategies that build their own (in a
 * module, in each worker) never ask, so the parent does not hold a copy it does not use. */
struct model_source {
    const struct spec *spec;
    struct model *model;
    double build_seconds;
    /* Where a strategy may write files (mapped_file's image); NULL: $TMPDIR, else /tmp. */
    const char *scratch_dir;
};

/* The source's model, built now if it was not yet. NULL with err on failure. */
struct model *model_source_get(struct model_source *src, struct error *err);

/* Copy a spec (deep). */
void spec_copy(struct spec *dst, const struct spec *src);

#endif

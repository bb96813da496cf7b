/* classify.h - classify(record) over any form of the model (docs/WORKLOAD.md section 4).
 *
 * A worker may reach the model as the native pointer-rich structure or as a view of the flat
 * image; both fill a `struct classifier`, and classify() runs the same code over either, so
 * results are bit-identical by construction. The only call through the table is the token
 * look-up: that is where the two forms differ.
 */
#ifndef SHAREBENCH_CLASSIFY_H
#define SHAREBENCH_CLASSIFY_H

#include "record.h"
#include "rules.h"
#include "workload.h"

#include <stdbool.h>
#include <stdint.h>

/* A vocabulary token packed in a word: its (at most 7) letters, byte i at bits 8i. Letters
 * are never 0, so the packing is one-to-one. */
typedef uint64_t token_key;

/* Pack s[0..len) into *key if it could be a vocabulary token (1 to 7 letters a-z). */
static inline bool token_key_of(const char *s, size_t len, token_key *key)
{
    if (len == 0 || len > TOKEN_MAX_LEN)
        return false;
    uint64_t k = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 'a' || c > 'z')
            return false;
        k |= (uint64_t)c << (8 * i);
    }
    *key = k;
    return true;
}

/* Look up n (at most LOOKUP_BATCH) tokens in some form of the model: out[i] is the weights of
 * keys[i], or NULL when it is not in the vocabulary. A batch, not one key, because a look-up is
 * mostly waiting for memory: given all the keys at once, a table can start every load (prefetch)
 * before it waits for any, and the waits overlap. */
typedef void (*weights_lookup_fn)(const void *table, const token_key *keys, size_t n,
                                  const double **out);

/* Tokens looked up per batch: enough to overlap many cache misses, small enough for the
 * stack. */
#define LOOKUP_BATCH 32

struct classifier;

/* Classify one record with a classifier. */
typedef void (*classify_fn)(const struct classifier *c, const struct record *rec,
                            struct result *out);

/* What a worker resolves: something that classifies. Both forms of the model (native and
 * flat image) set .classify to classify_by_table below and differ only in weights_of; a
 * strategy that hides its model behind an interface of its own (module_state) sets .classify
 * to its own function and uses .table as it likes. */
struct classifier {
    classify_fn classify;
    uint32_t classes;
    const double *priors; /* classes values */
    const struct rule_set *rules;
    weights_lookup_fn weights_of;
    const void *table;
    /* --touch: called with each vocabulary word's weights as they are used (NULL: off). */
    void (*visit)(void *arg, const double *weights);
    void *visit_arg;
};

/* docs/WORKLOAD.md section 4 over any table: rules, then priors plus the weights of each word. */
void classify_by_table(const struct classifier *c, const struct record *rec, struct result *out);

/* Classify rec with c. */
static inline void classify(const struct classifier *c, const struct record *rec,
                            struct result *out)
{
    c->classify(c, rec, out);
}

#endif

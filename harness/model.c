/* model.c - see model.h and WORKLOAD.md section 2. */
#include "model.h"

#include "workload.h"

#include <stdlib.h>
#include <string.h>

static size_t bucket_count(uint32_t vocab)
{
    size_t n = 1;
    while (n < vocab)
        n <<= 1;
    return n;
}

static size_t entry_size(uint32_t classes)
{
    return sizeof(struct model_entry) + classes * sizeof(double);
}

static size_t bucket_of(const struct model *m, token_key key)
{
    return (size_t)mix64(key) & m->bucket_mask;
}

size_t model_estimate_bytes(const struct spec *spec)
{
    return (size_t)spec->vocab * entry_size(spec->classes) +
           bucket_count(spec->vocab) * sizeof(struct model_entry *) +
           spec->classes * sizeof(double);
}

void spec_copy(struct spec *dst, const struct spec *src)
{
    *dst = *src;
    dst->rules = src->nrules ? xcalloc(src->nrules, sizeof *dst->rules) : NULL;
    for (size_t i = 0; i < src->nrules; i++) {
        dst->rules[i] = src->rules[i];
        dst->rules[i].pattern = xstrdup(src->rules[i].pattern);
    }
}

static void insert_token(struct model *m, uint32_t i)
{
    char spelling[TOKEN_MAX_LEN];
    size_t len = token_spell(i, spelling);
    token_key key;
    token_key_of(spelling, len, &key);
    struct model_entry *e = xmalloc(entry_size(m->classes));
    e->key = key;
    for (uint32_t k = 0; k < m->classes; k++)
        e->weight[k] = token_weight(m->seed, m->classes, i, k);
    size_t b = bucket_of(m, key);
    e->next = m->bucket[b];
    m->bucket[b] = e;
}

struct model *model_build(const struct spec *spec, struct error *err)
{
    struct model *m = xcalloc(1, sizeof *m);
    m->seed = spec->seed;
    m->vocab = spec->vocab;
    m->classes = spec->classes;
    spec_copy(&m->spec, spec);
    if (rules_compile(&m->rules, spec->rules, spec->nrules, err) != 0) {
        spec_free(&m->spec);
        free(m);
        return NULL;
    }
    m->priors = xmalloc(m->classes * sizeof *m->priors);
    for (uint32_t k = 0; k < m->classes; k++)
        m->priors[k] = class_prior(m->seed, k);
    size_t buckets = bucket_count(m->vocab);
    m->bucket = xcalloc(buckets, sizeof *m->bucket);
    m->bucket_mask = buckets - 1;
    for (uint32_t i = 0; i < m->vocab; i++)
        insert_token(m, i);
    m->bytes = model_estimate_bytes(spec);
    return m;
}

const double *model_weights(const struct model *m, token_key key)
{
    for (const struct model_entry *e = m->bucket[bucket_of(m, key)]; e; e = e->next)
        if (e->key == key)
            return e->weight;
    return NULL;
}

static const double *lookup(const void *table, token_key key)
{
    return model_weights(table, key);
}

void model_classifier(const struct model *m, struct classifier *c)
{
    c->classes = m->classes;
    c->priors = m->priors;
    c->rules = &m->rules;
    c->weights_of = lookup;
    c->table = m;
}

void model_free(struct model *m)
{
    if (m == NULL)
        return;
    for (size_t b = 0; b <= m->bucket_mask; b++) {
        struct model_entry *e = m->bucket[b];
        while (e) {
            struct model_entry *next = e->next;
            free(e);
            e = next;
        }
    }
    free(m->bucket);
    free(m->priors);
    rules_free(&m->rules);
    spec_free(&m->spec);
    free(m);
}

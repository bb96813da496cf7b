/* model.c - see model.h and docs/WORKLOAD.md section 2. */
#include "model.h"

#include "workload.h"

#include <stddef.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h> /* malloc_usable_size */
#endif
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

/* What a block of size bytes really costs: glibc rounds it up and keeps a size word beside
 * it. Asked of the allocator itself, so the count is true for the malloc in use. */
static size_t block_cost(size_t size)
{
    /* Large blocks are mapped pages of their own (glibc's mmap threshold starts at 128 KiB):
     * their cost is the size with its header, rounded up to a page. Never probe those: a
     * bucket array can be gigabytes. */
    if (size >= 128 * 1024)
        return (size + 2 * sizeof(size_t) + 4095) & ~(size_t)4095;
#ifdef __GLIBC__
    void *p = xmalloc(size);
    size_t cost = malloc_usable_size(p) + sizeof(size_t);
    free(p);
    return cost;
#else
    return size;
#endif
}

size_t model_estimate_bytes(const struct spec *spec)
{
    return (size_t)spec->vocab * block_cost(entry_size(spec->classes)) +
           block_cost(bucket_count(spec->vocab) * sizeof(struct model_entry *)) +
           block_cost(spec->classes * sizeof(double));
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

/* Add an entry; -1 if there is no memory for it (the model stays as it was). */
static int model_add(struct model *m, token_key key, const double *weights)
{
    struct model_entry *e = malloc(entry_size(m->classes));
    if (e == NULL)
        return -1;
    m->bytes += m->entry_cost;
    e->key = key;
    e->visits = 0;
    memcpy(e->weight, weights, m->classes * sizeof *weights);
    size_t b = bucket_of(m, key);
    e->next = m->bucket[b];
    m->bucket[b] = e;
    return 0;
}

void model_insert(struct model *m, token_key key, const double *weights)
{
    if (model_add(m, key, weights) != 0)
        out_of_memory("a model entry", entry_size(m->classes));
}

static int add_token(struct model *m, uint32_t i)
{
    char spelling[TOKEN_MAX_LEN];
    size_t len = token_spell(i, spelling);
    token_key key = 0;
    (void)token_key_of(spelling, len, &key); /* always true: spellings are 1-7 letters */
    double weights[CLASSES_MAX];
    for (uint32_t k = 0; k < m->classes; k++)
        weights[k] = token_weight(m->seed, m->classes, i, k);
    return model_add(m, key, weights);
}

struct model *model_new_empty(const struct spec *spec, struct error *err)
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
    m->bucket = calloc(buckets, sizeof *m->bucket);
    if (m->bucket == NULL) {
        error_set(err, "building the model: out of memory for its table of %zu buckets (%.0f MB)",
                  buckets, (double)(buckets * sizeof *m->bucket) / 1e6);
        model_free(m);
        return NULL;
    }
    m->bucket_mask = buckets - 1;
    m->entry_cost = block_cost(entry_size(m->classes));
    m->bytes = block_cost(buckets * sizeof *m->bucket) + block_cost(m->classes * sizeof(double));
    return m;
}

struct model *model_build(const struct spec *spec, struct error *err)
{
    struct model *m = model_new_empty(spec, err);
    if (m == NULL)
        return NULL;
    /* Entries go in at the head of their chain, so inserting the rarest tokens first leaves
     * the frequent ones (low indices, under the workload's Zipf-like law) in front. */
    for (uint32_t i = m->vocab; i-- > 0;) {
        if (add_token(m, i) != 0) {
            uint32_t added = m->vocab - 1 - i;
            double so_far = (double)m->bytes / 1e6;
            model_free(m); /* first: the estimate below needs a little memory */
            error_set(err,
                      "building the model: out of memory after %u of its %u tokens (%.0f MB so "
                      "far, %.0f MB in all)",
                      added, spec->vocab, so_far, (double)model_estimate_bytes(spec) / 1e6);
            return NULL;
        }
    }
    return m;
}

const double *model_weights(const struct model *m, token_key key)
{
    for (const struct model_entry *e = m->bucket[bucket_of(m, key)]; e; e = e->next)
        if (e->key == key)
            return e->weight;
    return NULL;
}

/* An entry spans several cache lines (K = 16 weights are 128 bytes): ask for all of them. */
static void prefetch_entry(const struct model_entry *e, uint32_t classes)
{
    const char *p = (const char *)e;
    const char *end = (const char *)&e->weight[classes];
    for (; p < end; p += 64)
        __builtin_prefetch(p);
}

/* Three passes, so that no pass waits on a load another could have started: prefetch every
 * bucket slot, then every chain head, then walk the chains (mostly in cache by then). */
static void lookup_batch(const void *table, const token_key *keys, size_t n, const double **out)
{
    const struct model *m = table;
    const struct model_entry *head[LOOKUP_BATCH];
    size_t slot[LOOKUP_BATCH];
    for (size_t i = 0; i < n; i++) {
        slot[i] = bucket_of(m, keys[i]);
        __builtin_prefetch(&m->bucket[slot[i]]);
    }
    for (size_t i = 0; i < n; i++) {
        head[i] = m->bucket[slot[i]];
        if (head[i])
            prefetch_entry(head[i], m->classes);
    }
    for (size_t i = 0; i < n; i++) {
        out[i] = NULL;
        for (const struct model_entry *e = head[i]; e; e = e->next)
            if (e->key == keys[i]) {
                out[i] = e->weight;
                break;
            }
    }
}

/* --touch: the write CPython's reference counting does on every object it touches. The
 * model is shared read-only by contract; this breaks the contract on purpose, and in a forked
 * worker every page written is copied (a minor fault each). Atomic, because threads share. */
static void touch_entry(void *arg, const double *weights)
{
    (void)arg;
    struct model_entry *e =
        (struct model_entry *)((char *)weights - offsetof(struct model_entry, weight));
    __atomic_fetch_add(&e->visits, 1, __ATOMIC_RELAXED);
}

void model_classifier(const struct model *m, struct classifier *c)
{
    c->classify = classify_by_table;
    c->classes = m->classes;
    c->priors = m->priors;
    c->rules = &m->rules;
    c->weights_of = lookup_batch;
    c->table = m;
    c->visit = m->spec.touch ? touch_entry : NULL;
    c->visit_arg = NULL;
}

void model_on_free(struct model *m, void (*fn)(void *arg, const struct model *m), void *arg)
{
    struct model_free_hook *h = xmalloc(sizeof *h);
    *h = (struct model_free_hook){.fn = fn, .arg = arg, .next = m->on_free};
    m->on_free = h;
}

void model_forget_on_free(struct model *m, void (*fn)(void *arg, const struct model *m), void *arg)
{
    for (struct model_free_hook **h = &m->on_free; *h; h = &(*h)->next) {
        if ((*h)->fn == fn && (*h)->arg == arg) {
            struct model_free_hook *gone = *h;
            *h = gone->next;
            free(gone);
            return;
        }
    }
}

void model_free(struct model *m)
{
    if (m == NULL)
        return;
    while (m->on_free) {
        struct model_free_hook *h = m->on_free;
        m->on_free = h->next;
        h->fn(h->arg, m);
        free(h);
    }
    for (size_t b = 0; m->bucket && b <= m->bucket_mask; b++) { /* no table if it did not fit */
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

struct model *model_source_get(struct model_source *src, struct error *err)
{
    if (src->model == NULL) {
        double t0 = now_seconds();
        src->model = model_build(src->spec, err);
        src->build_seconds = now_seconds() - t0;
    }
    return src->model;
}

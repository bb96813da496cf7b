/* image.c - see image.h. */
#include "image.h"

#include "workload.h"

#include <stdlib.h>
#include <string.h>

#define ALIGN 64

static uint64_t align_up(uint64_t n)
{
    return (n + ALIGN - 1) & ~(uint64_t)(ALIGN - 1);
}

/* Load at most 1/2: a miss (a word not in the vocabulary) probes two slots on average. */
static uint64_t slots_for(uint32_t vocab)
{
    uint64_t n = 2;
    while (n < 2 * (uint64_t)vocab)
        n <<= 1;
    return n;
}

static size_t patterns_len(const struct spec *spec)
{
    size_t n = 0;
    for (size_t i = 0; i < spec->nrules; i++)
        n += strlen(spec->rules[i].pattern) + 1;
    return n;
}

/* Where each part goes, for a model of this spec. */
static struct image_header layout(const struct spec *spec)
{
    struct image_header h = {.version = IMAGE_VERSION,
                             .header_size = sizeof h,
                             .seed = spec->seed,
                             .vocab = spec->vocab,
                             .classes = spec->classes,
                             .slot_count = slots_for(spec->vocab),
                             .rule_count = spec->nrules,
                             .patterns_len = patterns_len(spec)};
    memcpy(h.magic, IMAGE_MAGIC, sizeof h.magic);
    h.priors_off = align_up(sizeof h);
    h.slots_off = align_up(h.priors_off + spec->classes * sizeof(double));
    h.weights_off = align_up(h.slots_off + h.slot_count * sizeof(struct image_slot));
    h.rules_off = align_up(h.weights_off + (uint64_t)spec->vocab * spec->classes * sizeof(double));
    h.patterns_off = align_up(h.rules_off + h.rule_count * sizeof(struct image_rule));
    h.total_size = align_up(h.patterns_off + h.patterns_len);
    return h;
}

size_t image_size_for_spec(const struct spec *spec)
{
    return layout(spec).total_size;
}

size_t image_size(const struct model *m)
{
    return layout(&m->spec).total_size;
}

static void write_slot(struct image_slot *slots, uint64_t mask, token_key key, uint64_t entry)
{
    uint64_t s = mix64(key) & mask;
    while (slots[s].key != 0)
        s = (s + 1) & mask;
    slots[s] = (struct image_slot){.key = key, .entry = entry};
}

static void write_rules(const struct spec *spec, const struct image_header *h, char *base)
{
    struct image_rule *rules = (struct image_rule *)(base + h->rules_off);
    char *patterns = base + h->patterns_off;
    uint32_t off = 0;
    for (size_t i = 0; i < spec->nrules; i++) {
        const struct spec_rule *r = &spec->rules[i];
        uint32_t len = (uint32_t)strlen(r->pattern);
        rules[i] = (struct image_rule){r->field, r->class_index, off, len};
        memcpy(patterns + off, r->pattern, len + 1);
        off += len + 1;
    }
}

void image_write(const struct model *m, void *dst)
{
    struct image_header h = layout(&m->spec);
    char *base = dst;
    memset(base, 0, h.total_size);
    memcpy(base, &h, sizeof h);
    memcpy(base + h.priors_off, m->priors, m->classes * sizeof(double));
    struct image_slot *slots = (struct image_slot *)(base + h.slots_off);
    double *weights = (double *)(base + h.weights_off);
    uint64_t entry = 0;
    for (size_t b = 0; b <= m->bucket_mask; b++) {
        for (const struct model_entry *e = m->bucket[b]; e; e = e->next, entry++) {
            memcpy(weights + entry * m->classes, e->weight, m->classes * sizeof(double));
            write_slot(slots, h.slot_count - 1, e->key, entry);
        }
    }
    write_rules(&m->spec, &h, base);
}

void image_write_from_spec(const struct spec *spec, void *dst)
{
    struct image_header h = layout(spec);
    char *base = dst;
    memset(base, 0, h.total_size);
    memcpy(base, &h, sizeof h);
    double *priors = (double *)(base + h.priors_off);
    for (uint32_t k = 0; k < spec->classes; k++)
        priors[k] = class_prior(spec->seed, k);
    struct image_slot *slots = (struct image_slot *)(base + h.slots_off);
    double *weights = (double *)(base + h.weights_off);
    for (uint32_t i = 0; i < spec->vocab; i++) {
        char spelling[TOKEN_MAX_LEN];
        token_key key = 0;
        (void)token_key_of(spelling, token_spell(i, spelling), &key);
        for (uint32_t k = 0; k < spec->classes; k++)
            weights[(uint64_t)i * spec->classes + k] =
                token_weight(spec->seed, spec->classes, i, k);
        write_slot(slots, h.slot_count - 1, key, i);
    }
    write_rules(spec, &h, base);
}

/* ---- checking ---------------------------------------------------------------------------- */

/* Is [off, off + count * size) inside len bytes, aligned, without overflow? */
static int check_part(const char *what, uint64_t off, uint64_t count, uint64_t size, uint64_t len,
                      struct error *err)
{
    if (off % 8 != 0)
        return error_set(err, "image: %s at offset %llu is not aligned", what,
                         (unsigned long long)off);
    if (size != 0 && count > (UINT64_MAX - off) / size)
        return error_set(err, "image: %s size overflows", what);
    if (off > len || count * size > len - off)
        return error_set(err,
                         "image: %s (offset %llu, %llu bytes) runs past the end (%llu "
                         "bytes): truncated?",
                         what, (unsigned long long)off, (unsigned long long)(count * size),
                         (unsigned long long)len);
    return 0;
}

static int check_header(const struct image_header *h, size_t len, struct error *err)
{
    if (memcmp(h->magic, IMAGE_MAGIC, sizeof h->magic) != 0)
        return error_set(err, "image: bad magic (not a sharebench model image)");
    if (h->version != IMAGE_VERSION || h->header_size != sizeof *h)
        return error_set(err, "image: version %u (header %u bytes); this build reads version %d",
                         h->version, h->header_size, IMAGE_VERSION);
    if (h->total_size != len)
        return error_set(err, "image: says %llu bytes, have %zu: truncated or padded",
                         (unsigned long long)h->total_size, len);
    if (h->classes < 1 || h->classes > CLASSES_MAX || h->vocab < 1)
        return error_set(err, "image: %u classes, vocab %u: out of range", h->classes, h->vocab);
    if (h->slot_count <= h->vocab || (h->slot_count & (h->slot_count - 1)) != 0)
        return error_set(err, "image: %llu slots for vocab %u: not a power of two above it",
                         (unsigned long long)h->slot_count, h->vocab);
    if (check_part("priors", h->priors_off, h->classes, sizeof(double), len, err) ||
        check_part("slots", h->slots_off, h->slot_count, sizeof(struct image_slot), len, err) ||
        check_part("weights", h->weights_off, (uint64_t)h->vocab * h->classes, sizeof(double), len,
                   err) ||
        check_part("rules", h->rules_off, h->rule_count, sizeof(struct image_rule), len, err) ||
        check_part("patterns", h->patterns_off, h->patterns_len, 1, len, err))
        return -1;
    return 0;
}

static int check_rules(const struct image_view *v, struct error *err)
{
    const struct image_header *h = v->header;
    for (uint64_t i = 0; i < h->rule_count; i++) {
        const struct image_rule *r = &v->rules[i];
        if (r->field > RULE_FIELD_TEXT || r->class_index >= h->classes)
            return error_set(err, "image: rule %llu: bad field or class",
                             (unsigned long long)i + 1);
        if ((uint64_t)r->pattern_off + r->pattern_len >= h->patterns_len ||
            v->patterns[r->pattern_off + r->pattern_len] != '\0' ||
            memchr(v->patterns + r->pattern_off, '\0', r->pattern_len) != NULL)
            return error_set(err, "image: rule %llu: pattern out of bounds",
                             (unsigned long long)i + 1);
    }
    return 0;
}

int image_open(struct image_view *view, const void *mem, size_t len, struct error *err)
{
    const char *base = mem;
    if (len < sizeof(struct image_header) || ((uintptr_t)mem % 8) != 0)
        return error_set(err, "image: %zu bytes is too short for a header", len);
    const struct image_header *h = mem;
    if (check_header(h, len, err) != 0)
        return -1;
    *view = (struct image_view){.header = h,
                                .priors = (const double *)(base + h->priors_off),
                                .slots = (const struct image_slot *)(base + h->slots_off),
                                .slot_mask = h->slot_count - 1,
                                .weights = (const double *)(base + h->weights_off),
                                .rules = (const struct image_rule *)(base + h->rules_off),
                                .patterns = base + h->patterns_off};
    return check_rules(view, err);
}

/* ---- using --------------------------------------------------------------------------------- */

/* The image's rules as spec rules (patterns pointing into the image); free the array. */
static struct spec_rule *spec_rules_of(const struct image_view *view)
{
    size_t n = view->header->rule_count;
    struct spec_rule *specs = n ? xcalloc(n, sizeof *specs) : NULL;
    for (size_t i = 0; i < n; i++) {
        const struct image_rule *r = &view->rules[i];
        specs[i] = (struct spec_rule){(enum rule_field)r->field, r->class_index,
                                      (char *)view->patterns + r->pattern_off};
    }
    return specs;
}

int image_compile_rules(const struct image_view *view, struct rule_set *rules, struct error *err)
{
    struct spec_rule *specs = spec_rules_of(view);
    int rc = rules_compile(rules, specs, view->header->rule_count, err);
    free(specs);
    return rc;
}

/* Linear probing, at most slot_count steps: a corrupt table with no empty slot ends too. */
static const struct image_slot *find_slot(const struct image_view *v, token_key key, uint64_t start)
{
    for (uint64_t s = start, n = 0; n <= v->slot_mask; s = (s + 1) & v->slot_mask, n++) {
        if (v->slots[s].key == key)
            return &v->slots[s];
        if (v->slots[s].key == 0)
            return NULL;
    }
    return NULL;
}

/* Batched as for the native model: prefetch every home slot, then probe and prefetch every
 * row of weights, so the misses overlap. A row index past V (corrupt) reads as no token. */
static void image_lookup_batch(const void *table, const token_key *keys, size_t n,
                               const double **out)
{
    const struct image_view *v = table;
    uint64_t home[LOOKUP_BATCH];
    uint32_t classes = v->header->classes;
    for (size_t i = 0; i < n; i++) {
        home[i] = mix64(keys[i]) & v->slot_mask;
        __builtin_prefetch(&v->slots[home[i]]);
    }
    for (size_t i = 0; i < n; i++) {
        const struct image_slot *s = find_slot(v, keys[i], home[i]);
        out[i] = NULL;
        if (s && s->entry < v->header->vocab) {
            out[i] = v->weights + s->entry * classes;
            for (size_t line = 0; line < classes * sizeof(double); line += 64)
                __builtin_prefetch((const char *)out[i] + line);
        }
    }
}

void image_classifier(const struct image_view *view, const struct rule_set *rules,
                      struct classifier *out)
{
    *out = (struct classifier){.classify = classify_by_table,
                               .classes = view->header->classes,
                               .priors = view->priors,
                               .rules = rules,
                               .weights_of = image_lookup_batch,
                               .table = view};
}

struct model *image_to_model(const struct image_view *view, struct error *err)
{
    const struct image_header *h = view->header;
    struct spec spec = {.seed = h->seed,
                        .vocab = h->vocab,
                        .classes = h->classes,
                        .nrules = h->rule_count,
                        .rules = spec_rules_of(view)};
    struct model *m = model_new_empty(&spec, err);
    free(spec.rules);
    if (m == NULL)
        return NULL;
    memcpy(m->priors, view->priors, h->classes * sizeof(double));
    for (uint64_t s = 0; s <= view->slot_mask; s++) {
        const struct image_slot *slot = &view->slots[s];
        if (slot->key == 0)
            continue;
        if (slot->entry >= h->vocab) {
            model_free(m);
            error_set(err, "image: slot %llu points past the weights", (unsigned long long)s);
            return NULL;
        }
        model_insert(m, slot->key, view->weights + slot->entry * h->classes);
    }
    return m;
}

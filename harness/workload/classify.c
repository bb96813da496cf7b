/* classify.c - see classify.h and docs/WORKLOAD.md section 4. */
#include "classify.h"

#include <string.h>

/* Look up a batch of tokens and add their weights in text order (the order is part of the
 * contract: floating-point addition is not associative). */
static void add_batch(const struct classifier *c, const token_key *keys, size_t n, double *score)
{
    const double *weights[LOOKUP_BATCH];
    c->weights_of(c->table, keys, n, weights);
    for (size_t i = 0; i < n; i++) {
        const double *w = weights[i];
        if (w == NULL)
            continue;
        if (c->visit)
            c->visit(c->visit_arg, w);
        for (uint32_t k = 0; k < c->classes; k++)
            score[k] += w[k];
    }
}

static uint32_t best_class(const double *score, uint32_t classes)
{
    uint32_t best = 0;
    for (uint32_t k = 1; k < classes; k++)
        if (score[k] > score[best])
            best = k;
    return best;
}

void classify_by_table(const struct classifier *c, const struct record *rec, struct result *out)
{
    out->id = rec->id;
    uint32_t ruled;
    if (rules_match(c->rules, rec, &ruled)) {
        out->class_index = ruled;
        out->score = 0.0;
        return;
    }
    double score[CLASSES_MAX];
    memcpy(score, c->priors, c->classes * sizeof *score);
    token_key keys[LOOKUP_BATCH];
    size_t n = 0;
    const char *p = rec->field[FIELD_TEXT].data;
    const char *end = p + rec->field[FIELD_TEXT].len;
    while (p < end) {
        const char *space = memchr(p, ' ', (size_t)(end - p));
        const char *piece_end = space ? space : end;
        if (token_key_of(p, (size_t)(piece_end - p), &keys[n]) && ++n == LOOKUP_BATCH) {
            add_batch(c, keys, n, score);
            n = 0;
        }
        p = piece_end + 1;
    }
    if (n)
        add_batch(c, keys, n, score);
    out->class_index = best_class(score, c->classes);
    out->score = score[out->class_index];
}

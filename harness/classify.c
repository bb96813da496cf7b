/* classify.c - see classify.h and WORKLOAD.md section 4. */
#include "classify.h"

#include <string.h>

static void add_token_weights(const struct classifier *c, const char *piece, size_t len,
                              double *score)
{
    token_key key;
    if (!token_key_of(piece, len, &key))
        return;
    const double *w = c->weights_of(c->table, key);
    if (w == NULL)
        return;
    for (uint32_t k = 0; k < c->classes; k++)
        score[k] += w[k];
}

static uint32_t best_class(const double *score, uint32_t classes)
{
    uint32_t best = 0;
    for (uint32_t k = 1; k < classes; k++)
        if (score[k] > score[best])
            best = k;
    return best;
}

void classify(const struct classifier *c, const struct record *rec, struct result *out)
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
    const char *p = rec->field[FIELD_TEXT].data;
    const char *end = p + rec->field[FIELD_TEXT].len;
    while (p < end) {
        const char *space = memchr(p, ' ', (size_t)(end - p));
        const char *piece_end = space ? space : end;
        add_token_weights(c, p, (size_t)(piece_end - p), score);
        p = piece_end + 1;
    }
    out->class_index = best_class(score, c->classes);
    out->score = score[out->class_index];
}

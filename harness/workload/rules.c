/* rules.c - see rules.h. */
#define _GNU_SOURCE /* memmem */
#include "rules.h"

#include "literal.h"

#include <stdlib.h>
#include <string.h>

int rules_compile(struct rule_set *set, const struct spec_rule *rules, size_t n, struct error *err)
{
    set->n = 0;
    set->rule = n ? xcalloc(n, sizeof *set->rule) : NULL;
    for (size_t i = 0; i < n; i++) {
        struct compiled_rule *r = &set->rule[i];
        int code = regcomp(&r->re, rules[i].pattern, REG_EXTENDED | REG_NOSUB);
        if (code != 0) {
            char why[256];
            regerror(code, &r->re, why, sizeof why);
            rules_free(set);
            return error_set(err, "rule %zu: pattern '%s' does not compile: %s", i + 1,
                             rules[i].pattern, why);
        }
        r->literal_len = regex_required_literal(rules[i].pattern, r->literal, sizeof r->literal);
        r->field = rules[i].field;
        r->class_index = rules[i].class_index;
        set->n = i + 1;
    }
    return 0;
}

bool rules_match(const struct rule_set *set, const struct record *rec, uint32_t *class_index)
{
    for (size_t i = 0; i < set->n; i++) {
        const struct compiled_rule *r = &set->rule[i];
        const struct csv_field *subject =
            &rec->field[r->field == RULE_FIELD_USER ? FIELD_USER : FIELD_TEXT];
        if (r->literal_len && !memmem(subject->data, subject->len, r->literal, r->literal_len))
            continue;
        if (regexec(&r->re, subject->data, 0, NULL, 0) == 0) {
            *class_index = r->class_index;
            return true;
        }
    }
    return false;
}

void rules_free(struct rule_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        regfree(&set->rule[i].re);
    free(set->rule);
    set->rule = NULL;
    set->n = 0;
}

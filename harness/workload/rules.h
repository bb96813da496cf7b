/* rules.h - the spec's rules, compiled: "if FIELD matches PATTERN, the class is CLASS".
 *
 * A compiled regex_t is full of pointers into its own heap, so it cannot be shared through a
 * flat image or a pipe: every process that classifies compiles its own rule set from the
 * patterns. That is cheap (microseconds per rule) and it is why the flat image stores the
 * pattern text, not the compiled form.
 */
#ifndef SHAREBENCH_RULES_H
#define SHAREBENCH_RULES_H

#include "record.h"
#include "spec.h"

#include <regex.h>
#include <stdbool.h>

struct compiled_rule {
    enum rule_field field;
    uint32_t class_index;
    regex_t re;
    char literal[32]; /* every match contains it ("" if none): a fast test before regexec */
    size_t literal_len;
};

struct rule_set {
    size_t n;
    struct compiled_rule *rule;
};

/* Compile pattern into re as docs/WORKLOAD.md section 1 defines it: a POSIX extended regular
 * expression on bytes, in which a backslash makes the next byte literal. Returns 0, or -1 with
 * why (cap bytes) saying what is wrong. */
int rules_regcomp(regex_t *re, const char *pattern, char *why, size_t cap);

/* Compile n rules (field, class, pattern) in order. Returns -1 with err if one fails. */
int rules_compile(struct rule_set *set, const struct spec_rule *rules, size_t n, struct error *err);

/* The first rule, in spec order, whose field of rec matches: true and *class_index set. */
bool rules_match(const struct rule_set *set, const struct record *rec, uint32_t *class_index);

void rules_free(struct rule_set *set);

#endif

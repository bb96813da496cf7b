/* rules.c - see rules.h. */
#define _GNU_SOURCE /* memmem */
#include "rules.h"

#include "literal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copy the bracket expression at *in ('[') to *out; both move past it. A collating element or
 * an equivalence class ("[.a.]", "[=a=]") depends on the locale and Python's re has neither:
 * false for them. An unterminated bracket is copied as it is, for regcomp to refuse. */
static bool copy_bracket(const char **in, char **out)
{
    const char *p = *in;
    char *o = *out;
    *o++ = *p++;
    if (*p == '^')
        *o++ = *p++;
    if (*p == ']') /* a ']' first is a member */
        *o++ = *p++;
    while (*p && *p != ']') {
        if (p[0] == '[' && (p[1] == '.' || p[1] == '='))
            return false;
        if (p[0] == '[' && p[1] == ':') { /* a class: its ':]' does not close the bracket */
            const char *end = strstr(p + 2, ":]");
            size_t n = end ? (size_t)(end + 2 - p) : strlen(p);
            memcpy(o, p, n);
            o += n;
            p += n;
            continue;
        }
        *o++ = *p++;
    }
    if (*p)
        *o++ = *p++;
    *in = p;
    *out = o;
    return true;
}

/* glibc's regcomp gives some escapes a meaning of its own: \w \W \s \S \b \B \< \> \` \'
 * and the back-references \1 to \9. Python's re reads most of them too, differently, and
 * the spec says an escaped byte is that byte: so an escaped letter, digit or one of < > ` '
 * is compiled as a bracket holding that byte alone ("\w" as "[w]"), which means the same to
 * every matcher. */
int rules_regcomp(regex_t *re, const char *pattern, char *why, size_t cap)
{
    char *plain = xmalloc(3 * strlen(pattern) + 1), *o = plain;
    const char *p = pattern;
    while (*p) {
        if (*p == '[') {
            if (!copy_bracket(&p, &o)) {
                free(plain);
                snprintf(why, cap, "collating elements [. .] and [= =] are not supported here");
                return -1;
            }
        } else if (p[0] == '\\' && p[1] && (isalnum((unsigned char)p[1]) || strchr("<>`'", p[1]))) {
            *o++ = '[';
            *o++ = p[1];
            *o++ = ']';
            p += 2;
        } else {
            if (p[0] == '\\' && p[1])
                *o++ = *p++;
            *o++ = *p++;
        }
    }
    *o = '\0';
    int code = regcomp(re, plain, REG_EXTENDED | REG_NOSUB);
    free(plain);
    if (code == 0)
        return 0;
    regerror(code, re, why, cap);
    return -1;
}

int rules_compile(struct rule_set *set, const struct spec_rule *rules, size_t n, struct error *err)
{
    set->n = 0;
    set->rule = n ? xcalloc(n, sizeof *set->rule) : NULL;
    for (size_t i = 0; i < n; i++) {
        struct compiled_rule *r = &set->rule[i];
        char why[256];
        if (rules_regcomp(&r->re, rules[i].pattern, why, sizeof why) != 0) {
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

/* summary.h - the one-line result of a run: `key=value ...` or one JSON object.
 *
 * Keys keep the order they were added in, so the line reads the same run after run and
 * scripts can rely on it. Values are unsigned integers, decimals or strings (strings are
 * written without spaces in key=value form, escaped in JSON).
 */
#ifndef SHAREBENCH_SUMMARY_H
#define SHAREBENCH_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SUMMARY_MAX_KEYS 80

struct summary_item {
    const char *key;
    enum { SUMMARY_U64, SUMMARY_F64, SUMMARY_STR } type;
    uint64_t u;
    double f;
    char s[128];
};

struct summary {
    int n;
    struct summary_item item[SUMMARY_MAX_KEYS];
};

void summary_u64(struct summary *sm, const char *key, uint64_t v);
void summary_f64(struct summary *sm, const char *key, double v);
void summary_str(struct summary *sm, const char *key, const char *v);

/* Print as one line (key=value pairs, or a JSON object), then a newline. */
void summary_print(const struct summary *sm, FILE *out, bool json);

/* The value of key in the last "key=value ..." line of text (a run's output, summary last),
 * copied into value; -1 if none. */
int summary_lookup(const char *text, const char *key, char *value, size_t cap);

#endif

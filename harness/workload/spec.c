/* spec.c - see spec.h. */
#define _POSIX_C_SOURCE 200809L
#include "spec.h"

#include "csv_stream.h"
#include "rules.h"
#include "workload.h"

#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { SEEN_SEED = 1, SEEN_VOCAB = 2, SEEN_CLASSES = 4 };

struct spec_parse {
    const char *name;
    const struct csv_row *row;
    struct spec *spec;
    unsigned seen;
    uint64_t *rule_lines; /* the line of each rule, for the check made at the end */
    struct error *err;
};

static int fail(struct spec_parse *p, const char *fmt, const char *what)
{
    char message[512];
    snprintf(message, sizeof message, fmt, what);
    return error_set(p->err, "%s:%llu: %s", p->name, (unsigned long long)p->row->line, message);
}

static int expect_fields(struct spec_parse *p, size_t n)
{
    if (p->row->nfields == n)
        return 0;
    char want[64];
    snprintf(want, sizeof want, "'%s' takes %zu fields, found %zu", p->row->field[0].data, n,
             p->row->nfields);
    return fail(p, "%s", want);
}

static int parse_number(struct spec_parse *p, uint64_t min, uint64_t max, uint64_t *out)
{
    const char *key = p->row->field[0].data;
    if (expect_fields(p, 2) != 0)
        return -1;
    if (p->row->field[1].len == 0 || parse_u64(p->row->field[1].data, out) != 0) {
        error_set(p->err, "%s:%llu: %s: '%s' is not an unsigned integer", p->name,
                  (unsigned long long)p->row->line, key, p->row->field[1].data);
        return -1;
    }
    if (*out < min || *out > max) {
        error_set(p->err, "%s:%llu: %s: %llu is out of range %llu .. %llu", p->name,
                  (unsigned long long)p->row->line, key, (unsigned long long)*out,
                  (unsigned long long)min, (unsigned long long)max);
        return -1;
    }
    return 0;
}

static int parse_setting(struct spec_parse *p, unsigned flag, uint64_t min, uint64_t max,
                         uint64_t *out)
{
    if (p->seen & flag)
        return fail(p, "'%s' is given twice", p->row->field[0].data);
    p->seen |= flag;
    return parse_number(p, min, max, out);
}

/* Longest pattern, most '+' (each one makes regcomp copy its operand) a rule may use, and most
 * ways through it (struct ways). */
#define PATTERN_MAX      256
#define PATTERN_PLUS_MAX 8
#define PATTERN_WAYS_MAX 256

/* The ways a backtracking matcher can go through a pattern from one place in the subject,
 * repetition aside (bounded apart): an atom offers 1, a '?' adds 1 to its atom's, a sequence
 * offers the product of its atoms', a group the sum of its branches'. One per open group, each
 * count capped past PATTERN_WAYS_MAX; last is the atom a quantifier may still change. */
struct ways {
    uint64_t branches, sequence, last;
};
#define WAYS_START ((struct ways){0, 1, 1})
#define WAYS_CAP   (PATTERN_WAYS_MAX + 1)

static uint64_t capped(uint64_t n)
{
    return n < WAYS_CAP ? n : WAYS_CAP;
}

static void ways_atom(struct ways *w)
{
    w->sequence = capped(w->sequence * w->last);
    w->last = 1;
}

static void ways_branch(struct ways *w)
{
    *w = (struct ways){capped(w->branches + w->sequence * w->last), 1, 1};
}

/* Close the group at w[depth]: it becomes the last atom of w[depth - 1]. */
static void ways_close(struct ways *w, int depth)
{
    ways_branch(&w[depth]);
    ways_atom(&w[depth - 1]);
    w[depth - 1].last = w[depth].branches;
}

/* The ways through a whole pattern, from w when it has been read to its end. */
static uint64_t ways_total(struct ways *w, int depth)
{
    for (; depth > 0; depth--) /* an unclosed group: regcomp refuses the pattern anyway */
        ways_close(w, depth);
    ways_branch(&w[0]);
    return w[0].branches;
}

/* Why pattern is outside the subset docs/WORKLOAD.md section 1 allows, or NULL. Besides being
 * portable, the subset keeps regcomp's work bounded: glibc compiles "x+" as "xx*", so
 * stacked or many '+' and intervals multiply the compiled pattern (a fuzzer found a 135-byte
 * spec whose rule took regcomp past 4 GB). It also keeps out the two shapes on which a
 * backtracking matcher (Python's re, the test oracle's) takes exponential time where regexec
 * does not: a repetition inside a repeated group, and an alternation inside one ("(a|ab)*c"
 * against "aaa...a" tries every way of splitting the a's). A '?' on a group tries it at most
 * once, so it stays allowed; but choices in sequence multiply ("a?a?a?...aaa" against "aaa":
 * 2 ways per '?'), so the ways through a pattern are bounded too (struct ways). */
static const char *pattern_outside_subset(const char *pattern)
{
    if (strlen(pattern) > PATTERN_MAX)
        return "longer than 256 bytes";
    int plus = 0, depth = 0;
    bool after_quantifier = false, closed_repeats = false, closed_alternates = false;
    bool repeats[PATTERN_MAX + 1] = {false};    /* per open group: holds a quantifier */
    bool alternates[PATTERN_MAX + 1] = {false}; /* per open group: holds a '|' */
    struct ways ways[PATTERN_MAX + 1] = {WAYS_START};
    const char *bracket = NULL; /* inside [...]: where its members start */
    for (const char *c = pattern; *c; c++) {
        if (bracket) {
            /* A ']' closes the bracket, unless it is its first member ("[]a]", "[^]a]"). */
            if (*c == ']' && c != bracket)
                bracket = NULL;
            continue;
        }
        bool quantifier = *c == '*' || *c == '+' || *c == '?', closing = false;
        if (*c == '{')
            return "an interval {m,n} (not in the subset: literals . [] ^ $ ( ) | * + ?)";
        if (*c == '\\' && c[1]) {
            c++;
            ways_atom(&ways[depth]);
        } else if (*c == '[') {
            bracket = c[1] == '^' ? c + 2 : c + 1;
            ways_atom(&ways[depth]);
        } else if (quantifier && after_quantifier) {
            return "a quantifier right after another (undefined in POSIX ERE)";
        } else if (quantifier && closed_repeats) {
            return "a quantifier on a group that holds one, like (x*)* (nested repetition: a "
                   "backtracking matcher, as Python's, can take exponential time on it)";
        } else if ((*c == '*' || *c == '+') && closed_alternates) {
            return "a '*' or '+' on a group that holds a '|', like (a|ab)* (repeated "
                   "alternation: a backtracking matcher, as Python's, can take exponential time "
                   "on it)";
        } else if (*c == '(') {
            ways_atom(&ways[depth]);
            depth++;
            repeats[depth] = alternates[depth] = false;
            ways[depth] = WAYS_START;
        } else if (*c == ')' && depth > 0) {
            closing = true;
            ways_close(ways, depth);
        } else if (*c == '|') {
            alternates[depth] = true;
            ways_branch(&ways[depth]);
        } else if (*c == '?') {
            ways[depth].last = capped(ways[depth].last + 1);
        } else if (!quantifier) {
            ways_atom(&ways[depth]);
        }
        closed_repeats = closing && repeats[depth];
        closed_alternates = closing && alternates[depth];
        if (closing) {
            depth--;
            repeats[depth] = repeats[depth] || closed_repeats;
            alternates[depth] = alternates[depth] || closed_alternates;
        }
        if (quantifier)
            repeats[depth] = true;
        plus += *c == '+';
        after_quantifier = quantifier;
    }
    if (plus > PATTERN_PLUS_MAX)
        return "more than 8 '+' quantifiers";
    if (ways_total(ways, depth) > PATTERN_WAYS_MAX)
        return "more than 256 ways through it ('?' and '|' choices in a row multiply, as in "
               "a?a?a?a?a?a?a?a?a?aaaaaaaaa: a backtracking matcher, as Python's, can take "
               "exponential time on them)";
    return NULL;
}

static int check_pattern(struct spec_parse *p, const char *pattern)
{
    const char *why_not = pattern_outside_subset(pattern);
    if (why_not)
        return error_set(p->err, "%s:%llu: rule pattern '%.60s%s' uses %s", p->name,
                         (unsigned long long)p->row->line, pattern,
                         strlen(pattern) > 60 ? "..." : "", why_not);
    regex_t re;
    char why[256];
    if (rules_regcomp(&re, pattern, why, sizeof why) == 0) {
        regfree(&re);
        return 0;
    }
    error_set(p->err, "%s:%llu: rule pattern '%s' does not compile: %s", p->name,
              (unsigned long long)p->row->line, pattern, why);
    return -1;
}

static int parse_rule(struct spec_parse *p)
{
    const struct csv_row *row = p->row;
    if (expect_fields(p, 4) != 0)
        return -1;
    enum rule_field field;
    if (strcmp(row->field[1].data, "user") == 0)
        field = RULE_FIELD_USER;
    else if (strcmp(row->field[1].data, "text") == 0)
        field = RULE_FIELD_TEXT;
    else
        return fail(p, "rule field must be 'user' or 'text', not '%s'", row->field[1].data);
    uint64_t class_index;
    if (row->field[2].len == 0 || parse_u64(row->field[2].data, &class_index) != 0)
        return fail(p, "rule class '%s' is not an unsigned integer", row->field[2].data);
    if (class_index >= CLASSES_MAX)
        return fail(p, "rule class '%s' is out of range", row->field[2].data);
    if (check_pattern(p, row->field[3].data) != 0)
        return -1;
    struct spec *s = p->spec;
    p->rule_lines = xrealloc(p->rule_lines, (s->nrules + 1) * sizeof *p->rule_lines);
    p->rule_lines[s->nrules] = row->line;
    s->rules = xrealloc(s->rules, (s->nrules + 1) * sizeof *s->rules);
    s->rules[s->nrules++] = (struct spec_rule){.field = field,
                                               .class_index = (uint32_t)class_index,
                                               .pattern = xstrdup(row->field[3].data)};
    return 0;
}

static int parse_line(struct spec_parse *p)
{
    const struct csv_row *row = p->row;
    if (row->flags & (CSV_ROW_MALFORMED | CSV_ROW_UNTERMINATED))
        return fail(p, "%s", "malformed quoting (RFC 4180)");
    if (row->flags & (CSV_ROW_OVERSIZE | CSV_ROW_NUL))
        return fail(p, "%s", "a field is too long or holds a NUL byte");
    const char *key = row->field[0].data;
    uint64_t v;
    if (strcmp(key, "seed") == 0)
        return parse_setting(p, SEEN_SEED, 0, UINT64_MAX, &p->spec->seed);
    if (strcmp(key, "vocab") == 0) {
        if (parse_setting(p, SEEN_VOCAB, 1, UINT32_MAX, &v) != 0)
            return -1;
        p->spec->vocab = (uint32_t)v;
        return 0;
    }
    if (strcmp(key, "classes") == 0) {
        if (parse_setting(p, SEEN_CLASSES, 1, CLASSES_MAX, &v) != 0)
            return -1;
        p->spec->classes = (uint32_t)v;
        return 0;
    }
    if (strcmp(key, "rule") == 0)
        return parse_rule(p);
    return fail(p, "unknown key '%s' (expected seed, vocab, classes or rule)", key);
}

static int check_complete(struct spec_parse *p)
{
    static const struct {
        unsigned flag;
        const char *key;
    } required[] = {{SEEN_SEED, "seed"}, {SEEN_VOCAB, "vocab"}, {SEEN_CLASSES, "classes"}};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!(p->seen & required[i].flag))
            return error_set(p->err, "%s: missing '%s'", p->name, required[i].key);
    /* Rules may precede 'classes' in the file, so their class is checked at the end. */
    for (size_t i = 0; i < p->spec->nrules; i++)
        if (p->spec->rules[i].class_index >= p->spec->classes)
            return error_set(p->err, "%s:%llu: rule class %u is not below classes (%u)", p->name,
                             (unsigned long long)p->rule_lines[i], p->spec->rules[i].class_index,
                             p->spec->classes);
    return 0;
}

/* A spec saved by an editor that marks UTF-8 files (Windows Notepad, Excel's "CSV UTF-8") starts
 * with the byte order mark EF BB BF; it says nothing about the spec, so it is skipped. */
static void skip_utf8_bom(const void **data, size_t *len)
{
    static const char bom[3] = "\xEF\xBB\xBF";
    if (*len >= sizeof bom && memcmp(*data, bom, sizeof bom) == 0) {
        *data = (const char *)*data + sizeof bom;
        *len -= sizeof bom;
    }
}

int spec_parse(const char *name, const void *data, size_t len, struct spec *spec, struct error *err)
{
    memset(spec, 0, sizeof *spec);
    skip_utf8_bom(&data, &len);
    struct csv_stream *s = csv_stream_open_memory(name, data, len, SPEC_FILE_MAX);
    struct csv_row row;
    struct spec_parse p = {.name = name, .row = &row, .spec = spec, .err = err};
    int got, rc = 0;
    while (rc == 0 && (got = csv_stream_next(s, &row, err)) > 0)
        rc = parse_line(&p);
    if (rc == 0)
        rc = check_complete(&p);
    csv_stream_close(s);
    free(p.rule_lines);
    if (rc != 0)
        spec_free(spec);
    return rc;
}

static int read_small_file(const char *path, char *buf, size_t cap, size_t *len, struct error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return error_errno(err, "%s: cannot open spec", path);
    size_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf + total, cap - total);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error_errno(err, "%s: cannot read spec", path);
            close(fd);
            return -1;
        }
        if (n == 0)
            break;
        total += (size_t)n;
        if (total == cap) {
            close(fd);
            return error_set(err, "%s: not a spec: larger than %d bytes", path, SPEC_FILE_MAX);
        }
    }
    close(fd);
    *len = total;
    return 0;
}

int spec_load(const char *path, struct spec *spec, struct error *err)
{
    char *buf = xmalloc(SPEC_FILE_MAX);
    size_t len = 0;
    int rc = read_small_file(path, buf, SPEC_FILE_MAX, &len, err);
    if (rc == 0)
        rc = spec_parse(path, buf, len, spec, err);
    else
        memset(spec, 0, sizeof *spec);
    free(buf);
    return rc;
}

void spec_free(struct spec *spec)
{
    for (size_t i = 0; i < spec->nrules; i++)
        free(spec->rules[i].pattern);
    free(spec->rules);
    memset(spec, 0, sizeof *spec);
}

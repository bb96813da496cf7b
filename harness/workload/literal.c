/* literal.c - see literal.h.
 *
 * The pattern is read as a sequence of atoms, each perhaps followed by a quantifier. A plain
 * character that must occur (no quantifier, or + or {n,} with n >= 1) extends the current run
 * of required characters; anything else (a group, a bracket, `.`, an anchor, an optional
 * character) ends it, since what stands there varies. A `|` outside any group means no single
 * literal is required. The longest run wins.
 */
#include "literal.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

struct scan {
    const char *p;
    bool give_up;
};

/* Skip a bracket expression; p is just past '['. */
static void skip_bracket(struct scan *s)
{
    if (*s->p == '^')
        s->p++;
    if (*s->p == ']')
        s->p++;
    while (*s->p && *s->p != ']') {
        if (s->p[0] == '[' && (s->p[1] == ':' || s->p[1] == '=' || s->p[1] == '.')) {
            char kind = s->p[1];
            const char *close = s->p + 2;
            while (*close && !(close[0] == kind && close[1] == ']'))
                close++;
            if (!*close) {
                s->give_up = true;
                return;
            }
            s->p = close + 2;
            continue;
        }
        s->p++;
    }
    if (!*s->p)
        s->give_up = true;
    else
        s->p++;
}

/* Skip a group; p is just past '('. */
static void skip_group(struct scan *s)
{
    int depth = 1;
    while (*s->p && depth > 0 && !s->give_up) {
        char c = *s->p++;
        if (c == '\\' && *s->p)
            s->p++;
        else if (c == '[')
            skip_bracket(s);
        else if (c == '(')
            depth++;
        else if (c == ')')
            depth--;
    }
    if (depth > 0)
        s->give_up = true;
}

/* Read a quantifier at p, if any: returns 0 (none), 1 (atom required: + or {n,} n >= 1) or
 * 2 (atom optional: * ? {0,}). */
static int read_quantifier(struct scan *s)
{
    char c = *s->p;
    if (c == '*' || c == '?' || c == '+') {
        s->p++;
        return c == '+' ? 1 : 2;
    }
    if (c != '{')
        return 0;
    const char *q = s->p + 1;
    if (!isdigit((unsigned char)*q)) {
        s->give_up = true;
        return 0;
    }
    bool at_least_one = false;
    while (isdigit((unsigned char)*q))
        at_least_one |= *q++ != '0';
    while (*q && *q != '}')
        q++;
    if (!*q) {
        s->give_up = true;
        return 0;
    }
    s->p = q + 1;
    return at_least_one ? 1 : 2;
}

/* Read one atom; returns the literal character it is, or -1 for any other atom. */
static int read_atom(struct scan *s)
{
    char c = *s->p++;
    switch (c) {
    case '(':
        skip_group(s);
        return -1;
    case '[':
        skip_bracket(s);
        return -1;
    case '.':
    case '^':
    case '$':
        return -1;
    case '*':
    case '+':
    case '?':
    case '{':
    case ')':
    case '|':
        s->give_up = true;
        return -1;
    case '\\':
        /* \. is a dot; \w, \b, \1 and friends are extensions we do not reason about. */
        if (*s->p == '\0' || isalnum((unsigned char)*s->p)) {
            s->give_up = true;
            return -1;
        }
        return (unsigned char)*s->p++;
    default:
        return (unsigned char)c;
    }
}

static bool top_level_alternation(const char *pattern)
{
    struct scan s = {.p = pattern};
    while (*s.p && !s.give_up) {
        char c = *s.p++;
        if (c == '|')
            return true;
        if (c == '\\' && *s.p)
            s.p++;
        else if (c == '(')
            skip_group(&s);
        else if (c == '[')
            skip_bracket(&s);
    }
    return s.give_up;
}

size_t regex_required_literal(const char *pattern, char *out, size_t cap)
{
    size_t best = 0, run = 0;
    char cur[256];
    out[0] = '\0';
    if (cap < 2 || top_level_alternation(pattern))
        return 0;
    struct scan s = {.p = pattern};
    while (*s.p) {
        int lit = read_atom(&s);
        int q = s.give_up ? 0 : read_quantifier(&s);
        if (s.give_up || (*s.p && strchr("*+?{", *s.p))) {
            out[0] = '\0';
            return 0; /* broken, or a stacked quantifier: say nothing */
        }
        bool required = lit >= 0 && q != 2;
        if (required && run < sizeof cur - 1)
            cur[run++] = (char)lit;
        if (!required || q == 1 || run == sizeof cur - 1) {
            if (run > best && run < cap) {
                memcpy(out, cur, run);
                out[run] = '\0';
                best = run;
            }
            run = 0;
        }
    }
    if (run > best && run < cap) {
        memcpy(out, cur, run);
        out[run] = '\0';
        best = run;
    }
    return best;
}

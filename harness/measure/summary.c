/* summary.c - see summary.h. */
#include "summary.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static struct summary_item *add(struct summary *sm, const char *key)
{
    if (sm->n == SUMMARY_MAX_KEYS)
        return NULL; /* a programming error: raise SUMMARY_MAX_KEYS */
    struct summary_item *it = &sm->item[sm->n++];
    memset(it, 0, sizeof *it);
    it->key = key;
    return it;
}

void summary_u64(struct summary *sm, const char *key, uint64_t v)
{
    struct summary_item *it = add(sm, key);
    if (it) {
        it->type = SUMMARY_U64;
        it->u = v;
    }
}

void summary_f64(struct summary *sm, const char *key, double v)
{
    struct summary_item *it = add(sm, key);
    if (it) {
        it->type = SUMMARY_F64;
        it->f = v;
    }
}

void summary_str(struct summary *sm, const char *key, const char *v)
{
    struct summary_item *it = add(sm, key);
    if (it) {
        it->type = SUMMARY_STR;
        snprintf(it->s, sizeof it->s, "%s", v);
    }
}

static void print_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

/* A decimal with enough digits to be useful and no more; JSON has no NaN or infinity. */
static void print_f64(FILE *out, double v, bool json)
{
    if (!isfinite(v))
        fputs(json ? "null" : "nan", out);
    else
        fprintf(out, "%.6g", v);
}

static void print_str_plain(FILE *out, const char *s)
{
    for (; *s; s++)
        fputc(*s == ' ' || *s == '\t' || *s == '\n' ? '_' : *s, out);
}

void summary_print(const struct summary *sm, FILE *out, bool json)
{
    if (json)
        fputc('{', out);
    for (int i = 0; i < sm->n; i++) {
        const struct summary_item *it = &sm->item[i];
        if (json) {
            fprintf(out, "%s\"%s\":", i ? "," : "", it->key);
        } else {
            fprintf(out, "%s%s=", i ? " " : "", it->key);
        }
        switch (it->type) {
        case SUMMARY_U64:
            fprintf(out, "%llu", (unsigned long long)it->u);
            break;
        case SUMMARY_F64:
            print_f64(out, it->f, json);
            break;
        case SUMMARY_STR:
            if (json)
                print_json_string(out, it->s);
            else
                print_str_plain(out, it->s);
            break;
        }
    }
    fputs(json ? "}\n" : "\n", out);
}

int summary_lookup(const char *text, const char *key, char *value, size_t cap)
{
    const char *line = text, *next;
    while ((next = strchr(line, '\n')) != NULL && next[1] != '\0')
        line = next + 1; /* the last non-empty line */
    size_t klen = strlen(key);
    for (const char *p = line; *p && *p != '\n';) {
        const char *end = p + strcspn(p, " \n");
        if ((size_t)(end - p) > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
            size_t n = (size_t)(end - p) - klen - 1;
            if (n >= cap)
                n = cap - 1;
            memcpy(value, p + klen + 1, n);
            value[n] = '\0';
            return 0;
        }
        p = *end == ' ' ? end + 1 : end;
    }
    return -1;
}

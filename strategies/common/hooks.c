/* hooks.c - hooks that several strategies share word for word (see strategy.h). */
#include "strategy.h"

#include "image.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>

int strategy_prepare_parent_model(struct model_source *source, struct strategy_state **state,
                                  struct error *err)
{
    struct model *m = model_source_get(source, err);
    *state = (struct strategy_state *)m;
    return m ? 0 : -1;
}

int strategy_resolve_native(void *ctx, const void *payload, size_t len, struct classifier *out,
                            struct error *err)
{
    (void)payload, (void)len, (void)err;
    model_classifier(ctx, out);
    return 0;
}

/* ---- the flat image, mapped ---------------------------------------------------------------- */

int image_mapping_map(int fd, struct image_mapping *m, const char *what, struct error *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return error_errno(err, "%s: fstat", what);
    if (st.st_size <= 0)
        return error_set(err, "%s: the image is empty", what);
    void *image = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (image == MAP_FAILED)
        return error_errno(err, "%s: mmap read-only", what);
    m->image = image;
    m->size = (size_t)st.st_size;
    return 0;
}

void image_mapping_unmap(struct image_mapping *m)
{
    if (m->image)
        munmap((void *)m->image, m->size);
    m->image = NULL;
}

/* A worker's own view of the shared image: what cannot be shared (compiled regexes, the
 * --touch counters) lives here, in private memory. */
struct worker_image {
    struct image_view view;
    struct rule_set rules;
    uint32_t *visits; /* --touch: this worker's private counters, one per token */
};

/* --touch on a read-only image: count in private memory, by the row's index. */
static void count_visit(void *arg, const double *weights)
{
    struct worker_image *w = arg;
    w->visits[(size_t)(weights - w->view.weights) / w->view.header->classes]++;
}

int strategy_attach_image(struct strategy_state *state, void **ctx, struct error *err)
{
    const struct image_mapping *m = (const struct image_mapping *)state;
    struct worker_image *w = xcalloc(1, sizeof *w);
    if (image_open(&w->view, m->image, m->size, err) != 0 ||
        image_compile_rules(&w->view, &w->rules, err) != 0) {
        free(w);
        return -1;
    }
    if (m->touch)
        w->visits = xcalloc(w->view.header->vocab, sizeof *w->visits);
    *ctx = w;
    return 0;
}

int strategy_resolve_image(void *ctx, const void *payload, size_t len, struct classifier *out,
                           struct error *err)
{
    (void)payload, (void)len, (void)err;
    struct worker_image *w = ctx;
    image_classifier(&w->view, &w->rules, out);
    if (w->visits) {
        out->visit = count_visit;
        out->visit_arg = w;
    }
    return 0;
}

void strategy_detach_image(void *ctx)
{
    struct worker_image *w = ctx;
    rules_free(&w->rules);
    free(w->visits);
    free(w);
}

/* ---- exec-started workers ------------------------------------------------------------------ */

bool strategy_supports_exec(const struct strategy *s)
{
    return s->kind != STRATEGY_PROCESSES || s->adopt != NULL;
}

/* The strategies whose workers can be exec'd, as "a, b, c". */
static void exec_names(char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (const struct strategy *const *s = strategy_table; *s; s++) {
        if ((*s)->kind != STRATEGY_PROCESSES || !(*s)->adopt)
            continue;
        int n = snprintf(out + len, cap - len, "%s%s", len ? ", " : "", (*s)->name);
        if (n < 0 || (size_t)n >= cap - len)
            break;
        len += (size_t)n;
    }
}

const char *strategy_exec_refusal(const struct strategy *s, char *out, size_t cap)
{
    char names[256];
    exec_names(names, sizeof names);
    snprintf(out, cap,
             "%s cannot work with --start exec: %s, in the parent's memory, which only fork "
             "copies into a worker; an exec'd worker starts empty and inherits nothing but its "
             "arguments, environment and open descriptors, so it would find no model. "
             "Strategies that work with --start exec: %s (threads and serial start no "
             "processes)",
             s->name, s->fork_only ? s->fork_only : "its model is reached only by pointer", names);
    return out;
}

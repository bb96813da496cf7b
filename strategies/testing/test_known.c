/* test_known.c - a strategy for the tests only: shared_arrays plus memory of known size, and
 * faults, on request. It is not in the strategy table, so `sharebench list`, `check` and
 * compare's default matrix never see it; `--strategy test_known` finds it (strategy_find).
 *
 * Why: a figure such as model_copies can only be tested against a run whose memory is known.
 * shared_arrays holds exactly one copy of the model, whatever its workers do; on top of it,
 * SHAREBENCH_TEST_KNOWN (comma-separated) adds, in units of the model's size (model_mb):
 *   private=F  every worker writes F of its own memory (in attach)     +F per worker
 *   shared=F   the parent writes F into a MAP_SHARED mapping that every
 *              worker reads: PSS counts it once                          +F
 *   cow=F      the parent writes F into private memory before fork and
 *              every worker writes all of it again: each page is copied
 *              (one minor fault), the parent keeps its own               +F x (workers + 1)
 * and, for the CPU figures, time of known size:
 *   sys=S      every worker spends S seconds of system CPU (its own, as getrusage counts it)
 *              mapping and unmapping memory in attach: worker_cpu_s grows by S per worker
 * and two faults for the tests of what a wrong or failed run must do:
 *   wrong      every result differs from the other strategies' (class 0's prior shifted)
 *   fail=N     every worker's Nth task fails (resolve returns an error)
 * The extra memory is touched in prepare and attach, never per record. The baseline run (a
 * one-token model) inherits the variable, so its share of the extra memory is a few bytes.
 */
#define _GNU_SOURCE /* MAP_POPULATE under -std=c11 */
#include "strategy.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

/* What SHAREBENCH_TEST_KNOWN asks for. */
struct known_request {
    double private_models, shared_models, cow_models;
    double sys_seconds; /* per worker */
    bool wrong;
    unsigned long fail_task; /* 0: never */
};

struct strategy_state {
    struct strategy_state *inner; /* shared_arrays' own */
    struct known_request req;
    size_t private_bytes;
    void *shared, *cow; /* the parent's mappings (NULL when not asked for) */
    size_t shared_bytes, cow_bytes;
};

/* A worker's context: shared_arrays' own, and what this worker added. */
struct known_ctx {
    void *inner;
    const struct strategy_state *state;
    void *private_memory;
    double *priors; /* "wrong": a shifted copy of the model's priors */
    unsigned long tasks;
};

static int parse_request(const char *text, struct known_request *req, struct error *err)
{
    *req = (struct known_request){0};
    char copy[256];
    snprintf(copy, sizeof copy, "%s", text ? text : "");
    for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
        char *end = NULL;
        errno = 0;
        if (strncmp(tok, "private=", 8) == 0)
            req->private_models = strtod(tok + 8, &end);
        else if (strncmp(tok, "shared=", 7) == 0)
            req->shared_models = strtod(tok + 7, &end);
        else if (strncmp(tok, "cow=", 4) == 0)
            req->cow_models = strtod(tok + 4, &end);
        else if (strncmp(tok, "sys=", 4) == 0)
            req->sys_seconds = strtod(tok + 4, &end);
        else if (strncmp(tok, "fail=", 5) == 0)
            req->fail_task = strtoul(tok + 5, &end, 10);
        else if (strcmp(tok, "wrong") == 0)
            req->wrong = true;
        if (strcmp(tok, "wrong") != 0 && (end == NULL || *end != '\0' || errno != 0))
            return error_set(err, "test_known: SHAREBENCH_TEST_KNOWN: cannot read '%s'", tok);
    }
    return 0;
}

/* An anonymous mapping of bytes, every page written (0 bytes: none). */
static int map_written(size_t bytes, int flags, void **out, struct error *err)
{
    *out = NULL;
    if (bytes == 0)
        return 0;
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return error_errno(err, "test_known: mmap %zu bytes", bytes);
    memset(p, 0x5a, bytes);
    *out = p;
    return 0;
}

static void unmap(void *p, size_t bytes)
{
    if (p)
        munmap(p, bytes);
}

static void known_teardown(struct strategy_state *s)
{
    if (s->inner)
        strategy_shared_arrays.teardown(s->inner);
    unmap(s->shared, s->shared_bytes);
    unmap(s->cow, s->cow_bytes);
    free(s);
}

static int known_prepare(struct model_source *source, struct strategy_state **state,
                         struct error *err)
{
    struct strategy_state *s = xcalloc(1, sizeof *s);
    double model = (double)model_estimate_bytes(source->spec);
    if (parse_request(getenv("SHAREBENCH_TEST_KNOWN"), &s->req, err) != 0 ||
        strategy_shared_arrays.prepare(source, &s->inner, err) != 0) {
        known_teardown(s);
        return -1;
    }
    s->private_bytes = (size_t)(s->req.private_models * model);
    s->shared_bytes = (size_t)(s->req.shared_models * model);
    s->cow_bytes = (size_t)(s->req.cow_models * model);
    if (map_written(s->shared_bytes, MAP_SHARED, &s->shared, err) != 0 ||
        map_written(s->cow_bytes, MAP_PRIVATE, &s->cow, err) != 0) {
        known_teardown(s);
        return -1;
    }
    *state = s;
    return 0;
}

/* This process's system CPU so far, in seconds (NAN if getrusage fails). */
static double system_seconds(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return NAN;
    return (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* Spend seconds of system CPU: the kernel fills every page of a populated mapping (the
 * process itself writes nothing, so its user time hardly grows). */
static int spend_system_time(double seconds, struct error *err)
{
    const size_t bytes = 1 << 20;
    double until = system_seconds() + seconds;
    while (seconds > 0) {
        double now = system_seconds();
        if (isnan(now))
            return error_errno(err, "test_known: getrusage");
        if (now >= until)
            break;
        void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (p == MAP_FAILED)
            return error_errno(err, "test_known: mmap %zu bytes", bytes);
        munmap(p, bytes);
    }
    return 0;
}

static void known_detach(void *ctx)
{
    struct known_ctx *k = ctx;
    strategy_shared_arrays.detach(k->inner);
    unmap(k->private_memory, k->state->private_bytes);
    free(k->priors);
    free(k);
}

/* Read every page of the shared mapping (its PSS then splits among the workers), write every
 * page of the copy-on-write one (each is copied), and write memory of this worker's own. */
static int known_attach(struct strategy_state *state, void **ctx, struct error *err)
{
    struct known_ctx *k = xcalloc(1, sizeof *k);
    k->state = state;
    if (strategy_shared_arrays.attach(state->inner, &k->inner, err) != 0) {
        free(k);
        return -1;
    }
    volatile const char *shared = state->shared;
    unsigned long sum = 0;
    for (size_t i = 0; i < state->shared_bytes; i += 4096)
        sum += (unsigned char)shared[i];
    (void)sum;
    if (state->cow)
        memset(state->cow, 0xa5, state->cow_bytes);
    if (map_written(state->private_bytes, MAP_PRIVATE, &k->private_memory, err) != 0 ||
        spend_system_time(state->req.sys_seconds, err) != 0) {
        known_detach(k);
        return -1;
    }
    *ctx = k;
    return 0;
}

static int known_resolve(void *ctx, const void *payload, size_t len, struct classifier *out,
                         struct error *err)
{
    struct known_ctx *k = ctx;
    const struct known_request *req = &k->state->req;
    if (++k->tasks == req->fail_task)
        return error_set(err, "test_known: task %lu fails on purpose (fail=%lu)", k->tasks,
                         req->fail_task);
    if (strategy_shared_arrays.resolve(k->inner, payload, len, out, err) != 0)
        return -1;
    if (req->wrong) {
        if (k->priors == NULL) {
            k->priors = xcalloc(out->classes, sizeof *k->priors);
            memcpy(k->priors, out->priors, out->classes * sizeof *k->priors);
            k->priors[0] += 1.0;
        }
        out->priors = k->priors;
    }
    return 0;
}

const struct strategy strategy_test_known = {
    .name = "test_known",
    .summary = "for the tests only: shared_arrays plus memory of known size, faults on request",
    .kind = STRATEGY_PROCESSES,
    .model_shared = true, /* shared_arrays' claim: what check's memory verdict must refute
                             when SHAREBENCH_TEST_KNOWN adds private memory per worker */
    .prepare = known_prepare,
    .attach = known_attach,
    .resolve = known_resolve,
    .detach = known_detach,
    .teardown = known_teardown,
    .fork_only = "its extra memory is set up in the parent before fork (a test strategy)",
};

/* check_runs.c - see check_runs.h. */
#define _GNU_SOURCE /* memmem, strsep */
#include "check_runs.h"

#include "image.h"
#include "spec.h"
#include "summary.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What each run executes: this very binary (the file the link names when it is executed). */
#define SELF_EXE "/proc/self/exe"

/* A plan that would ship the model more than this in all is not run (model_per_task). */
#define SHIPPED_MAX (256.0 * 1024 * 1024)

/* Fill why (a message for the check's line) and return false. */
static bool explain(char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool explain(char *why, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
    return false;
}

/* ---- the cases ------------------------------------------------------------------------------ */

/* The next '|'-separated cell of a table row, spaces trimmed. */
static char *cell(char **row)
{
    char *c = strsep(row, "|");
    if (c == NULL)
        return "";
    while (*c == ' ')
        c++;
    size_t n = strlen(c);
    while (n > 0 && (c[n - 1] == ' ' || c[n - 1] == '\n' || c[n - 1] == '\r'))
        c[--n] = '\0';
    return c;
}

/* What the case costs a run: its input's size and its model's image. */
static int measure_case(struct check_case *k, struct error *err)
{
    struct stat st;
    if (stat(k->records, &st) != 0)
        return error_errno(err, "%s", k->records);
    k->input_bytes = (uint64_t)st.st_size;
    struct spec spec;
    if (spec_load(k->spec, &spec, err) != 0)
        return -1;
    k->image_bytes = image_size_for_spec(&spec);
    spec_free(&spec);
    return 0;
}

/* One row "| spec | records | results | rejected | checksum |" into k. */
static int parse_case(const char *dir, char *line, struct check_case *k, struct error *err)
{
    char *row = line;
    cell(&row); /* before the first '|' */
    const char *spec = cell(&row), *records = cell(&row), *rows = cell(&row),
               *rejected = cell(&row), *checksum = cell(&row);
    if (parse_u64(rows, &k->rows) != 0 || parse_u64(rejected, &k->rejected) != 0 ||
        strlen(checksum) != 16)
        return error_set(err,
                         "%s/EXPECTED.md: a case row does not read as "
                         "'| spec | records | results | rejected | checksum |'",
                         dir);
    snprintf(k->spec, sizeof k->spec, "%s/%s", dir, spec);
    snprintf(k->records, sizeof k->records, "%s/%s", dir, records);
    snprintf(k->name, sizeof k->name, "%s", records);
    snprintf(k->checksum, sizeof k->checksum, "%s", checksum);
    return measure_case(k, err);
}

int load_cases(struct checker *c, struct error *err)
{
    char path[4200], line[1024];
    snprintf(path, sizeof path, "%s/EXPECTED.md", c->cases_dir);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return error_errno(err,
                           "%s: cannot open the conformance cases (by default they are "
                           "read from the source tree this binary was built from; give "
                           "--cases DIR)",
                           path);
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f))
        if (strncmp(line, "| spec-", 7) == 0 && c->ncases < CHECK_CASES_MAX)
            rc = parse_case(c->cases_dir, line, &c->cases[c->ncases++], err);
    fclose(f);
    if (rc == 0 && c->ncases == 0)
        rc = error_set(err, "%s: no cases (table rows starting '| spec-')", path);
    return rc;
}

/* ---- plans ----------------------------------------------------------------------------------- */

static const struct run_plan worker_plans[] = {
    {1, "records", "256", NULL}, {1, "ranges", "1M", NULL},   {2, "records", "1", NULL},
    {2, "records", "7", NULL},   {2, "records", "256", NULL}, {2, "ranges", "97", NULL},
    {2, "ranges", "4096", NULL}, {2, "ranges", "1M", NULL},   {4, "records", "256", NULL},
    {4, "ranges", "1M", NULL},   {0, NULL, NULL, NULL},
};

/* A strategy that runs no workers: one run per case, with the defaults. */
static const struct run_plan no_worker_plans[] = {{0, "none", NULL, NULL}, {0, NULL, NULL, NULL}};

const struct run_plan *plans_for(const struct strategy *s)
{
    return s->kind == STRATEGY_IN_PROCESS ? no_worker_plans : worker_plans;
}

static bool is_records(const struct run_plan *p)
{
    return strcmp(p->feed, "records") == 0;
}

void plan_describe(const struct check_case *k, const struct run_plan *p, const struct strategy *s,
                   char *out, size_t cap)
{
    if (p->workers == 0) {
        snprintf(out, cap, "conformance  %s, %s with no workers", k->name, s->name);
        return;
    }
    bool exec = strcmp(p->start, "exec") == 0;
    snprintf(out, cap, "%-12s %s workers=%u feed=%s %s=%s start=%s", exec ? "exec" : "conformance",
             k->name, p->workers, p->feed, is_records(p) ? "chunk" : "range_bytes", p->size,
             p->start);
}

bool plan_too_heavy(const struct strategy *s, const struct check_case *k, const struct run_plan *p,
                    char *why, size_t cap)
{
    uint64_t size;
    if (!s->model_per_task || p->workers == 0 || parse_size(p->size, &size) != 0 || size == 0)
        return false;
    uint64_t units = is_records(p) ? k->rows + k->rejected : k->input_bytes;
    double tasks = ceil((double)units / (double)size);
    double shipped = tasks * (double)k->image_bytes;
    if (shipped <= SHIPPED_MAX)
        return false;
    explain(why, cap,
            "%s ships the model with every task: %.0f tasks x %.1f MB = %.0f MB; small task "
            "sizes are checked on the smaller cases",
            s->name, tasks, (double)k->image_bytes / 1e6, shipped / 1e6);
    return true;
}

/* ---- runs ------------------------------------------------------------------------------------ */

/* The argument vector of one `sharebench run`, built a few words at a time. */
struct run_argv {
    const char *v[48];
    size_t n;
    char workers[16];
};

static void add(struct run_argv *a, const char *word)
{
    if (a->n + 1 < sizeof a->v / sizeof a->v[0])
        a->v[a->n++] = word;
    a->v[a->n] = NULL;
}

static void add_base(struct run_argv *a, const struct checker *c, const char *spec,
                     const char *input, const struct strategy *s)
{
    const char *words[] = {"sharebench", "run",   "--spec",        spec,  "--input", input,
                           "--strategy", s->name, "--scratch-dir", c->dir};
    a->n = 0;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        add(a, words[i]);
}

static void add_plan(struct run_argv *a, const struct run_plan *p)
{
    if (p == NULL || p->workers == 0)
        return;
    snprintf(a->workers, sizeof a->workers, "%u", p->workers);
    const char *words[] = {
        "--workers", a->workers, "--feed", p->feed, is_records(p) ? "--chunk" : "--range-bytes",
        p->size,     "--start",  p->start};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        add(a, words[i]);
}

static void add_no_memory(struct run_argv *a)
{
    add(a, "--no-baseline");
    add(a, "--sample-ms");
    add(a, "0");
}

/* Start the run and wait for it. -1 only if it could not even start (the reason printed). */
static int run_argv(struct checker *c, const struct run_argv *a, struct child_result *r)
{
    struct child child;
    struct error err;
    if (child_start(SELF_EXE, a->v, c->dir, false, c->timeout, &child, &err) != 0 ||
        child_finish(&child, r, &err) != 0) {
        fprintf(stderr, "sharebench check: cannot run %s: %s\n", SELF_EXE, err.msg);
        c->unstarted++;
        return -1;
    }
    return 0;
}

int run_strategy(struct checker *c, const struct check_case *k, const struct strategy *s,
                 const struct run_plan *p, struct child_result *r)
{
    struct run_argv a;
    add_base(&a, c, k->spec, k->records, s);
    add_plan(&a, p);
    add_no_memory(&a);
    return run_argv(c, &a, r);
}

static char *read_file(const char *path, size_t *len, struct error *err)
{
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        error_errno(err, "%s", path);
        return NULL;
    }
    struct stat st;
    char *data = NULL;
    if (fstat(fileno(f), &st) == 0) {
        data = xmalloc((size_t)st.st_size + 1);
        *len = fread(data, 1, (size_t)st.st_size, f);
    }
    if (data == NULL || ferror(f)) {
        error_errno(err, "%s: cannot read", path);
        free(data);
        data = NULL;
    }
    fclose(f);
    return data;
}

/* Feed the first half, kill a worker, feed the rest. A feed that fails (the run ended) is
 * left for the result to show. */
static void feed_and_kill(struct child *child, const char *data, size_t len, char *why, size_t cap)
{
    struct error err;
    if (child_feed(child, data, len / 2, &err) != 0) {
        snprintf(why, cap, "%s", err.msg);
        return;
    }
    pid_t pids[64];
    if (child_workers(child, pids, 64) == 0) {
        snprintf(why, cap, "the run started no worker process to kill");
        return;
    }
    if (kill(pids[0], SIGKILL) != 0) {
        snprintf(why, cap, "kill %d: %s", (int)pids[0], strerror(errno));
        return;
    }
    if (child_feed(child, data + len / 2, len - len / 2, &err) != 0)
        snprintf(why, cap, "%s", err.msg);
}

int run_with_kill(struct checker *c, const struct check_case *k, const char *start,
                  struct child_result *r, char *why, size_t cap)
{
    struct error err;
    size_t len = 0;
    char *data = read_file(k->records, &len, &err);
    if (data == NULL) {
        snprintf(why, cap, "%s", err.msg);
        return -1;
    }
    struct run_argv a;
    /* Small tasks, so that the killed worker is likely to hold one; not so small for a strategy
     * that ships the model with each. */
    struct run_plan plan = {2, "records", c->s->model_per_task ? "256" : "16", start};
    add_base(&a, c, k->spec, "-", c->s);
    add_plan(&a, &plan);
    add_no_memory(&a);
    struct child child;
    why[0] = '\0';
    int rc = child_start(SELF_EXE, a.v, c->dir, true, c->timeout, &child, &err);
    if (rc == 0) {
        feed_and_kill(&child, data, len, why, cap);
        rc = child_finish(&child, r, &err);
    }
    free(data);
    if (rc != 0)
        snprintf(why, cap, "%s", err.msg);
    else if (why[0])
        child_result_free(r);
    return rc != 0 || why[0] ? -1 : 0;
}

static double summary_number(const char *out, const char *key)
{
    char value[64];
    return summary_lookup(out, key, value, sizeof value) == 0 ? strtod(value, NULL) : NAN;
}

int measure_growth(struct checker *c, const struct strategy *s, double *mb, char *why, size_t cap)
{
    const struct check_case *k = &c->cases[c->ncases - 1];
    struct run_plan plan = {CHECK_MEMORY_WORKERS, "records", s->model_per_task ? "640" : "64",
                            "fork"};
    struct run_argv a;
    add_base(&a, c, k->spec, k->records, s);
    add_plan(&a, s->kind == STRATEGY_IN_PROCESS ? NULL : &plan);
    struct child_result r;
    if (run_argv(c, &a, &r) != 0) {
        explain(why, cap, "%s could not be started", s->name);
        return -1;
    }
    char last[1200];
    double pss = summary_number(r.out, "pss_peak_mb"), base = summary_number(r.out, "baseline_mb");
    bool ok = r.status == 0 && isfinite(pss) && isfinite(base);
    if (r.status != 0)
        explain(why, cap, "%s with %d workers: exit %d: %s", s->name, CHECK_MEMORY_WORKERS,
                r.status, last_line(r.err, last, sizeof last));
    else if (!ok)
        explain(why, cap, "%s: no memory figures in its summary (pss_peak_mb, baseline_mb)",
                s->name);
    *mb = pss - base;
    child_result_free(&r);
    return ok ? 0 : -1;
}

/* ---- judging --------------------------------------------------------------------------------- */

void rejection_lines(const char *err, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (const char *line = err; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        bool wanted =
            memmem(line, len, ": rejected: ", 12) || memmem(line, len, "more rejected", 13);
        if (wanted && n + len + 2 < cap) {
            memcpy(out + n, line, len);
            n += len;
            out[n++] = '\n';
            out[n] = '\0';
        }
        line += len + (end ? 1 : 0);
    }
}

/* The first line where a and b differ, each copied out ("(none)" past the end). */
static void first_difference(const char *a, const char *b, char *da, char *db, size_t cap)
{
    while (*a && *b && strcspn(a, "\n") == strcspn(b, "\n") &&
           strncmp(a, b, strcspn(a, "\n")) == 0) {
        a += strcspn(a, "\n") + 1;
        b += strcspn(b, "\n") + 1;
    }
    snprintf(da, cap, "%.*s", (int)strcspn(a, "\n"), *a ? a : "(none)");
    snprintf(db, cap, "%.*s", (int)strcspn(b, "\n"), *b ? b : "(none)");
}

bool run_gives_answer(const struct check_case *k, const struct child_result *r, bool lines,
                      char *why, size_t cap)
{
    char want[256], rows[32] = "?", rejected[32] = "?", checksum[32] = "?", last[1200];
    snprintf(want, sizeof want, "rows=%llu rejected=%llu checksum=%s", (unsigned long long)k->rows,
             (unsigned long long)k->rejected, k->checksum);
    if (r->timed_out)
        return explain(why, cap,
                       "expected %s; the run did not end within the time limit "
                       "(--timeout) and was killed",
                       want);
    if (r->status != 0)
        return explain(why, cap, "expected exit 0 with %s; got exit %d: %s", want, r->status,
                       last_line(r->err, last, sizeof last));
    summary_lookup(r->out, "rows", rows, sizeof rows);
    summary_lookup(r->out, "rejected", rejected, sizeof rejected);
    summary_lookup(r->out, "checksum", checksum, sizeof checksum);
    char got[256];
    snprintf(got, sizeof got, "rows=%s rejected=%s checksum=%s", rows, rejected, checksum);
    if (strcmp(want, got) != 0)
        return explain(why, cap, "expected %s; got %s", want, got);
    char seen[4096], expected_line[512], got_line[512];
    rejection_lines(r->err, seen, sizeof seen);
    if (lines && strcmp(seen, k->rejections) != 0) {
        first_difference(k->rejections, seen, expected_line, got_line, sizeof expected_line);
        return explain(why, cap,
                       "expected serial's rejection lines; first difference: expected "
                       "'%s', got '%s'",
                       expected_line, got_line);
    }
    return true;
}

/* cmd_predict.c - `sharebench predict FILE`: predict, then measure.
 *
 * A student writes down what a run will show before making it; this command makes the runs
 * and holds each prediction to the measurement. FILE holds blocks of
 *
 *   run OPTIONS...          the options of one `sharebench run` (split at spaces, no quoting)
 *   KEY = VALUE             a prediction for that run: a summary key, or exit (2: refused)
 *
 * with # comments. Every quantity has a tolerance of its own (exact for counts the code
 * determines, a margin for memory and faults, a factor of 2 for times on a shared machine),
 * printed with each line, and a pointer to where the guide explains the difference. Every
 * exercise has a template of such a file in docs/exercises/predictions/. The file is read
 * whole before any run starts, so a value left as "?" stops it at once, naming its line.
 */
#define _GNU_SOURCE /* mkdtemp, getline */
#include "check_child.h"
#include "cli.h"
#include "interrupt.h"
#include "outfile.h"
#include "summary.h"

#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SELF_EXE "/proc/self/exe"

enum tolerance { EXACT, MARGIN, FACTOR };

/* What may be predicted, how close counts as right, and where the guide explains it. */
static const struct quantity {
    const char *key;
    enum tolerance kind;
    double relative, absolute; /* MARGIN: within the larger of the two; FACTOR: relative */
    const char *guide;
} quantities[] = {
    {"exit", EXACT, 0, 0, "docs/GUIDE.md section 5 (the exec check: no adopt hook, exit 2)"},
    {"rows", EXACT, 0, 0, "docs/WORKLOAD.md section 6"},
    {"rejected", EXACT, 0, 0, "docs/WORKLOAD.md section 6"},
    {"worker_restarts", EXACT, 0, 0, "docs/GUIDE.md section 4 (worker_restarts)"},
    {"chunks", EXACT, 0, 0, "docs/GUIDE.md section 4 (chunks bytes_shipped)"},
    {"bytes_shipped", EXACT, 0, 0, "docs/GUIDE.md section 4 (chunks bytes_shipped)"},
    {"bytes_per_chunk", EXACT, 0, 0, "docs/GUIDE.md section 4 (bytes_per_chunk)"},
    {"model_copies", MARGIN, 0.15, 0.3, "docs/GUIDE.md section 4 (model_copies), REPORT.md 2"},
    {"minor_faults_workers", MARGIN, 0.25, 50,
     "docs/GUIDE.md glossary (copy-on-write, minor fault), REPORT.md 4; the largest worker's"},
    {"minor_faults", MARGIN, 0.25, 50, "docs/GUIDE.md glossary (minor fault), REPORT.md 4"},
    {"model_mb", MARGIN, 0.15, 0.5, "docs/GUIDE.md section 4 (model_mb image_mb)"},
    {"image_mb", MARGIN, 0.15, 0.5, "docs/GUIDE.md section 4 (model_mb image_mb)"},
    {"pss_peak_mb", MARGIN, 0.15, 0.5, "docs/GUIDE.md section 4 (pss_peak_mb), glossary PSS"},
    {"pss_anon_mb", MARGIN, 0.15, 0.5, "docs/GUIDE.md section 4 (pss_peak_mb), glossary PSS"},
    {"pss_shmem_mb", MARGIN, 0.15, 0.5, "docs/GUIDE.md section 4 (pss_peak_mb), glossary PSS"},
    {"pss_file_mb", MARGIN, 0.15, 0.5, "docs/GUIDE.md section 4 (pss_peak_mb), glossary PSS"},
    {"setup_seconds", FACTOR, 2, 0, "docs/GUIDE.md section 4 (setup_seconds)"},
    {"build_s", FACTOR, 2, 0, "docs/GUIDE.md section 4 (setup_seconds)"},
    {"ready_s", FACTOR, 2, 0, "docs/GUIDE.md section 4 (setup_seconds), glossary ready"},
    {"worker_cpu_s", FACTOR, 2, 0, "docs/GUIDE.md section 4 (worker_cpu_s), REPORT.md 5"},
    {"parent_cpu_s", FACTOR, 2, 0, "docs/GUIDE.md section 4 (worker_cpu_s), REPORT.md 5"},
    {"cpu_us_per_record", FACTOR, 2, 0, "docs/GUIDE.md section 4 (worker_cpu_s)"},
};

struct prediction {
    const struct quantity *q;
    double value;
    unsigned line;
};

struct predicted_run {
    char **argv; /* "sharebench", "run", the options, NULL */
    unsigned line;
    struct prediction *p;
    size_t np;
};

struct predictions {
    const char *path;
    struct predicted_run *runs;
    size_t nruns;
    unsigned passed, failed;
};

static const struct quantity *quantity_named(const char *key)
{
    for (size_t i = 0; i < sizeof quantities / sizeof quantities[0]; i++)
        if (strcmp(quantities[i].key, key) == 0)
            return &quantities[i];
    return NULL;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && strchr(" \t\r\n", s[n - 1]))
        s[--n] = '\0';
    return s;
}

static void add_run(struct predictions *f, char *options, unsigned line)
{
    f->runs = xrealloc(f->runs, (f->nruns + 1) * sizeof *f->runs);
    struct predicted_run *r = &f->runs[f->nruns++];
    *r = (struct predicted_run){.line = line};
    size_t n = 2;
    r->argv = xmalloc(3 * sizeof *r->argv);
    r->argv[0] = xstrdup("sharebench");
    r->argv[1] = xstrdup("run");
    for (char *save = NULL, *w = strtok_r(options, " \t", &save); w;
         w = strtok_r(NULL, " \t", &save)) {
        r->argv = xrealloc(r->argv, (n + 2) * sizeof *r->argv);
        r->argv[n++] = xstrdup(w);
    }
    r->argv[n] = NULL;
}

/* One "KEY = VALUE" line into the last run. Returns 0, or -1 with err naming the line. */
static int add_prediction(struct predictions *f, char *text, unsigned line, struct error *err)
{
    char *eq = strchr(text, '=');
    if (eq == NULL)
        return error_set(err, "%s:%u: expected 'run OPTIONS' or 'KEY = VALUE', got '%s'", f->path,
                         line, text);
    *eq = '\0';
    char *key = trim(text), *value = trim(eq + 1), *end;
    const struct quantity *q = quantity_named(key);
    if (q == NULL)
        return error_set(err, "%s:%u: '%s' is not a quantity predict knows (see --help)", f->path,
                         line, key);
    if (f->nruns == 0)
        return error_set(err, "%s:%u: a prediction before any 'run' line", f->path, line);
    double v = strtod(value, &end);
    if (*value == '\0' || strcmp(value, "?") == 0)
        return error_set(err, "%s:%u: no prediction for %s yet: write a number in place of '?'",
                         f->path, line, key);
    if (*end != '\0' || !isfinite(v))
        return error_set(err, "%s:%u: %s = '%s' is not a number", f->path, line, key, value);
    struct predicted_run *r = &f->runs[f->nruns - 1];
    r->p = xrealloc(r->p, (r->np + 1) * sizeof *r->p);
    r->p[r->np++] = (struct prediction){.q = q, .value = v, .line = line};
    return 0;
}

/* A run that names the predictions file (as --output, --timeline, or an abbreviation of
 * them getopt accepts) would write over it while predict reads it: refused before any run.
 * Every option value is compared by identity (io/outfile.h); no run has reason to read the
 * predictions file either. */
static int refuse_predictions_file(const struct predictions *f, const struct predicted_run *r,
                                   struct error *err)
{
    for (char **a = r->argv + 2; *a; a++) {
        const char *eq = strchr(*a, '=');
        const char *value = strncmp(*a, "--", 2) == 0 && eq ? eq + 1 : *a;
        if (outfile_same_file(value, f->path))
            return error_set(err,
                             "%s:%u: '%s' is the same file as the predictions file: refused, "
                             "the run could destroy it",
                             f->path, r->line, *a);
    }
    return 0;
}

static int read_predictions(struct predictions *f, struct error *err)
{
    FILE *in = fopen(f->path, "re");
    if (in == NULL)
        return error_errno(err, "%s", f->path);
    char *buf = NULL;
    size_t cap = 0;
    unsigned line = 0;
    int rc = 0;
    while (rc == 0 && getline(&buf, &cap, in) >= 0) {
        line++;
        char *hash = strchr(buf, '#');
        if (hash)
            *hash = '\0';
        char *text = trim(buf);
        if (*text == '\0')
            continue;
        if (strncmp(text, "run", 3) == 0 && (text[3] == ' ' || text[3] == '\t')) {
            add_run(f, text + 4, line);
            rc = refuse_predictions_file(f, &f->runs[f->nruns - 1], err);
        } else
            rc = add_prediction(f, text, line, err);
    }
    if (rc == 0 && ferror(in))
        rc = error_errno(err, "%s: cannot read", f->path);
    free(buf);
    fclose(in);
    if (rc == 0 && f->nruns == 0)
        rc = error_set(err, "%s: no 'run' line: nothing to measure", f->path);
    return rc;
}

/* The measured value of q in the run's output: the exit status, a summary key, or for a
 * per-worker list ("714/702") its largest entry. NAN if the run has none. */
static double measured(const struct quantity *q, const struct child_result *r)
{
    if (strcmp(q->key, "exit") == 0)
        return r->status;
    char value[4096];
    if (summary_lookup(r->out, q->key, value, sizeof value) != 0)
        return NAN;
    double largest = NAN;
    for (char *save = NULL, *w = strtok_r(value, "/", &save); w; w = strtok_r(NULL, "/", &save)) {
        double v = strtod(w, NULL);
        largest = isnan(largest) || v > largest ? v : largest;
    }
    return largest;
}

static bool within(const struct quantity *q, double predicted, double got, char *how, size_t cap)
{
    switch (q->kind) {
    case EXACT:
        snprintf(how, cap, "exact");
        return predicted == got;
    case MARGIN:
        snprintf(how, cap, "within %g or %g%%", q->absolute, q->relative * 100);
        return fabs(predicted - got) <= fmax(q->absolute, q->relative * fabs(got));
    case FACTOR:
        snprintf(how, cap, "within a factor of %g", q->relative);
        return predicted > 0 && got > 0 && predicted <= got * q->relative &&
               got <= predicted * q->relative;
    }
    return false;
}

static void judge(struct predictions *f, const struct prediction *p, const struct child_result *r)
{
    char how[64], last[512];
    double got = measured(p->q, r);
    if (isnan(got)) {
        printf("FAIL  %-20s line %u: predicted %.15g; the run printed no %s (exit %d: %s)\n",
               p->q->key, p->line, p->value, p->q->key, r->status,
               last_line(r->err, last, sizeof last));
        f->failed++;
    } else if (within(p->q, p->value, got, how, sizeof how)) {
        printf("PASS  %-20s line %u: predicted %.15g, measured %.15g (%s)\n", p->q->key, p->line,
               p->value, got, how);
        f->passed++;
    } else {
        printf("FAIL  %-20s line %u: predicted %.15g, measured %.15g (%s); the guide explains it: "
               "%s\n",
               p->q->key, p->line, p->value, got, how, p->q->guide);
        f->failed++;
    }
}

/* Make one run in a private directory and hold its predictions to it. */
static int measure_run(struct predictions *f, const struct predicted_run *run, double timeout)
{
    char dir[4096];
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/sharebench-predict-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    struct error err;
    if (mkdtemp(dir) == NULL) {
        fprintf(stderr, "sharebench predict: cannot make a directory %s\n", dir);
        return -1;
    }
    printf("run at line %u:", run->line);
    for (char **a = run->argv; *a; a++)
        printf(" %s", *a);
    printf("\n");
    fflush(stdout);
    struct child child;
    struct child_result r = {0};
    int rc = child_start(SELF_EXE, (const char *const *)run->argv, dir, false, timeout, &child,
                         &err) == 0 &&
                     child_finish(&child, &r, &err) == 0
                 ? 0
                 : -1;
    if (rc != 0)
        fprintf(stderr, "sharebench predict: cannot run: %s\n", err.msg);
    for (size_t i = 0; rc == 0 && i < run->np; i++)
        judge(f, &run->p[i], &r);
    child_result_free(&r);
    for (const char *name = "out"; name; name = strcmp(name, "out") == 0 ? "err" : NULL) {
        char path[sizeof dir + 8];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        unlink(path); /* absent if the run could not start */
    }
    if (rmdir(dir) != 0)
        fprintf(stderr, "sharebench predict: cannot remove %s\n", dir);
    return rc;
}

static void free_predictions(struct predictions *f)
{
    for (size_t i = 0; i < f->nruns; i++) {
        for (char **a = f->runs[i].argv; *a; a++)
            free(*a);
        free(f->runs[i].argv);
        free(f->runs[i].p);
    }
    free(f->runs);
}

static void predict_usage(FILE *out)
{
    fprintf(out, "usage: sharebench predict [--timeout SECONDS] FILE\n\n"
                 "Makes the runs FILE names ('run OPTIONS...' lines: sharebench run's options)\n"
                 "and holds each prediction under it ('KEY = VALUE') to what was measured:\n"
                 "PASS or FAIL per line, with the tolerance and where the guide explains it.\n"
                 "Templates: docs/exercises/predictions/.\n\n"
                 "  --timeout SECONDS  the longest one run may take before it is killed and\n"
                 "                     fails (default 900)\n\n"
                 "Quantities and tolerances:\n");
    for (size_t i = 0; i < sizeof quantities / sizeof quantities[0]; i++) {
        const struct quantity *q = &quantities[i];
        char how[64];
        within(q, 0, 0, how, sizeof how);
        fprintf(out, "  %-20s %s\n", q->key, how);
    }
    fprintf(out, "Exit status: 0 every prediction held, 1 some did not (or a run could not\n"
                 "start), 2 bad usage or a file with a line that is not a prediction.\n");
}

int cmd_predict(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"timeout", required_argument, NULL, 't'}, {"help", no_argument, NULL, 'h'}, {0}};
    uint64_t timeout = 900;
    int opt;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (opt == 'h') {
            predict_usage(stdout);
            return EXIT_OK;
        }
        if (opt != 't' || cli_count("predict", "--timeout", optarg, 1, 86400, &timeout) != 0)
            return opt == 't' ? EXIT_USAGE : cli_usage_error("predict", "unknown option");
    }
    if (optind + 1 != argc)
        return cli_usage_error("predict", "one predictions FILE is needed");
    struct predictions f = {.path = argv[optind]};
    struct error err;
    if (read_predictions(&f, &err) != 0) {
        fprintf(stderr, "sharebench predict: %s\n", err.msg);
        free_predictions(&f);
        return EXIT_USAGE;
    }
    interrupt_install();
    signal(SIGPIPE, SIG_IGN);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < f.nruns && !interrupt_signal(); i++)
        rc = measure_run(&f, &f.runs[i], (double)timeout);
    free_predictions(&f);
    if (interrupt_signal()) {
        fprintf(stderr, "sharebench predict: interrupted\n");
        return 128 + interrupt_signal();
    }
    printf("predict: %u of %u predictions within tolerance%s\n", f.passed, f.passed + f.failed,
           f.failed || rc ? "" : ": every prediction held");
    return f.failed || rc ? EXIT_FAILURE_RUN : EXIT_OK;
}

/* compare_runs.c - the rounds of `sharebench compare`: the empty-model baselines first, then
 * every round runs each configuration once, in an order drawn from the recorded seed, each run
 * a child `sharebench run` (selfspawn.h) whose summary becomes a row of the results CSV and
 * whose answer must agree with every other run over the same records. A failed run's stderr
 * is shown from the runs' log, an unlinked file.
 */
#define _GNU_SOURCE /* O_TMPFILE, mkostemp */
#include "compare.h"

#include "baseline.h"
#include "interrupt.h"
#include "python_run.h"
#include "selfspawn.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The summary keys of `sharebench run`, in order: the results file's columns. */
static int summary_keys(const char **keys, int max)
{
    struct run_options opt = {.strategy = &strategy_serial, .baseline_mb = -1};
    struct run_stats stats = {0};
    struct summary sm = {0};
    run_summary(&opt, &stats, &sm);
    for (int i = 0; i < sm.n && i < max; i++)
        keys[i] = sm.item[i].key;
    return sm.n < max ? sm.n : max;
}

static double config_value(const char *out, const char *key)
{
    char v[64];
    return summary_lookup(out, key, v, sizeof v) == 0 ? strtod(v, NULL) : NAN;
}

static void write_row(struct matrix *m, const struct config *c, unsigned round, unsigned position,
                      int status, const char *out)
{
    fprintf(m->csv, "%u,%u,%llu,%s,%d,%llu", round, position, (unsigned long long)m->args->seed,
            c->twin == 'a'   ? "a"
            : c->twin == 'b' ? "b"
                             : "",
            status, (unsigned long long)c->limit);
    for (int k = 0; k < m->nkeys; k++) {
        char v[128] = "";
        if (summary_lookup(out, m->keys[k], v, sizeof v) != 0) {
            /* a failed run: say which configuration, leave its figures empty */
            if (strcmp(m->keys[k], "strategy") == 0)
                snprintf(v, sizeof v, "%s", c->strategy->name);
            else if (strcmp(m->keys[k], "workers") == 0)
                snprintf(v, sizeof v, "%u", c->workers);
            else if (strcmp(m->keys[k], "chunk") == 0)
                snprintf(v, sizeof v, "%u", c->chunk);
            else if (strcmp(m->keys[k], "touch") == 0)
                snprintf(v, sizeof v, "%d", c->touch);
            else if (strcmp(m->keys[k], "start") == 0)
                snprintf(v, sizeof v, "%s", compare_config_start(c));
            else if (strcmp(m->keys[k], "feed") == 0)
                snprintf(v, sizeof v, "%s", run_feed_name(c->feed));
        }
        fprintf(m->csv, ",%s", v);
    }
    fputc('\n', m->csv);
    fflush(m->csv);
}

/* Runs over the same records must agree; the first run of each limit sets the answer. */
static void check_answer(struct matrix *m, struct config *c, const char *out)
{
    char sum[32], rows[32], rej[32];
    if (summary_lookup(out, "checksum", sum, sizeof sum) ||
        summary_lookup(out, "rows", rows, sizeof rows) ||
        summary_lookup(out, "rejected", rej, sizeof rej))
        return;
    for (unsigned i = 0; i < m->nconfigs; i++) {
        const struct config *o = &m->configs[i];
        if (o->done == 0 || o->limit != c->limit || o->checksum[0] == '\0')
            continue;
        if (strcmp(o->checksum, sum) || strcmp(o->rows, rows) || strcmp(o->rejected, rej)) {
            fprintf(stderr,
                    "\nsharebench compare: WRONG ANSWER: %s feed=%s workers=%u chunk=%u gave "
                    "rows=%s rejected=%s checksum=%s, %s gave rows=%s rejected=%s checksum=%s\n",
                    c->strategy->name, run_feed_name(c->feed), c->workers, c->chunk, rows, rej, sum,
                    o->strategy->name, o->rows, o->rejected, o->checksum);
            m->failed = true;
        }
        break;
    }
    snprintf(c->checksum, sizeof c->checksum, "%s", sum);
    snprintf(c->rows, sizeof c->rows, "%s", rows);
    snprintf(c->rejected, sizeof c->rejected, "%s", rej);
}

static void report_progress(struct matrix *m, const struct config *c, unsigned repeat,
                            const char *out, int status)
{
    double elapsed = now_seconds() - m->started;
    double eta = m->finished ? elapsed / m->finished * (m->total - m->finished) : 0;
    if (m->tty)
        fprintf(stderr,
                "\r[%u/%u] %-18s %s %-7s workers=%-3u chunk=%-5u%s round %u/%llu  %4.0f s, "
                "about %4.0f s to go   ",
                m->finished, m->total, c->strategy->name, c->exec ? "exec" : "fork",
                run_feed_name(c->feed), c->workers, c->chunk, c->touch ? " touch" : "", repeat,
                (unsigned long long)m->args->repeat, elapsed, eta);
    else
        fprintf(stderr,
                "[%u/%u] %s start=%s feed=%s workers=%u chunk=%u touch=%d round=%u: exit %d, "
                "rows_per_s=%.0f model_copies=%.2f\n",
                m->finished, m->total, c->strategy->name, c->exec ? "exec" : "fork",
                run_feed_name(c->feed), c->workers, c->chunk, c->touch, repeat, status,
                config_value(out, "rows_per_s"), config_value(out, "model_copies"));
}

/* A new, empty log for the next run. */
static int log_rewind(int fd, struct error *err)
{
    if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0)
        return error_errno(err, "the runs' log");
    return 0;
}

/* The last 4 KiB of a failed run's stderr, indented under the message that names the run. */
static void log_show(int fd)
{
    char text[4096];
    off_t end = lseek(fd, 0, SEEK_END);
    off_t from = end > (off_t)sizeof text - 1 ? end - (off_t)(sizeof text - 1) : 0;
    ssize_t n = end > 0 ? pread(fd, text, sizeof text - 1, from) : 0;
    text[n > 0 ? n : 0] = '\0';
    for (char *line = text, *eol; *line; line = *eol ? eol + 1 : eol) {
        eol = line + strcspn(line, "\n");
        fprintf(stderr, "    %.*s\n", (int)(eol - line), line);
    }
}

static void run_one(struct matrix *m, struct config *c, unsigned repeat, unsigned position)
{
    const struct compare_args *a = m->args;
    char workers[16], chunk[16], limit[32], sample[16], baseline[32], timeline[1024],
        range_bytes[32];
    snprintf(range_bytes, sizeof range_bytes, "%llu", (unsigned long long)a->range_bytes);
    snprintf(workers, sizeof workers, "%u", c->workers);
    snprintf(chunk, sizeof chunk, "%u", c->chunk);
    snprintf(limit, sizeof limit, "%llu", (unsigned long long)c->limit);
    snprintf(sample, sizeof sample, "%llu", (unsigned long long)a->sample_ms);
    snprintf(baseline, sizeof baseline, "%.6f", c->baseline_mb);
    char *argv[32] = {"sharebench",  "run",
                      "--spec",      (char *)a->spec,
                      "--input",     (char *)a->input,
                      "--strategy",  (char *)c->strategy->name,
                      "--workers",   workers,
                      "--chunk",     chunk,
                      "--sample-ms", sample};
    int n = 14;
    if (c->feed != RUN_FEED_AUTO) {
        argv[n++] = "--feed";
        argv[n++] = (char *)run_feed_name(c->feed);
        argv[n++] = "--range-bytes";
        argv[n++] = range_bytes;
    }
    if (c->baseline_mb >= 0) {
        argv[n++] = "--baseline-mb";
        argv[n++] = baseline;
    } else {
        argv[n++] = "--no-baseline";
    }
    if (c->limit) {
        argv[n++] = "--limit";
        argv[n++] = limit;
    }
    if (c->touch)
        argv[n++] = "--touch";
    if (c->exec) {
        argv[n++] = "--start";
        argv[n++] = "exec";
    }
    if (a->timelines) {
        snprintf(timeline, sizeof timeline, "%s/%s-%s-w%u-c%u-t%d-r%u%s%s%.1s.csv", a->timelines,
                 c->strategy->name, run_feed_name(c->feed), c->workers, c->chunk, c->touch, repeat,
                 c->exec ? "-exec" : "", c->twin ? "-" : "", &c->twin);
        argv[n++] = "--timeline";
        argv[n++] = timeline;
    }
    argv[n] = NULL;
    static char out[16384];
    struct error err;
    int status = log_rewind(m->log_fd, &err);
    if (status == 0)
        status = spawn_capture_fd(NULL, argv, out, sizeof out, m->log_fd, &err);
    if (status < 0) {
        fprintf(stderr, "\nsharebench compare: %s\n", err.msg);
        out[0] = '\0';
    }
    if (status != 0 && interrupt_signal())
        return; /* stopped by the signal: not a measurement, not a failure */
    m->finished++;
    write_row(m, c, repeat, position, status, out);
    if (status != 0) {
        m->failed = true;
        fprintf(stderr,
                "\nsharebench compare: %s feed=%s workers=%u chunk=%u failed (exit %d); its "
                "stderr:\n",
                c->strategy->name, run_feed_name(c->feed), c->workers, c->chunk, status);
        log_show(m->log_fd);
    } else {
        unsigned i = c->done;
        c->rows_per_s[i] = config_value(out, "rows_per_s");
        c->pss_mb[i] = config_value(out, "pss_peak_mb");
        c->copies[i] = config_value(out, "model_copies");
        c->setup_s[i] = config_value(out, "setup_seconds");
        double steal = config_value(out, "steal_pct");
        if (steal > c->steal_max)
            c->steal_max = steal;
        check_answer(m, c, out);
        c->done++;
    }
    report_progress(m, c, repeat, out, status);
}

static void measure_baselines(struct matrix *m)
{
    const struct compare_args *a = m->args;
    for (unsigned i = 0; i < m->nconfigs && !interrupt_signal(); i++) {
        struct config *c = &m->configs[i];
        struct run_options opt = {.spec_path = a->spec,
                                  .input_path = a->input,
                                  .strategy = c->strategy,
                                  .workers = c->workers,
                                  .chunk = c->chunk,
                                  .feed = c->feed,
                                  .range_bytes = a->range_bytes,
                                  .touch = c->touch,
                                  .start_exec = c->exec,
                                  .sample_ms = (unsigned)a->sample_ms,
                                  .limit = c->limit};
        if (m->tty)
            fprintf(stderr, "\rmeasuring empty-model baselines %u/%u   ", i + 1, m->nconfigs);
        struct error err;
        c->baseline_mb = baseline_measure(&opt, &err);
        if (c->baseline_mb < 0 && !interrupt_signal())
            fprintf(stderr, "\nsharebench compare: %s: %s (model_copies will be nan)\n",
                    c->strategy->name, err.msg);
    }
    if (m->tty)
        fputc('\n', stderr);
}

int compare_open_results(struct matrix *m, struct outfile *results)
{
    struct error err;
    if (outfile_open(results, m->args->out, &err) != 0) {
        fprintf(stderr, "sharebench compare: %s\n", err.msg);
        return EXIT_USAGE;
    }
    /* stdio closes what it wraps: a duplicate leaves the outfile its descriptor to commit. */
    int fd = fcntl(results->fd, F_DUPFD_CLOEXEC, 0);
    m->csv = fd < 0 ? NULL : fdopen(fd, "w");
    if (m->csv == NULL) {
        fprintf(stderr, "sharebench compare: %s: cannot create: %s\n", m->args->out,
                strerror(errno));
        if (fd >= 0)
            close(fd);
        outfile_discard(results);
        return EXIT_USAGE;
    }
    m->nkeys = summary_keys(m->keys, SUMMARY_MAX_KEYS);
    m->nkeys += python_summary_keys(m->args->strategies, m->args->nstrategies, m->keys + m->nkeys,
                                    SUMMARY_MAX_KEYS - m->nkeys);
    fprintf(m->csv, "round,position,seed,twin,exit_status,limit");
    for (int k = 0; k < m->nkeys; k++)
        fprintf(m->csv, ",%s", m->keys[k]);
    fputc('\n', m->csv);
    return 0;
}

/* The runs' stderr goes to one file in $TMPDIR (else /tmp), without a name from the start
 * (O_TMPFILE) or unlinked as soon as it is made: nothing is left behind, however compare
 * ends. Returns the descriptor, or -1 with the reason printed. */
int compare_open_log(void)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || *dir == '\0')
        dir = "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) { /* a filesystem without O_TMPFILE: a name, for an instant */
        char path[4096];
        snprintf(path, sizeof path, "%s/sharebench-compare-XXXXXX", dir);
        fd = mkostemp(path, O_CLOEXEC);
        if (fd >= 0)
            unlink(path);
    }
    if (fd < 0)
        fprintf(stderr, "sharebench compare: cannot create the runs' log in %s: %s\n", dir,
                strerror(errno));
    return fd;
}

/* splitmix64: a small generator whose whole state is one number, so that a seed written in
 * the results reproduces every round's order. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A uniform number below bound (rejection: no bias toward small values). */
static unsigned random_below(uint64_t *state, unsigned bound)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % bound, v;
    do
        v = next_random(state);
    while (v >= limit);
    return (unsigned)(v % bound);
}

/* order[0..n) becomes a uniform random permutation of 0..n-1 (Fisher-Yates). */
static void shuffle(unsigned *order, unsigned n, uint64_t *state)
{
    for (unsigned i = 0; i < n; i++)
        order[i] = i;
    for (unsigned i = n; i > 1; i--) {
        unsigned j = random_below(state, i), t = order[i - 1];
        order[i - 1] = order[j];
        order[j] = t;
    }
}

/* Run the matrix in rounds, each in its own random order; false if a signal stopped it. */
bool compare_run_matrix(struct matrix *m)
{
    measure_baselines(m);
    m->started = now_seconds();
    uint64_t state = m->args->seed;
    static unsigned order[MAX_CONFIG];
    for (unsigned r = 1; r <= m->args->repeat; r++) {
        shuffle(order, m->nconfigs, &state);
        for (unsigned p = 0; p < m->nconfigs && !interrupt_signal(); p++)
            run_one(m, &m->configs[order[p]], r, p + 1);
    }
    if (m->tty)
        fputc('\n', stderr);
    return !interrupt_signal();
}

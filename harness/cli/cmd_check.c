/* cmd_check.c - `sharebench check --strategy NAME`: grade a strategy, one line per check.
 *
 * The autograder for a strategy of one's own (scripts/new-strategy, docs/exercises). Every
 * check is one or more `sharebench run` children (check_child.h: own process group, time
 * limit) over the conformance cases, whose figures tests/conformance/EXPECTED.md gives:
 *
 *   reference    serial gives EXPECTED.md's figures (if not, the harness is wrong, not the
 *                strategy) and the rejection lines every other run must print
 *   conformance  the strategy gives serial's answer with 1, 2 and 4 workers, several chunk and
 *                range sizes, both feeds
 *   exec         the same with exec'd workers, or a clean refusal from a fork-only strategy
 *   kill         a worker killed mid-run is replaced, and the answer is still exact
 *   memory       4 workers hold at most 1.1 copies of the model, if the strategy says it
 *                shares it (model_shared)
 *   describe     its summary (and why it needs fork, if it does) is written, not a TODO
 *
 * If the very first run fails, the check stops: every other run would fail the same way, and
 * that first message (for a fresh template: which step to write) is the one to read.
 */
#define _GNU_SOURCE /* mkdtemp */
#include "check_child.h"
#include "check_runs.h"
#include "cli.h"
#include "interrupt.h"
#include "summary.h"

#include <dirent.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef SHAREBENCH_CASES_DIR
#define SHAREBENCH_CASES_DIR "tests/conformance"
#endif

#define MODEL_SHARED_MAX_COPIES 1.1

/* ---- one line per check ------------------------------------------------------------------- */

static void verdict(struct checker *c, const char *tag, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Once check is interrupted, its runs are killed or refused: a verdict on them would blame the
 * strategy for the signal, so none is given (check then says it was interrupted). */
static void verdict(struct checker *c, const char *tag, const char *what, const char *fmt, ...)
{
    if (interrupt_signal())
        return;
    char detail[2048] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
    }
    printf("%-4s  %s%s%s\n", tag, what, detail[0] ? ": " : "", detail);
    fflush(stdout);
    if (strcmp(tag, "PASS") == 0)
        c->passed++;
    else if (strcmp(tag, "FAIL") == 0)
        c->failed++;
    else if (strcmp(tag, "SKIP") == 0)
        c->skipped++;
}

/* PASS, or FAIL with why, for one run held to a case's answer. */
static bool judge(struct checker *c, const char *what, const struct check_case *k,
                  const struct child_result *r, bool lines)
{
    char why[2048];
    if (run_gives_answer(k, r, lines, why, sizeof why)) {
        verdict(c, "PASS", what, NULL);
        return true;
    }
    verdict(c, "FAIL", what, "%s", why);
    return false;
}

/* ---- the checks ---------------------------------------------------------------------------- */

/* Serial on every case: EXPECTED.md's figures, and the rejection lines to hold others to. */
static bool check_reference(struct checker *c)
{
    for (unsigned i = 0; i < c->ncases; i++) {
        struct check_case *k = &c->cases[i];
        struct child_result r;
        char what[512];
        snprintf(what, sizeof what,
                 "reference    serial on %s: rows=%llu rejected=%llu "
                 "checksum=%s",
                 k->name, (unsigned long long)k->rows, (unsigned long long)k->rejected,
                 k->checksum);
        if (run_strategy(c, k, &strategy_serial, NULL, &r) != 0)
            return false;
        bool ok = judge(c, what, k, &r, false);
        rejection_lines(r.err, k->rejections, sizeof k->rejections);
        child_result_free(&r);
        if (!ok) {
            verdict(c, "STOP", "serial disagrees with EXPECTED.md",
                    "the harness or the cases "
                    "(--cases %s) are wrong, not the strategy",
                    c->cases_dir);
            return false;
        }
    }
    return true;
}

/* The strategy over every case and plan, workers started as start says. Returns false when
 * the very first run failed (the check stops there). */
static bool check_matrix(struct checker *c, const char *start)
{
    bool first = strcmp(start, "fork") == 0;
    for (unsigned i = 0; i < c->ncases; i++) {
        const struct check_case *k = &c->cases[i];
        for (const struct run_plan *p = plans_for(c->s); p->feed; p++) {
            struct run_plan plan = *p;
            plan.start = start;
            char what[512], why[256];
            plan_describe(k, &plan, c->s, what, sizeof what);
            if (plan_too_heavy(c->s, k, &plan, why, sizeof why)) {
                verdict(c, "SKIP", what, "%s", why);
                continue;
            }
            struct child_result r;
            if (run_strategy(c, k, c->s, &plan, &r) != 0)
                return false;
            bool ok = judge(c, what, k, &r, true);
            child_result_free(&r);
            if (first && !ok) {
                verdict(c, "STOP", "the first run failed, so every other one would",
                        "fix what its message says, rebuild, and check again");
                return false;
            }
            first = false;
        }
    }
    return true;
}

/* Exec'd workers: the matrix again, or a refusal before anything is built. */
static void check_exec(struct checker *c)
{
    const struct strategy *s = c->s;
    if (s->kind != STRATEGY_PROCESSES) {
        verdict(c, "SKIP", "exec         workers started by exec",
                "%s starts no worker processes: --start exec does not apply", s->name);
        return;
    }
    if (strategy_supports_exec(s)) {
        check_matrix(c, "exec");
        return;
    }
    struct run_plan plan = {.workers = 2, .feed = "ranges", .size = "1M", .start = "exec"};
    struct child_result r;
    if (run_strategy(c, &c->cases[0], s, &plan, &r) != 0)
        return;
    char reason[1200];
    last_line(r.err, reason, sizeof reason);
    char *cut = strchr(reason, ';'); /* the first clause says why; the rest names the others */
    if (cut)
        *cut = '\0';
    const char *why = strncmp(reason, "sharebench run: ", 16) == 0 ? reason + 16 : reason;
    if (r.status == EXIT_USAGE && strstr(reason, "cannot work with --start exec"))
        verdict(c, "PASS", "exec         refused before anything is built (no adopt hook)", "%s",
                why);
    else
        verdict(c, "FAIL", "exec         refused before anything is built (no adopt hook)",
                "expected exit 2 and the reason; got exit %d: %s", r.status, why);
    child_result_free(&r);
}

/* A worker killed mid-run: the run is fed through a pipe, so it cannot end before the check
 * has killed one of its workers and written the rest. */
static void check_kill(struct checker *c, const char *start)
{
    char what[256];
    snprintf(what, sizeof what,
             "kill         a worker killed mid-run is replaced, the answer "
             "stays exact (start=%s)",
             start);
    if (c->s->kind != STRATEGY_PROCESSES) {
        verdict(c, "SKIP", "kill         a worker killed mid-run",
                "%s has no worker processes to kill (%s)", c->s->name,
                c->s->kind == STRATEGY_THREADS ? "a thread that dies takes the process with it"
                                               : "the parent classifies");
        return;
    }
    const struct check_case *k = &c->cases[c->ncases - 1];
    struct child_result r;
    char why[1024] = "";
    if (run_with_kill(c, k, start, &r, why, sizeof why) != 0) {
        verdict(c, "FAIL", what, "%s", why);
        return;
    }
    char restarts[32] = "0";
    summary_lookup(r.out, "worker_restarts", restarts, sizeof restarts);
    if (!run_gives_answer(k, &r, false, why, sizeof why))
        verdict(c, "FAIL", what, "%s", why);
    else if (atoi(restarts) < 1)
        verdict(c, "FAIL", what, "expected worker_restarts >= 1, got worker_restarts=%s", restarts);
    else
        verdict(c, "PASS", what, NULL);
    child_result_free(&r);
}

#define MEMORY_ATTEMPTS 3

/* Copies of the model with 4 workers, one copy being what serial's model costs in this build
 * (the allocator, sanitizers included, is the same for both). */
static void check_memory(struct checker *c)
{
    const struct strategy *s = c->s;
    if (s->kind == STRATEGY_IN_PROCESS) {
        verdict(c, "SKIP", "memory       copies of the model", "%s is the measure of one copy",
                s->name);
        return;
    }
    char what[256], why[1024];
    snprintf(what, sizeof what, "memory       %d workers hold %s of the model",
             CHECK_MEMORY_WORKERS,
             s->model_shared ? "at most 1.1 copies" : "a measured number of copies");
    /* A peak can only be over-counted (a sample reads the processes one after another, and
     * catches some pages twice while workers map or drop them; a sanitizer's allocator grows
     * with the work done), never under-counted: a strategy that shares the model is given
     * MEMORY_ATTEMPTS measurements to show it, and the least is its figure. */
    double copies = INFINITY, one = 0;
    for (int attempt = 0; attempt < MEMORY_ATTEMPTS; attempt++) {
        double serial_mb, strategy_mb;
        if (measure_growth(c, &strategy_serial, &serial_mb, why, sizeof why) != 0 ||
            measure_growth(c, s, &strategy_mb, why, sizeof why) != 0) {
            verdict(c, "FAIL", what, "%s", why);
            return;
        }
        if (strategy_mb / serial_mb < copies)
            copies = strategy_mb / serial_mb, one = serial_mb;
        if (!s->model_shared || copies <= MODEL_SHARED_MAX_COPIES)
            break;
    }
    if (s->model_shared && !(copies <= MODEL_SHARED_MAX_COPIES))
        verdict(c, "FAIL", what,
                "expected at most %.2f copies (it declares model_shared); got "
                "%.2f (one copy: %.1f MB)",
                MODEL_SHARED_MAX_COPIES, copies, one);
    else
        verdict(c, "PASS", what, "%.2f copies (one copy: %.1f MB in this build)%s", copies, one,
                s->model_shared ? "" : "; no bound: it does not declare model_shared");
}

/* What `sharebench list` and a refusal say about the strategy is written, not a placeholder. */
static void check_description(struct checker *c)
{
    const struct strategy *s = c->s;
    const char *what = "describe     its summary (and, without adopt, fork_only) say what it is";
    bool needs_reason = s->kind == STRATEGY_PROCESSES && s->adopt == NULL;
    if (s->summary == NULL || s->summary[0] == '\0' || strstr(s->summary, "TODO"))
        verdict(c, "FAIL", what, "expected a one-line summary for 'sharebench list'; got '%s'",
                s->summary ? s->summary : "(none)");
    else if (needs_reason && (s->fork_only == NULL || strstr(s->fork_only, "TODO")))
        verdict(c, "FAIL", what,
                "expected fork_only to say where the model lives that only fork "
                "reaches (step 5); got '%s'",
                s->fork_only ? s->fork_only : "(none)");
    else
        verdict(c, "PASS", what, NULL);
}

/* ---- the command --------------------------------------------------------------------------- */

static void check_help(void)
{
    printf("usage: sharebench check --strategy NAME [--cases DIR] [--timeout SECONDS]\n\n"
           "Grades a strategy: runs the conformance cases through 'sharebench run' and prints\n"
           "one line per check: PASS; FAIL with what was expected and what came back; SKIP\n"
           "with why. The checks:\n"
           "  reference    serial gives the figures of the cases' EXPECTED.md\n"
           "  conformance  the strategy gives serial's rows, rejected, checksum and rejection\n"
           "               lines with 1, 2 and 4 workers, chunks of 1, 7 and 256 records\n"
           "               (record feed) and ranges of 97, 4096 and 1M bytes (range feed)\n"
           "  exec         the same with workers started by exec, or for a strategy without\n"
           "               an adopt hook, a refusal before anything is built\n"
           "  kill         a worker killed mid-run (SIGKILL) is replaced and the answer stays\n"
           "               exact, with fork and, where it works, exec\n"
           "  memory       with 4 workers, at most 1.1 copies of the model for a strategy that\n"
           "               declares model_shared (one copy: what serial's model costs;\n"
           "               the least of up to 3 measurements, since a peak can only be\n"
           "               over-counted)\n"
           "  describe     its summary, and the reason it needs fork if it has no adopt hook,\n"
           "               are written (no TODO left from the template)\n"
           "If the first run fails, the check stops there: its message says what to do.\n"
           "Start a strategy of your own with scripts/new-strategy NAME.\n\n"
           "  --strategy NAME    the strategy to check (see 'sharebench list')\n"
           "  --cases DIR        the conformance cases (default: those of the source tree\n"
           "                     this binary was built from, %s)\n"
           "  --timeout SECONDS  the longest one run may take before it is killed and fails\n"
           "                     (default 120)\n\n"
           "Exit status: 0 every check passed (or was skipped), 1 a check failed,\n"
           "2 bad usage or no cases.\n",
           SHAREBENCH_CASES_DIR);
}

static int parse_check_args(int argc, char **argv, struct checker *c)
{
    static const struct option longopts[] = {{"strategy", required_argument, NULL, 's'},
                                             {"cases", required_argument, NULL, 'c'},
                                             {"timeout", required_argument, NULL, 't'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    uint64_t v;
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        switch (opt) {
        case 's':
            c->s = strategy_find(optarg);
            if (c->s == NULL)
                return cli_usage_error("check",
                                       "no strategy '%s' ('sharebench list' names "
                                       "them)",
                                       optarg);
            break;
        case 'c':
            c->cases_dir = optarg;
            break;
        case 't':
            if (cli_count("check", "timeout", optarg, 1, 3600, &v) != 0)
                return EXIT_USAGE;
            c->timeout = (double)v;
            break;
        case 'h':
            check_help();
            return -1;
        case ':':
            return cli_usage_error("check", "%s needs a value", argv[optind - 1]);
        default:
            return cli_usage_error("check", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("check", "unexpected argument '%s'", argv[optind]);
    if (c->s == NULL)
        return cli_usage_error("check", "--strategy is required");
    return 0;
}

/* A private directory for the runs' output and scratch files, named after this process
 * (sharebench-check-PID-XXXXXX): if check is killed with SIGKILL, `sharebench clean` and
 * scratch_sweep know it for ours and remove it once PID no longer runs. */
static int make_dir(struct checker *c, struct error *err)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(c->dir, sizeof c->dir, "%s/sharebench-check-%d-XXXXXX", tmp && *tmp ? tmp : "/tmp",
             (int)getpid());
    if (mkdtemp(c->dir) == NULL)
        return error_errno(err, "cannot make a directory %s", c->dir);
    return 0;
}

/* Remove the directory and whatever the runs left in it (their output, a killed run's
 * scratch files). */
static void remove_dir(const struct checker *c)
{
    DIR *d = opendir(c->dir);
    struct dirent *e;
    char path[sizeof c->dir + 300];
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", c->dir, e->d_name);
        if (unlink(path) != 0)
            fprintf(stderr, "sharebench check: cannot remove %s\n", path);
    }
    if (d)
        closedir(d);
    if (rmdir(c->dir) != 0)
        fprintf(stderr, "sharebench check: cannot remove %s\n", c->dir);
}

static void run_checks(struct checker *c)
{
    printf("sharebench check: strategy %s, cases %s\n", c->s->name, c->cases_dir);
    if (!check_reference(c) || !check_matrix(c, "fork"))
        return;
    check_exec(c);
    check_kill(c, "fork");
    if (c->s->kind == STRATEGY_PROCESSES && strategy_supports_exec(c->s))
        check_kill(c, "exec");
    check_memory(c);
    check_description(c);
}

int cmd_check(int argc, char **argv)
{
    struct checker c = {.cases_dir = SHAREBENCH_CASES_DIR, .timeout = 120};
    int rc = parse_check_args(argc, argv, &c);
    if (rc != 0)
        return rc < 0 ? EXIT_OK : rc;
    struct error err;
    if (load_cases(&c, &err) != 0) {
        fprintf(stderr, "sharebench check: %s\n", err.msg);
        return EXIT_USAGE;
    }
    if (make_dir(&c, &err) != 0) {
        fprintf(stderr, "sharebench check: %s\n", err.msg);
        return EXIT_FAILURE_RUN;
    }
    interrupt_install();
    signal(SIGPIPE, SIG_IGN); /* a run that dies while fed shows as EPIPE */
    run_checks(&c);
    remove_dir(&c);
    if (interrupt_signal()) {
        fprintf(stderr, "sharebench check: interrupted\n");
        return 128 + interrupt_signal();
    }
    bool whole = c.failed == 0 && c.unstarted == 0;
    printf("%s: %u passed, %u failed, %u skipped%s\n", c.s->name, c.passed, c.failed, c.skipped,
           whole ? ": every check passes" : "");
    if (c.unstarted)
        fprintf(stderr,
                "sharebench check: %u run(s) could not start (see above): the check is "
                "incomplete\n",
                c.unstarted);
    return whole ? EXIT_OK : EXIT_FAILURE_RUN;
}

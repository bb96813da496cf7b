/* check_runs.h - the runs `sharebench check` makes, and how it judges them.
 *
 * The cases come from EXPECTED.md of the conformance directory (one table row each: spec,
 * records, results, rejected, checksum). A run is `sharebench run` of one strategy over one
 * case with a plan (workers, feed, chunk or range size, start method); its answer is right when
 * it exits 0 with the case's figures and the rejection lines serial printed.
 */
#ifndef SHAREBENCH_CHECK_RUNS_H
#define SHAREBENCH_CHECK_RUNS_H

#include "check_child.h"
#include "strategy.h"

#include <stdbool.h>
#include <stdint.h>

#define CHECK_CASES_MAX      8
#define CHECK_MEMORY_WORKERS 4 /* the memory check's worker count */

struct check_case {
    char spec[4096], records[4096]; /* paths */
    char name[256];                 /* the records file's name, for the lines */
    uint64_t rows, rejected;
    char checksum[32];
    char rejections[4096]; /* the rejection lines serial printed, one per line */
    uint64_t input_bytes;  /* the records file's size */
    size_t image_bytes;    /* the model's flat image: what a per-task strategy ships */
};

struct checker {
    const struct strategy *s;
    const char *cases_dir;
    double timeout; /* seconds, per run */
    char dir[4096]; /* the runs' output and scratch files */
    struct check_case cases[CHECK_CASES_MAX];
    unsigned ncases;
    unsigned passed, failed, skipped;
    unsigned unstarted; /* runs that could not even start (each reason printed) */
};

/* How one run is made; start is "fork" or "exec". A list ends with feed NULL. */
struct run_plan {
    unsigned workers;
    const char *feed; /* "records" or "ranges" */
    const char *size; /* --chunk or --range-bytes */
    const char *start;
};

/* Read the cases of c->cases_dir/EXPECTED.md. Returns 0, or -1 with err. */
int load_cases(struct checker *c, struct error *err);

/* The plans to run a strategy with: a worker matrix, or one plan for a strategy that runs no
 * workers. */
const struct run_plan *plans_for(const struct strategy *s);

/* "conformance  NAME workers=W feed=F chunk=C start=S", for the lines. */
void plan_describe(const struct check_case *k, const struct run_plan *p, const struct strategy *s,
                   char *out, size_t cap);

/* Would this plan ship the model so many times (a strategy with model_per_task, a small task
 * size) that the run is not worth making? why says how much. */
bool plan_too_heavy(const struct strategy *s, const struct check_case *k, const struct run_plan *p,
                    char *why, size_t cap);

/* Run strategy s over case k with plan p (NULL: the run's defaults), without memory sampling.
 * Returns 0 with r filled (free it with child_result_free), or -1 when the run could not even
 * be started (the reason is printed). */
int run_strategy(struct checker *c, const struct check_case *k, const struct strategy *s,
                 const struct run_plan *p, struct child_result *r);

/* The same over standard input, fed in two halves, with one worker killed (SIGKILL) between
 * them. Returns 0 with r filled, or -1 with why (no worker to kill, the run stopped). */
int run_with_kill(struct checker *c, const struct check_case *k, const char *start,
                  struct child_result *r, char *why, size_t cap);

/* What strategy s adds to the memory of a run over the last case with 4 workers: peak summed
 * PSS minus the run's own empty-model baseline, in MB. Returns 0, or -1 with why. */
int measure_growth(struct checker *c, const struct strategy *s, double *mb, char *why, size_t cap);

/* Did the run give case k's answer (and, if lines, serial's rejection lines)? If not, why
 * says what was expected and what came back. */
bool run_gives_answer(const struct check_case *k, const struct child_result *r, bool lines,
                      char *why, size_t cap);

/* The rejection lines in a run's standard error, one per line, into out. */
void rejection_lines(const char *err, char *out, size_t cap);

#endif

/* python_run.h - the Python idioms (strategies/python) as strategies of the harness: py:NAME.
 *
 * `sharebench run --strategy py:NAME` starts the Python program (sharebench_py.py run) in a
 * process group of its own, samples the memory of the whole group with the sampler the C runs
 * use (the baseline is measured as for C: baseline.c runs the same idiom with a one-token
 * model; the peaks are those of the pool at work (python_watch.h): the temporaries a numpy
 * build frees before, and a Python worker's start, would otherwise count as copies of the
 * model; a C build and a forked C worker leave none), forwards SIGINT and SIGTERM, and stops the
 * program when it stalls: Python's Pool waits for ever for a task whose worker died, so a worker
 * that ends before the run is done, or no result for --task-timeout seconds, ends the run (exit 1).
 * The summary line has the keys of a C run, from the figures the program reports (rows, rejected,
 * checksum, timings) and the ones the harness measured (memory, the workers' faults and CPU time),
 * then model= and python=.
 *
 * To `list` and `compare`, an idiom is a struct strategy whose hooks are never called: its
 * name, summary and kind, whether it takes --start exec (Python's spawn: it has adopt), why
 * not (fork_only), and its C counterpart's costs (model_per_worker, model_per_task). They come
 * from `sharebench_py.py list --tsv`, asked once per process.
 *
 * The program is $SHAREBENCH_PY, or strategies/python/sharebench_py.py of the source tree this
 * was built from; the interpreter is $SHAREBENCH_PYTHON, or /usr/bin/python3 (Debian's, with
 * python3-numpy).
 */
#ifndef SHAREBENCH_PYTHON_RUN_H
#define SHAREBENCH_PYTHON_RUN_H

#include "run.h"
#include "strategy.h"
#include "summary.h"
#include "util.h"

#include <stdbool.h>
#include <stdio.h>

#define PYTHON_PREFIX "py:"

/* The py: strategy called name: "py:IDIOM" (its own model representation) or
 * "py:IDIOM:MODEL" (objects, lists or numpy). NULL with err saying why otherwise, also for a
 * name that is not py: at all ("no strategy 'NAME' ..."). */
const struct strategy *python_strategy_find(const char *name, struct error *err);

/* Whether python_strategy_find failed because the Python program could not be started to
 * list its idioms (a process limit, say): the run failed, where a wrong name is bad usage. */
bool python_idioms_not_started(void);

/* Is s one of the strategies python_strategy_find made? */
bool python_strategy_is(const struct strategy *s);

/* Print one line per idiom, for `sharebench list`. Returns 0, or -1 with err. */
int python_list(FILE *out, struct error *err);

/* compare: a py: run always has the record feed (Python's Pool parses in the parent and ships
 * chunks) and no --touch (CPython's reference counts write for real). So for s, the feed to
 * use instead of feed, and whether the configuration with the feed_index-th feed and touch
 * exists at all (always true for a C strategy). */
enum run_feed python_config_feed(const struct strategy *s, enum run_feed feed);
bool python_config_exists(const struct strategy *s, unsigned feed_index, bool touch);

/* The summary keys a py: run prints after those of a C run, appended to keys (max in all) when
 * one of the n strategies is py:. Returns how many were added. */
int python_summary_keys(const struct strategy *const *strategies, unsigned n, const char **keys,
                        int max);

/* Between the two files of this part (python_idioms.c, python_run.c): the interpreter and
 * the program, and what a py: strategy stands for. */
const char *python_interpreter(void);
const char *python_script(void);
const char *python_strategy_idiom(const struct strategy *s); /* "global_fork" */
const char *python_strategy_model(const struct strategy *s); /* "objects" or "numpy" */

/* Refuse, before anything runs, what no py: run can do (--touch, the range feed): -1 with err.
 * (A start method or model the idiom cannot use, the program itself refuses.) */
int python_check_options(const struct run_options *opt, struct error *err);

/* Run opt's py: strategy, measured (opt->baseline_mb as measured by baseline.c, or < 0), and
 * fill sm with its summary. Returns the exit status: 0, or what the failure calls for, its
 * message printed (by the program, or here). */
int python_run(const struct run_options *opt, struct summary *sm);

#endif

/* test_hooks.h - faults and pauses the tests plant through the environment, kept out of the
 * run's own code. Unset, nothing changes: the classifier is left exactly as the strategy
 * resolved it, and no pause point does anything.
 *
 * SHAREBENCH_TEST_POISON=ID: a worker that meets the record with that id kills itself
 * (SIGKILL), as a crash on a poison record would; the tests use it to check that a dead
 * worker's tasks are sent again and a task that keeps killing workers is reported. A run
 * that classifies in its own process ignores it (`check` runs serial as its reference with
 * the poison set).
 *
 * SHAREBENCH_TEST_STOP=ID[,ID...] with SHAREBENCH_TEST_STOP_DIR=DIR: the first process of the
 * run to meet one of these records (a worker, or the run itself when it classifies in
 * process) writes its pid to DIR/stop-ID and stops (SIGSTOP) before classifying it. The run
 * cannot end while it is stopped: a test kills or signals it there, whatever the machine's
 * speed, then lets it go on (SIGCONT). Later processes that meet the record go on.
 *
 * SHAREBENCH_TEST_PAUSE=POINT: the run stops itself (SIGSTOP) when it reaches POINT, for a
 * test to land a kill or a signal exactly there:
 *   last_result  every result is in; the workers are not yet told that the input ended
 *   committed    the run has finished and committed its results; the exit status is not yet
 *                fixed (a py: run's Python program, sbpy/run.py, stops there too)
 */
#ifndef SHAREBENCH_TEST_HOOKS_H
#define SHAREBENCH_TEST_HOOKS_H

#include "classify.h"

#include <stdbool.h>

/* Wrap c in the planted faults the environment asks for, if any (once per task). in_process:
 * the run classifies in its own process (serial), where a poison record would kill the run
 * rather than a worker that can be replaced: only the stops apply there. */
void test_hooks_wrap(struct classifier *c, bool in_process);

/* Stop here if SHAREBENCH_TEST_PAUSE names point. */
void test_hooks_pause(const char *point);

#endif

/* test_hooks.h - faults the tests plant in workers, kept out of the workers' own code.
 *
 * SHAREBENCH_TEST_POISON=ID: a worker that meets the record with that id kills itself
 * (SIGKILL), as a crash on a poison record would; the tests use it to check that a dead
 * worker's tasks are sent again and a task that keeps killing workers is reported. Unset, the
 * worker's classifier is left exactly as the strategy resolved it.
 */
#ifndef SHAREBENCH_TEST_HOOKS_H
#define SHAREBENCH_TEST_HOOKS_H

#include "classify.h"

/* Wrap c in the planted faults the environment asks for, if any (once per task). */
void test_hooks_wrap(struct classifier *c);

#endif

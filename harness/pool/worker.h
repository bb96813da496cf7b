/* worker.h - what a worker does, process or thread: read tasks, classify, send results.
 *
 * The loop is the same for every strategy; the strategy is reached only through its hooks
 * (attach once, resolve and release per chunk, detach at the end).
 */
#ifndef SHAREBENCH_WORKER_H
#define SHAREBENCH_WORKER_H

#include "strategy.h"
#include "util.h"

#include <stdbool.h>

struct worker_config {
    const struct strategy *strategy;
    struct strategy_state *state;
    bool want_lines; /* send the result lines back, not only their checksum */
    /* The range feed: the input the worker reads its ranges from (pread: one descriptor may
     * serve every worker), its name for messages, and the field limit; input_fd -1 without. */
    int input_fd;
    const char *input_name;
    size_t field_limit;
};

/* Serve tasks from task_fd until it ends, writing a result per task to result_fd. Returns 0
 * at a clean end, -1 with err when the worker cannot go on (it has then sent what it could). */
int worker_serve(const struct worker_config *cfg, int task_fd, int result_fd, struct error *err);

/* Tell the parent, on result_fd, that this worker could not set up (before any task): the
 * parent stops the run with the message. */
int worker_send_setup_error(int result_fd, const char *message, struct error *err);

#endif

/* check_child.h - one `sharebench run` started by `sharebench check`, kept on a leash.
 *
 * The strategy under test may crash, hang or leave workers behind, and the checker must go on
 * and say so. So each run is a child in a process group of its own (one signal ends it with its
 * workers), its standard output and error go to files in the checker's directory, it gets a
 * time limit, and its standard input may be a pipe the checker writes in steps (to kill a
 * worker while the run is provably still going: it cannot end before its input does).
 */
#ifndef SHAREBENCH_CHECK_CHILD_H
#define SHAREBENCH_CHECK_CHILD_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct child {
    pid_t pid;       /* also its process group */
    int stdin_fd;    /* the write end of its standard input, or -1 */
    double deadline; /* now_seconds() after which it is killed */
    char out_path[4200], err_path[4200];
};

/* How it ended, and what it printed (both NUL-terminated, malloc'd). */
struct child_result {
    int status; /* exit status, or 128 + signal */
    bool timed_out;
    char *out, *err;
};

/* Start exe with argv (NULL-terminated) in a new process group, stdout and stderr to
 * dir/out and dir/err, standard input a pipe if with_stdin (else /dev/null), killed after
 * timeout seconds. Returns 0, or -1 with err. */
int child_start(const char *exe, const char *const argv[], const char *dir, bool with_stdin,
                double timeout, struct child *c, struct error *err);

/* Write len bytes to its standard input. Returns 0; -1 with err if it stopped reading (it
 * ended) or the deadline passed. */
int child_feed(struct child *c, const void *data, size_t len, struct error *err);

/* Its worker processes' pids (its children, from /proc), at most max: how many. Waits for at
 * least one until the deadline; 0 if none came. */
unsigned child_workers(const struct child *c, pid_t *pids, unsigned max);

/* Close its standard input, wait for it to end (killing its group at the deadline, or when
 * the checker itself is interrupted), and read what it printed. Returns 0, or -1 with err. */
int child_finish(struct child *c, struct child_result *r, struct error *err);

void child_result_free(struct child_result *r);

/* The last non-empty line of text, copied into out (for messages). */
const char *last_line(const char *text, char *out, size_t cap);

#endif

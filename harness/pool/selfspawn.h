/* selfspawn.h - run this same binary as a fresh child process and take what it prints.
 *
 * Measurements that must not disturb each other (memory above all: a process's peak never
 * goes down) run each in a process of its own. */
#ifndef SHAREBENCH_SELFSPAWN_H
#define SHAREBENCH_SELFSPAWN_H

#include "util.h"

#include <stddef.h>

/* Run the program exe (NULL: this same binary) with argv; its stdout goes into out (cap
 * bytes, NUL-terminated, the rest dropped), its stderr to the file stderr_path (NULL:
 * /dev/null). Returns the exit status (128 + signal if killed), or -1 with err if it could
 * not be started. While the child runs, SIGINT and SIGTERM taken by interrupt.h's handlers
 * are forwarded to it (interrupt_forward). */
int spawn_capture(const char *exe, char *const argv[], char *out, size_t cap,
                  const char *stderr_path, struct error *err);

/* The same with the child's stderr written to the open descriptor stderr_fd. */
int spawn_capture_fd(const char *exe, char *const argv[], char *out, size_t cap, int stderr_fd,
                     struct error *err);

/* spawn_capture of this same binary. */
static inline int spawn_self(char *const argv[], char *out, size_t cap, const char *stderr_path,
                             struct error *err)
{
    return spawn_capture(NULL, argv, out, cap, stderr_path, err);
}

#endif

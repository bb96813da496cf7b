/* util.h - small helpers every module uses: errors as messages, checked allocation, clocks.
 *
 * Library code never exits: it reports a failure by filling a `struct error` and returning
 * -1 (or NULL), so that callers which own processes and shared memory can clean up first.
 * Allocation failure is the one exception: xmalloc() and friends print a message and exit
 * with status 1 (never abort: no core, no signal), because there is nothing sensible to do
 * without memory and checking every small allocation would drown the ideas this code exists
 * to show. Where one allocation is most of the run's memory (the model), the code checks it
 * itself and says what did not fit.
 */
#ifndef SHAREBENCH_UTIL_H
#define SHAREBENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Exit codes of every program and subcommand (128 + the signal for a run stopped by SIGINT or
 * SIGTERM): the command line and the Python runner, which reports as it does, share them. */
enum {
    EXIT_OK = 0,
    EXIT_FAILURE_RUN = 1, /* the run could not finish: a write failed, a worker died, ... */
    EXIT_USAGE = 2,       /* bad flags, or input that cannot be used (spec, records file) */
};

/* A failure described for a human: "FILE:LINE: what went wrong" where a place is known. */
struct error {
    char msg[1024];
};

/* Fill err (if not NULL) with a printf-style message. Always returns -1. */
int error_set(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Like error_set, with ": strerror(errno)" appended, and for EFBIG the file size limit
 * (ulimit -f) where one is set. Always returns -1. */
int error_errno(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Like error_errno, for a process or thread that could not be started (fork, posix_spawn,
 * pthread_create): where errno is EAGAIN and the per-user process limit is set, the message
 * ends with that limit, the usual cause (threads count against it as processes do). */
int error_cannot_start(struct error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The command that messages printed from deep inside name ("sharebench run"): set once by
 * main before anything else runs; "sharebench" until then. The string must outlive the
 * process (a literal or a static buffer). */
void util_set_command(const char *command);
const char *util_command(void);

/* Print "COMMAND: out of memory: SIZE bytes for WHAT" (what NULL: "out of memory (asked for
 * SIZE bytes)") and exit with status 1. */
void out_of_memory(const char *what, size_t size) __attribute__((noreturn));

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);

/* Seconds on the monotonic clock, for measuring intervals. */
double now_seconds(void);

/* Parse a whole string as an unsigned 64-bit decimal. Returns -1 on anything else
 * (empty, sign, trailing bytes, overflow). */
int parse_u64(const char *s, uint64_t *out);

/* Parse a size with an optional K/M/G suffix (binary units): "1M" is 1048576. */
int parse_size(const char *s, uint64_t *out);

#endif

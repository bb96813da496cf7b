/* procgroup.h - the processes of one process group, found in /proc.
 *
 * A program the harness starts in a process group of its own (a Python idiom's interpreter)
 * starts processes the harness never sees start: a Pool's workers, a forkserver, a resource
 * tracker. They all stay in the group, so the group is how the harness finds them: every
 * /proc/PID/stat whose process group is the one it started. From the same line come each
 * process's minor and major faults and its CPU time.
 */
#ifndef SHAREBENCH_PROCGROUP_H
#define SHAREBENCH_PROCGROUP_H

#include "util.h"

#include <stdint.h>
#include <sys/types.h>

struct procgroup_member {
    pid_t pid;
    char state; /* R, S, D, ...; Z: it has ended and waits to be reaped */
    uint64_t minor_faults, major_faults;
    double cpu_seconds; /* user + system */
};

/* Read one process's /proc/PID/stat into out; with pgid, only if it is in that group.
 * Returns 0, or -1 if it is gone (or elsewhere). */
int procgroup_read(pid_t pid, pid_t pgid, struct procgroup_member *out);

/* The members of process group pgid other than pgid itself, in no order, up to cap of them
 * into out. Returns how many there are (possibly more than cap), or -1 with err. */
int procgroup_scan(pid_t pgid, struct procgroup_member *out, unsigned cap, struct error *err);

#endif

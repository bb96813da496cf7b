/* input_id.h - did the input change while it was read? A run takes the file's identity
 * (device, inode), size, modification and change times when it starts and compares them when it
 * ends: a file truncated, appended to, rewritten or replaced under a run would give figures of no
 * file in particular, so such a run fails instead of reporting them. Pipes and standard
 * input have no identity to compare and are not checked.
 */
#ifndef SHAREBENCH_INPUT_ID_H
#define SHAREBENCH_INPUT_ID_H

#include "util.h"

#include <stdbool.h>
#include <sys/stat.h>

struct input_id {
    bool regular; /* a regular file: the only kind that is checked */
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    struct timespec ctime; /* an edit in place with its mtime set back still moves this */
};

/* Take path's identity now ("-" or a non-regular file: nothing to check). */
void input_id_take(const char *path, struct input_id *id);

/* 0 if path is still the file `before` describes; -1 with err naming the file and what
 * changed otherwise. */
int input_id_check(const char *path, const struct input_id *before, struct error *err);

#endif

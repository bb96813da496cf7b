/* scratch.h - files a run keeps in a scratch directory, and their removal once their run is
 * gone.
 *
 * A file that other programs must open by name (mapped_file's image for exec'd workers) cannot
 * be nameless, and a SIGKILLed owner runs no code to remove it. So such a file is named after
 * its owner, sharebench-PID-N.img (sharebench-PID-N.img.tmp while it is being written), and
 * the owner holds a lock on it (flock) for as long as it lives: the kernel drops the lock
 * when the process dies, however it dies. A file of ours that nobody holds locked and whose
 * owner no longer runs is stale, and scratch_sweep removes it. Either test alone would do in
 * most cases; the lock covers an owner in another PID namespace sharing the directory (a
 * container), the PID covers the instant between creating a file and locking it: an unlocked
 * image older than 10 s is stale whatever runs under its PID (PID 1 would otherwise keep
 * sharebench-1-0.img forever). A PID that started after a file was last written (recycled)
 * is not its owner. Python's memmap images (sharebench-py-PID-N.img, strategies/python/sbpy/
 * idioms/memmap.py) follow the same protocol.
 * Files of other users are never removed, whoever sweeps (root included): the directory may
 * be shared, and their runs may be in a PID namespace that this one cannot see. The folder a
 * `sharebench check` works in, sharebench-check-PID-XXXXXX, is swept the same way (by PID
 * only: it holds no lock), with the files in it.
 */
#ifndef SHAREBENCH_SCRATCH_H
#define SHAREBENCH_SCRATCH_H

#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The scratch directory: dir if not NULL, else $TMPDIR if set and not empty, else /tmp. */
const char *scratch_dir(const char *dir);

/* DIR/sharebench-PID-N.img for this process into out. Returns -1 if it does not fit. */
int scratch_image_path(char *out, size_t cap, const char *dir, unsigned n);

/* Mark the open file fd as in use by this process (a lock it holds until it closes fd, or
 * ends). Returns -1 with err naming path. */
int scratch_claim(int fd, const char *path, struct error *err);

/* One of our files found by scratch_sweep. */
struct scratch_file {
    const char *path;
    pid_t owner;    /* the PID in its name */
    uint64_t bytes; /* its size */
    bool removed;   /* false: in use (errnum 0), another user's (foreign), or removal failed
                     * (errnum says why) */
    bool foreign;   /* another user's file: never removed, even by root */
    unsigned uid;   /* its owner */
    int errnum;
};

/* Remove every stale file of ours from dir, calling report (if not NULL) for each file of
 * ours seen, removed or not. Returns the number removed, or -1 with err if dir cannot be
 * read. Other files, and ours that are in use, are left alone. */
int scratch_sweep(const char *dir, void (*report)(void *arg, const struct scratch_file *f),
                  void *arg, struct error *err);

/* The same for the files of one owner only, a process that has ended (a Python program
 * killed before it could remove its memmap image, say). */
int scratch_sweep_owner(const char *dir, pid_t owner, struct error *err);

#endif

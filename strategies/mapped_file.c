/* mapped_file.c - the model's flat image written once to a file, mapped read-only by every
 * worker.
 *
 * What it does: the parent writes the flat image (harness/workload/image.h) straight from the
 *   spec into a new file in the scratch directory and maps it PROT_READ and MAP_SHARED before
 *   the workers start. Forked workers inherit that mapping; an exec'd worker is given the
 *   file's name and maps it itself. Each worker checks the image and compiles its rules,
 *   exactly as shared_arrays does; the image bytes are the page cache's pages, mapped into
 *   every worker.
 * What it costs: one pass to write the image (plus the file system's work to keep its pages),
 *   a mapping and a rule compile per worker, nothing per task. Memory is one copy: the page
 *   cache holds the file once, however many processes map it, forked or not; the first touch
 *   of each page in a worker is a minor fault, not a copy. A write faults (the mapping is
 *   read-only); --touch counters live in private memory, as for shared_arrays.
 * When to use it: when workers are not children of the builder, or not even started by it:
 *   an exec'd worker, a process started later, another program entirely only needs the path
 *   (and a file is also how a model is shipped to other machines). The price, next to
 *   shared_arrays: a name in a file system is a thing someone must clean up. So the file is
 *   born nameless (O_TMPFILE) and gets a name only when exec'd workers need one, once it is
 *   complete (linkat: no process ever sees half an image under a name); a SIGKILLed parent
 *   leaves that name, sharebench-PID-N.img, which the next run in the same directory or
 *   `sharebench clean` removes (harness/support/scratch.h). Nothing seals the file against
 *   another writer with permission to open it.
 * The Python idiom it mirrors: `numpy.save` once, then `numpy.load(path, mmap_mode="r")` in
 *   each worker (or `np.memmap`): every worker reads the page cache's copy.
 */
#define _GNU_SOURCE /* O_TMPFILE, O_CLOEXEC, linkat, mmap under -std=c11 */
#include "strategy.h"

#include "image.h"
#include "scratch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

struct strategy_state {
    struct image_mapping mapping; /* first: the shared worker hooks read it (strategy.h) */
    int fd;          /* the parent's, open until teardown: it holds the in-use lock; else -1 */
    char dir[4096];  /* the scratch directory */
    char path[4096]; /* the image's name; "" while it has none */
    bool owner;      /* the parent wrote the file and removes it; an exec'd worker only maps it */
};

/* The next name for an image of this process (one process may prepare more than once:
 * tests, benchmarks). */
static int next_image_path(struct strategy_state *s, struct error *err)
{
    static unsigned images;
    if (scratch_image_path(s->path, sizeof s->path - 8, s->dir, images++) != 0)
        return error_set(err, "mapped_file: the scratch directory's name is too long");
    return 0;
}

/* A new, empty file for the image: nameless where the file system allows it (O_TMPFILE),
 * so that a crash at any instant leaves nothing; elsewhere named DIR/sharebench-PID-N.img.tmp
 * (into tmp) until it is complete. Read-only from birth: only this descriptor, opened for
 * writing, can fill it. */
static int create_image_file(struct strategy_state *s, char *tmp, size_t cap, struct error *err)
{
    tmp[0] = '\0';
    s->fd = open(s->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0444);
    if (s->fd >= 0)
        return 0;
    if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
        return error_errno(err, "mapped_file: %s: cannot create the model's image there", s->dir);
    for (unsigned tries = 0; s->fd < 0; tries++) {
        if (next_image_path(s, err) != 0)
            return -1;
        if ((size_t)snprintf(tmp, cap, "%s.tmp", s->path) >= cap)
            return error_set(err, "mapped_file: %s.tmp: the path is too long", s->path);
        s->fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
        if (s->fd < 0 && (errno != EEXIST || tries == 100)) {
            error_errno(err, "mapped_file: cannot create %s", tmp);
            s->path[0] = tmp[0] = '\0';
            return -1;
        }
    }
    return 0;
}

/* Reserve the image's blocks before writing through a mapping: a store to a page the file
 * system cannot back is a SIGBUS, not an error code, while posix_fallocate says ENOSPC. */
static int reserve(int fd, size_t size, const char *what, struct error *err)
{
    struct statvfs fs;
    double free_mb = fstatvfs(fd, &fs) == 0 ? (double)fs.f_bavail * (double)fs.f_frsize / 1e6 : -1;
    int rc = posix_fallocate(fd, 0, (off_t)size);
    if (rc == ENOSPC || rc == EDQUOT)
        return error_set(err,
                         "mapped_file: %s: no space for the model's image: it needs %.1f MB, "
                         "the file system has %.1f MB free (--scratch-dir DIR puts it elsewhere)",
                         what, (double)size / 1e6, free_mb);
    if (rc != 0) {
        errno = rc;
        return error_errno(err, "mapped_file: %s: cannot reserve %zu bytes for the model's image",
                           what, size);
    }
    return 0;
}

/* Write the image into fd (an empty file) through a writable mapping. */
static int write_image(int fd, const struct spec *spec, const char *what, struct error *err)
{
    size_t size = image_size_for_spec(spec);
    if (reserve(fd, size, what, err) != 0)
        return -1;
    void *w = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (w == MAP_FAILED)
        return error_errno(err, "mapped_file: %s: mmap for writing", what);
    image_write_from_spec(spec, w);
    if (munmap(w, size) != 0)
        return error_errno(err, "mapped_file: %s: munmap", what);
    return 0;
}

/* Write the image into a new file, locked as in use (scratch.h), complete before it has its
 * final name if it has one. */
static int publish_image(struct strategy_state *s, const struct spec *spec, struct error *err)
{
    char tmp[sizeof s->path];
    if (create_image_file(s, tmp, sizeof tmp, err) != 0)
        return -1;
    const char *what = tmp[0] ? tmp : s->dir;
    int rc = scratch_claim(s->fd, what, err);
    if (rc == 0)
        rc = write_image(s->fd, spec, what, err);
    if (rc == 0 && tmp[0] && rename(tmp, s->path) != 0)
        rc = error_errno(err, "mapped_file: rename %s to %s", tmp, s->path);
    if (rc != 0 && tmp[0]) {
        unlink(tmp);
        s->path[0] = '\0';
    }
    return rc;
}

/* Unmap, and remove the name; a nameless image goes with its last descriptor and mapping. */
static void mapped_file_teardown(struct strategy_state *s)
{
    image_mapping_unmap(&s->mapping);
    if (s->owner && s->path[0])
        unlink(s->path); /* every worker has ended: nobody maps it any more */
    if (s->fd >= 0)
        close(s->fd);
    free(s);
}

static int mapped_file_prepare(struct model_source *source, struct strategy_state **state,
                               struct error *err)
{
    struct strategy_state *s = xcalloc(1, sizeof *s);
    *s = (struct strategy_state){.fd = -1, .owner = true, .mapping.touch = source->spec->touch};
    const char *dir = scratch_dir(source->scratch_dir);
    if (snprintf(s->dir, sizeof s->dir, "%s", dir) >= (int)sizeof s->dir - 64) {
        free(s);
        return error_set(err, "mapped_file: the scratch directory's name is too long");
    }
    struct error ignored; /* an unreadable directory is reported when the image is created */
    scratch_sweep(s->dir, NULL, NULL, &ignored); /* the images of runs that were killed */
    double t0 = now_seconds();
    int rc = publish_image(s, source->spec, err);
    source->build_seconds = now_seconds() - t0; /* writing the image is building the model */
    if (rc == 0)
        rc = image_mapping_map(s->fd, &s->mapping, s->path[0] ? s->path : s->dir, err);
    if (rc != 0) {
        mapped_file_teardown(s);
        return -1;
    }
    *state = s;
    return 0;
}

/* Give the image a name: the complete file appears under it at once (linkat of the open
 * descriptor, through /proc, which needs no privilege where AT_EMPTY_PATH would). */
static int name_image(struct strategy_state *s, struct error *err)
{
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", s->fd);
    for (unsigned tries = 0;; tries++) {
        if (next_image_path(s, err) != 0)
            return -1;
        if (linkat(AT_FDCWD, self, AT_FDCWD, s->path, AT_SYMLINK_FOLLOW) == 0)
            return 0;
        if (errno != EEXIST || tries == 100) {
            error_errno(err, "mapped_file: cannot name the image %s", s->path);
            s->path[0] = '\0';
            return -1;
        }
    }
}

/* An exec'd worker needs only the name: the image gets one now, when one is needed. */
static int mapped_file_handoff(struct strategy_state *state, struct strategy_handoff *out,
                               struct error *err)
{
    if (state->path[0] == '\0' && name_image(state, err) != 0)
        return -1;
    snprintf(out->path, sizeof out->path, "%s", state->path);
    return 0;
}

static int mapped_file_adopt(const struct strategy_handoff *h, struct strategy_state **state,
                             struct error *err)
{
    if (h->path[0] == '\0')
        return error_set(err, "mapped_file: no image file was named (--path)");
    int fd = open(h->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return error_errno(err, "mapped_file: cannot open %s", h->path);
    struct strategy_state *s = xcalloc(1, sizeof *s);
    *s = (struct strategy_state){.fd = -1, .mapping.touch = h->spec->touch};
    snprintf(s->path, sizeof s->path, "%s", h->path);
    int rc = image_mapping_map(fd, &s->mapping, h->path, err);
    close(fd); /* the mapping keeps the file's pages; the descriptor is not needed */
    if (rc != 0) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

const struct strategy strategy_mapped_file = {
    .name = "mapped_file",
    .summary = "a flat image of the model written once to a file, mapped read-only (np.memmap)",
    .kind = STRATEGY_PROCESSES,
    .model_shared = true,
    .prepare = mapped_file_prepare,
    .attach = strategy_attach_image,
    .resolve = strategy_resolve_image,
    .detach = strategy_detach_image,
    .teardown = mapped_file_teardown,
    .handoff = mapped_file_handoff,
    .adopt = mapped_file_adopt,
};

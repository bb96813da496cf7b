/* shared_arrays.c - the model as one flat image in shared memory, mapped read-only.
 *
 * What it does: the parent writes the model's flat image (harness/workload/image.h: offsets, no
 *   pointers) into an anonymous memory file (memfd_create), seals the file against writes,
 *   and maps it MAP_SHARED and PROT_READ before forking. Every worker sees the same physical
 *   pages. The image is written straight from the spec: flattening an already built
 *   pointer-rich model would hold both forms at once, and that transient is the run's peak
 *   (measured on the default spec: 1.95 model copies instead of 1.0). Design the shared
 *   form first and build it directly; the native model is never built here. Each
 *   worker compiles the rules from the patterns in the image once (a compiled regex_t is not
 *   flat, so it cannot be shared; that is the lesson in miniature).
 * What it costs: one pass to write the image (setup, proportional to the model), a rule
 *   compile per worker (microseconds), nothing per task. Memory is exactly one copy, whatever
 *   the workers do: a write to the image faults (SIGSEGV) instead of copying a page, and the
 *   seal means no process can map the file writable again. A worker that wants per-entry
 *   mutable state (a visit counter, a cache) must keep it in its own private memory; that is
 *   the design answer, not a limitation. So under --touch (classify counts every visit, as
 *   CPython's reference counts do) each worker keeps its counters in a private array beside
 *   the image (4 bytes per token), and the image itself is never written, never copied.
 * When to use it: large read-only models with many workers, where memory decides; and
 *   whenever workers are not forked from the builder: with `--start exec` the memfd is
 *   inherited as a descriptor across exec (it could as well travel over a Unix socket with
 *   SCM_RIGHTS to an unrelated process), and the worker maps the same pages. The price is
 *   the flattening: pointer-rich structures must be re-laid as arrays.
 * The Python idiom it mirrors: numpy arrays in `multiprocessing.shared_memory.SharedMemory`
 *   (or `multiprocessing.Array`) built before the Pool, read by the workers in place.
 */
#define _GNU_SOURCE /* memfd_create, F_ADD_SEALS */
#include "strategy.h"

#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

struct strategy_state {
    struct image_mapping mapping; /* first: the shared worker hooks read it (strategy.h) */
    int fd;
};

/* Write the image through a writable mapping, then seal the file: from here on nobody can
 * write to it, through any mapping, in any process. */
static int fill_memfd(int fd, const struct spec *spec, size_t size, struct error *err)
{
    if (ftruncate(fd, (off_t)size) != 0)
        return error_errno(
            err, "shared_arrays: cannot size the model's image (a memfd) to %zu bytes", size);
    /* Take the memory now: a page the kernel cannot supply while the image is written through
     * the mapping would be a SIGBUS, not a message. */
    int rc = posix_fallocate(fd, 0, (off_t)size);
    if (rc != 0) {
        errno = rc;
        return error_errno(err, "shared_arrays: reserving %.1f MB of shared memory for the image",
                           (double)size / 1e6);
    }
    void *w = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (w == MAP_FAILED)
        return error_errno(err, "shared_arrays: mmap for writing");
    image_write_from_spec(spec, w);
    if (munmap(w, size) != 0)
        return error_errno(err, "shared_arrays: munmap");
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0)
        return error_errno(err, "shared_arrays: sealing the memfd");
    return 0;
}

/* The state over a sealed memfd: map it, read-only. Owns fd from here on. */
static int state_from_memfd(int fd, bool touch, struct strategy_state **state, struct error *err)
{
    struct strategy_state *s = xcalloc(1, sizeof *s);
    s->fd = fd;
    s->mapping.touch = touch;
    if (image_mapping_map(fd, &s->mapping, "shared_arrays", err) != 0) {
        close(fd);
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int shared_arrays_prepare(struct model_source *source, struct strategy_state **state,
                                 struct error *err)
{
    const struct spec *spec = source->spec;
    int fd = memfd_create("sharebench-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return error_errno(err, "shared_arrays: memfd_create");
    double t0 = now_seconds();
    int filled = fill_memfd(fd, spec, image_size_for_spec(spec), err);
    source->build_seconds = now_seconds() - t0; /* writing the image is building the model */
    if (filled != 0) {
        close(fd);
        return -1;
    }
    return state_from_memfd(fd, spec->touch, state, err);
}

/* An exec'd worker inherits the descriptor (the pool clears its close-on-exec flag for that
 * one child): the memfd is the model, whoever holds it. */
static int shared_arrays_handoff(struct strategy_state *state, struct strategy_handoff *out,
                                 struct error *err)
{
    (void)err;
    out->fd = state->fd;
    return 0;
}

static int shared_arrays_adopt(const struct strategy_handoff *h, struct strategy_state **state,
                               struct error *err)
{
    if (h->fd < 0)
        return error_set(err, "shared_arrays: no image descriptor was passed (--fd)");
    /* Trust, but check: the descriptor must be a sealed memfd, or a writer could change the
     * model under the workers. */
    int seals = fcntl(h->fd, F_GET_SEALS);
    if (seals < 0 || !(seals & F_SEAL_WRITE))
        return error_set(err, "shared_arrays: descriptor %d is not a write-sealed memfd", h->fd);
    return state_from_memfd(h->fd, h->spec->touch, state, err);
}

static void shared_arrays_teardown(struct strategy_state *state)
{
    image_mapping_unmap(&state->mapping);
    close(state->fd);
    free(state);
}

const struct strategy strategy_shared_arrays = {
    .name = "shared_arrays",
    .summary = "a flat image of the model in sealed shared memory (memfd), mapped read-only",
    .kind = STRATEGY_PROCESSES,
    .model_shared = true,
    .prepare = shared_arrays_prepare,
    .attach = strategy_attach_image,
    .resolve = strategy_resolve_image,
    .detach = strategy_detach_image,
    .teardown = shared_arrays_teardown,
    .handoff = shared_arrays_handoff,
    .adopt = shared_arrays_adopt,
};

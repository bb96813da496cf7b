/* mapped_file.c - the model's flat image written once to a file, mapped read-only by every
 * worker.
 *
 * What it does: the parent writes the flat image (harness/workload/image.h) straight from the spec into
 *   a temporary file beside its final name, then renames it into place: rename is atomic, so
 *   no process ever sees half an image under the final name. Each worker maps the file
 *   PROT_READ and MAP_SHARED, checks it and compiles its rules, exactly as shared_arrays
 *   does; the image bytes are the page cache's pages, mapped into every worker.
 * What it costs: one pass to write the image (plus the file system's work to keep its pages),
 *   a mapping and a rule compile per worker, nothing per task. Memory is one copy: the page
 *   cache holds the file once, however many processes map it, forked or not; the first touch
 *   of each page in a worker is a minor fault, not a copy. A write faults (the mapping is
 *   read-only); --touch counters live in private memory, as for shared_arrays.
 * When to use it: when workers are not children of the builder, or not even started by it:
 *   an exec'd worker, a process started later, another program entirely only needs the path
 *   (and a file is also how a model is shipped to other machines). The price, next to
 *   shared_arrays: the file is a name in a file system that someone must clean up (here the
 *   parent unlinks it at the end; a SIGKILLed parent leaves sharebench-PID-*.img behind), and
 *   nothing seals it against another writer with permission to open it.
 * The Python idiom it mirrors: `numpy.save` once, then `numpy.load(path, mmap_mode="r")` in
 *   each worker (or `np.memmap`): every worker reads the page cache's copy.
 */
#define _GNU_SOURCE /* O_CLOEXEC, ftruncate and mmap under -std=c11 */
#include "strategy.h"

#include "image.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

struct strategy_state {
    struct image_mapping mapping; /* first: the shared worker hooks read it (strategy.h) */
    char path[4096];
    bool owner; /* the parent wrote the file and removes it; an exec'd worker only maps it */
};

static const char *scratch_dir(const struct model_source *source)
{
    if (source->scratch_dir)
        return source->scratch_dir;
    const char *tmp = getenv("TMPDIR");
    return tmp && *tmp ? tmp : "/tmp";
}

/* Write the image into fd (an empty file) through a writable mapping. */
static int write_image(int fd, const struct spec *spec, const char *tmp, struct error *err)
{
    size_t size = image_size_for_spec(spec);
    if (ftruncate(fd, (off_t)size) != 0)
        return error_errno(err, "mapped_file: %s: ftruncate to %zu bytes", tmp, size);
    void *w = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (w == MAP_FAILED)
        return error_errno(err, "mapped_file: %s: mmap for writing", tmp);
    image_write_from_spec(spec, w);
    if (munmap(w, size) != 0)
        return error_errno(err, "mapped_file: %s: munmap", tmp);
    return 0;
}

/* Write the image to a temporary name and rename it to path: atomic for every reader. */
static int publish_image(const struct spec *spec, const char *path, struct error *err)
{
    char tmp[4096 + 16];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    /* Read-only from birth: only this descriptor, opened for writing, can fill it. */
    int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
    if (fd < 0)
        return error_errno(err, "mapped_file: cannot create %s", tmp);
    int rc = write_image(fd, spec, tmp, err);
    if (close(fd) != 0 && rc == 0)
        rc = error_errno(err, "mapped_file: %s: close", tmp);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = error_errno(err, "mapped_file: rename %s to %s", tmp, path);
    if (rc != 0)
        unlink(tmp);
    return rc;
}

/* The state over the file at path: open it and map it read-only. */
static int state_from_file(const char *path, bool touch, bool owner, struct strategy_state **state,
                           struct error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return error_errno(err, "mapped_file: cannot open %s", path);
    struct strategy_state *s = xcalloc(1, sizeof *s);
    snprintf(s->path, sizeof s->path, "%s", path);
    s->owner = owner;
    s->mapping.touch = touch;
    int rc = image_mapping_map(fd, &s->mapping, path, err);
    close(fd); /* the mapping keeps the file's pages; the descriptor is not needed */
    if (rc != 0) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int mapped_file_prepare(struct model_source *source, struct strategy_state **state,
                               struct error *err)
{
    char path[4096];
    static unsigned runs; /* one process may prepare more than once (tests, benchmarks) */
    int n = snprintf(path, sizeof path, "%s/sharebench-%d-%u.img", scratch_dir(source),
                     (int)getpid(), runs++);
    if (n < 0 || (size_t)n >= sizeof path - 16)
        return error_set(err, "mapped_file: the scratch directory's name is too long");
    double t0 = now_seconds();
    int rc = publish_image(source->spec, path, err);
    source->build_seconds = now_seconds() - t0; /* writing the image is building the model */
    if (rc != 0)
        return -1;
    if (state_from_file(path, source->spec->touch, true, state, err) != 0) {
        unlink(path);
        return -1;
    }
    return 0;
}

/* An exec'd worker needs only the name. */
static int mapped_file_handoff(struct strategy_state *state, struct strategy_handoff *out,
                               struct error *err)
{
    (void)err;
    snprintf(out->path, sizeof out->path, "%s", state->path);
    return 0;
}

static int mapped_file_adopt(const struct strategy_handoff *h, struct strategy_state **state,
                             struct error *err)
{
    if (h->path[0] == '\0')
        return error_set(err, "mapped_file: no image file was named (--path)");
    return state_from_file(h->path, h->spec->touch, false, state, err);
}

static void mapped_file_teardown(struct strategy_state *state)
{
    image_mapping_unmap(&state->mapping);
    if (state->owner)
        unlink(state->path); /* every worker has ended: nobody maps it any more */
    free(state);
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

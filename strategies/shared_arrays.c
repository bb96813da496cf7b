/* shared_arrays.c - the model flattened into one image in shared memory, mapped read-only.
 *
 * What it does: the parent writes the flat image of the model (harness/image.h: offsets, no
 *   pointers) into an anonymous memory file (memfd_create), seals the file against writes,
 *   and maps it MAP_SHARED and PROT_READ before forking. Every worker sees the same physical
 *   pages. The native model is then freed in the parent: the image is the only copy. Each
 *   worker compiles the rules from the patterns in the image once (a compiled regex_t is not
 *   flat, so it cannot be shared; that is the lesson in miniature).
 * What it costs: one pass to write the image (setup, proportional to the model), a rule
 *   compile per worker (microseconds), nothing per task. Memory is exactly one copy, whatever
 *   the workers do: a write to the image faults (SIGSEGV) instead of copying a page, and the
 *   seal means no process can map the file writable again. A worker that wants per-entry
 *   mutable state (a visit counter, a cache) must keep it in its own private memory; that is
 *   the design answer, not a limitation.
 * When to use it: large read-only models with many workers, where memory decides; and
 *   whenever workers are not forked from the builder (the memfd can be passed to any
 *   process). The price is the flattening: pointer-rich structures must be re-laid as arrays.
 * The Python idiom it mirrors: numpy arrays in `multiprocessing.shared_memory.SharedMemory`
 *   (or `multiprocessing.Array`) built before the Pool, read by the workers in place.
 */
#define _GNU_SOURCE /* memfd_create, F_ADD_SEALS */
#include "strategy.h"

#include "image.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

struct strategy_state {
    int fd;
    const void *image; /* mapped PROT_READ, MAP_SHARED */
    size_t size;
};

struct worker_image {
    struct image_view view;
    struct rule_set rules;
};

/* Write the image through a writable mapping, then seal the file: from here on nobody can
 * write to it, through any mapping, in any process. */
static int fill_memfd(int fd, const struct model *m, size_t size, struct error *err)
{
    if (ftruncate(fd, (off_t)size) != 0)
        return error_errno(err, "shared_arrays: ftruncate %zu bytes", size);
    void *w = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (w == MAP_FAILED)
        return error_errno(err, "shared_arrays: mmap for writing");
    image_write(m, w);
    if (munmap(w, size) != 0)
        return error_errno(err, "shared_arrays: munmap");
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) != 0)
        return error_errno(err, "shared_arrays: sealing the memfd");
    return 0;
}

static int shared_arrays_prepare(struct model_source *source, struct strategy_state **state,
                                 struct error *err)
{
    const struct model *m = model_source_get(source, err);
    if (m == NULL)
        return -1;
    size_t size = image_size(m);
    int fd = memfd_create("sharebench-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return error_errno(err, "shared_arrays: memfd_create");
    void *image = MAP_FAILED;
    if (fill_memfd(fd, m, size, err) == 0) {
        image = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
        if (image == MAP_FAILED)
            error_errno(err, "shared_arrays: mmap read-only");
    }
    if (image == MAP_FAILED) {
        close(fd);
        return -1;
    }
    model_source_release(source); /* the image is now the one copy */
    struct strategy_state *s = xmalloc(sizeof *s);
    *s = (struct strategy_state){.fd = fd, .image = image, .size = size};
    *state = s;
    return 0;
}

static int shared_arrays_attach(struct strategy_state *state, void **ctx, struct error *err)
{
    struct worker_image *w = xcalloc(1, sizeof *w);
    if (image_open(&w->view, state->image, state->size, err) != 0 ||
        image_compile_rules(&w->view, &w->rules, err) != 0) {
        free(w);
        return -1;
    }
    *ctx = w;
    return 0;
}

static int shared_arrays_resolve(void *ctx, const void *payload, size_t len, struct classifier *out,
                                 struct error *err)
{
    (void)payload, (void)len, (void)err;
    struct worker_image *w = ctx;
    image_classifier(&w->view, &w->rules, out);
    return 0;
}

static void shared_arrays_detach(void *ctx)
{
    struct worker_image *w = ctx;
    rules_free(&w->rules);
    free(w);
}

static void shared_arrays_teardown(struct strategy_state *state)
{
    munmap((void *)state->image, state->size);
    close(state->fd);
    free(state);
}

const struct strategy strategy_shared_arrays = {
    .name = "shared_arrays",
    .summary = "a flat image of the model in sealed shared memory (memfd), mapped read-only",
    .kind = STRATEGY_PROCESSES,
    .prepare = shared_arrays_prepare,
    .attach = shared_arrays_attach,
    .resolve = shared_arrays_resolve,
    .detach = shared_arrays_detach,
    .teardown = shared_arrays_teardown,
};

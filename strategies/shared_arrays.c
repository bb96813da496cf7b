/* shared_arrays.c - the model as one flat image in shared memory, mapped read-only.
 *
 * What it does: the parent writes the model's flat image (harness/image.h: offsets, no
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
    bool touch;
};

struct worker_image {
    struct image_view view;
    struct rule_set rules;
    uint32_t *visits; /* --touch: this worker's private counters, one per token */
};

/* --touch on a read-only image: count in private memory, by the row's index. */
static void count_visit(void *arg, const double *weights)
{
    struct worker_image *w = arg;
    w->visits[(size_t)(weights - w->view.weights) / w->view.header->classes]++;
}

/* Write the image through a writable mapping, then seal the file: from here on nobody can
 * write to it, through any mapping, in any process. */
static int fill_memfd(int fd, const struct spec *spec, size_t size, struct error *err)
{
    if (ftruncate(fd, (off_t)size) != 0)
        return error_errno(err, "shared_arrays: ftruncate %zu bytes", size);
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

static int shared_arrays_prepare(struct model_source *source, struct strategy_state **state,
                                 struct error *err)
{
    const struct spec *spec = source->spec;
    size_t size = image_size_for_spec(spec);
    int fd = memfd_create("sharebench-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return error_errno(err, "shared_arrays: memfd_create");
    void *image = MAP_FAILED;
    double t0 = now_seconds();
    int filled = fill_memfd(fd, spec, size, err);
    source->build_seconds = now_seconds() - t0; /* writing the image is building the model */
    if (filled == 0) {
        image = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
        if (image == MAP_FAILED)
            error_errno(err, "shared_arrays: mmap read-only");
    }
    if (image == MAP_FAILED) {
        close(fd);
        return -1;
    }
    struct strategy_state *s = xmalloc(sizeof *s);
    *s = (struct strategy_state){
        .fd = fd, .image = image, .size = size, .touch = source->spec->touch};
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
    if (state->touch)
        w->visits = xcalloc(w->view.header->vocab, sizeof *w->visits);
    *ctx = w;
    return 0;
}

static int shared_arrays_resolve(void *ctx, const void *payload, size_t len, struct classifier *out,
                                 struct error *err)
{
    (void)payload, (void)len, (void)err;
    struct worker_image *w = ctx;
    image_classifier(&w->view, &w->rules, out);
    if (w->visits) {
        out->visit = count_visit;
        out->visit_arg = w;
    }
    return 0;
}

static void shared_arrays_detach(void *ctx)
{
    struct worker_image *w = ctx;
    rules_free(&w->rules);
    free(w->visits);
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

/* shm_posix.c - the model's flat image in a named POSIX shared memory object, mapped read-only.
 *
 * What it does: the parent creates a shared memory object with shm_open("/sharebench-PID"),
 *   sizes it with ftruncate, writes the flat image into it through a writable mapping, and maps
 *   it read-only before the workers start. Forked workers inherit the mapping; an exec'd worker
 *   is given the object's name and opens and maps it itself. Every process maps the same pages.
 * What it costs: as shared_arrays: one pass to write the image, a rule compile per worker,
 *   nothing per task, one copy in memory (counted as shmem).
 * When to use it: when unrelated processes must find the model by a name. The price of the
 *   name: it lives in /dev/shm until someone calls shm_unlink, whatever happens to the process
 *   that made it. Here the parent unlinks it in teardown, which a SIGKILL never reaches.
 * The Python idiom it mirrors: multiprocessing.shared_memory.SharedMemory(create=True) with
 *   workers attaching SharedMemory(name=...).
 */
#define _GNU_SOURCE /* O_CLOEXEC */
#include "strategy.h"

#include "image.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

struct strategy_state {
    struct image_mapping mapping; /* first: the shared worker hooks read it (strategy.h) */
    char name[64];
    bool owner; /* the parent made the object and unlinks it; an exec'd worker only maps it */
};

/* Size the object and write the image through a writable mapping. */
static int fill(int fd, const struct spec *spec, const char *name, struct error *err)
{
    size_t size = image_size_for_spec(spec);
    if (ftruncate(fd, (off_t)size) != 0)
        return error_errno(err, "shm_posix: %s: ftruncate %zu bytes", name, size);
    void *w = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (w == MAP_FAILED)
        return error_errno(err, "shm_posix: %s: mmap for writing", name);
    image_write_from_spec(spec, w);
    if (munmap(w, size) != 0)
        return error_errno(err, "shm_posix: %s: munmap", name);
    return 0;
}

/* The state over the object called name, mapped read-only. */
static int state_from_name(const char *name, bool touch, bool owner, struct strategy_state **state,
                           struct error *err)
{
    int fd = shm_open(name, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return error_errno(err, "shm_posix: shm_open %s", name);
    struct strategy_state *s = xcalloc(1, sizeof *s);
    snprintf(s->name, sizeof s->name, "%.63s", name); /* 63: the size of name, less its NUL */
    s->owner = owner;
    s->mapping.touch = touch;
    int rc = image_mapping_map(fd, &s->mapping, name, err);
    close(fd); /* the mapping holds the object */
    if (rc != 0) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int shm_posix_prepare(struct model_source *source, struct strategy_state **state,
                             struct error *err)
{
    char name[64];
    snprintf(name, sizeof name, "/sharebench-%d", (int)getpid());
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return error_errno(err, "shm_posix: shm_open %s", name);
    double t0 = now_seconds();
    int rc = fill(fd, source->spec, name, err);
    source->build_seconds = now_seconds() - t0;
    close(fd);
    if (rc == 0)
        rc = state_from_name(name, source->spec->touch, true, state, err);
    if (rc != 0)
        shm_unlink(name);
    return rc;
}

/* An exec'd worker needs only the name. */
static int shm_posix_handoff(struct strategy_state *state, struct strategy_handoff *out,
                             struct error *err)
{
    (void)err;
    snprintf(out->path, sizeof out->path, "%s", state->name);
    return 0;
}

static int shm_posix_adopt(const struct strategy_handoff *h, struct strategy_state **state,
                           struct error *err)
{
    if (h->path[0] == '\0')
        return error_set(err, "shm_posix: no shared memory object was named (--path)");
    return state_from_name(h->path, h->spec->touch, false, state, err);
}

static void shm_posix_teardown(struct strategy_state *state)
{
    image_mapping_unmap(&state->mapping);
    if (state->owner)
        shm_unlink(state->name); /* never reached if the parent is killed */
    free(state);
}

const struct strategy strategy_shm_posix = {
    .name = "shm_posix",
    .summary = "a flat image of the model in a named POSIX shared memory object (shm_open)",
    .kind = STRATEGY_PROCESSES,
    .model_shared = true,
    .prepare = shm_posix_prepare,
    .attach = strategy_attach_image,
    .resolve = strategy_resolve_image,
    .detach = strategy_detach_image,
    .teardown = shm_posix_teardown,
    .handoff = shm_posix_handoff,
    .adopt = shm_posix_adopt,
};

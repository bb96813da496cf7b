/* huge_image.c - the flat image in anonymous memory backed by transparent huge pages, inherited
 * by fork.
 *
 * What it does: the parent reserves a region aligned to 2 MiB, asks for transparent huge pages
 *   on it (madvise MADV_HUGEPAGE, honoured when /sys/kernel/mm/transparent_hugepage/enabled is
 *   "always" or "madvise"), writes the flat image into it, makes it read-only, and forks. The
 *   workers inherit the mapping: fork copies the parent's page tables, one entry per 2 MiB huge
 *   page, so a worker reads the whole image without a single page fault, and every process
 *   shares the same physical pages (copy-on-write, never written).
 * What it costs: one pass to write the image; per worker, nothing (no mapping, no faults), a rule
 *   compile. Memory: one copy, counted as anonymous (pss_anon), in 2 MiB pages.
 * When to use it: a large read-only model and forked workers, where page faults and TLB misses
 *   matter (look-ups jump at random through tens of megabytes: one TLB entry now covers 512
 *   times more). It is fork-only: anonymous memory has no name and no descriptor to hand to an
 *   exec'd worker. For that, a memfd with MFD_HUGETLB (needs pages reserved in
 *   /proc/sys/vm/nr_hugepages) or shmem huge pages (/sys/kernel/mm/transparent_hugepage/
 *   shmem_enabled) are the ways, where the kernel allows them.
 * The Python idiom it mirrors: none in the standard library; numpy arrays allocated before the
 *   Pool forks, on a kernel with transparent huge pages "always".
 */
#define _GNU_SOURCE /* MAP_ANONYMOUS, MADV_HUGEPAGE */
#include "strategy.h"

#include "image.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define HUGE_PAGE (2u << 20)

struct strategy_state {
    struct image_mapping mapping; /* first: the shared worker hooks read it (strategy.h) */
    void *region;                 /* what was mapped, aligned to a huge page */
    size_t region_size;
};

/* A region of size bytes (rounded up to huge pages) starting on a huge-page boundary: map more
 * than needed, then give back the unaligned ends. */
static void *map_aligned(size_t size, struct error *err)
{
    size_t padded = size + HUGE_PAGE;
    char *raw = mmap(NULL, padded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) {
        error_errno(err, "huge_image: mmap %zu bytes", padded);
        return NULL;
    }
    char *start = (char *)(((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (start > raw)
        munmap(raw, (size_t)(start - raw));
    size_t tail = (size_t)(raw + padded - (start + size));
    if (tail)
        munmap(start + size, tail);
    return start;
}

static int huge_image_prepare(struct model_source *source, struct strategy_state **state,
                              struct error *err)
{
    size_t size = image_size_for_spec(source->spec);
    size_t region_size = (size + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    void *region = map_aligned(region_size, err);
    if (region == NULL)
        return -1;
    /* Before the first write, so that the first touch of each 2 MiB allocates a huge page. A
     * kernel that says no (THP "never") still gives ordinary pages: not an error. */
    (void)madvise(region, region_size, MADV_HUGEPAGE);
    double t0 = now_seconds();
    image_write_from_spec(source->spec, region);
    source->build_seconds = now_seconds() - t0;
    if (mprotect(region, region_size, PROT_READ) != 0) {
        munmap(region, region_size);
        return error_errno(err, "huge_image: mprotect read-only");
    }
    struct strategy_state *s = xcalloc(1, sizeof *s);
    *s = (struct strategy_state){
        .mapping = {.image = region, .size = size, .touch = source->spec->touch},
        .region = region,
        .region_size = region_size};
    *state = s;
    return 0;
}

static void huge_image_teardown(struct strategy_state *state)
{
    munmap(state->region, state->region_size);
    free(state);
}

const struct strategy strategy_huge_image = {
    .name = "huge_image",
    .summary = "a flat image in anonymous memory on transparent huge pages, inherited by fork",
    .kind = STRATEGY_PROCESSES,
    .model_shared = true,
    .prepare = huge_image_prepare,
    .attach = strategy_attach_image,
    .resolve = strategy_resolve_image,
    .detach = strategy_detach_image,
    .teardown = huge_image_teardown,
    .fork_only = "the image lives in anonymous memory, which has no name or descriptor to pass",
};

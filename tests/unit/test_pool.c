/* test_pool.c - the pool and the strategies, driven through the library: the registry's
 * handles (unknown, stale, two models in one pool), the flat image (round trip, corruption,
 * read-only sharing), clean ends (no child, descriptor or memfd left) and a worker killed in
 * the middle of a run.
 *
 * usage: test_pool CONFORMANCE_DIR */
/* cmocka.h needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include "image.h"
#include "pool.h"
#include "registry.h"
#include "run.h"
#include "strategy.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *conformance_dir;

/* A path in the conformance folder (a few distinct buffers, so two can be used at once). */
static const char *path_of(const char *name)
{
    static char paths[4][4096];
    static unsigned next;
    char *path = paths[next++ % 4];
    snprintf(path, sizeof paths[0], "%s/%s", conformance_dir, name);
    return path;
}

static struct model *load_model(const char *spec_name, uint64_t seed_override)
{
    struct spec spec;
    struct error err;
    assert_int_equal(spec_load(path_of(spec_name), &spec, &err), 0);
    if (seed_override)
        spec.seed = seed_override;
    struct model *m = model_build(&spec, &err);
    assert_non_null(m);
    spec_free(&spec);
    return m;
}

/* ---- the registry ------------------------------------------------------------------------ */

static void test_registry_handles(void **state)
{
    (void)state;
    struct model *a = load_model("spec-tiny.csv", 0);
    struct model *b = load_model("spec-tiny.csv", 99);
    struct model_registry *r = registry_new();
    uuid_t ida, idb, unknown;
    registry_register(r, a, ida);
    registry_register(r, b, idb);
    assert_int_not_equal(uuid_compare(ida, idb), 0);
    const struct model *found;
    struct error err;
    assert_int_equal(registry_lookup(r, ida, &found, &err), 0);
    assert_ptr_equal(found, a);
    assert_int_equal(registry_lookup(r, idb, &found, &err), 0);
    assert_ptr_equal(found, b);

    uuid_generate_random(unknown);
    assert_int_equal(registry_lookup(r, unknown, &found, &err), -1);
    assert_non_null(strstr(err.msg, "unknown handle"));

    model_free(a); /* weak: the registry lets go */
    assert_int_equal(registry_lookup(r, ida, &found, &err), -1);
    assert_non_null(strstr(err.msg, "stale handle"));
    assert_int_equal(registry_lookup(r, idb, &found, &err), 0);

    registry_free(r); /* before b: b must not call back into the freed registry */
    model_free(b);
}

/* ---- pools driven by hand -------------------------------------------------------------- */

struct chunk_sums {
    struct checksum by_parity[2];
    uint64_t chunks;
};

static void collect(void *arg, uint64_t seq, uint64_t count, uint64_t sum)
{
    struct chunk_sums *c = arg;
    struct checksum part = {.sum = sum, .count = count};
    checksum_merge(&c->by_parity[seq % 2], &part);
    c->chunks++;
}

/* What the pool must give: records cut into chunks of `chunk` valid records in file order,
 * chunk i classified with model i % 2. */
static void expected_by_parity(const char *records, unsigned chunk, struct model *models[2],
                               struct checksum out[2])
{
    struct error err;
    struct record_reader *r = record_reader_open(records, FIELD_LIMIT_DEFAULT, &err);
    assert_non_null(r);
    struct classifier c[2];
    model_classifier(models[0], &c[0]);
    model_classifier(models[1], &c[1]);
    memset(out, 0, 2 * sizeof *out);
    struct record rec;
    struct rejection rej;
    enum record_status st;
    uint64_t valid = 0;
    while ((st = record_reader_next(r, &rec, &rej, &err)) != RECORD_END) {
        if (st != RECORD_VALID)
            continue;
        unsigned parity = (unsigned)(valid++ / chunk % 2);
        struct result res;
        classify(&c[parity], &rec, &res);
        checksum_add(&out[parity], &res);
    }
    record_reader_close(r);
}

/* Run the registry strategy over records with a pool; extra models are added to the
 * registry before the workers start (before_fork) or after (after_fork). */
static int registry_pool_run(const char *records, unsigned chunk, struct model *main_model,
                             struct model *before_fork, struct model *after_fork,
                             struct chunk_sums *sums, struct error *err)
{
    struct spec spec = {0};
    struct model_source src = {.spec = &spec, .model = main_model};
    struct strategy_state *state;
    assert_int_equal(strategy_registry.prepare(&src, &state, err), 0);
    if (before_fork)
        registry_strategy_add_model(state, before_fork);
    struct pool_options po = {
        .workers = 2, .chunk = chunk, .on_chunk = collect, .on_chunk_arg = sums};
    struct pool *pool = pool_start(&po, &strategy_registry, state, err);
    assert_non_null(pool);
    if (after_fork)
        registry_strategy_add_model(state, after_fork);
    struct record_reader *reader = record_reader_open(records, FIELD_LIMIT_DEFAULT, err);
    struct sink sink;
    sink_open(&sink, records, NULL, err);
    int rc = pool_run(pool, reader, &sink, err);
    struct error stop;
    pool_stop(pool, NULL, &stop);
    sink_discard(&sink);
    record_reader_close(reader);
    strategy_registry.teardown(state);
    return rc;
}

static void test_two_models_in_one_pool(void **state)
{
    (void)state;
    struct model *models[2] = {load_model("spec-tiny.csv", 0), load_model("spec-tiny.csv", 99)};
    const char *records = path_of("records-tiny.csv");
    struct checksum want[2];
    expected_by_parity(records, 7, models, want);
    assert_int_not_equal(want[0].sum, 0);
    struct chunk_sums got = {0};
    struct error err;
    assert_int_equal(registry_pool_run(records, 7, models[0], models[1], NULL, &got, &err), 0);
    assert_int_equal(got.by_parity[0].count, want[0].count);
    assert_int_equal(got.by_parity[1].count, want[1].count);
    assert_int_equal(got.by_parity[0].sum, want[0].sum);
    assert_int_equal(got.by_parity[1].sum, want[1].sum);
    assert_int_equal(got.chunks, (2000 + 6) / 7);
    model_free(models[0]);
    model_free(models[1]);
}

static void test_model_registered_after_fork_is_unknown(void **state)
{
    (void)state;
    struct model *a = load_model("spec-tiny.csv", 0), *b = load_model("spec-tiny.csv", 99);
    struct chunk_sums got = {0};
    struct error err;
    int rc = registry_pool_run(path_of("records-tiny.csv"), 7, a, NULL, b, &got, &err);
    assert_int_equal(rc, -1);
    if (strstr(err.msg, "unknown handle") == NULL)
        fail_msg("expected an unknown-handle error, got: %s", err.msg);
    model_free(a);
    model_free(b);
}

static void test_forged_handle_is_an_error(void **state)
{
    (void)state;
    struct model *a = load_model("spec-tiny.csv", 0);
    struct spec spec = {0};
    struct model_source src = {.spec = &spec, .model = a};
    struct strategy_state *st;
    struct error err;
    assert_int_equal(strategy_registry.prepare(&src, &st, &err), 0);
    uuid_t forged;
    uuid_generate_random(forged);
    registry_strategy_add_handle(st, forged);
    struct buf payload = {0};
    assert_int_equal(strategy_registry.payload(st, 1, &payload, &err), 0);
    struct classifier c;
    assert_int_equal(strategy_registry.resolve(st, payload.data, payload.len, &c, &err), -1);
    assert_non_null(strstr(err.msg, "unknown handle"));
    assert_int_equal(strategy_registry.resolve(st, payload.data, 3, &c, &err), -1);
    assert_non_null(strstr(err.msg, "16-byte handle"));
    buf_free(&payload);
    strategy_registry.teardown(st);
    model_free(a);
}

/* ---- the image --------------------------------------------------------------------------- */

static void *image_of(const struct model *m, size_t *size)
{
    *size = image_size(m);
    void *mem = aligned_alloc(64, *size);
    image_write(m, mem);
    return mem;
}

static void classify_file(const struct classifier *c, const char *records, struct checksum *out)
{
    struct error err;
    struct record_reader *r = record_reader_open(records, FIELD_LIMIT_DEFAULT, &err);
    struct record rec;
    struct rejection rej;
    enum record_status st;
    memset(out, 0, sizeof *out);
    while ((st = record_reader_next(r, &rec, &rej, &err)) != RECORD_END) {
        if (st != RECORD_VALID)
            continue;
        struct result res;
        classify(c, &rec, &res);
        checksum_add(out, &res);
    }
    record_reader_close(r);
}

static void test_image_round_trip(void **state)
{
    (void)state;
    struct model *m = load_model("spec-small.csv", 0);
    size_t size;
    void *mem = image_of(m, &size);
    struct image_view view;
    struct error err;
    assert_int_equal(image_open(&view, mem, size, &err), 0);
    struct rule_set rules;
    assert_int_equal(image_compile_rules(&view, &rules, &err), 0);
    struct classifier native, flat, rebuilt_c;
    model_classifier(m, &native);
    image_classifier(&view, &rules, &flat);
    struct model *rebuilt = image_to_model(&view, &err);
    assert_non_null(rebuilt);
    model_classifier(rebuilt, &rebuilt_c);
    struct checksum a, b, c;
    classify_file(&native, path_of("records-small.csv"), &a);
    classify_file(&flat, path_of("records-small.csv"), &b);
    classify_file(&rebuilt_c, path_of("records-small.csv"), &c);
    assert_int_equal(a.sum, 0xab820bfec220a09bu);
    assert_int_equal(b.sum, a.sum);
    assert_int_equal(c.sum, a.sum);
    /* The image is position-independent: a copy elsewhere reads the same. */
    void *moved = aligned_alloc(64, size);
    memcpy(moved, mem, size);
    memset(mem, 0xAA, size);
    assert_int_equal(image_open(&view, moved, size, &err), 0);
    image_classifier(&view, &rules, &flat);
    classify_file(&flat, path_of("records-small.csv"), &b);
    assert_int_equal(b.sum, a.sum);
    rules_free(&rules);
    model_free(rebuilt);
    model_free(m);
    free(mem);
    free(moved);
}

static void expect_refused(void *mem, size_t size, const char *message)
{
    struct image_view view;
    struct error err = {{0}};
    int rc = image_open(&view, mem, size, &err);
    struct model *m = NULL;
    if (rc == 0) {
        m = image_to_model(&view, &err);
        rc = m ? 0 : -1;
    }
    model_free(m);
    if (rc == 0 || strstr(err.msg, message) == NULL)
        fail_msg("expected refusal '%s', got rc %d '%s'", message, rc, err.msg);
}

static void test_image_corruption_refused(void **state)
{
    (void)state;
    struct model *m = load_model("spec-tiny.csv", 0);
    size_t size;
    char *mem = image_of(m, &size);
    char *bad = aligned_alloc(64, size);
    struct image_header *h = (struct image_header *)bad;

    expect_refused(mem, size - 64, "truncated");
    expect_refused(mem, 16, "too short");
    expect_refused(mem, 0, "too short");
#define CORRUPT(stmt, message)                                                                     \
    do {                                                                                           \
        memcpy(bad, mem, size);                                                                    \
        stmt;                                                                                      \
        expect_refused(bad, size, message);                                                        \
    } while (0)
    CORRUPT(h->magic[0] = 'X', "bad magic");
    CORRUPT(h->version = 2, "version 2");
    CORRUPT(h->classes = 0, "out of range");
    CORRUPT(h->classes = 300, "out of range");
    CORRUPT(h->slot_count = 3000, "power of two");
    CORRUPT(h->slot_count = 1ull << 62, "slots size overflows");
    CORRUPT(h->slot_count = 1ull << 40, "runs past the end");
    CORRUPT(h->weights_off = size - 8, "runs past the end");
    CORRUPT(h->weights_off = UINT64_MAX - 7, "weights size overflows");
    CORRUPT(h->priors_off = 3, "not aligned");
    CORRUPT(h->rule_count = 1000000, "runs past the end");
    CORRUPT(h->total_size = size + 64, "truncated or padded");
    CORRUPT(((struct image_slot *)(bad + h->slots_off))[h->slot_count - 1].key = 1;
            ((struct image_slot *)(bad + h->slots_off))[h->slot_count - 1].entry = 1u << 30,
            "points past the weights");
#undef CORRUPT
    free(bad);
    free(mem);
    model_free(m);
}

/* Random damage anywhere: refused or not, opening, rebuilding and classifying must never
 * crash (this test is run under ASan and UBSan). */
static void test_image_random_damage_never_crashes(void **state)
{
    (void)state;
    struct model *m = load_model("spec-tiny.csv", 0);
    size_t size;
    char *mem = image_of(m, &size);
    char *bad = aligned_alloc(64, size);
    unsigned seed = 1;
    int opened = 0;
    for (int round = 0; round < 300; round++) {
        memcpy(bad, mem, size);
        for (int flips = 0; flips < 4; flips++) {
            seed = seed * 1103515245u + 12345u;
            size_t at =
                round % 3 == 0 ? (seed >> 8) % sizeof(struct image_header) : (seed >> 8) % size;
            bad[at] ^= (char)(1u << (seed % 8));
        }
        struct image_view view;
        struct error err;
        if (image_open(&view, bad, size, &err) != 0)
            continue;
        opened++;
        struct model *rebuilt = image_to_model(&view, &err);
        struct rule_set rules;
        if (image_compile_rules(&view, &rules, &err) == 0) {
            struct classifier c;
            image_classifier(&view, &rules, &c);
            struct checksum sum;
            classify_file(&c, path_of("records-tiny.csv"), &sum);
            rules_free(&rules);
        }
        model_free(rebuilt);
    }
    assert_true(opened > 0);
    free(bad);
    free(mem);
    model_free(m);
}

/* The image a shared_arrays worker sees is read-only: writing faults, and the sealed memfd
 * cannot be made writable again. */
static void test_shared_image_is_read_only(void **state)
{
    (void)state;
    struct spec spec;
    struct error err;
    assert_int_equal(spec_load(path_of("spec-tiny.csv"), &spec, &err), 0);
    struct model_source src = {.spec = &spec};
    struct strategy_state *st;
    assert_int_equal(strategy_shared_arrays.prepare(&src, &st, &err), 0);
    assert_null(src.model); /* the image is the only copy */
    void *ctx;
    assert_int_equal(strategy_shared_arrays.attach(st, &ctx, &err), 0);
    struct classifier c;
    assert_int_equal(strategy_shared_arrays.resolve(ctx, NULL, 0, &c, &err), 0);
    const struct image_view *view = c.table;
    char *image = (char *)view->header;

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGSEGV, SIG_DFL); /* not cmocka's handler: die as a worker would */
        image[64] = 1;            /* must fault */
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGSEGV);

    long page = sysconf(_SC_PAGESIZE);
    assert_int_equal(mprotect(image, (size_t)page, PROT_READ | PROT_WRITE), -1);
    assert_int_equal(errno, EACCES);

    strategy_shared_arrays.detach(ctx);
    strategy_shared_arrays.teardown(st);
    spec_free(&spec);
}

/* ---- clean ends -------------------------------------------------------------------------- */

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static bool memfd_mapped(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    bool found = false;
    while (fgets(line, sizeof line, f))
        found |= strstr(line, "sharebench-image") != NULL;
    fclose(f);
    return found;
}

static void test_clean_end_every_strategy(void **state)
{
    (void)state;
    int fds_before = count_fds();
    for (const struct strategy *const *s = strategy_table; *s; s++) {
        struct run_options opt = {.spec_path = path_of("spec-small.csv"),
                                  .input_path = path_of("records-small.csv"),
                                  .strategy = *s,
                                  .field_limit = FIELD_LIMIT_DEFAULT,
                                  .workers = 3,
                                  .chunk = 256};
        struct run_stats stats;
        struct error err;
        int saved_stderr = dup(2);
        freopen("/dev/null", "w", stderr); /* the three rejections */
        int rc = run(&opt, &stats, &err);
        fflush(stderr);
        dup2(saved_stderr, 2);
        close(saved_stderr);
        if (rc != 0)
            fail_msg("%s: %s", (*s)->name, err.msg);
        assert_int_equal(stats.checksum, 0xab820bfec220a09bu);
        assert_int_equal(stats.rows, 5001);
        assert_int_equal(stats.rejected, 3);
        if (count_fds() != fds_before)
            fail_msg("%s left %d descriptors open", (*s)->name, count_fds() - fds_before);
        errno = 0;
        if (waitpid(-1, NULL, WNOHANG) != -1 || errno != ECHILD)
            fail_msg("%s left a child process", (*s)->name);
        if (memfd_mapped())
            fail_msg("%s left the image mapped", (*s)->name);
    }
}

/* ---- a worker killed mid-run ------------------------------------------------------------- */

struct killer {
    struct pool *pool;
    bool done;
    double killed_at;
    int pid;
};

static void kill_one_worker(void *arg, uint64_t seq, uint64_t count, uint64_t sum)
{
    (void)seq, (void)count, (void)sum;
    struct killer *k = arg;
    pid_t pids[8];
    if (k->done || pool_worker_pids(k->pool, pids, 8) == 0)
        return;
    k->pid = (int)pids[0];
    kill(pids[0], SIGKILL);
    k->killed_at = now_seconds();
    k->done = true;
}

static void test_killed_worker_is_replaced(void **state)
{
    (void)state;
    struct model *m = load_model("spec-small.csv", 0);
    struct spec spec = {0};
    struct model_source src = {.spec = &spec, .model = m};
    struct strategy_state *st;
    struct error err;
    assert_int_equal(strategy_global_fork.prepare(&src, &st, &err), 0);
    struct killer k = {0};
    /* chunk 1: the kill lands while most of the input is still to come */
    struct pool_options po = {
        .workers = 2, .chunk = 1, .on_chunk = kill_one_worker, .on_chunk_arg = &k};
    struct pool *pool = pool_start(&po, &strategy_global_fork, st, &err);
    k.pool = pool;
    struct record_reader *reader =
        record_reader_open(path_of("records-small.csv"), FIELD_LIMIT_DEFAULT, &err);
    struct sink sink;
    sink_open(&sink, "records-small.csv", NULL, &err);
    int saved_stderr = dup(2);
    freopen("/dev/null", "w", stderr);
    int rc = pool_run(pool, reader, &sink, &err);
    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    if (rc != 0)
        fail_msg("the run did not recover: %s", err.msg);
    assert_true(k.done);
    /* Nothing lost, nothing counted twice: the exact figures. */
    assert_int_equal(sink.sum.count, 5001);
    assert_int_equal(sink.sum.sum, 0xab820bfec220a09bu);
    assert_int_equal(sink.failed, 0);
    struct pool_stats ps;
    assert_int_equal(pool_stop(pool, &ps, &err), 0);
    assert_int_equal(ps.worker_restarts, 1);
    errno = 0;
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
    sink_discard(&sink);
    record_reader_close(reader);
    strategy_global_fork.teardown(st);
    model_free(m);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_pool CONFORMANCE_DIR\n");
        return 2;
    }
    conformance_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_handles),
        cmocka_unit_test(test_two_models_in_one_pool),
        cmocka_unit_test(test_model_registered_after_fork_is_unknown),
        cmocka_unit_test(test_forged_handle_is_an_error),
        cmocka_unit_test(test_image_round_trip),
        cmocka_unit_test(test_image_corruption_refused),
        cmocka_unit_test(test_image_random_damage_never_crashes),
        cmocka_unit_test(test_shared_image_is_read_only),
        cmocka_unit_test(test_clean_end_every_strategy),
        cmocka_unit_test(test_killed_worker_is_replaced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_memsample.c - the memory sampler on memory whose size is known: a child that dirties
 * 100 MiB alone shows it as USS; a 100 MiB shared mapping read by 4 processes shows about a
 * quarter of it in each one's PSS, and the sampler's summed PSS counts it once. Asked to
 * sample every millisecond processes whose page tables take long to walk, the sampler keeps
 * its own CPU time within its share of one core. */
/* cmocka.h needs these first. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include "memsample.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB  (1024ull * 1024)
#define SIZE (100 * MIB)

/* Fork a child that runs fn(arg), says it is ready on a pipe, then waits to be killed. */
static pid_t child_ready(void (*fn)(void *), void *arg)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* a failed assertion leaves no child behind */
        fn(arg);
        char c = 1;
        if (write(p[1], &c, 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    close(p[1]);
    char c;
    assert_int_equal(read(p[0], &c, 1), 1);
    close(p[0]);
    return pid;
}

static void end_child(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* Where dirty_private keeps its block: an optimizer may drop a write to memory nobody reads
 * again (it did at -O2), so the block must stay reachable. */
static char *volatile kept;

static void dirty_private(void *arg)
{
    (void)arg;
    kept = malloc(SIZE);
    memset(kept, 0x5a, SIZE); /* every page written: private, dirty, resident */
}

static void test_private_memory_is_uss(void **state)
{
    (void)state;
    pid_t pid = child_ready(dirty_private, NULL);
    struct mem_reading r;
    assert_int_equal(mem_read(pid, &r), 0);
    print_message("child USS %.1f MiB, PSS %.1f MiB\n", (double)r.uss / MIB, (double)r.pss / MIB);
    assert_true(r.uss >= SIZE);
    assert_true(r.pss >= SIZE);
    end_child(pid);
}

static void read_every_page(void *arg)
{
    volatile const char *p = arg;
    unsigned long sum = 0;
    for (size_t i = 0; i < SIZE; i += 4096)
        sum += (unsigned char)p[i];
    (void)sum;
}

static void test_shared_memory_splits_pss(void **state)
{
    (void)state;
    char *shared = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(shared != MAP_FAILED);
    pid_t pids[4];
    struct error err;
    struct memsampler *s = memsampler_start(10, NULL, 4, NULL, &err);
    assert_non_null(s);
    for (int i = 0; i < 4; i++)
        pids[i] = child_ready(read_every_page, shared);
    for (int i = 0; i < 4; i++) {
        struct mem_reading r;
        assert_int_equal(mem_read(pids[i], &r), 0);
        double quarter = (double)r.pss_shmem / MIB;
        print_message("child %d: Pss_Shmem %.1f MiB, USS %.1f MiB\n", i, quarter,
                      (double)r.uss / MIB);
        assert_true(quarter > 23.0 && quarter < 27.0); /* 25 MiB, whatever else it holds */
        assert_true(r.uss < 10 * MIB);                 /* none of it is its own */
    }
    memsampler_set_workers(s, pids, 4);
    struct mem_summary sum;
    assert_int_equal(memsampler_stop(s, &sum, &err), 0);
    print_message("summed PSS peak %.1f MiB over %u samples\n", (double)sum.pss_peak / MIB,
                  sum.samples);
    assert_true(sum.pss_peak >= SIZE);            /* counted once in the total ... */
    assert_true(sum.pss_peak < SIZE + 40 * MIB);  /* ... not four times */
    assert_true(sum.pss_shmem >= SIZE - 2 * MIB); /* and seen as shared memory */
    for (int i = 0; i < 4; i++)
        end_child(pids[i]);
    munmap(shared, SIZE);
}

static void test_timeline_written(void **state)
{
    (void)state;
    char path[] = "/tmp/test_memsample_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    struct error err;
    struct memsampler *s = memsampler_start(5, path, 2, NULL, &err);
    assert_non_null(s);
    /* Samples taken on demand, not waited for: a loaded machine may give the sampling thread
     * no time at all. */
    for (int i = 0; i < 3; i++)
        memsampler_sample(s);
    struct mem_summary sum;
    assert_int_equal(memsampler_stop(s, &sum, &err), 0);
    FILE *f = fopen(path, "r");
    char line[256];
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "t_s,total_pss_mb,parent_pss_mb,w0_pss_mb,w1_pss_mb\n");
    int rows = 0;
    while (fgets(line, sizeof line, f))
        rows++;
    fclose(f);
    unlink(path);
    assert_int_equal(rows, (int)sum.samples);
    assert_true(rows >= 3);
    enum memsampler_failure failure = MEMSAMPLER_THREAD;
    assert_null(memsampler_start(5, "/nonexistent/dir/t.csv", 0, &failure, &err));
    assert_int_equal(failure, MEMSAMPLER_TIMELINE); /* the command line's fault: exit 2 */
    /* the message names the file and why, as every output's does (io/outfile.h) */
    assert_non_null(strstr(err.msg, "/nonexistent/dir/t.csv: cannot create"));
    assert_non_null(strstr(err.msg, "No such file or directory"));
}

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void test_sampler_keeps_its_cpu_share(void **state)
{
    (void)state;
    pid_t pids[4];
    for (int i = 0; i < 4; i++)
        pids[i] = child_ready(dirty_private, NULL); /* 100 MiB of page table each to walk */
    struct error err;
    double start = seconds_now();
    struct memsampler *s = memsampler_start(1, NULL, 0, NULL, &err);
    assert_non_null(s);
    memsampler_set_workers(s, pids, 4);
    while (seconds_now() - start < 1.5)
        usleep(50 * 1000);
    struct mem_summary sum;
    assert_int_equal(memsampler_stop(s, &sum, &err), 0);
    double wall = seconds_now() - start;
    print_message("sampler: %u samples, %.3f s CPU in %.3f s (share %.1f %%, allowed %.0f %%)\n",
                  sum.samples, sum.cpu_seconds, wall, 100 * sum.cpu_seconds / wall,
                  100 * SAMPLER_CPU_SHARE);
    for (int i = 0; i < 4; i++)
        end_child(pids[i]);
    assert_true(sum.samples >= 2);
    /* Its share of the time, plus the last sample, which it takes before it can know. */
    assert_true(sum.cpu_seconds <= SAMPLER_CPU_SHARE * wall + 0.05);
}

/* A burst: after 300 ms, 100 MiB dirtied for 300 ms, then given back. */
static void burst_later(void *arg)
{
    (void)arg;
    if (fork() != 0)
        return; /* the parent says it is ready at once; the burst is its child's */
    usleep(300 * 1000);
    char *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        _exit(1);
    memset(p, 0x5a, SIZE);
    usleep(300 * 1000);
    munmap(p, SIZE);
    for (;;)
        pause();
}

static void test_sampler_catches_a_burst(void **state)
{
    (void)state;
    pid_t pids[5];
    for (int i = 0; i < 4; i++)
        pids[i] = child_ready(dirty_private, NULL); /* samples slow: a long wait between them */
    struct error err;
    struct memsampler *s = memsampler_start(1, NULL, 0, NULL, &err);
    assert_non_null(s);
    pids[4] = child_ready(burst_later, NULL);
    memsampler_set_workers(s, pids, 4);
    usleep(100 * 1000); /* the burst is the child's child: its pid is the fifth worker's + 1 */
    FILE *f = NULL;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pids[4], (int)pids[4]);
    pid_t burst = 0;
    if ((f = fopen(path, "r")) != NULL) {
        if (fscanf(f, "%d", &burst) != 1)
            burst = 0;
        fclose(f);
    }
    pid_t all[5] = {pids[0], pids[1], pids[2], pids[3], burst};
    memsampler_set_workers(s, all, 5);
    usleep(1200 * 1000);
    struct mem_summary sum;
    assert_int_equal(memsampler_stop(s, &sum, &err), 0);
    if (burst > 0)
        kill(burst, SIGKILL);
    for (int i = 0; i < 5; i++)
        end_child(pids[i]);
    print_message("burst: summed PSS peak %.1f MiB over %u samples\n", (double)sum.pss_peak / MIB,
                  sum.samples);
    assert_true(burst > 0);
    assert_true(sum.pss_peak >= 5 * SIZE - 10 * MIB); /* four blocks and the burst */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_private_memory_is_uss),
        cmocka_unit_test(test_shared_memory_splits_pss),
        cmocka_unit_test(test_timeline_written),
        cmocka_unit_test(test_sampler_keeps_its_cpu_share),
        cmocka_unit_test(test_sampler_catches_a_burst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

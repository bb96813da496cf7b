/* fork_time.c - fork's cost grows with the parent's memory: it copies the page tables.
 *
 * For heaps of 8, 16, 32, ... MiB up to MAX (touched, in 4 KiB pages: MADV_NOHUGEPAGE), prints
 * the parent's page-table size (VmPTE in /proc/self/status) and the time of fork + the child's
 * _exit + waitpid, the best of 5 (all three: the child's exit tears down its copy of the
 * tables). usage: fork_time [MAX_MIB] (default 256). Exit 0 when VmPTE grew with the heap.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long vm_pte_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmPTE: %ld kB", &kb) == 1)
            break;
    if (!f || fclose(f) != 0 || kb < 0)
        fprintf(stderr, "fork_time: no VmPTE in /proc/self/status\n"), exit(2);
    return kb;
}

static double fork_exit_wait_us(void)
{
    double best = 1e30;
    for (int i = 0; i < 5; i++) {
        struct timespec a, b;
        int status;
        clock_gettime(CLOCK_MONOTONIC, &a);
        pid_t pid = fork();
        if (pid < 0)
            perror("fork_time: fork"), exit(2);
        if (pid == 0)
            _exit(0);
        if (waitpid(pid, &status, 0) != pid)
            perror("fork_time: waitpid"), exit(2);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double us = (b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3;
        best = us < best ? us : best;
    }
    return best;
}

int main(int argc, char **argv)
{
    size_t max_mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
    long first_pte = -1, pte = -1;
    printf("%10s %10s %14s\n", "heap_mib", "vmpte_kb", "fork_exit_us");
    for (size_t mib = 8; mib <= max_mib; mib *= 2) {
        size_t len = mib << 20;
        char *heap = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (heap == MAP_FAILED || madvise(heap, len, MADV_NOHUGEPAGE) != 0)
            return perror("fork_time: mmap/madvise"), 2;
        memset(heap, 1, len); /* resident: one page-table entry per 4 KiB page */
        pte = vm_pte_kb();
        first_pte = first_pte < 0 ? pte : first_pte;
        printf("%10zu %10ld %14.0f\n", mib, pte, fork_exit_wait_us());
        if (munmap(heap, len) != 0)
            return perror("fork_time: munmap"), 2;
    }
    return pte > first_pte ? 0 : 1;
}

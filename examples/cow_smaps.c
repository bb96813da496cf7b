/* cow_smaps.c - copy-on-write seen through /proc/self/smaps_rollup.
 *
 * The parent fills a private anonymous region, then forks. The child reads its own
 * Private_Dirty (pages only it holds) before and after writing one byte per page of the
 * region: before, the region is shared with the parent and counts nothing; after, every page
 * written has been copied for the child, and Private_Dirty has grown by the region's size.
 * usage: cow_smaps [MIB]   (default 32). Exit 0 when the growth is at least 90% of the region.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static long private_dirty_kb(void) /* from smaps_rollup: the process's private dirty pages */
{
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    if (!f) {
        perror("cow_smaps: /proc/self/smaps_rollup");
        exit(2);
    }
    char line[256];
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Private_Dirty: %ld kB", &kb) == 1)
            break;
    fclose(f);
    if (kb < 0) {
        fprintf(stderr, "cow_smaps: no Private_Dirty line in smaps_rollup\n");
        exit(2);
    }
    return kb;
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 32, len = mib << 20;
    long page = sysconf(_SC_PAGESIZE);
    char *region = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mib == 0 || page <= 0 || region == MAP_FAILED) {
        perror("cow_smaps: mmap");
        return 2;
    }
    memset(region, 1, len); /* every page resident, and the parent's */
    pid_t pid = fork();
    if (pid < 0) {
        perror("cow_smaps: fork");
        return 2;
    }
    if (pid == 0) {
        long before = private_dirty_kb();
        for (size_t off = 0; off < len; off += (size_t)page)
            region[off] = 2; /* the first write to each shared page copies it */
        long grown = private_dirty_kb() - before;
        printf("child Private_Dirty: %ld kB before writing, +%ld kB after writing %zu MiB\n",
               before, grown, mib);
        fflush(stdout); /* _exit does not flush */
        _exit(grown >= (long)(len / 1024) * 9 / 10 ? 0 : 1);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid) {
        perror("cow_smaps: waitpid");
        return 2;
    }
    if (munmap(region, len) != 0) {
        perror("cow_smaps: munmap");
        return 2;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

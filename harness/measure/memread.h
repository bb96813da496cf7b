/* memread.h - one process's memory, read from /proc.
 *
 * /proc/PID/smaps_rollup gives RSS, PSS (and its split into anonymous, file and shared
 * memory) and USS, but reading it walks every page table of the process: a cost worth paying
 * for a sample, not for a glance. /proc/PID/statm gives the resident size from counters the
 * kernel keeps, without a walk: cheap enough to look at between samples (memsample.h says what
 * these figures mean for a run of many processes).
 */
#ifndef SHAREBENCH_MEMREAD_H
#define SHAREBENCH_MEMREAD_H

#include <stdint.h>
#include <sys/types.h>

/* One process's memory, in bytes, from /proc/PID/smaps_rollup. */
struct mem_reading {
    uint64_t rss, pss, pss_anon, pss_file, pss_shmem;
    uint64_t uss; /* Private_Clean + Private_Dirty */
};

/* Read pid's memory (0 for this process). Returns 0, or -1 if it cannot be read (gone). */
int mem_read(pid_t pid, struct mem_reading *out);

/* pid's resident memory in bytes from /proc/PID/statm (0 for this process, or for a process
 * that has gone). */
uint64_t mem_resident(pid_t pid);

#endif

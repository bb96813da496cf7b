/* memread.c - see memread.h. */
#include "memread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t kb_field(const char *line, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(line, name, n) != 0 || line[n] != ':')
        return UINT64_MAX;
    return strtoull(line + n + 1, NULL, 10) * 1024;
}

/* Open /proc/PID/NAME (pid 0: this process) for reading, or NULL if it has gone. */
static FILE *proc_open(pid_t pid, const char *name)
{
    char path[64];
    if (pid == 0)
        snprintf(path, sizeof path, "/proc/self/%s", name);
    else
        snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
    return fopen(path, "re");
}

int mem_read(pid_t pid, struct mem_reading *out)
{
    FILE *f = proc_open(pid, "smaps_rollup");
    if (f == NULL)
        return -1;
    memset(out, 0, sizeof *out);
    char line[256];
    uint64_t v;
    int seen = 0;
    while (fgets(line, sizeof line, f)) {
        seen++;
        if ((v = kb_field(line, "Rss")) != UINT64_MAX)
            out->rss = v;
        else if ((v = kb_field(line, "Pss")) != UINT64_MAX)
            out->pss = v;
        else if ((v = kb_field(line, "Pss_Anon")) != UINT64_MAX)
            out->pss_anon = v;
        else if ((v = kb_field(line, "Pss_File")) != UINT64_MAX)
            out->pss_file = v;
        else if ((v = kb_field(line, "Pss_Shmem")) != UINT64_MAX)
            out->pss_shmem = v;
        else if ((v = kb_field(line, "Private_Clean")) != UINT64_MAX ||
                 (v = kb_field(line, "Private_Dirty")) != UINT64_MAX)
            out->uss += v;
    }
    fclose(f);
    return seen > 1 ? 0 : -1; /* a process that is exiting reads as empty */
}

uint64_t mem_resident(pid_t pid)
{
    FILE *f = proc_open(pid, "statm");
    unsigned long long size = 0, resident = 0;
    if (f == NULL)
        return 0;
    if (fscanf(f, "%llu %llu", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* procgroup.c - see procgroup.h. */
#define _GNU_SOURCE
#include "procgroup.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int procgroup_read(pid_t pid, pid_t pgid, struct procgroup_member *out)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    char *got = fgets(line, sizeof line, f);
    fclose(f);
    /* "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so the fields
     * are counted from its last ')'. */
    char *p = got ? strrchr(line, ')') : NULL;
    char state;
    int ppid, group;
    unsigned long long minflt, majflt, utime, stime;
    if (p == NULL || sscanf(p + 1, " %c %d %d %*d %*d %*d %*u %llu %*u %llu %*u %llu %llu", &state,
                            &ppid, &group, &minflt, &majflt, &utime, &stime) != 7)
        return -1;
    if (pgid && group != pgid)
        return -1;
    long ticks = sysconf(_SC_CLK_TCK);
    *out = (struct procgroup_member){.pid = pid,
                                     .state = state,
                                     .minor_faults = minflt,
                                     .major_faults = majflt,
                                     .cpu_seconds = (double)(utime + stime) /
                                                    (double)(ticks > 0 ? ticks : 100)};
    return 0;
}

int procgroup_scan(pid_t pgid, struct procgroup_member *out, unsigned cap, struct error *err)
{
    DIR *proc = opendir("/proc");
    if (proc == NULL)
        return error_errno(err, "/proc: cannot list processes");
    int n = 0;
    struct dirent *e;
    while ((e = readdir(proc)) != NULL) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        pid_t pid = (pid_t)strtol(e->d_name, NULL, 10);
        struct procgroup_member m;
        if (pid == pgid || procgroup_read(pid, pgid, &m) != 0)
            continue;
        if ((unsigned)n < cap)
            out[n] = m;
        n++;
    }
    closedir(proc);
    return n;
}

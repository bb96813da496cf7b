/* progress.c - see progress.h. */
#include "progress.h"

#include "util.h"

#include <stdio.h>

#define PROGRESS_INTERVAL 0.25 /* seconds between two updates, at least */

void progress_start(struct progress *p, bool on)
{
    *p = (struct progress){.on = on, .started = now_seconds()};
    p->last = p->started;
}

void progress_update(struct progress *p, uint64_t records, uint64_t bytes)
{
    if (!p->on)
        return;
    double now = now_seconds();
    if (now - p->last < PROGRESS_INTERVAL)
        return;
    p->last = now;
    p->shown = true;
    double elapsed = now - p->started;
    fprintf(stderr, "\rrun: %llu records, %.0f MB, %.0f records/s, %.1f s   ",
            (unsigned long long)records, (double)bytes / 1e6, (double)records / elapsed, elapsed);
}

void progress_end(struct progress *p)
{
    if (p->shown)
        fputc('\n', stderr);
    p->shown = false;
}

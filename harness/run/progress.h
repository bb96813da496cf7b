/* progress.h - a long run's progress on a terminal: records done, MB read, the rate and the
 * time elapsed, on one line of standard error rewritten at most four times a second. Off
 * when standard error is not a terminal (a log, a pipe, `sharebench compare`), so that
 * nothing but messages ever reaches a file.
 */
#ifndef SHAREBENCH_PROGRESS_H
#define SHAREBENCH_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress {
    bool on;
    bool shown; /* a line was printed: end it */
    double started, last;
};

void progress_start(struct progress *p, bool on);

/* Show records and bytes so far, if a quarter of a second has passed since the last time. */
void progress_update(struct progress *p, uint64_t records, uint64_t bytes);

/* End the line, if one was shown. */
void progress_end(struct progress *p);

#endif

/* sink.h - where results go: the checksum always, a results file when asked, and the
 * rejected records reported on stderr.
 *
 * The results file is written to a temporary name beside the target and renamed into place
 * only when the run completes (sink_commit), so a failed or interrupted run never leaves a
 * file that looks complete.
 */
#ifndef SHAREBENCH_SINK_H
#define SHAREBENCH_SINK_H

#include "records.h"
#include "util.h"
#include "workload.h"

#include <stdio.h>

/* How many rejections are printed one by one before only counting. */
#define REJECTIONS_SHOWN 20

struct sink {
    struct checksum sum;
    uint64_t rejected;
    uint64_t failed; /* valid records whose chunk kept killing workers */
    const char *input_name;
    char *path;     /* the results file, or NULL */
    char *tmp_path; /* where it is written until committed */
    FILE *file;
};

/* Start a sink; output_path may be NULL for checksum only. */
int sink_open(struct sink *s, const char *input_name, const char *output_path, struct error *err);

/* Take one result. Returns -1 with err if the results file cannot be written. */
int sink_result(struct sink *s, const struct result *r, struct error *err);

/* Take a result line already formatted (len bytes, no newline). */
int sink_result_line(struct sink *s, const char *line, size_t len, struct error *err);

/* Take a chunk's results as a worker sent them: count results summing to sum, and their
 * lines (len bytes, each ending in a newline) if a results file is being written. */
int sink_chunk(struct sink *s, uint64_t count, uint64_t sum, const char *lines, size_t len,
               struct error *err);

/* Count a rejected record, printing the first REJECTIONS_SHOWN as "FILE:LINE: reason". */
void sink_rejected(struct sink *s, const struct rejection *rej);

/* Count n rejected records that are not to be printed (a range's rejections past the ones
 * its worker sent one by one: by then REJECTIONS_SHOWN have been printed). */
void sink_rejected_count(struct sink *s, uint64_t n);

/* Count a record that could not be classified (its chunk kept killing workers), printing
 * the first REJECTIONS_SHOWN as "FILE:LINE: failed: reason". */
void sink_failed(struct sink *s, uint64_t line, const char *reason);

/* Finish: print how many rejections were not shown, flush and rename the results file. */
int sink_commit(struct sink *s, struct error *err);

/* Give up: remove the temporary results file. Safe after sink_commit. */
void sink_discard(struct sink *s);

#endif

/* sink.h - where results go: the checksum always, a results file when asked, and the
 * rejected records reported on stderr.
 *
 * The results file is an outfile (outfile.h): a regular file is replaced only when the run
 * completes (sink_commit); a run that stops early keeps its lines so far in FILE.partial
 * (sink_keep_partial) or nothing (sink_discard), so FILE never looks complete when it is not.
 * A device, a FIFO or /dev/stdout is written directly.
 */
#ifndef SHAREBENCH_SINK_H
#define SHAREBENCH_SINK_H

#include "outfile.h"
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
    struct outfile out; /* the results file, when one was asked for */
    FILE *file;         /* writes to out, through a duplicate of its descriptor; or NULL */
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

/* Finish: print how many rejections were not shown, and put the results file in place. */
int sink_commit(struct sink *s, struct error *err);

/* Finish early: print how many rejections were not shown, and keep the results so far as
 * FILE.partial; kept receives its path ("" without a results file). Every line kept is
 * whole: lines reach the sink a whole chunk or range at a time. */
int sink_keep_partial(struct sink *s, char *kept, size_t cap, struct error *err);

/* Give up: the results file stays as it was. Safe after sink_commit or sink_keep_partial. */
void sink_discard(struct sink *s);

#endif

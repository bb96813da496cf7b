/* split.h - cutting a CSV file into byte ranges that start on record boundaries, exactly.
 *
 * Big files are read in parallel by giving each reader a byte range (Hadoop's input splits,
 * Dask's blocksize, MPI-IO). A raw offset can fall anywhere, including inside a quoted field
 * that holds a line end (RFC 4180 allows it), so "the next line end" is not a record boundary.
 * The planner here walks the file once, front to back, and knows at every byte what the
 * reader (csv_stream.h) would be doing there: at the start of a field, inside an unquoted
 * field, inside quotes, just after a quote, or skipping the rest of a line after malformed
 * quoting. A cut is placed only just after a line end where the reader is between records, so
 * a fresh reader started at the cut reads exactly what a reader of the whole file reads from
 * there: the same records, the same rejections, the same line numbers. That holds for any
 * input, malformed quoting included.
 *
 * It never parses a record: it jumps from quote to quote with memchr and looks at one byte
 * around each, and it counts line ends for the first line number of each range. Its memory is
 * one block, whatever the file's size; it reads with pread.
 */
#ifndef SHAREBENCH_SPLIT_H
#define SHAREBENCH_SPLIT_H

#include "util.h"

#include <stdbool.h>
#include <stdint.h>

/* Bytes [offset, offset + length) of the file; the first of them is on line first_line. */
struct split_range {
    uint64_t offset, length, first_line;
};

struct split_planner;

/* A planner over the first size bytes of fd, from byte 0 (line 1). fd is not closed. */
struct split_planner *split_planner_open(int fd, uint64_t size);

/* The next range: from where the previous one ended to the first record boundary at or after
 * byte until (or the end of the file); never empty. Returns 1 with *r filled, 0 when the file
 * is all planned, -1 on a read error (err names the byte). */
int split_planner_next(struct split_planner *p, uint64_t until, struct split_range *r,
                       struct error *err);

/* Bytes planned so far (where the next range starts). */
uint64_t split_planner_offset(const struct split_planner *p);

void split_planner_close(struct split_planner *p);

/* Where part i of n starts before it is moved to a record boundary: size * i / n. */
uint64_t split_raw_start(uint64_t size, unsigned i, unsigned n);

/* The file cut into n parts of about size / n bytes, each ending at the first record
 * boundary at or after the next part's raw start (sharebench-mpi's plan). Parts may be empty
 * (offset at the end of the previous one, length 0) when records are longer than size / n. */
int split_plan(int fd, uint64_t size, unsigned n, struct split_range *parts, struct error *err);

#endif

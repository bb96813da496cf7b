/* split.h - cutting a CSV file into byte ranges that start on record boundaries.
 *
 * N processes share one file by byte ranges: process i is given about size/N bytes from
 * raw_i = size*i/N. A raw offset can fall anywhere, including inside a quoted field that
 * holds a line end (RFC 4180 allows it), so "the next line" is not enough. What decides is the
 * quote parity: in well-formed CSV a byte is inside a quoted field exactly when an odd number
 * of '"' precede it (a doubled "" inside a field counts two, so it changes nothing). The
 * parity at raw_i is the sum of the quote counts of the ranges before it: one counting pass
 * per process and a prefix sum (MPI_Exscan) give every process its parity without reading
 * the rest of the file. Process i then starts at the first line end outside quotes at or
 * after raw_i and ends where process i+1 starts.
 *
 * Line ends are LF, CRLF or a lone CR, as for csv_stream. The functions here read the file
 * with pread in bounded blocks and know nothing of MPI: the caller does the prefix sums, and
 * tests drive them for N simulated processes.
 *
 * Malformed quoting (a stray quote in an unquoted field) breaks the parity argument from that
 * point on. The part that starts the file is always read right; if it holds no malformed
 * quoting (the reader flags it: rejection.bad_quoting) the parity at the next part's start
 * is right, so that part starts on a true boundary, and so on by induction. So a split is
 * exact unless a part other than the last holds bad quoting; the caller checks that.
 */
#ifndef SHAREBENCH_SPLIT_H
#define SHAREBENCH_SPLIT_H

#include "util.h"

#include <stdbool.h>
#include <stdint.h>

/* The raw start of part i of n over size bytes (part 0 starts at 0; the others at 1 or
 * later, so that every part but the first looks back at a byte). */
uint64_t split_raw_start(uint64_t size, unsigned i, unsigned n);

/* Count the '"' bytes in [off, off + len) of fd. */
int split_count_quotes(int fd, uint64_t off, uint64_t len, uint64_t *quotes, struct error *err);

/* The first record start at or after raw (> 0), given whether the byte at raw is inside a
 * quoted field (odd parity before it); size when there is none. */
int split_find_start(int fd, uint64_t size, uint64_t raw, bool in_quotes, uint64_t *start,
                     struct error *err);

/* Count the line ends (LF, CRLF, lone CR) in [off, off + len) of fd, a range that ends on a
 * line end or at end of file. */
int split_count_lines(int fd, uint64_t off, uint64_t len, uint64_t *lines, struct error *err);

/* The whole plan for n parts, computed in one process (what the ranks of sharebench-mpi
 * compute together with prefix sums): start[0 .. n] (start[n] = size; part i is
 * [start[i], start[i + 1])) and the line each part starts on, first_line[0 .. n-1]. For tests
 * and fuzzing. */
int split_plan(int fd, uint64_t size, unsigned n, uint64_t *start, uint64_t *first_line,
               struct error *err);

#endif

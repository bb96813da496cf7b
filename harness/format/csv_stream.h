/* csv_stream.h - RFC 4180 rows from a file of any size, with the line where each row starts.
 *
 * A thin layer over libcsv that adds what libcsv leaves to its caller:
 *   - streaming with bounded memory: a fixed read buffer, and a cap on how much of one field
 *     is kept (a field over the limit is flagged and dropped, not buffered whole);
 *   - the 1-based physical line where each row starts, counting LF, CRLF and a lone CR each
 *     as one line end, also inside quoted fields;
 *   - malformed quoting (strict RFC 4180) and a quote still open at end of file reported as a
 *     flag on the row, after which reading goes on at the next line.
 * Fields are taken byte for byte: no trimming of spaces, any byte value allowed (the row says
 * whether a field held a NUL). Empty lines are not rows.
 */
#ifndef SHAREBENCH_CSV_STREAM_H
#define SHAREBENCH_CSV_STREAM_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How many fields of a row are kept; a row may have more, they are only counted. */
#define CSV_ROW_KEEP 8

/* Flags on a row that is not well-formed. */
enum csv_row_flag {
    CSV_ROW_OVERSIZE = 1u << 0,     /* a field is longer than the field limit */
    CSV_ROW_NUL = 1u << 1,          /* a field holds a NUL byte */
    CSV_ROW_MALFORMED = 1u << 2,    /* broken quoting; the rest of its line was skipped */
    CSV_ROW_UNTERMINATED = 1u << 3, /* a quoted field still open at end of file */
};

struct csv_field {
    const char *data; /* NUL-terminated copy, valid until the next csv_stream_next() */
    size_t len;
};

struct csv_row {
    uint64_t line;                        /* physical line where the row starts, from 1 */
    size_t nfields;                       /* how many fields the row has */
    struct csv_field field[CSV_ROW_KEEP]; /* the first min(nfields, CSV_ROW_KEEP) */
    unsigned flags;                       /* enum csv_row_flag */
    size_t longest;                       /* length of the longest field */
};

struct csv_stream;

/* Open path for reading rows; fields longer than field_limit bytes flag the row. "-" reads
 * standard input. Returns NULL and fills err when the file cannot be opened. */
struct csv_stream *csv_stream_open(const char *path, size_t field_limit, struct error *err);

/* Read rows from length bytes of path starting at offset, the first of them on line
 * first_line (the rest of the file is not read): one process's share of a file split by
 * byte ranges (harness/io/split.h). */
struct csv_stream *csv_stream_open_range(const char *path, uint64_t offset, uint64_t length,
                                         uint64_t first_line, size_t field_limit,
                                         struct error *err);

/* The same over a descriptor the caller owns and may share (it is read with pread, so other
 * readers of fd are not disturbed; it is not closed). name is used in messages. */
struct csv_stream *csv_stream_open_fd_range(int fd, const char *name, uint64_t offset,
                                            uint64_t length, uint64_t first_line,
                                            size_t field_limit);

/* Read rows from a block of memory (not copied; it must outlive the stream). name is used in
 * messages. */
struct csv_stream *csv_stream_open_memory(const char *name, const void *data, size_t len,
                                          size_t field_limit);

/* Bound what one csv_stream_next may read (0: no bound): past bytes without the row ending,
 * it fails ("FILE:LINE: no line end in the first N bytes"). For a header, which is short:
 * an endless input with no line end (/dev/zero) is refused at once instead of read forever. */
void csv_stream_limit_row(struct csv_stream *s, uint64_t bytes);

/* The next row. Returns 1 with *row filled, 0 at end of input, -1 on a read error (err says
 * which file and why). */
int csv_stream_next(struct csv_stream *s, struct csv_row *row, struct error *err);

/* Bytes of input consumed so far. */
uint64_t csv_stream_bytes(const struct csv_stream *s);

/* The name given at open, for messages. */
const char *csv_stream_name(const struct csv_stream *s);

/* Close the file and free everything. NULL is allowed. */
void csv_stream_close(struct csv_stream *s);

#endif

/* wire.h - the messages between the pool and its workers, the same for every strategy.
 *
 * Parent to worker, a task:   task_header, the strategy's payload, then the body:
 *   record feed (TASK_MAGIC):  the records themselves, parsed by the parent
 *   range feed (RANGE_MAGIC):  a struct range_body, where in the input file the worker is to
 *                              read and parse the records itself
 * Worker to parent, a result: result_header, then its text: the result lines (if asked for),
 * then, for a range, the first of its rejections; or an error message.
 *
 * A record travels as its id, its five field lengths, and the five fields each followed by a
 * NUL (regexec needs C strings); the worker reads them in place, without copying. Only valid
 * records travel: the parent's reader has already rejected the rest.
 */
#ifndef SHAREBENCH_WIRE_H
#define SHAREBENCH_WIRE_H

#include "buf.h"
#include "records.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>

#define TASK_MAGIC   0x4b534254u /* "TBSK" */
#define RANGE_MAGIC  0x4e524254u /* "TBRN" */
#define RESULT_MAGIC 0x53455242u /* "BRES" */

struct task_header {
    uint32_t magic;
    uint32_t records;
    uint64_t seq;         /* the chunk's number, from 0 */
    uint64_t payload_len; /* the strategy's bytes */
    uint64_t body_len;    /* the records' bytes */
};

/* The body of a range task: bytes [offset, offset + length) of the input, starting on a
 * record boundary on line first_line (split.h); at most max_records records (valid or not)
 * are read from it, 0 meaning all. */
struct range_body {
    uint64_t offset, length, first_line, max_records;
};

/* RESULT_READY: the worker finished its setup (attach) and takes tasks; sent once, first. */
enum result_status { RESULT_OK = 0, RESULT_ERROR = 1, RESULT_READY = 2 };

struct result_header {
    uint32_t magic;
    uint32_t status; /* enum result_status */
    uint64_t seq;
    uint64_t count;     /* results in this chunk */
    uint64_t sum;       /* their checksum (docs/WORKLOAD.md section 5) */
    uint64_t records;   /* records read: results + rejected */
    uint64_t rejected;  /* of them, rejected (a range's; the parent rejects a chunk's) */
    uint64_t lines_len; /* the first lines_len bytes of the text are result lines */
    uint64_t text_len;  /* result lines, then rejections as "LINE\tREASON\n"; or the error */
    uint64_t ready_ns;  /* RESULT_READY: when the worker was set up (CLOCK_MONOTONIC, ns) */
};

/* Building a task: begin, add records, end (which fills in the header's lengths). */
size_t task_begin(struct buf *b, uint64_t seq);
void task_add_record(struct buf *b, const struct record *rec);
void task_end(struct buf *b, size_t start, size_t payload_len, uint32_t records);

/* Make the task begun at start a range task: its body is r (then end it with task_end). */
void task_add_range(struct buf *b, size_t start, const struct range_body *r);

/* Every task is padded to a multiple of 8 bytes (after its records), so that payloads that
 * hold doubles are aligned wherever the task sits in a buffer. */

/* Read the records of a task body in place: *rec points into body. Returns 0, or -1 if the
 * body is malformed. *pos starts at 0. */
int task_next_record(const char *body, size_t len, size_t *pos, struct record *rec);

/* Read exactly n bytes (blocking; EINTR retried). Returns 1, 0 at a clean end of file before
 * the first byte, -1 on error or a short read (err says which). */
int read_full(int fd, void *data, size_t n, struct error *err);

/* Write exactly n bytes (blocking; EINTR retried). Returns 0 or -1 with err. */
int write_full(int fd, const void *data, size_t n, struct error *err);

#endif

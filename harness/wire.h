/* wire.h - the messages between the pool and its workers, the same for every strategy.
 *
 * Parent to worker, a task:   task_header, the strategy's payload, the records
 * Worker to parent, a result: result_header, then the result lines or an error message
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
#define RESULT_MAGIC 0x53455242u /* "BRES" */

struct task_header {
    uint32_t magic;
    uint32_t records;
    uint64_t seq;         /* the chunk's number, from 0 */
    uint64_t payload_len; /* the strategy's bytes */
    uint64_t body_len;    /* the records' bytes */
};

/* RESULT_READY: the worker finished its setup (attach) and takes tasks; sent once, first. */
enum result_status { RESULT_OK = 0, RESULT_ERROR = 1, RESULT_READY = 2 };

struct result_header {
    uint32_t magic;
    uint32_t status; /* enum result_status */
    uint64_t seq;
    uint64_t count;    /* results in this chunk */
    uint64_t sum;      /* their checksum (WORKLOAD.md section 5) */
    uint64_t text_len; /* the result lines (if asked for), or the error message */
};

/* Building a task: begin, add records, end (which fills in the header's lengths). */
size_t task_begin(struct buf *b, uint64_t seq);
void task_add_record(struct buf *b, const struct record *rec);
void task_end(struct buf *b, size_t start, size_t payload_len, uint32_t records);

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

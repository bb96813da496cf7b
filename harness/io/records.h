/* records.h - the workload's input records (docs/WORKLOAD.md sections 3, 5), read and checked
 * into a `struct record` (record.h).
 *
 * A record reader opens a CSV file, checks its header (`id,user,country,amount,text`, exactly;
 * anything else refuses the file), then hands out one record at a time, or a rejection that
 * says which line and why. records read = results + rejected: nothing is dropped silently.
 */
#ifndef SHAREBENCH_RECORDS_H
#define SHAREBENCH_RECORDS_H

#include "csv_stream.h"
#include "record.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>

#define RECORD_HEADER       "id,user,country,amount,text"
#define FIELD_LIMIT_DEFAULT (1024 * 1024)
/* The least field limit a run takes: the header's longest field, "country" (a smaller one
 * would reject the header itself, and with it the file). */
#define FIELD_LIMIT_MIN 7

/* Why a record was not valid, and where it starts. */
struct rejection {
    uint64_t line;
    char reason[128];
};

enum record_status {
    RECORD_END = 0,
    RECORD_VALID = 1,
    RECORD_REJECTED = 2,
    RECORD_ERROR = -1,
};

struct record_reader;

/* Open path ("-" for standard input) and check its header. NULL with err filled when the file
 * cannot be read, is empty, or does not start with the header. */
struct record_reader *record_reader_open(const char *path, size_t field_limit, struct error *err);

/* Records from length bytes of path starting at offset, the first on line first_line; the
 * header is checked only if the range starts the file (offset 0). */
struct record_reader *record_reader_open_range(const char *path, uint64_t offset, uint64_t length,
                                               uint64_t first_line, size_t field_limit,
                                               struct error *err);

/* Same, over a descriptor the caller owns and may share with other readers (pread). */
struct record_reader *record_reader_open_fd_range(int fd, const char *name, uint64_t offset,
                                                  uint64_t length, uint64_t first_line,
                                                  size_t field_limit, struct error *err);

/* Same, over a block of memory (for tests and fuzzing). */
struct record_reader *record_reader_open_memory(const char *name, const void *data, size_t len,
                                                size_t field_limit, struct error *err);

/* The next record: RECORD_VALID fills rec, RECORD_REJECTED fills rej, RECORD_END at the end,
 * RECORD_ERROR on a read error (err). */
enum record_status record_reader_next(struct record_reader *r, struct record *rec,
                                      struct rejection *rej, struct error *err);

/* What to do with each record read by record_reader_visit. */
struct record_visitor {
    /* A valid record; a non-zero return stops the reading (err says why). */
    int (*valid)(void *ctx, const struct record *rec, struct error *err);
    void (*rejected)(void *ctx, const struct rejection *rej);
    void *ctx;
};

/* Read records until the end, or until max records (valid or not; 0: no limit), handing each
 * to v. *read counts them. Returns 0, or -1 on a read error or a visitor's error (err). */
int record_reader_visit(struct record_reader *r, uint64_t max, const struct record_visitor *v,
                        uint64_t *read, struct error *err);

/* Bytes of input consumed so far, and the file's name. */
uint64_t record_reader_bytes(const struct record_reader *r);
const char *record_reader_name(const struct record_reader *r);

void record_reader_close(struct record_reader *r);

/* Check a row against docs/WORKLOAD.md section 5. Returns 0 and fills rec when valid; otherwise
 * fills rej. Exposed for tests. */
int record_from_row(const struct csv_row *row, struct record *rec, struct rejection *rej);

/* Parse a whole string as `-?[0-9]+` fitting in int64_t. */
int parse_record_id(const char *s, size_t len, int64_t *out);

#endif

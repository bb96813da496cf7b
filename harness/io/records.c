/* records.c - see records.h. */
#include "records.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const header_names[RECORD_FIELDS] = {"id", "user", "country", "amount", "text"};

struct record_reader {
    struct csv_stream *stream;
};

int parse_record_id(const char *s, size_t len, int64_t *out)
{
    bool negative = len > 0 && s[0] == '-';
    size_t i = negative ? 1 : 0;
    if (i == len)
        return -1;
    /* Accumulate as a negative number: its range holds INT64_MIN. */
    int64_t v = 0;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        int digit = s[i] - '0';
        if (v < (INT64_MIN + digit) / 10)
            return -1;
        v = v * 10 - digit;
    }
    if (!negative) {
        if (v == INT64_MIN)
            return -1;
        v = -v;
    }
    *out = v;
    return 0;
}

static int reject(struct rejection *rej, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int reject(struct rejection *rej, uint64_t line, const char *fmt, ...)
{
    va_list ap;
    rej->line = line;
    va_start(ap, fmt);
    vsnprintf(rej->reason, sizeof rej->reason, fmt, ap);
    va_end(ap);
    return -1;
}

int record_from_row(const struct csv_row *row, struct record *rec, struct rejection *rej)
{
    if (row->flags & (CSV_ROW_UNTERMINATED | CSV_ROW_MALFORMED)) {
        return reject(rej, row->line, "%s",
                      row->flags & CSV_ROW_UNTERMINATED ? "quoted field not closed at end of file"
                                                        : "malformed quoting (RFC 4180)");
    }
    if (row->nfields != RECORD_FIELDS)
        return reject(rej, row->line, "expected %d fields, found %zu", RECORD_FIELDS, row->nfields);
    if (row->flags & CSV_ROW_OVERSIZE)
        return reject(rej, row->line, "field of %zu bytes is over the field limit", row->longest);
    if (row->flags & CSV_ROW_NUL)
        return reject(rej, row->line, "field holds a NUL byte");
    const struct csv_field *id = &row->field[FIELD_ID];
    if (parse_record_id(id->data, id->len, &rec->id) != 0)
        return reject(rej, row->line, "id is not an integer that fits in 64 bits");
    rec->line = row->line;
    memcpy(rec->field, row->field, sizeof rec->field);
    return 0;
}

static bool row_is_header(const struct csv_row *row)
{
    if (row->nfields != RECORD_FIELDS || row->flags != 0)
        return false;
    for (int i = 0; i < RECORD_FIELDS; i++)
        if (strcmp(row->field[i].data, header_names[i]) != 0)
            return false;
    return true;
}

#define HEADER_BYTES_MAX 4096 /* far more than RECORD_HEADER and a byte-order mark */

static int check_header(struct csv_stream *s, struct error *err)
{
    struct csv_row row;
    csv_stream_limit_row(s, HEADER_BYTES_MAX);
    int got = csv_stream_next(s, &row, err);
    csv_stream_limit_row(s, 0);
    if (got < 0)
        return -1;
    if (got == 0)
        return error_set(err, "%s: empty file: expected the header '%s'", csv_stream_name(s),
                         RECORD_HEADER);
    if (row_is_header(&row))
        return 0;
    const char *first = row.nfields ? row.field[0].data : "";
    if (strncmp(first, "\xEF\xBB\xBF", 3) == 0)
        return error_set(err,
                         "%s:%llu: the file starts with a UTF-8 byte-order mark; "
                         "save it without one (header must be exactly '%s')",
                         csv_stream_name(s), (unsigned long long)row.line, RECORD_HEADER);
    return error_set(err,
                     "%s:%llu: not a sharebench records file: the first line must be "
                     "exactly '%s'",
                     csv_stream_name(s), (unsigned long long)row.line, RECORD_HEADER);
}

static struct record_reader *reader_start(struct csv_stream *s, bool header, struct error *err)
{
    if (s == NULL)
        return NULL;
    if (header && check_header(s, err) != 0) {
        csv_stream_close(s);
        return NULL;
    }
    struct record_reader *r = xcalloc(1, sizeof *r);
    r->stream = s;
    return r;
}

struct record_reader *record_reader_open(const char *path, size_t field_limit, struct error *err)
{
    return reader_start(csv_stream_open(path, field_limit, err), true, err);
}

struct record_reader *record_reader_open_range(const char *path, uint64_t offset, uint64_t length,
                                               uint64_t first_line, size_t field_limit,
                                               struct error *err)
{
    struct csv_stream *s =
        csv_stream_open_range(path, offset, length, first_line, field_limit, err);
    return reader_start(s, offset == 0, err);
}

struct record_reader *record_reader_open_fd_range(int fd, const char *name, uint64_t offset,
                                                  uint64_t length, uint64_t first_line,
                                                  size_t field_limit, struct error *err)
{
    struct csv_stream *s =
        csv_stream_open_fd_range(fd, name, offset, length, first_line, field_limit);
    return reader_start(s, offset == 0, err);
}

struct record_reader *record_reader_open_memory(const char *name, const void *data, size_t len,
                                                size_t field_limit, struct error *err)
{
    return reader_start(csv_stream_open_memory(name, data, len, field_limit), true, err);
}

enum record_status record_reader_next(struct record_reader *r, struct record *rec,
                                      struct rejection *rej, struct error *err)
{
    struct csv_row row;
    int got = csv_stream_next(r->stream, &row, err);
    if (got < 0)
        return RECORD_ERROR;
    if (got == 0)
        return RECORD_END;
    return record_from_row(&row, rec, rej) == 0 ? RECORD_VALID : RECORD_REJECTED;
}

int record_reader_visit(struct record_reader *r, uint64_t max, const struct record_visitor *v,
                        uint64_t *read, struct error *err)
{
    *read = 0;
    while (max == 0 || *read < max) {
        struct record rec;
        struct rejection rej;
        enum record_status st = record_reader_next(r, &rec, &rej, err);
        if (st == RECORD_END)
            return 0;
        if (st == RECORD_ERROR)
            return -1;
        ++*read;
        if (st == RECORD_REJECTED)
            v->rejected(v->ctx, &rej);
        else if (v->valid(v->ctx, &rec, err) != 0)
            return -1;
    }
    return 0;
}

uint64_t record_reader_bytes(const struct record_reader *r)
{
    return csv_stream_bytes(r->stream);
}

const char *record_reader_name(const struct record_reader *r)
{
    return csv_stream_name(r->stream);
}

void record_reader_close(struct record_reader *r)
{
    if (r == NULL)
        return;
    csv_stream_close(r->stream);
    free(r);
}

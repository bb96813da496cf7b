/* fuzz_csv.c - any bytes through the CSV stream and the record reader: no crash, no leak, no
 * undefined behaviour, and every row accounted for: when the reader accepts the header, each
 * row the CSV stream finds after it is exactly one record or one rejection, on the same line,
 * in the same order (records read = rows + rejected). A difference aborts. */
#include "csv_stream.h"
#include "records.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The line of every row the CSV stream finds, in order. */
struct lines {
    uint64_t *line;
    size_t n, cap;
};

static void lines_add(struct lines *l, uint64_t line)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->line = realloc(l->line, l->cap * sizeof *l->line);
        if (l->line == NULL)
            abort();
    }
    l->line[l->n++] = line;
}

static void read_rows(const uint8_t *data, size_t size, struct lines *rows)
{
    struct error err;
    struct csv_stream *s = csv_stream_open_memory("fuzz", data, size, 64);
    struct csv_row row;
    int rc;
    while ((rc = csv_stream_next(s, &row, &err)) > 0) {
        for (size_t i = 0; i < row.nfields && i < CSV_ROW_KEEP; i++)
            if (row.field[i].data[row.field[i].len] != '\0')
                abort(); /* every kept field is NUL-terminated */
        if (rows->n > 0 && row.line <= rows->line[rows->n - 1])
            abort(); /* rows start on increasing lines */
        lines_add(rows, row.line);
    }
    if (rc < 0)
        abort(); /* memory cannot fail to read */
    csv_stream_close(s);
}

/* Every row after the header: one record or one rejection, on the row's line. */
static void check_records(const uint8_t *data, size_t size, const struct lines *rows)
{
    struct error err;
    struct record_reader *r = record_reader_open_memory("fuzz", data, size, 64, &err);
    if (r == NULL)
        return; /* no header: the file is refused whole */
    struct record rec;
    struct rejection rej;
    enum record_status st;
    size_t next = 1; /* rows->line[0] is the header */
    while ((st = record_reader_next(r, &rec, &rej, &err)) != RECORD_END) {
        if (st == RECORD_ERROR || next >= rows->n)
            abort(); /* more records than rows */
        uint64_t line = st == RECORD_VALID ? rec.line : rej.line;
        if (line != rows->line[next++])
            abort();
    }
    if (next != rows->n)
        abort(); /* a row was neither a record nor a rejection */
    record_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lines rows = {0};
    read_rows(data, size, &rows);
    check_records(data, size, &rows);
    free(rows.line);
    return 0;
}

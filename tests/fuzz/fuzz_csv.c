/* fuzz_csv.c - any bytes through the CSV stream and the record reader: no crash, no leak, no
 * undefined behaviour, and every row accounted for as a record or a rejection. */
#include "csv_stream.h"
#include "records.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct error err;
    struct csv_stream *s = csv_stream_open_memory("fuzz", data, size, 64);
    struct csv_row row;
    while (csv_stream_next(s, &row, &err) > 0) {
        for (size_t i = 0; i < row.nfields && i < CSV_ROW_KEEP; i++)
            if (row.field[i].data[row.field[i].len] != '\0')
                abort(); /* every kept field is NUL-terminated */
    }
    csv_stream_close(s);

    struct record_reader *r = record_reader_open_memory("fuzz", data, size, 64, &err);
    if (r) {
        struct record rec;
        struct rejection rej;
        while (record_reader_next(r, &rec, &rej, &err) > 0) {
        }
        record_reader_close(r);
    }
    return 0;
}

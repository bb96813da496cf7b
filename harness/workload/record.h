/* record.h - one record of the workload (docs/WORKLOAD.md section 3): what a classifier reads.
 *
 * A record is the workload's, whatever produced it: the records reader (records.h) fills one
 * from a checked CSV row, and the classifier (classify.h), the rules (rules.h) and every
 * strategy read it. Its fields point into the row they were read from (format/csv_stream.h).
 */
#ifndef SHAREBENCH_RECORD_H
#define SHAREBENCH_RECORD_H

#include "csv_stream.h"

#include <stdint.h>

#define RECORD_FIELDS 5

enum record_field { FIELD_ID, FIELD_USER, FIELD_COUNTRY, FIELD_AMOUNT, FIELD_TEXT };

/* One valid record. Field data is NUL-terminated and stays valid until the next read. */
struct record {
    int64_t id;
    uint64_t line;
    struct csv_field field[RECORD_FIELDS];
};

#endif

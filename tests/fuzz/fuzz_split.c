/* fuzz_split.c - any bytes, split into 2, 3 and 7 parts as sharebench-mpi splits its input:
 * the parts cover the file in order, and read part by part they give exactly the records,
 * rejections and line numbers of one serial reader, unless a part before the last holds
 * malformed quoting (which sharebench-mpi refuses). An oracle target: a difference aborts. */
#define _GNU_SOURCE /* memfd_create */
#include "records.h"
#include "split.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tally {
    uint64_t valid, rejected, hash, bad_quoting;
};

static void tally(struct record_reader *r, struct tally *t, bool last)
{
    struct record rec;
    struct rejection rej;
    struct error err;
    enum record_status st;
    while ((st = record_reader_next(r, &rec, &rej, &err)) != RECORD_END) {
        if (st == RECORD_ERROR)
            abort();
        if (st == RECORD_VALID) {
            t->valid++;
            t->hash += ((uint64_t)rec.id * 0x9e3779b97f4a7c15ULL) ^ rec.line;
        } else {
            t->rejected++;
            t->hash += rej.line * 0xbf58476d1ce4e5b9ULL;
            t->bad_quoting += rej.bad_quoting && !last;
        }
    }
    record_reader_close(r);
}

static void check_parts(const char *path, int fd, uint64_t size, unsigned n,
                        const struct tally *serial)
{
    uint64_t start[8], line[8];
    struct error err;
    if (split_plan(fd, size, n, start, line, &err) != 0)
        abort();
    struct tally t = {0};
    for (unsigned i = 0; i < n; i++) {
        if (start[i] > start[i + 1] || (i == 0 && start[0] != 0))
            abort();
        struct record_reader *r =
            record_reader_open_range(path, start[i], start[i + 1] - start[i], line[i], 64, &err);
        if (r == NULL)
            return; /* only part 0 checks the header, and serial accepted it */
        tally(r, &t, i + 1 == n);
    }
    if (t.bad_quoting == 0 &&
        (t.valid != serial->valid || t.rejected != serial->rejected || t.hash != serial->hash))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-split", MFD_CLOEXEC);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    struct error err;
    struct record_reader *r = record_reader_open(path, 64, &err);
    if (r) {
        struct tally serial = {0};
        tally(r, &serial, true);
        for (unsigned n = 2; n <= 7; n += n == 3 ? 4 : 1)
            check_parts(path, fd, size, n, &serial);
    }
    close(fd);
    return 0;
}

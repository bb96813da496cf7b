/* fuzz_split.c - any bytes, split into 2, 3 and 7 parts as sharebench-mpi splits its input and
 * into ranges of 1, 2, 5 and 64 bytes as the pool's range feed does: the ranges cover the file
 * in order, and read range by range they give exactly the records, rejections and line
 * numbers of one serial reader, malformed quoting included. An oracle target: a difference
 * aborts. */
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
    uint64_t valid, rejected, hash;
};

static void tally(struct record_reader *r, struct tally *t)
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
        }
    }
    record_reader_close(r);
}

/* Read the ranges in order; they must follow each other from byte 0 to the end. */
static void check_ranges(const char *path, uint64_t size, const struct split_range *r, size_t n,
                         const struct tally *serial)
{
    struct tally t = {0};
    struct error err;
    uint64_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (r[i].offset != at)
            abort();
        at += r[i].length;
        struct record_reader *reader =
            record_reader_open_range(path, r[i].offset, r[i].length, r[i].first_line, 64, &err);
        if (reader == NULL)
            abort(); /* only the first range checks the header, and serial accepted it */
        tally(reader, &t);
    }
    if (at != size || t.valid != serial->valid || t.rejected != serial->rejected ||
        t.hash != serial->hash)
        abort();
}

static void check_parts(const char *path, int fd, uint64_t size, unsigned n,
                        const struct tally *serial)
{
    struct split_range parts[8];
    struct error err;
    if (split_plan(fd, size, n, parts, &err) != 0)
        abort();
    check_ranges(path, size, parts, n, serial);
}

static void check_sized(const char *path, int fd, uint64_t size, uint64_t bytes,
                        const struct tally *serial)
{
    struct split_planner *p = split_planner_open(fd, size);
    struct split_range *r = NULL;
    size_t n = 0;
    struct error err;
    int got;
    do {
        r = realloc(r, (n + 1) * sizeof *r);
        if (r == NULL)
            abort();
        got = split_planner_next(p, split_planner_offset(p) + bytes, &r[n], &err);
        n += got == 1;
    } while (got == 1);
    if (got < 0)
        abort();
    split_planner_close(p);
    check_ranges(path, size, r, n, serial);
    free(r);
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
        tally(r, &serial);
        for (unsigned n = 2; n <= 7; n += n == 3 ? 4 : 1)
            check_parts(path, fd, size, n, &serial);
        const uint64_t bytes[] = {1, 2, 5, 64};
        for (size_t i = 0; i < sizeof bytes / sizeof bytes[0]; i++)
            check_sized(path, fd, size, bytes[i], &serial);
    }
    close(fd);
    return 0;
}

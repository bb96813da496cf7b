/* split.c - see split.h. */
#define _GNU_SOURCE /* pread under -std=c11 */
#include "split.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK (1u << 20)

uint64_t split_raw_start(uint64_t size, unsigned i, unsigned n)
{
    if (i == 0)
        return 0;
    /* size * i / n without overflow for any file size: split size into quotient and rest. */
    uint64_t raw = size / n * i + size % n * i / n;
    return raw ? raw : 1;
}

/* Read up to cap bytes at off; *got is 0 at end of file. */
static int read_block(int fd, uint64_t off, char *buf, size_t cap, size_t *got, struct error *err)
{
    ssize_t n;
    do {
        n = pread(fd, buf, cap, (off_t)off);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return error_errno(err, "read at byte %llu", (unsigned long long)off);
    *got = (size_t)n;
    return 0;
}

int split_count_quotes(int fd, uint64_t off, uint64_t len, uint64_t *quotes, struct error *err)
{
    char *buf = xmalloc(BLOCK);
    uint64_t count = 0;
    int rc = 0;
    while (len > 0) {
        size_t got = 0;
        if ((rc = read_block(fd, off, buf, len < BLOCK ? (size_t)len : BLOCK, &got, err)) != 0)
            break;
        if (got == 0)
            break;
        for (const char *p = buf, *end = buf + got; (p = memchr(p, '"', (size_t)(end - p))); p++)
            count++;
        off += got;
        len -= got;
    }
    free(buf);
    *quotes = count;
    return rc;
}

/* Does a line end just before pos? (LF, or a CR not followed by LF; pos in 1 .. size) */
static int line_ends_before(int fd, uint64_t size, uint64_t pos, bool *yes, struct error *err)
{
    char two[2];
    size_t got = 0;
    if (read_block(fd, pos - 1, two, pos < size ? 2 : 1, &got, err) != 0)
        return -1;
    *yes = got >= 1 && (two[0] == '\n' || (two[0] == '\r' && (got < 2 || two[1] != '\n')));
    return 0;
}

int split_find_start(int fd, uint64_t size, uint64_t raw, bool in_quotes, uint64_t *start,
                     struct error *err)
{
    if (raw >= size) {
        *start = size;
        return 0;
    }
    bool at_line_start;
    if (line_ends_before(fd, size, raw, &at_line_start, err) != 0)
        return -1;
    if (at_line_start && !in_quotes) {
        *start = raw;
        return 0;
    }
    /* Walk on, flipping at each quote, to the first line end outside quotes. A CR is a line
     * end only if no LF follows it, so each block is read with one byte to spare. */
    char *buf = xmalloc(BLOCK + 1);
    *start = size;
    int rc = 0;
    for (uint64_t off = raw; off < size;) {
        size_t got = 0;
        if ((rc = read_block(fd, off, buf, BLOCK + 1, &got, err)) != 0 || got == 0)
            break;
        size_t scan = got > BLOCK ? BLOCK : got, i;
        for (i = 0; i < scan; i++) {
            char c = buf[i];
            bool line_end = c == '\n' || (c == '\r' && (i + 1 >= got || buf[i + 1] != '\n'));
            if (c == '"')
                in_quotes = !in_quotes;
            else if (line_end && !in_quotes)
                break;
        }
        if (i < scan) {
            *start = off + i + 1;
            break;
        }
        off += scan;
    }
    free(buf);
    return rc;
}

int split_count_lines(int fd, uint64_t off, uint64_t len, uint64_t *lines, struct error *err)
{
    char *buf = xmalloc(BLOCK);
    uint64_t count = 0;
    bool after_cr = false;
    int rc = 0;
    while (len > 0) {
        size_t got = 0;
        if ((rc = read_block(fd, off, buf, len < BLOCK ? (size_t)len : BLOCK, &got, err)) != 0)
            break;
        if (got == 0)
            break;
        for (size_t i = 0; i < got; i++) {
            if (buf[i] == '\r')
                count++;
            else if (buf[i] == '\n' && !after_cr)
                count++;
            after_cr = buf[i] == '\r';
        }
        off += got;
        len -= got;
    }
    free(buf);
    *lines = count;
    return rc;
}

int split_plan(int fd, uint64_t size, unsigned n, uint64_t *start, uint64_t *first_line,
               struct error *err)
{
    uint64_t quotes_before = 0;
    for (unsigned i = 0; i < n; i++) { /* what MPI_Exscan gives each rank, in order */
        uint64_t raw = split_raw_start(size, i, n);
        uint64_t raw_end = i + 1 == n ? size : split_raw_start(size, i + 1, n);
        start[i] = 0;
        if (i > 0 && split_find_start(fd, size, raw, quotes_before & 1, &start[i], err) != 0)
            return -1;
        uint64_t q = 0;
        if (raw_end > raw && split_count_quotes(fd, raw, raw_end - raw, &q, err) != 0)
            return -1;
        quotes_before += q;
    }
    start[n] = size;
    uint64_t line = 1;
    for (unsigned i = 0; i < n; i++) {
        uint64_t lines = 0;
        if (start[i + 1] > start[i] &&
            split_count_lines(fd, start[i], start[i + 1] - start[i], &lines, err) != 0)
            return -1;
        first_line[i] = line;
        line += lines;
    }
    return 0;
}

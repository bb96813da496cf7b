/* split.c - see split.h.
 *
 * The states follow libcsv in strict mode (csv_stream.c parses with CSV_STRICT) and
 * csv_stream's recovery from malformed quoting, byte for byte:
 *   FIELD_START  at the start of a row or after a comma: a quote opens a quoted field
 *   IN_FIELD     inside an unquoted field: a quote is malformed
 *   IN_QUOTES    inside a quoted field: only a quote matters (commas and line ends are data)
 *   AFTER_QUOTE  after a quote inside a quoted field: a quote is an escaped quote, a comma or
 *                a line end closes the field, any other byte is malformed
 *   SKIPPING     after malformed quoting: the reader drops bytes through the next CR or LF
 * A line end met outside quotes (or ending a skip) ends the row, so just after it is a record
 * boundary; a CR followed by LF is one line end, so the cut goes after the LF.
 */
#define _GNU_SOURCE /* pread under -std=c11 */
#include "split.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Read in blocks of 256 KiB, as the workers' readers do: a block stays in a core's L2 cache
 * while the planner passes over it for quotes, line feeds and carriage returns, so the scan
 * reads the input once from memory rather than four times. */
#define BLOCK (256u * 1024)

enum quote_state { FIELD_START, IN_FIELD, IN_QUOTES, AFTER_QUOTE, SKIPPING };

struct split_planner {
    int fd;
    uint64_t size;
    char *buf;        /* BLOCK + 1 bytes: the last is only looked at, to see what follows a CR */
    uint64_t buf_off; /* the file offset of buf[0] */
    size_t buf_len;   /* bytes in buf */
    size_t lim;       /* bytes of buf to scan (buf_len less the look-ahead byte) */
    uint64_t pos;     /* the next byte to scan */
    enum quote_state state;
    uint64_t start, line; /* where the next range starts, and its line */
    uint64_t counted;     /* line ends are counted up to this byte ... */
    uint64_t lines;       /* ... and number this many since start */
    bool after_cr;        /* the last byte counted was a CR */
};

uint64_t split_raw_start(uint64_t size, unsigned i, unsigned n)
{
    /* size * i / n without overflow for any file size: split size into quotient and rest. */
    return size / n * i + size % n * i / n;
}

struct split_planner *split_planner_open(int fd, uint64_t size)
{
    struct split_planner *p = xcalloc(1, sizeof *p);
    p->fd = fd;
    p->size = size;
    p->buf = xmalloc(BLOCK + 1);
    p->line = 1;
    return p;
}

void split_planner_close(struct split_planner *p)
{
    if (p == NULL)
        return;
    free(p->buf);
    free(p);
}

uint64_t split_planner_offset(const struct split_planner *p)
{
    return p->start;
}

/* How many times c occurs in b[0, n), by memchr: records are many bytes per line end. */
static uint64_t count_byte(const char *b, size_t n, char c)
{
    uint64_t count = 0;
    for (const char *p = b, *end = b + n; (p = memchr(p, c, (size_t)(end - p))) != NULL; p++)
        count++;
    return count;
}

/* Count the line ends (LF, CRLF, lone CR) from counted up to byte to, which is in buf: every
 * CR and every LF, less the LFs that follow a CR. */
static void count_to(struct split_planner *p, uint64_t to)
{
    const char *b = p->buf + (p->counted - p->buf_off);
    size_t n = (size_t)(to - p->counted);
    if (n == 0)
        return;
    uint64_t lines = count_byte(b, n, '\n');
    if (p->after_cr && b[0] == '\n')
        lines--;
    for (const char *cr = b, *end = b + n; (cr = memchr(cr, '\r', (size_t)(end - cr))) != NULL;
         cr++)
        lines += 1 - (cr + 1 < end && cr[1] == '\n');
    p->after_cr = b[n - 1] == '\r';
    p->lines += lines;
    p->counted = to;
}

/* Read the block that starts at pos, with one byte more when the file has it. */
static int load(struct split_planner *p, struct error *err)
{
    uint64_t left = p->size - p->pos;
    size_t want = left < BLOCK + 1 ? (size_t)left : BLOCK + 1, got = 0;
    while (got < want) {
        ssize_t n = pread(p->fd, p->buf + got, want - got, (off_t)(p->pos + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return error_errno(err, "read at byte %llu", (unsigned long long)(p->pos + got));
        if (n == 0)
            return error_set(err,
                             "the file ends at byte %llu, before the %llu bytes it had when the "
                             "run began: it changed while it was being read",
                             (unsigned long long)(p->pos + got), (unsigned long long)p->size);
        got += (size_t)n;
    }
    p->buf_off = p->pos;
    p->buf_len = got;
    p->lim = got > BLOCK ? BLOCK : got;
    return 0;
}

static bool is_line_end(char c)
{
    return c == '\n' || c == '\r';
}

/* The first CR or LF in buf[from, to), or to. */
static size_t next_line_end(const char *b, size_t from, size_t to)
{
    const char *lf = memchr(b + from, '\n', to - from);
    size_t end = lf ? (size_t)(lf - b) : to;
    const char *cr = memchr(b + from, '\r', end - from);
    return cr ? (size_t)(cr - b) : end;
}

/* The row ends with the line end at buf[i]: cut just after it (after the LF of a CRLF). */
static uint64_t cut_after(struct split_planner *p, size_t i)
{
    bool crlf = p->buf[i] == '\r' && i + 1 < p->buf_len && p->buf[i + 1] == '\n';
    p->pos = p->buf_off + i + (crlf ? 2 : 1);
    p->state = FIELD_START;
    return p->pos;
}

/* Outside quotes (FIELD_START, IN_FIELD): jump to the next quote. A line end before it, at
 * or after target - 1, is the cut. A quote at the start of a field opens quotes; anywhere
 * else it is malformed. Returns the cut, or 0 with *i moved on. */
static uint64_t scan_unquoted(struct split_planner *p, uint64_t target, size_t *i)
{
    const char *b = p->buf;
    const char *q = memchr(b + *i, '"', p->lim - *i);
    size_t quote = q ? (size_t)(q - b) : p->lim;
    size_t from = *i;
    if (target - 1 > p->buf_off + *i)
        from = target - 1 - p->buf_off < quote ? (size_t)(target - 1 - p->buf_off) : quote;
    size_t end = from < quote ? next_line_end(b, from, quote) : quote;
    if (end < quote)
        return cut_after(p, end);
    if (quote > *i)
        p->state = b[quote - 1] == ',' || is_line_end(b[quote - 1]) ? FIELD_START : IN_FIELD;
    if (quote < p->lim)
        p->state = p->state == FIELD_START ? IN_QUOTES : SKIPPING;
    *i = quote < p->lim ? quote + 1 : p->lim;
    return 0;
}

/* Scan buf from pos to lim. Returns the first cut at or after target, or 0. */
static uint64_t scan_block(struct split_planner *p, uint64_t target)
{
    const char *b = p->buf;
    size_t i = (size_t)(p->pos - p->buf_off), end;
    uint64_t cut = 0;
    while (cut == 0 && i < p->lim) {
        switch (p->state) {
        case FIELD_START:
        case IN_FIELD:
            cut = scan_unquoted(p, target, &i);
            break;
        case IN_QUOTES: {
            const char *q = memchr(b + i, '"', p->lim - i);
            i = q ? (size_t)(q - b) + 1 : p->lim;
            if (q)
                p->state = AFTER_QUOTE;
            break;
        }
        case AFTER_QUOTE:
            if (!is_line_end(b[i]))
                p->state = b[i] == '"' ? IN_QUOTES : b[i] == ',' ? FIELD_START : SKIPPING;
            else if (p->buf_off + i + 1 >= target)
                cut = cut_after(p, i);
            else
                p->state = FIELD_START;
            i++;
            break;
        case SKIPPING:
            end = next_line_end(b, i, p->lim);
            if (end < p->lim)
                p->state = FIELD_START;
            if (end < p->lim && p->buf_off + end + 1 >= target)
                cut = cut_after(p, end);
            i = end < p->lim ? end + 1 : p->lim;
            break;
        }
    }
    if (cut == 0)
        p->pos = p->buf_off + i;
    return cut;
}

/* Where the first row starts: the first byte that is not a line end (empty lines before the
 * header are skipped by the reader). The first range must hold that row, the header, which
 * only a range starting at byte 0 checks. */
static int first_row_start(const struct split_planner *p, uint64_t *at, struct error *err)
{
    char block[4096];
    for (uint64_t off = 0; off < p->size;) {
        ssize_t n = pread(p->fd, block, sizeof block, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? error_errno(err, "read at byte %llu", (unsigned long long)off) : 0;
        for (ssize_t i = 0; i < n; i++)
            if (!is_line_end(block[i])) {
                *at = off + (uint64_t)i;
                return 0;
            }
        off += (uint64_t)n;
    }
    *at = p->size;
    return 0;
}

int split_planner_next(struct split_planner *p, uint64_t until, struct split_range *r,
                       struct error *err)
{
    if (p->start >= p->size)
        return 0;
    uint64_t target = until > p->start ? until : p->start + 1, cut = 0, header = 0;
    if (p->start == 0 && first_row_start(p, &header, err) != 0)
        return -1;
    if (target < header + 1)
        target = header + 1;
    if (target >= p->size)
        cut = p->size; /* the last range: nothing after it needs the scan */
    while (cut == 0) {
        if (p->pos >= p->size) {
            cut = p->size;
            break;
        }
        if (p->pos >= p->buf_off + p->lim || p->buf_len == 0) {
            count_to(p, p->pos);
            if (load(p, err) != 0)
                return -1;
        }
        cut = scan_block(p, target);
        if (cut)
            count_to(p, cut);
    }
    *r = (struct split_range){.offset = p->start, .length = cut - p->start, .first_line = p->line};
    p->start = cut;
    p->line += p->lines;
    p->lines = 0;
    return 1;
}

int split_plan(int fd, uint64_t size, unsigned n, struct split_range *parts, struct error *err)
{
    struct split_planner *p = split_planner_open(fd, size);
    int rc = 0;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        uint64_t until = i + 1 == n ? size : split_raw_start(size, i + 1, n);
        parts[i] = (struct split_range){.offset = p->start, .length = 0, .first_line = p->line};
        /* The first part always holds the header: an empty range at byte 0 would not. */
        if ((p->start < until || p->start == 0) && split_planner_next(p, until, &parts[i], err) < 0)
            rc = -1;
    }
    split_planner_close(p);
    return rc;
}

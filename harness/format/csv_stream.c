/* csv_stream.c - see csv_stream.h.
 *
 * The one idea: libcsv parses byte by byte and tells us only "a field ended" and "a row
 * ended", never where. So we hand it the input one line-segment at a time, each segment
 * ending at the first CR or LF. A row can only end at a line end, so at most one row ends per
 * segment, and when a segment begins while no row is open, the row that it starts begins on
 * the line we are counting. Line ends inside quoted fields are counted the same way.
 */
#define _POSIX_C_SOURCE 200809L
#include "csv_stream.h"

#include "interrupt.h"

#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_BUFFER_SIZE (256 * 1024)

struct csv_stream {
    struct csv_parser parser;
    char *name;
    int fd;          /* -1 when reading from memory */
    bool close_fd;   /* false for standard input and for a caller's descriptor */
    bool use_pread;  /* read at offset with pread: the descriptor may be shared */
    uint64_t offset; /* pread sources: the next byte to read */
    const char *mem; /* the memory source, or NULL */
    size_t mem_len;
    char *buf;          /* the read buffer (file sources) */
    const char *window; /* unconsumed input: [window, window + window_len) */
    size_t window_len;
    const char *next_cr;  /* the next CR in window, window end if none, NULL if not sought */
    const char *next_nul; /* the same for NUL bytes */
    bool eof;             /* no more input after window */
    bool finished;        /* csv_fini done */
    size_t field_limit;
    uint64_t row_limit; /* csv_stream_limit_row's bound on one call's bytes, 0 for none */
    uint64_t bytes;     /* consumed so far */
    uint64_t remaining; /* file sources: bytes left to read (UINT64_MAX: to the end) */

    uint64_t line;          /* the line the next input byte is on */
    bool after_cr;          /* the last byte seen was CR: an LF now ends no new line */
    bool row_open;          /* bytes of a row have been fed, the row has not ended */
    bool row_ready;         /* a complete row waits in the fields below */
    bool skip_line;         /* after malformed quoting: drop input to the next line end */
    uint64_t field_dropped; /* bytes cut from the field being parsed (over the limit) */

    /* The row being built: up to CSV_ROW_KEEP field copies, each NUL-terminated. */
    uint64_t row_line;
    size_t nfields;
    unsigned flags;
    size_t longest;
    size_t field_off[CSV_ROW_KEEP];
    size_t field_len[CSV_ROW_KEEP];
    char *store;
    size_t store_len, store_cap;
};

static int never_space(unsigned char c)
{
    (void)c;
    return 0; /* keep every space: the workload's fields are taken byte for byte */
}

static void parser_init(struct csv_stream *s)
{
    /* Strict: a quote in an unquoted field or a byte after a closing quote is an error, and
     * so is a quoted field left open at end of input (STRICT_FINI needs STRICT). */
    if (csv_init(&s->parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        abort(); /* csv_init fails only when it cannot allocate its small state */
    }
    csv_set_space_func(&s->parser, never_space);
}

static void store_append(struct csv_stream *s, const void *data, size_t len)
{
    if (s->store_len + len + 1 > s->store_cap) {
        size_t cap = s->store_cap ? s->store_cap : 4096;
        while (cap < s->store_len + len + 1)
            cap *= 2;
        s->store = xrealloc(s->store, cap);
        s->store_cap = cap;
    }
    memcpy(s->store + s->store_len, data, len);
    s->store_len += len;
    s->store[s->store_len++] = '\0';
}

static void on_field(void *data, size_t len, void *ctx)
{
    struct csv_stream *s = ctx;
    size_t index = s->nfields++;
    size_t full_len = len + s->field_dropped;
    bool oversize = full_len > s->field_limit;
    s->field_dropped = 0;
    if (oversize)
        s->flags |= CSV_ROW_OVERSIZE;
    if (full_len > s->longest)
        s->longest = full_len;
    if (index < CSV_ROW_KEEP) {
        s->field_off[index] = s->store_len;
        s->field_len[index] = oversize ? 0 : len;
        store_append(s, data, oversize ? 0 : len);
    }
}

static void on_row_end(int terminator, void *ctx)
{
    (void)terminator;
    struct csv_stream *s = ctx;
    s->row_open = false;
    s->row_ready = true;
}

static void row_reset(struct csv_stream *s)
{
    s->nfields = 0;
    s->flags = 0;
    s->longest = 0;
    s->store_len = 0;
    s->row_ready = false;
    s->field_dropped = 0;
}

static bool is_line_end(char c)
{
    return c == '\n' || c == '\r';
}

/* Count the line end a segment of len bytes ends with, if any. CRLF is one line end, so an
 * LF right after a CR (the segment is just "\n") counts nothing. */
static void count_line_end(struct csv_stream *s, char c, size_t len)
{
    if (len > 1)
        s->after_cr = false;
    if (c == '\r') {
        s->line++;
        s->after_cr = true;
    } else if (c == '\n') {
        if (!s->after_cr)
            s->line++;
        s->after_cr = false;
    } else {
        s->after_cr = false;
    }
}

/* A field longer than the limit is flagged and cut, so that libcsv's buffer stays bounded
 * whatever the input. libcsv has no call for this; its parser struct is public and entry_pos
 * is the length of the field being built. We keep its last byte: after a closing quote,
 * libcsv later removes that quote by stepping entry_pos back one. */
static void cap_field(struct csv_stream *s)
{
    struct csv_parser *p = &s->parser;
    if (p->entry_pos <= s->field_limit || p->entry_pos < 2)
        return;
    p->entry_buf[0] = p->entry_buf[p->entry_pos - 1];
    s->field_dropped += p->entry_pos - 1;
    p->entry_pos = 1;
}

/* After broken quoting: the row is reported as malformed and parsing restarts clean. */
static void abandon_row(struct csv_stream *s)
{
    csv_free(&s->parser);
    parser_init(s);
    s->flags |= CSV_ROW_MALFORMED;
    s->row_open = false;
    s->row_ready = true;
    s->skip_line = true;
}

/* The next c in window at or after p, found once per buffer rather than once per line:
 * *cached holds the last answer (window end when there is none). */
static const char *next_byte(const struct csv_stream *s, const char *p, char c, const char **cached)
{
    const char *end = s->window + s->window_len;
    if (*cached == NULL || *cached < p) {
        *cached = memchr(p, c, (size_t)(end - p));
        if (*cached == NULL)
            *cached = end;
    }
    return *cached;
}

/* Length of the next segment of window: through the first CR or LF, or all of it. */
static size_t next_segment_len(struct csv_stream *s)
{
    const char *p = s->window;
    size_t upto = (size_t)(next_byte(s, p, '\r', &s->next_cr) - p);
    const char *lf = memchr(p, '\n', upto);
    if (lf)
        return (size_t)(lf - p) + 1;
    return upto < s->window_len ? upto + 1 : s->window_len;
}

/* Every byte of a segment fed to the parser belongs to the open row: NUL is not special to
 * CSV, so a NUL in the segment is a NUL in one of the row's fields. */
static void note_nul(struct csv_stream *s, const char *seg, size_t len)
{
    if (next_byte(s, seg, '\0', &s->next_nul) < seg + len)
        s->flags |= CSV_ROW_NUL;
}

/* Feed one segment: bytes up to and including the first line end (or the end of input). */
static int feed_segment(struct csv_stream *s, const char *seg, size_t len, struct error *err)
{
    char last = seg[len - 1];
    if (s->skip_line) {
        if (is_line_end(last))
            s->skip_line = false;
    } else {
        if (!s->row_open && !is_line_end(seg[0])) {
            s->row_open = true;
            s->row_line = s->line;
        }
        note_nul(s, seg, len);
        size_t used = csv_parse(&s->parser, seg, len, on_field, on_row_end, s);
        if (used < len) {
            int code = csv_error(&s->parser);
            if (code != CSV_EPARSE)
                return error_set(err, "%s:%llu: %s", s->name, (unsigned long long)s->row_line,
                                 csv_strerror(code));
            abandon_row(s);
            if (is_line_end(last))
                s->skip_line = false;
        } else {
            cap_field(s);
        }
    }
    count_line_end(s, last, len);
    return 0;
}

static int refill(struct csv_stream *s, struct error *err)
{
    if (s->mem) {
        s->window = s->mem;
        s->window_len = s->mem_len;
        s->next_cr = s->next_nul = NULL;
        s->mem = NULL;
        s->eof = true;
        return 0;
    }
    /* Checked before each read, not only when one is interrupted: an endless input (/dev/zero)
     * never blocks, so the signal would otherwise wait for a line end that never comes. */
    if (interrupt_signal()) {
        errno = EINTR;
        return error_errno(err, "%s: read failed", s->name);
    }
    ssize_t n;
    size_t want = s->remaining < READ_BUFFER_SIZE ? (size_t)s->remaining : READ_BUFFER_SIZE;
    do {
        if (want == 0)
            n = 0;
        else if (s->use_pread)
            n = pread(s->fd, s->buf, want, (off_t)s->offset);
        else
            n = read(s->fd, s->buf, want);
    } while (n < 0 && errno == EINTR && !interrupt_signal()); /* a pipe may never send more */
    if (n < 0)
        return error_errno(err, "%s: read failed", s->name);
    s->offset += (uint64_t)n;
    s->window = s->buf;
    s->window_len = (size_t)n;
    if (s->remaining != UINT64_MAX)
        s->remaining -= (uint64_t)n;
    s->next_cr = s->next_nul = NULL;
    if (n == 0 && want > 0 && s->remaining != UINT64_MAX)
        return error_set(err,
                         "%s: the file ends at byte %llu, inside the range the run planned "
                         "(%llu bytes short): it changed while it was being read",
                         s->name, (unsigned long long)s->offset, (unsigned long long)s->remaining);
    if (n == 0)
        s->eof = true;
    return 0;
}

static void finish(struct csv_stream *s)
{
    s->finished = true;
    if (csv_fini(&s->parser, on_field, on_row_end, s) != 0 && s->row_open) {
        s->flags |= CSV_ROW_UNTERMINATED;
        s->row_open = false;
        s->row_ready = true;
    }
}

static void take_row(struct csv_stream *s, struct csv_row *row)
{
    row->line = s->row_line;
    row->nfields = s->nfields;
    row->flags = s->flags;
    row->longest = s->longest;
    size_t kept = s->nfields < CSV_ROW_KEEP ? s->nfields : CSV_ROW_KEEP;
    for (size_t i = 0; i < CSV_ROW_KEEP; i++) {
        row->field[i].data = i < kept ? s->store + s->field_off[i] : NULL;
        row->field[i].len = i < kept ? s->field_len[i] : 0;
    }
}

void csv_stream_limit_row(struct csv_stream *s, uint64_t bytes)
{
    s->row_limit = bytes;
}

int csv_stream_next(struct csv_stream *s, struct csv_row *row, struct error *err)
{
    row_reset(s);
    uint64_t start = s->bytes;
    while (!s->row_ready) {
        if (s->row_limit && s->bytes - start > s->row_limit)
            return error_set(err, "%s:%llu: no line end in the first %llu bytes", s->name,
                             (unsigned long long)s->line, (unsigned long long)s->row_limit);
        if (s->window_len == 0) {
            if (s->eof) {
                if (s->finished)
                    return 0;
                finish(s);
                continue;
            }
            if (refill(s, err) != 0)
                return -1;
            continue;
        }
        size_t len = next_segment_len(s);
        if (feed_segment(s, s->window, len, err) != 0)
            return -1;
        s->window += len;
        s->window_len -= len;
        s->bytes += len;
    }
    take_row(s, row);
    return 1;
}

static struct csv_stream *stream_new(const char *name, size_t field_limit)
{
    struct csv_stream *s = xcalloc(1, sizeof *s);
    s->name = xstrdup(name);
    s->fd = -1;
    s->field_limit = field_limit;
    s->line = 1;
    s->remaining = UINT64_MAX;
    parser_init(s);
    return s;
}

struct csv_stream *csv_stream_open(const char *path, size_t field_limit, struct error *err)
{
    int fd = STDIN_FILENO;
    bool is_stdin = strcmp(path, "-") == 0;
    if (!is_stdin) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            error_errno(err, "%s: cannot open", path);
            return NULL;
        }
    }
    struct csv_stream *s = stream_new(is_stdin ? "<stdin>" : path, field_limit);
    s->fd = fd;
    s->close_fd = !is_stdin;
    s->buf = xmalloc(READ_BUFFER_SIZE);
    /* Advice only: a failure changes nothing but speed. */
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return s;
}

struct csv_stream *csv_stream_open_range(const char *path, uint64_t offset, uint64_t length,
                                         uint64_t first_line, size_t field_limit, struct error *err)
{
    if (strcmp(path, "-") == 0) {
        error_set(err, "standard input cannot be read by byte ranges");
        return NULL;
    }
    struct csv_stream *s = csv_stream_open(path, field_limit, err);
    if (s == NULL)
        return NULL;
    if (lseek(s->fd, (off_t)offset, SEEK_SET) < 0) {
        error_errno(err, "%s: seek to byte %llu", path, (unsigned long long)offset);
        csv_stream_close(s);
        return NULL;
    }
    s->remaining = length;
    s->line = first_line;
    return s;
}

struct csv_stream *csv_stream_open_fd_range(int fd, const char *name, uint64_t offset,
                                            uint64_t length, uint64_t first_line,
                                            size_t field_limit)
{
    struct csv_stream *s = stream_new(name, field_limit);
    s->fd = fd;
    s->use_pread = true;
    s->offset = offset;
    s->remaining = length;
    s->line = first_line;
    s->buf = xmalloc(READ_BUFFER_SIZE);
    return s;
}

struct csv_stream *csv_stream_open_memory(const char *name, const void *data, size_t len,
                                          size_t field_limit)
{
    struct csv_stream *s = stream_new(name, field_limit);
    s->mem = len ? data : "";
    s->mem_len = len;
    return s;
}

uint64_t csv_stream_bytes(const struct csv_stream *s)
{
    return s->bytes;
}

const char *csv_stream_name(const struct csv_stream *s)
{
    return s->name;
}

void csv_stream_close(struct csv_stream *s)
{
    if (s == NULL)
        return;
    csv_free(&s->parser);
    if (s->close_fd)
        close(s->fd);
    free(s->buf);
    free(s->store);
    free(s->name);
    free(s);
}

/* wire.c - see wire.h. */
#include "wire.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

size_t task_begin(struct buf *b, uint64_t seq)
{
    size_t start = b->len;
    struct task_header h = {.magic = TASK_MAGIC, .seq = seq};
    buf_append(b, &h, sizeof h);
    return start;
}

void task_add_record(struct buf *b, const struct record *rec)
{
    uint32_t len[RECORD_FIELDS];
    size_t total = sizeof rec->id + sizeof len;
    for (int i = 0; i < RECORD_FIELDS; i++) {
        len[i] = (uint32_t)rec->field[i].len;
        total += rec->field[i].len + 1;
    }
    char *p = buf_reserve(b, total);
    memcpy(p, &rec->id, sizeof rec->id);
    p += sizeof rec->id;
    memcpy(p, len, sizeof len);
    p += sizeof len;
    for (int i = 0; i < RECORD_FIELDS; i++) {
        memcpy(p, rec->field[i].data, len[i] + 1); /* with its NUL */
        p += len[i] + 1;
    }
    b->len += total;
}

void task_add_range(struct buf *b, size_t start, const struct range_body *r)
{
    buf_append(b, r, sizeof *r);
    uint32_t magic = RANGE_MAGIC;
    memcpy(b->data + start + offsetof(struct task_header, magic), &magic, sizeof magic);
}

void task_end(struct buf *b, size_t start, size_t payload_len, uint32_t records)
{
    /* Pad to 8 bytes, so the next task (and its payload) starts aligned in the buffer. */
    static const char zeros[8];
    buf_append(b, zeros, (8 - (b->len - start) % 8) % 8);
    struct task_header h;
    memcpy(&h, b->data + start, sizeof h);
    h.records = records;
    h.payload_len = payload_len;
    h.body_len = b->len - start - sizeof h - payload_len;
    memcpy(b->data + start, &h, sizeof h);
}

int task_next_record(const char *body, size_t len, size_t *pos, struct record *rec)
{
    uint32_t flen[RECORD_FIELDS];
    size_t p = *pos;
    if (len - p < sizeof rec->id + sizeof flen)
        return -1;
    memcpy(&rec->id, body + p, sizeof rec->id);
    memcpy(flen, body + p + sizeof rec->id, sizeof flen);
    p += sizeof rec->id + sizeof flen;
    for (int i = 0; i < RECORD_FIELDS; i++) {
        if (len - p < (size_t)flen[i] + 1 || body[p + flen[i]] != '\0')
            return -1;
        rec->field[i] = (struct csv_field){body + p, flen[i]};
        p += (size_t)flen[i] + 1;
    }
    rec->line = 0;
    *pos = p;
    return 0;
}

int read_full(int fd, void *data, size_t n, struct error *err)
{
    size_t done = 0;
    while (done < n) {
        ssize_t got = read(fd, (char *)data + done, n - done);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return error_errno(err, "read");
        if (got == 0) {
            if (done == 0)
                return 0;
            return error_set(err, "unexpected end of stream after %zu of %zu bytes", done, n);
        }
        done += (size_t)got;
    }
    return 1;
}

int write_full(int fd, const void *data, size_t n, struct error *err)
{
    size_t done = 0;
    while (done < n) {
        ssize_t put = write(fd, (const char *)data + done, n - done);
        if (put < 0 && errno == EINTR)
            continue;
        if (put < 0)
            return error_errno(err, "write");
        done += (size_t)put;
    }
    return 0;
}

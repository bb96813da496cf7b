/* buf.c - see buf.h. */
#include "buf.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

void *buf_reserve(struct buf *b, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    return b->data + b->len;
}

void buf_append(struct buf *b, const void *data, size_t n)
{
    if (n == 0)
        return;
    memcpy(buf_reserve(b, n), data, n);
    b->len += n;
}

void buf_compact(struct buf *b)
{
    if (b->off == 0)
        return;
    memmove(b->data, b->data + b->off, b->len - b->off);
    b->len -= b->off;
    b->off = 0;
}

void buf_compact_aligned(struct buf *b, size_t align)
{
    size_t keep = b->off & (align - 1);
    size_t drop = b->off - keep;
    if (drop == 0)
        return;
    memmove(b->data + keep, b->data + b->off, b->len - b->off);
    b->len -= drop;
    b->off = keep;
}

void buf_clear(struct buf *b)
{
    b->len = b->off = 0;
}

void buf_free(struct buf *b)
{
    free(b->data);
    *b = (struct buf){0};
}

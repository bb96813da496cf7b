/* buf.h - a growable byte buffer: the unit messages are built in and read from. */
#ifndef SHAREBENCH_BUF_H
#define SHAREBENCH_BUF_H

#include <stddef.h>

struct buf {
    char *data;
    size_t len; /* bytes held */
    size_t off; /* bytes already consumed from the front (readers and writers) */
    size_t cap;
};

/* Make room for n more bytes; returns where they go (len is not changed). */
void *buf_reserve(struct buf *b, size_t n);

/* Append n bytes. */
void buf_append(struct buf *b, const void *data, size_t n);

/* Bytes not yet consumed, and how many. */
static inline const char *buf_pending(const struct buf *b)
{
    return b->data + b->off;
}
static inline size_t buf_pending_len(const struct buf *b)
{
    return b->len - b->off;
}

/* Drop the consumed front, so that the buffer does not grow without bound. */
void buf_compact(struct buf *b);

/* The same, but every byte keeps its offset modulo align (a power of two), so that data laid
 * out aligned in the buffer stays aligned. */
void buf_compact_aligned(struct buf *b, size_t align);

void buf_clear(struct buf *b);
void buf_free(struct buf *b);

#endif

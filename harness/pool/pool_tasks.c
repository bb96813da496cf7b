/* pool_tasks.c - what the pool sends: a task is a header, the strategy's payload for it, then
 * either records the parent parsed (the record feed: C of them, Python's chunksize) or the
 * place of a byte range the worker reads itself (the range feed). The task's bytes are kept
 * until its result is in, so that a dead worker's tasks can be sent again as they were.
 */
#include "pool_private.h"

#include "wire.h"

#include <stdlib.h>

/* Read up to a chunk of records into task t. Rejected records go to the
 * sink as they are met. Returns the number of records packed, or -1 on a read error. */
static int pack_records(struct pool *p, struct record_reader *reader, struct sink *sink,
                        struct task *t, struct error *err)
{
    struct buf *out = &t->bytes;
    uint32_t packed = 0;
    while (packed < p->opt.chunk && (p->opt.limit == 0 || p->taken < p->opt.limit)) {
        struct record rec;
        struct rejection rej;
        enum record_status st = record_reader_next(reader, &rec, &rej, err);
        if (st == RECORD_ERROR)
            return -1;
        if (st == RECORD_END)
            break;
        p->taken++;
        if (st == RECORD_REJECTED) {
            sink_rejected(sink, &rej);
            continue;
        }
        task_add_record(out, &rec);
        t->lines = xrealloc(t->lines, (packed + 1) * sizeof *t->lines);
        t->lines[packed] = rec.line;
        packed++;
    }
    if (packed < p->opt.chunk)
        p->input_done = true;
    return (int)packed;
}

void pool_task_free(struct task *t)
{
    buf_free(&t->bytes);
    free(t->lines);
    free(t);
}

/* A new task numbered seq, holding the strategy's payload for it. NULL if the strategy
 * failed (err says why). */
static struct task *task_with_payload(struct pool *p, uint64_t seq, struct error *err)
{
    const struct strategy *s = p->config.strategy;
    struct task *t = xcalloc(1, sizeof *t);
    t->seq = seq;
    task_begin(&t->bytes, seq);
    if (s->payload && s->payload(p->config.state, seq, &t->bytes, err) != 0) {
        pool_task_free(t);
        return NULL;
    }
    return t;
}

/* A task for one range of the input: the payload, then where the range lies. */
struct task *pool_range_task(struct pool *p, uint64_t seq, const struct range_body *body,
                             struct error *err)
{
    struct task *t = task_with_payload(p, seq, err);
    if (t == NULL)
        return NULL;
    size_t payload_len = t->bytes.len - sizeof(struct task_header);
    t->is_range = true;
    t->range = *body;
    task_add_range(&t->bytes, 0, body);
    task_end(&t->bytes, 0, payload_len, 0);
    p->stats.payload_bytes += payload_len;
    p->stats.record_bytes += sizeof *body;
    p->stats.chunks++;
    return t;
}

/* Plan the next range into a task. Returns it, or NULL when all is planned (*failed set on a
 * read error or a payload that failed). */
static struct task *next_range_task(struct pool *p, bool *failed, struct error *err)
{
    struct range_body body;
    uint64_t seq;
    int got = range_feed_next(p->feed, &body, &seq, err);
    struct task *t = got == 1 ? pool_range_task(p, seq, &body, err) : NULL;
    *failed = got < 0 || (got == 1 && t == NULL);
    return t;
}

/* Read the next chunk of records into a task (or plan the next range). Returns it, or NULL
 * at the end of the input (*failed set on a read error). */
struct task *pool_next_task(struct pool *p, struct record_reader *reader, struct sink *sink,
                            bool *failed, struct error *err)
{
    if (p->feed)
        return next_range_task(p, failed, err);
    struct task *t = task_with_payload(p, p->next_seq, err);
    if (t == NULL) {
        *failed = true;
        return NULL;
    }
    size_t payload_len = t->bytes.len - sizeof(struct task_header);
    int packed = pack_records(p, reader, sink, t, err);
    if (packed <= 0) {
        *failed = packed < 0;
        pool_task_free(t);
        return NULL;
    }
    t->records = (uint32_t)packed;
    task_end(&t->bytes, 0, payload_len, t->records);
    p->next_seq++;
    p->stats.payload_bytes += payload_len;
    p->stats.record_bytes += t->bytes.len - sizeof(struct task_header) - payload_len;
    p->stats.chunks++;
    return t;
}

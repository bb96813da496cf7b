/* range_feed.c - see range_feed.h. */
#include "range_feed.h"

#include "records.h"
#include "split.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum slot_state { SLOT_SENT, SLOT_DONE, SLOT_FAILED };

/* A planned range, from when it is sent until it is committed. */
struct slot {
    enum slot_state state;
    struct range_body range;
    struct result_header result; /* SLOT_DONE */
    struct buf text;             /* SLOT_DONE: its result lines and rejections */
    char reason[160];            /* SLOT_FAILED: why */
};

struct range_feed {
    int fd;
    const char *name;
    size_t field_limit;
    struct split_planner *planner;
    uint64_t range_bytes, limit;
    struct slot *slots; /* a ring of window slots: range seq lives in slots[seq % window] */
    unsigned window;
    uint64_t commit_seq, next_seq; /* the live ranges: [commit_seq, next_seq) */
    bool planned_all;
    uint64_t committed_records, committed_bytes;
};

struct range_feed *range_feed_open(int fd, const char *name, uint64_t size, uint64_t range_bytes,
                                   uint64_t limit, size_t field_limit, unsigned window)
{
    struct range_feed *f = xcalloc(1, sizeof *f);
    f->fd = fd;
    f->name = name;
    f->field_limit = field_limit;
    f->planner = split_planner_open(fd, size);
    f->range_bytes = range_bytes ? range_bytes : 1;
    f->limit = limit;
    f->window = window ? window : 1;
    f->slots = xcalloc(f->window, sizeof *f->slots);
    return f;
}

void range_feed_close(struct range_feed *f)
{
    if (f == NULL)
        return;
    for (unsigned i = 0; i < f->window; i++)
        buf_free(&f->slots[i].text);
    free(f->slots);
    split_planner_close(f->planner);
    free(f);
}

static struct slot *slot_of(const struct range_feed *f, uint64_t seq)
{
    return &f->slots[seq % f->window];
}

/* With --limit N, ranges past the Nth record are read and thrown away: plan only as far as
 * the records still wanted are likely to reach, by the bytes per record committed so far
 * (before the first commit, two ranges ahead). */
static bool limit_reached_ahead(const struct range_feed *f)
{
    uint64_t ahead_bytes = split_planner_offset(f->planner) - f->committed_bytes;
    if (f->committed_records == 0 || f->committed_bytes == 0)
        return f->next_seq - f->commit_seq >= 2;
    double ahead = (double)ahead_bytes * (double)f->committed_records / (double)f->committed_bytes;
    return (double)f->committed_records + ahead >= (double)f->limit;
}

bool range_feed_can_plan(const struct range_feed *f)
{
    return !f->planned_all && f->next_seq - f->commit_seq < f->window &&
           (f->limit == 0 || !limit_reached_ahead(f));
}

int range_feed_next(struct range_feed *f, struct range_body *body, uint64_t *seq, struct error *err)
{
    struct split_range r;
    int got = f->planned_all
                  ? 0
                  : split_planner_next(f->planner,
                                       split_planner_offset(f->planner) + f->range_bytes, &r, err);
    if (got < 0) {
        struct error why = *err;
        return error_set(err, "%s: %s", f->name, why.msg);
    }
    if (got == 0) {
        f->planned_all = true;
        return 0;
    }
    struct slot *s = slot_of(f, f->next_seq);
    s->state = SLOT_SENT;
    s->range = (struct range_body){r.offset, r.length, r.first_line, 0};
    *body = s->range;
    *seq = f->next_seq++;
    return 1;
}

bool range_feed_wants(const struct range_feed *f, uint64_t seq)
{
    return seq >= f->commit_seq && seq < f->next_seq;
}

bool range_feed_done(const struct range_feed *f)
{
    return f->planned_all && f->commit_seq == f->next_seq;
}

uint64_t range_feed_bytes(const struct range_feed *f)
{
    return f->committed_bytes;
}

/* Nothing after range last is wanted: no more planning, and later results are dropped. */
static void drop_after(struct range_feed *f, uint64_t last)
{
    f->planned_all = true;
    f->next_seq = last + 1;
}

/* The rejections a worker sent, "LINE\tREASON\n" each, to the sink; the ones it only
 * counted are counted. */
static void commit_rejections(const struct slot *s, struct sink *sink)
{
    uint64_t shown = 0;
    if (s->result.text_len <= s->result.lines_len) { /* none sent (and maybe no text at all) */
        sink_rejected_count(sink, s->result.rejected);
        return;
    }
    const char *p = s->text.data + s->result.lines_len, *end = s->text.data + s->result.text_len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        struct rejection rej = {.line = strtoull(p, NULL, 10)};
        const char *tab = memchr(p, '\t', (size_t)((nl ? nl : end) - p));
        const char *reason = tab ? tab + 1 : p;
        snprintf(rej.reason, sizeof rej.reason, "%.*s", (int)((nl ? nl : end) - reason), reason);
        sink_rejected(sink, &rej);
        shown++;
        p = nl ? nl + 1 : end;
    }
    sink_rejected_count(sink, s->result.rejected > shown ? s->result.rejected - shown : 0);
}

struct failed_visit {
    struct sink *sink;
    const char *reason;
};

static int report_failed(void *ctx, const struct record *rec, struct error *err)
{
    struct failed_visit *v = ctx;
    (void)err;
    sink_failed(v->sink, rec->line, v->reason);
    return 0;
}

static void report_rejected(void *ctx, const struct rejection *rej)
{
    sink_rejected(((struct failed_visit *)ctx)->sink, rej);
}

/* A range whose worker died again and again: the parent reads it (up to its cap) and reports
 * each valid record as failed, with its line; the rejected ones are rejected as usual. */
static int commit_failed(struct range_feed *f, struct slot *s, struct sink *sink, struct error *err)
{
    const struct range_body *r = &s->range;
    struct record_reader *reader = record_reader_open_fd_range(f->fd, f->name, r->offset, r->length,
                                                               r->first_line, f->field_limit, err);
    if (reader == NULL)
        return -1;
    struct failed_visit ctx = {sink, s->reason};
    struct record_visitor visitor = {report_failed, report_rejected, &ctx};
    int rc = record_reader_visit(reader, r->max_records, &visitor, &s->result.records, err);
    record_reader_close(reader);
    return rc;
}

static bool over_limit(const struct range_feed *f, const struct slot *s)
{
    return f->limit && s->state == SLOT_DONE && s->range.max_records == 0 &&
           f->committed_records + s->result.records > f->limit;
}

/* Commit every range that is next in input order and back. */
static int commit_ready(struct range_feed *f, struct sink *sink, struct range_body *resend,
                        uint64_t *resend_seq, struct error *err)
{
    while (f->commit_seq < f->next_seq) {
        struct slot *s = slot_of(f, f->commit_seq);
        if (s->state == SLOT_SENT)
            return 0;
        if (over_limit(f, s)) { /* the Nth record is in here: read it again, only so far */
            s->range.max_records = f->limit - f->committed_records;
            s->state = SLOT_SENT;
            drop_after(f, f->commit_seq);
            *resend = s->range;
            *resend_seq = f->commit_seq;
            return 1;
        }
        if (s->state == SLOT_FAILED && f->limit && s->range.max_records == 0)
            s->range.max_records = f->limit - f->committed_records;
        int rc = s->state == SLOT_FAILED ? commit_failed(f, s, sink, err)
                                         : sink_chunk(sink, s->result.count, s->result.sum,
                                                      s->text.data, s->result.lines_len, err);
        if (rc != 0)
            return -1;
        if (s->state == SLOT_DONE)
            commit_rejections(s, sink);
        f->committed_records += s->result.records;
        f->committed_bytes += s->range.length;
        buf_clear(&s->text);
        f->commit_seq++;
        if (f->limit && f->committed_records >= f->limit)
            drop_after(f, f->commit_seq - 1);
    }
    return 0;
}

int range_feed_result(struct range_feed *f, uint64_t seq, const struct result_header *h,
                      const char *text, struct sink *sink, struct range_body *resend,
                      uint64_t *resend_seq, struct error *err)
{
    if (!range_feed_wants(f, seq))
        return 0; /* a range past the limit, planned before the limit was known */
    struct slot *s = slot_of(f, seq);
    s->state = SLOT_DONE;
    s->result = *h;
    buf_clear(&s->text);
    buf_append(&s->text, text, h->text_len);
    return commit_ready(f, sink, resend, resend_seq, err);
}

int range_feed_failed(struct range_feed *f, uint64_t seq, const char *reason, struct sink *sink,
                      struct range_body *resend, uint64_t *resend_seq, struct error *err)
{
    if (!range_feed_wants(f, seq))
        return 0;
    struct slot *s = slot_of(f, seq);
    s->state = SLOT_FAILED;
    snprintf(s->reason, sizeof s->reason, "%s", reason);
    return commit_ready(f, sink, resend, resend_seq, err);
}

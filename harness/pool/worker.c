/* worker.c - see worker.h. */
#include "worker.h"

#include "sink.h"
#include "test_hooks.h"
#include "wire.h"
#include "workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The largest task a worker accepts: far above any real chunk (per_task_serialize of the
 * large model is under 1 GiB), low enough that a corrupt header cannot ask for everything. */
#define TASK_MAX_BYTES (8ull << 30)

static int send_result(int fd, const struct result_header *h, const char *text, struct error *err)
{
    if (write_full(fd, h, sizeof *h, err) != 0)
        return -1;
    return write_full(fd, text, h->text_len, err);
}

static int send_error(int fd, uint64_t seq, const char *message, struct error *err)
{
    struct result_header h = {
        .magic = RESULT_MAGIC, .status = RESULT_ERROR, .seq = seq, .text_len = strlen(message)};
    return send_result(fd, &h, message, err);
}

int worker_send_setup_error(int result_fd, const char *message, struct error *err)
{
    return send_error(result_fd, UINT64_MAX, message, err);
}

/* What a worker gathers from one task. */
struct task_output {
    struct checksum sum;
    uint64_t records, rejected;
    struct buf text;       /* result lines, if asked for, then the rejections */
    struct buf rejections; /* the first REJECTIONS_SHOWN rejections, as "LINE\tREASON\n" */
};

static void classify_one(const struct classifier *c, const struct record *rec, bool want_lines,
                         struct task_output *out)
{
    struct result res;
    classify(c, rec, &res);
    char line[RESULT_LINE_MAX];
    size_t n = result_format(&res, line);
    checksum_add_line(&out->sum, line, n);
    if (want_lines) {
        line[n] = '\n';
        buf_append(&out->text, line, n + 1);
    }
}

/* The record feed: classify every record of the body, which the parent parsed. */
static int classify_body(const struct classifier *c, const char *body, size_t len, uint32_t records,
                         bool want_lines, struct task_output *out, struct error *err)
{
    size_t pos = 0;
    for (uint32_t i = 0; i < records; i++) {
        struct record rec;
        if (task_next_record(body, len, &pos, &rec) != 0)
            return error_set(err, "malformed task body");
        classify_one(c, &rec, want_lines, out);
        out->records++;
    }
    return len - pos < 8 ? 0 : error_set(err, "malformed task body"); /* only padding remains */
}

static void keep_rejection(struct task_output *out, const struct rejection *rej)
{
    if (out->rejected++ >= REJECTIONS_SHOWN)
        return; /* the parent prints no more than these: the rest only count */
    char text[sizeof rej->reason + 32];
    int n = snprintf(text, sizeof text, "%llu\t%s\n", (unsigned long long)rej->line, rej->reason);
    buf_append(&out->rejections, text, (size_t)n);
}

/* What classifying a range needs at each record. */
struct range_visit {
    const struct worker_config *cfg;
    const struct classifier *c;
    struct task_output *out;
};

static int visit_valid(void *ctx, const struct record *rec, struct error *err)
{
    struct range_visit *v = ctx;
    (void)err;
    classify_one(v->c, rec, v->cfg->want_lines, v->out);
    return 0;
}

static void visit_rejected(void *ctx, const struct rejection *rej)
{
    keep_rejection(((struct range_visit *)ctx)->out, rej);
}

/* The range feed: read the range's records from the input, as the parent would have, and
 * classify them. */
static int classify_range(const struct worker_config *cfg, const struct classifier *c,
                          const struct range_body *r, struct task_output *out, struct error *err)
{
    if (cfg->input_fd < 0)
        return error_set(err, "a range task, but this worker was given no input");
    struct record_reader *reader = record_reader_open_fd_range(
        cfg->input_fd, cfg->input_name, r->offset, r->length, r->first_line, cfg->field_limit, err);
    if (reader == NULL)
        return -1;
    struct range_visit ctx = {cfg, c, out};
    struct record_visitor visitor = {visit_valid, visit_rejected, &ctx};
    int rc = record_reader_visit(reader, r->max_records, &visitor, &out->records, err);
    record_reader_close(reader);
    return rc;
}

static int classify_task(const struct worker_config *cfg, const struct classifier *c,
                         const struct task_header *h, const char *body, struct task_output *out,
                         struct error *err)
{
    if (h->magic == TASK_MAGIC)
        return classify_body(c, body, h->body_len, h->records, cfg->want_lines, out, err);
    struct range_body range;
    if (h->body_len != sizeof range)
        return error_set(err, "malformed range task");
    memcpy(&range, body, sizeof range);
    return classify_range(cfg, c, &range, out, err);
}

/* One task: resolve the model for it, classify its records, send the result. A task the
 * worker cannot classify gets an error result; only a broken pipe stops the worker. */
static int serve_task(const struct worker_config *cfg, void *ctx, int result_fd,
                      const struct task_header *h, const char *data, struct task_output *out,
                      struct error *err)
{
    const struct strategy *s = cfg->strategy;
    struct classifier c;
    struct error why;
    if (s->resolve(ctx, data, h->payload_len, &c, &why) != 0)
        return send_error(result_fd, h->seq, why.msg, err);
    test_hooks_wrap(&c, false);
    out->sum = (struct checksum){0};
    out->records = out->rejected = 0;
    buf_clear(&out->text);
    buf_clear(&out->rejections);
    int rc = classify_task(cfg, &c, h, data + h->payload_len, out, &why);
    if (s->release)
        s->release(ctx, &c);
    if (rc != 0)
        return send_error(result_fd, h->seq, why.msg, err);
    size_t lines_len = out->text.len;
    buf_append(&out->text, out->rejections.data, out->rejections.len);
    struct result_header r = {.magic = RESULT_MAGIC,
                              .status = RESULT_OK,
                              .seq = h->seq,
                              .count = out->sum.count,
                              .sum = out->sum.sum,
                              .records = out->records,
                              .rejected = out->rejected,
                              .lines_len = lines_len,
                              .text_len = out->text.len};
    return send_result(result_fd, &r, out->text.data, err);
}

static int serve_tasks(const struct worker_config *cfg, void *ctx, int task_fd, int result_fd,
                       struct error *err)
{
    struct buf task = {0};
    struct task_output out = {0};
    int rc = 0;
    for (;;) {
        struct task_header h;
        int got = read_full(task_fd, &h, sizeof h, err);
        if (got <= 0) {
            rc = got;
            break;
        }
        uint64_t size = h.payload_len + h.body_len;
        if ((h.magic != TASK_MAGIC && h.magic != RANGE_MAGIC) || size > TASK_MAX_BYTES ||
            size < h.payload_len) {
            rc = error_set(err, "malformed task header");
            break;
        }
        buf_clear(&task);
        buf_reserve(&task, size + 1);
        if (read_full(task_fd, task.data, size, err) != 1) {
            rc = -1;
            break;
        }
        if (serve_task(cfg, ctx, result_fd, &h, task.data, &out, err) != 0) {
            rc = -1;
            break;
        }
    }
    buf_free(&task);
    buf_free(&out.text);
    buf_free(&out.rejections);
    return rc;
}

int worker_serve(const struct worker_config *cfg, int task_fd, int result_fd, struct error *err)
{
    const struct strategy *s = cfg->strategy;
    void *ctx = cfg->state;
    struct error why;
    if (s->attach && s->attach(cfg->state, &ctx, &why) != 0) {
        char message[sizeof why.msg + 32];
        snprintf(message, sizeof message, "attach failed: %s", why.msg);
        worker_send_setup_error(result_fd, message, err);
        return error_set(err, "%s", message);
    }
    /* Say so once set up: a worker that dies before this was not killed by a task. The
     * message carries when (CLOCK_MONOTONIC is one clock for every process of the machine):
     * the parent may be too busy sending tasks to notice at once. */
    struct result_header ready = {.magic = RESULT_MAGIC,
                                  .status = RESULT_READY,
                                  .seq = UINT64_MAX,
                                  .ready_ns = (uint64_t)(now_seconds() * 1e9)};
    int rc = send_result(result_fd, &ready, "", err);
    if (rc == 0)
        rc = serve_tasks(cfg, ctx, task_fd, result_fd, err);
    if (s->detach)
        s->detach(ctx);
    return rc;
}

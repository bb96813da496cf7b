/* worker.c - see worker.h. */
#include "worker.h"

#include "wire.h"
#include "workload.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The largest task a worker accepts: far above any real chunk (per_task_serialize of the
 * large model is under 1 GiB), low enough that a corrupt header cannot ask for everything. */
#define TASK_MAX_BYTES (8ull << 30)

static int send_result(int fd, uint64_t seq, enum result_status status, const struct checksum *sum,
                       const char *text, size_t text_len, struct error *err)
{
    struct result_header h = {.magic = RESULT_MAGIC,
                              .status = status,
                              .seq = seq,
                              .count = sum ? sum->count : 0,
                              .sum = sum ? sum->sum : 0,
                              .text_len = text_len};
    if (write_full(fd, &h, sizeof h, err) != 0)
        return -1;
    return write_full(fd, text, text_len, err);
}

static int send_error(int fd, uint64_t seq, const char *message, struct error *err)
{
    return send_result(fd, seq, RESULT_ERROR, NULL, message, strlen(message), err);
}

int worker_send_setup_error(int result_fd, const char *message, struct error *err)
{
    return send_error(result_fd, UINT64_MAX, message, err);
}

/* Test only: SHAREBENCH_TEST_POISON=ID makes a worker that meets the record with that id kill
 * itself, as a crash on a poison record would. Read once per worker; unset, it costs one
 * comparison per record against a flag. */
static bool poison_on;
static int64_t poison_id;
static pthread_once_t poison_once = PTHREAD_ONCE_INIT;

static void read_poison(void)
{
    const char *v = getenv("SHAREBENCH_TEST_POISON");
    poison_on = v != NULL && *v != '\0';
    if (poison_on)
        poison_id = strtoll(v, NULL, 10);
}

/* Classify every record of the body with c; sum them, and keep their lines if asked. */
static int classify_body(const struct classifier *c, const char *body, size_t len, uint32_t records,
                         bool want_lines, struct checksum *sum, struct buf *lines)
{
    size_t pos = 0;
    for (uint32_t i = 0; i < records; i++) {
        struct record rec;
        if (task_next_record(body, len, &pos, &rec) != 0)
            return -1;
        if (poison_on && rec.id == poison_id)
            raise(SIGKILL);
        struct result res;
        classify(c, &rec, &res);
        char line[RESULT_LINE_MAX];
        size_t n = result_format(&res, line);
        checksum_add_line(sum, line, n);
        if (want_lines) {
            line[n] = '\n';
            buf_append(lines, line, n + 1);
        }
    }
    return len - pos < 8 ? 0 : -1; /* only the padding may remain */
}

/* One task: resolve the model for it, classify its records, send the result. A task the
 * worker cannot classify gets an error result; only a broken pipe stops the worker. */
static int serve_task(const struct worker_config *cfg, void *ctx, int result_fd,
                      const struct task_header *h, const char *data, struct buf *lines,
                      struct error *err)
{
    const struct strategy *s = cfg->strategy;
    struct classifier c;
    struct error why;
    if (s->resolve(ctx, data, h->payload_len, &c, &why) != 0)
        return send_error(result_fd, h->seq, why.msg, err);
    struct checksum sum = {0};
    buf_clear(lines);
    int rc = classify_body(&c, data + h->payload_len, h->body_len, h->records, cfg->want_lines,
                           &sum, lines);
    if (s->release)
        s->release(ctx, &c);
    if (rc != 0)
        return send_error(result_fd, h->seq, "malformed task body", err);
    return send_result(result_fd, h->seq, RESULT_OK, &sum, lines->data, lines->len, err);
}

static int serve_tasks(const struct worker_config *cfg, void *ctx, int task_fd, int result_fd,
                       struct error *err)
{
    struct buf task = {0}, lines = {0};
    int rc = 0;
    for (;;) {
        struct task_header h;
        int got = read_full(task_fd, &h, sizeof h, err);
        if (got <= 0) {
            rc = got;
            break;
        }
        uint64_t size = h.payload_len + h.body_len;
        if (h.magic != TASK_MAGIC || size > TASK_MAX_BYTES || size < h.payload_len) {
            rc = error_set(err, "malformed task header");
            break;
        }
        buf_clear(&task);
        buf_reserve(&task, size + 1);
        if (read_full(task_fd, task.data, size, err) != 1) {
            rc = -1;
            break;
        }
        if (serve_task(cfg, ctx, result_fd, &h, task.data, &lines, err) != 0) {
            rc = -1;
            break;
        }
    }
    buf_free(&task);
    buf_free(&lines);
    return rc;
}

int worker_serve(const struct worker_config *cfg, int task_fd, int result_fd, struct error *err)
{
    const struct strategy *s = cfg->strategy;
    void *ctx = cfg->state;
    struct error why;
    pthread_once(&poison_once, read_poison); /* once per process: worker threads share it */
    if (s->attach && s->attach(cfg->state, &ctx, &why) != 0) {
        char message[sizeof why.msg + 32];
        snprintf(message, sizeof message, "attach failed: %s", why.msg);
        worker_send_setup_error(result_fd, message, err);
        return error_set(err, "%s", message);
    }
    /* Say so once set up: a worker that dies before this was not killed by a task. The
     * message carries when (CLOCK_MONOTONIC is one clock for every process of the machine):
     * the parent may be too busy sending tasks to notice at once. */
    struct checksum when = {.sum = (uint64_t)(now_seconds() * 1e9)};
    int rc = send_result(result_fd, UINT64_MAX, RESULT_READY, &when, "", 0, err);
    if (rc == 0)
        rc = serve_tasks(cfg, ctx, task_fd, result_fd, err);
    if (s->detach)
        s->detach(ctx);
    return rc;
}

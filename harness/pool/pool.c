/* pool.c - the pool's core loop, the C analogue of Pool(n).imap_unordered(f, items, chunksize):
 *
 *   pool_start  start n workers, each with a task pipe and a result pipe
 *   pool_run    loop: give every worker with room a task (at most opt.in_flight waiting per
 *               worker: backpressure keeps the parent's memory flat), poll the pipes, write
 *               tasks where a pipe has room, read results where one has data, until every
 *               task's result is in
 *   pool_stop   close the task pipes (a worker's end of input), reap the workers
 *
 * The pipes are non-blocking and one poll() watches them all: the parent never waits on one
 * worker while another starves. How tasks are made (pool_tasks.c), how a worker is started
 * (pool_spawn.c) and what happens when one dies or stalls (pool_recover.c) live beside it.
 */
#include "pool_private.h"

#include "interrupt.h"
#include "test_hooks.h"
#include "wire.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

struct pool *pool_start(const struct pool_options *opt, const struct strategy *strategy,
                        struct strategy_state *state, struct error *err)
{
    struct pool *p = pool_new(opt, strategy, state, err);
    if (p == NULL)
        return NULL;
    /* A worker that has gone must show as an error on write, not kill the parent. */
    struct sigaction ignore = {.sa_handler = SIG_IGN};
    sigaction(SIGPIPE, &ignore, &p->old_sigpipe);
    double t0 = p->started = now_seconds();
    for (unsigned i = 0; i < p->n; i++) {
        if (pool_spawn_worker(p, &p->w[i], err) != 0) {
            struct error why = *err;
            error_set(err, "%u of %u workers started, then: %s", i, p->n, why.msg);
            pool_stop(p, NULL, NULL);
            return NULL;
        }
    }
    p->stats.start_seconds = now_seconds() - t0;
    return p;
}

/* ---- the pipes: results in, tasks out ------------------------------------------------- */

static int take_result(struct pool *p, struct pool_worker *w, const struct result_header *h,
                       const char *text, struct sink *sink, struct error *err)
{
    if (h->magic == RESULT_MAGIC && h->status == RESULT_READY) {
        w->ready = true;
        w->busy_since = w->in_flight > 0 ? now_seconds() : 0;
        /* Setup ends when the last of the first workers could take tasks, by its own clock. */
        double at = h->ready_ns ? (double)h->ready_ns * 1e-9 : now_seconds();
        if (at - p->started > p->stats.ready_seconds && p->ready < p->n)
            p->stats.ready_seconds = at - p->started;
        p->ready++;
        return 0;
    }
    if (h->magic != RESULT_MAGIC)
        return error_set(err, "worker %u (pid %d): malformed result", w->index, (int)w->pid);
    if (h->status != RESULT_OK)
        return error_set(err, "worker %u (pid %d): chunk %lld: %.*s", w->index, (int)w->pid,
                         h->seq == UINT64_MAX ? -1LL : (long long)h->seq, (int)h->text_len, text);
    if (w->in_flight == 0 || w->tasks[w->head]->seq != h->seq)
        return error_set(err, "worker %u (pid %d): result for a chunk it was not given", w->index,
                         (int)w->pid);
    bool is_range = w->tasks[w->head]->is_range;
    pool_task_free(w->tasks[w->head]);
    w->head = (w->head + 1) % p->opt.in_flight;
    w->busy_since = --w->in_flight > 0 ? now_seconds() : 0;
    if (p->stats.first_result_seconds == 0)
        p->stats.first_result_seconds = now_seconds() - p->first_sent;
    if (p->opt.on_chunk)
        p->opt.on_chunk(p->opt.on_chunk_arg, h->seq, h->count, h->sum);
    if (!is_range)
        return sink_chunk(sink, h->count, h->sum, text, h->lines_len, err);
    struct range_body resend;
    uint64_t seq;
    int wanted = range_feed_result(p->feed, h->seq, h, text, sink, &resend, &seq, err);
    p->stats.input_bytes = range_feed_bytes(p->feed);
    return pool_queue_resend(p, wanted, seq, &resend, err);
}

static int parse_results(struct pool *p, struct pool_worker *w, struct sink *sink,
                         struct error *err)
{
    struct result_header h;
    while (buf_pending_len(&w->in) >= sizeof h) {
        memcpy(&h, buf_pending(&w->in), sizeof h);
        if (buf_pending_len(&w->in) - sizeof h < h.text_len)
            break;
        if (take_result(p, w, &h, buf_pending(&w->in) + sizeof h, sink, err) != 0)
            return -1;
        w->in.off += sizeof h + h.text_len;
    }
    buf_compact(&w->in);
    return 0;
}

/* Read what the worker has sent. A worker that closed its end is gone. */
static int read_results(struct pool *p, struct pool_worker *w, struct sink *sink, struct error *err)
{
    for (;;) {
        char *room = buf_reserve(&w->in, 256 * 1024);
        ssize_t n = read(w->result_fd, room, 256 * 1024);
        if (n > 0) {
            w->in.len += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return parse_results(p, w, sink, err);
        if (n < 0)
            return error_errno(err, "worker %u: read", w->index);
        /* End of file: parse what came, then report how the worker ended. */
        if (parse_results(p, w, sink, err) != 0)
            return -1;
        return pool_worker_died(p, w, sink, err);
    }
}

static int write_tasks(struct pool *p, struct pool_worker *w, struct sink *sink, struct error *err)
{
    while (buf_pending_len(&w->out) > 0) {
        ssize_t n = write(w->task_fd, buf_pending(&w->out), buf_pending_len(&w->out));
        if (n > 0) {
            w->out.off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            break;
        if (n < 0 && errno == EPIPE) {
            /* It is gone. Take what it sent; reading may meet its end of file and replace it
             * already, so only a worker still of the same pid needs replacing here. */
            pid_t gone = w->pid;
            if (read_results(p, w, sink, err) != 0)
                return -1;
            return w->running && w->pid == gone ? pool_worker_died(p, w, sink, err) : 0;
        }
        return error_errno(err, "worker %u: write", w->index);
    }
    /* A worker under steady load may never drain its buffer to empty: drop what was written
     * once it is most of the buffer, keeping tasks 8-aligned (their payloads hold doubles). */
    if (buf_pending_len(&w->out) == 0)
        buf_clear(&w->out);
    else if (w->out.off > 64 * 1024 && w->out.off > w->out.len / 2)
        buf_compact_aligned(&w->out, 8);
    return 0;
}

/* ---- feeding ----------------------------------------------------------------------------- */

/* The running worker with the fewest tasks in flight, if it has room for another; among
 * equals, the next after the last chosen: every worker gets work even when each ends its
 * task before the parent has the next (a short run, the baseline's, must not idle any). */
static struct pool_worker *worker_with_room(struct pool *p)
{
    struct pool_worker *best = NULL;
    for (unsigned k = 0; k < p->n; k++) {
        struct pool_worker *w = &p->w[(p->next_choice + k) % p->n];
        if (w->running && w->in_flight < p->opt.in_flight &&
            (best == NULL || w->in_flight < best->in_flight))
            best = w;
    }
    if (best)
        p->next_choice = (unsigned)(best - p->w + 1) % p->n;
    return best;
}

/* Queue t's bytes for w and count it in flight there. */
static void dispatch(struct pool *p, struct pool_worker *w, struct task *t)
{
    buf_append(&w->out, t->bytes.data, t->bytes.len); /* tasks are 8-byte multiples */
    w->tasks[(w->head + w->in_flight) % p->opt.in_flight] = t;
    if (w->in_flight++ == 0 && w->ready)
        w->busy_since = now_seconds();
    if (p->first_sent == 0)
        p->first_sent = now_seconds();
}

static int send_chunk(struct pool *p, struct pool_worker *w, struct record_reader *reader,
                      struct sink *sink, struct error *err)
{
    bool failed = false;
    struct task *t = pool_next_task(p, reader, sink, &failed, err);
    if (t)
        dispatch(p, w, t);
    return failed ? -1 : 0;
}

/* Is there input left to send now? (the range feed also waits for room in its window) */
static bool more_to_send(const struct pool *p)
{
    return p->feed ? range_feed_can_plan(p->feed) : !p->input_done;
}

static int fill_workers(struct pool *p, struct record_reader *reader, struct sink *sink,
                        struct error *err)
{
    /* Write each chunk as soon as it is packed: the next one takes the parent a while to
     * read, and the worker should not wait for it. */
    struct pool_worker *w;
    while (p->retry && (w = worker_with_room(p)) != NULL) { /* chunks of dead workers first */
        struct task *t = p->retry;
        p->retry = t->next;
        if (t->is_range && !range_feed_wants(p->feed, t->seq)) {
            pool_task_free(t); /* past --limit: no longer wanted */
            continue;
        }
        dispatch(p, w, t);
        if (write_tasks(p, w, sink, err) != 0)
            return -1;
    }
    while (more_to_send(p) && (w = worker_with_room(p)) != NULL)
        if (send_chunk(p, w, reader, sink, err) != 0 || write_tasks(p, w, sink, err) != 0)
            return -1;
    return 0;
}

static bool all_done(const struct pool *p)
{
    bool input_done = p->feed ? range_feed_done(p->feed) : p->input_done;
    if (!input_done || p->retry)
        return false;
    for (unsigned i = 0; i < p->n; i++)
        if (p->w[i].in_flight > 0)
            return false;
    return true;
}

static int wait_and_move(struct pool *p, struct sink *sink, struct error *err)
{
    /* 2 per worker, up to POOL_WORKERS_MAX: 32 KB, too much for a small stack (ulimit -s). */
    if (p->fds == NULL) {
        p->fds = xcalloc(2 * (size_t)p->n, sizeof *p->fds);
        p->fd_owner = xcalloc(2 * (size_t)p->n, sizeof *p->fd_owner);
    }
    struct pollfd *fds = p->fds;
    struct pool_worker **owner = p->fd_owner;
    nfds_t n = 0;
    for (unsigned i = 0; i < p->n; i++) {
        struct pool_worker *w = &p->w[i];
        if (!w->running)
            continue;
        fds[n] = (struct pollfd){.fd = w->result_fd, .events = POLLIN};
        owner[n++] = w;
        if (buf_pending_len(&w->out) > 0) {
            fds[n] = (struct pollfd){.fd = w->task_fd, .events = POLLOUT};
            owner[n++] = w;
        }
    }
    if (n == 0)
        return error_set(err, "no worker is left to finish the run");
    int ready = poll(fds, n, pool_ms_to_next_stall(p));
    if (ready < 0)
        return errno == EINTR ? 0 : error_errno(err, "poll");
    if (ready == 0)
        pool_kill_stalled(p);
    for (nfds_t i = 0; i < n; i++) {
        if (fds[i].revents == 0 || !owner[i]->running)
            continue;
        int rc = fds[i].fd == owner[i]->result_fd ? read_results(p, owner[i], sink, err)
                                                  : write_tasks(p, owner[i], sink, err);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int pool_run(struct pool *p, struct record_reader *reader, struct sink *sink, struct error *err)
{
    for (;;) {
        if (interrupt_signal())
            return error_set(err, "interrupted by %s", strsignal(interrupt_signal()));
        if (fill_workers(p, reader, sink, err) != 0)
            return -1;
        for (unsigned i = 0; i < p->n; i++)
            if (p->w[i].running && write_tasks(p, &p->w[i], sink, err) != 0)
                return -1;
        if (all_done(p)) {
            test_hooks_pause("last_result");
            return 0;
        }
        if (wait_and_move(p, sink, err) != 0)
            return -1;
    }
}

/* ---- stopping ---------------------------------------------------------------------------- */

int pool_stop(struct pool *p, struct pool_stats *stats, struct error *err)
{
    if (p == NULL)
        return 0;
    bool force = !all_done(p); /* after a failure, stop the processes at once */
    int rc = 0;
    for (unsigned i = 0; i < p->n; i++)
        if (pool_reap_worker(p, &p->w[i], force, err) != 0)
            rc = -1;
    sigaction(SIGPIPE, &p->old_sigpipe, NULL);
    if (p->feed)
        p->stats.input_bytes = range_feed_bytes(p->feed);
    if (stats)
        *stats = p->stats;
    pool_free(p);
    return rc;
}

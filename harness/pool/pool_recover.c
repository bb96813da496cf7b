/* pool_recover.c - workers that die, stall or end. A worker process that dies (a crash,
 * kill -9) or holds a task past --task-timeout (stopped, stuck) is reaped and replaced by a
 * new one forked from the parent, which still holds everything the strategy prepared; the
 * tasks it held are sent again, so no record is lost and none counted twice. A task that has
 * killed TASK_ATTEMPTS workers holds a poison record: its records are reported as failed.
 */
#include "pool_private.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

/* After this many workers died holding a chunk, its records are reported as failed. */
#define TASK_ATTEMPTS 3

static void add_usage(struct pool_stats *st, unsigned index, const struct rusage *ru)
{
    if (index < sizeof st->worker_minor_faults / sizeof st->worker_minor_faults[0])
        st->worker_minor_faults[index] = (uint64_t)ru->ru_minflt;
    st->minor_faults += (uint64_t)ru->ru_minflt;
    st->major_faults += (uint64_t)ru->ru_majflt;
    st->nivcsw += (uint64_t)ru->ru_nivcsw;
    st->user_seconds += (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec * 1e-6;
    st->system_seconds += (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec * 1e-6;
}

/* Wait for a worker process to end; its resources join the stats. */
static pid_t reap(struct pool *p, struct pool_worker *w, int *status)
{
    struct rusage ru;
    pid_t got;
    do {
        got = wait4(w->pid, status, 0, &ru);
    } while (got < 0 && errno == EINTR);
    if (got == w->pid)
        add_usage(&p->stats, w->index, &ru);
    return got;
}

/* Join a worker thread; its resources join the stats. */
static void join(struct pool *p, struct pool_worker *w)
{
    pthread_join(w->thread, NULL);
    add_usage(&p->stats, w->index, &w->usage);
}

int pool_queue_resend(struct pool *p, int wanted, uint64_t seq, const struct range_body *body,
                      struct error *err)
{
    if (wanted <= 0)
        return wanted;
    struct task *t = pool_range_task(p, seq, body, err);
    if (t == NULL)
        return -1;
    t->next = p->retry;
    p->retry = t;
    return 0;
}

/* A chunk that killed TASK_ATTEMPTS workers: its records are reported, one by one, as failed
 * (a poison record is among them), and counted. A range's records are reported in their turn
 * by the feed, which reads the range for their lines. */
static int give_up(struct pool *p, struct task *t, struct sink *sink, struct error *err)
{
    char what[64], reason[160];
    if (t->is_range)
        snprintf(what, sizeof what, "range of bytes %llu..%llu",
                 (unsigned long long)t->range.offset,
                 (unsigned long long)(t->range.offset + t->range.length));
    else
        snprintf(what, sizeof what, "chunk of %u records", t->records);
    snprintf(reason, sizeof reason, "its %s killed %u workers (last by %s)", what, t->attempts,
             t->last_signal ? strsignal(t->last_signal) : "an exit");
    int rc = 0;
    if (t->is_range) {
        struct range_body resend;
        uint64_t seq;
        int wanted = range_feed_failed(p->feed, t->seq, reason, sink, &resend, &seq, err);
        rc = pool_queue_resend(p, wanted, seq, &resend, err);
    } else {
        for (uint32_t i = 0; i < t->records; i++)
            sink_failed(sink, t->lines[i], reason);
    }
    pool_task_free(t);
    return rc;
}

/* A worker process died holding tasks: send them again (or give up on a chunk that keeps
 * killing workers), and start a fresh worker in its place, forked from the parent, which
 * still holds everything the strategy prepared. */
static int replace_worker(struct pool *p, struct pool_worker *w, int status, struct sink *sink,
                          struct error *err)
{
    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    for (unsigned i = 0; i < w->in_flight; i++) {
        struct task *t = w->tasks[(w->head + i) % p->opt.in_flight];
        /* Only the chunk a ready worker was working on (the oldest: a worker takes them in
         * order) can have killed it; the others were waiting, and a worker still setting up
         * died of something else. Those go again without a mark. */
        if (i == 0 && w->ready) {
            t->attempts++;
            t->last_signal = sig;
        }
        if (t->attempts >= TASK_ATTEMPTS) {
            if (give_up(p, t, sink, err) != 0)
                return -1;
        } else {
            t->next = p->retry;
            p->retry = t;
        }
    }
    w->head = w->in_flight = 0;
    w->ready = false;
    w->busy_since = 0;
    buf_clear(&w->out);
    buf_clear(&w->in);
    pool_close_fd(&w->task_fd);
    pool_close_fd(&w->result_fd);
    if (++p->stats.worker_restarts > 100 + 10ull * p->n)
        return error_set(err, "workers keep dying (%llu restarts): giving up",
                         (unsigned long long)p->stats.worker_restarts);
    if (p->opt.before_fork)
        p->opt.before_fork(p->opt.fork_arg);
    int rc = pool_spawn_worker(p, w, err);
    if (p->opt.after_fork)
        p->opt.after_fork(p->opt.fork_arg);
    return rc;
}

/* A thread cannot die alone (a crash takes the process), so one that ends is an error. */
int pool_worker_died(struct pool *p, struct pool_worker *w, struct sink *sink, struct error *err)
{
    w->running = false;
    if (pool_is_threads(p)) {
        join(p, w);
        return error_set(err, "worker thread %u ended before its input did", w->index);
    }
    int status;
    if (reap(p, w, &status) < 0)
        return error_errno(err, "worker %u (pid %d): waitpid", w->index, (int)w->pid);
    if (WIFSIGNALED(status))
        fprintf(stderr,
                "%s: worker %u (pid %d) was killed by signal %d (%s); its %u "
                "chunks go to a new worker\n",
                util_command(), w->index, (int)w->pid, WTERMSIG(status),
                strsignal(WTERMSIG(status)), w->in_flight);
    else
        fprintf(stderr,
                "%s: worker %u (pid %d) exited with status %d; its %u chunks "
                "go to a new worker\n",
                util_command(), w->index, (int)w->pid, WEXITSTATUS(status), w->in_flight);
    return replace_worker(p, w, status, sink, err);
}

/* ---- workers that stall ------------------------------------------------------------------ */

static bool can_stall(const struct pool *p, const struct pool_worker *w)
{
    return p->opt.task_timeout > 0 && w->running && w->busy_since > 0 && w->pid > 0;
}

int pool_ms_to_next_stall(const struct pool *p)
{
    double first = INFINITY;
    for (unsigned i = 0; i < p->n; i++)
        if (can_stall(p, &p->w[i]) && p->w[i].busy_since + p->opt.task_timeout < first)
            first = p->w[i].busy_since + p->opt.task_timeout;
    if (first == INFINITY)
        return -1;
    double ms = ceil((first - now_seconds()) * 1e3);
    return ms < 0 ? 0 : ms > 60e3 ? 60000 : (int)ms;
}

void pool_kill_stalled(struct pool *p)
{
    double now = now_seconds();
    for (unsigned i = 0; i < p->n; i++) {
        struct pool_worker *w = &p->w[i];
        if (!can_stall(p, w) || now - w->busy_since < p->opt.task_timeout)
            continue;
        fprintf(stderr,
                "%s: worker %u (pid %d) has held task %llu for %.1f s, more than "
                "--task-timeout %.0f: killing it\n",
                util_command(), w->index, (int)w->pid, (unsigned long long)w->tasks[w->head]->seq,
                now - w->busy_since, p->opt.task_timeout);
        if (kill(w->pid, SIGKILL) != 0 && errno != ESRCH)
            fprintf(stderr, "%s: kill %d: %s\n", util_command(), (int)w->pid, strerror(errno));
        w->busy_since = 0; /* once: its pipe ends and pool_worker_died takes it from here */
    }
}

/* ---- workers that end with the run ------------------------------------------------------- */

/* After a clean run: tell each worker the input ended (close its task pipe), then check that
 * it ended well. Every result is in by then: a worker killed now (by a user, the OOM killer)
 * held nothing, and the run stands; one that exits with a failure reports a fault of its own.
 * After a failure: stop the processes at once. */
int pool_reap_worker(struct pool *p, struct pool_worker *w, bool force, struct error *err)
{
    pool_close_fd(&w->task_fd);
    if (!w->running)
        return 0;
    w->running = false;
    if (pool_is_threads(p)) {
        atomic_store(&w->dismissed, true);
        pool_close_fd(&w->result_fd); /* a thread blocked writing results gets EPIPE */
        join(p, w);
        return 0;
    }
    if (force)
        kill(w->pid, SIGKILL);
    int status;
    if (reap(p, w, &status) < 0)
        return error_errno(err, "worker %u (pid %d): waitpid", w->index, (int)w->pid);
    if (!force && WIFSIGNALED(status))
        fprintf(stderr,
                "%s: worker %u (pid %d) was killed by signal %d (%s) after its last result: "
                "nothing to send again\n",
                util_command(), w->index, (int)w->pid, WTERMSIG(status),
                strsignal(WTERMSIG(status)));
    else if (!force && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
        return error_set(err, "worker %u (pid %d) failed at the end of input", w->index,
                         (int)w->pid);
    return 0;
}

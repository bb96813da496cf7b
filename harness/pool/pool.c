/* pool.c - see pool.h. */
#define _GNU_SOURCE /* pipe2, F_SETPIPE_SZ, close_range */
#include "pool.h"

#include "interrupt.h"
#include "range_feed.h"
#include "wire.h"
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define PIPE_SIZE (1 << 20) /* fewer, larger writes; the kernel may give less */

/* A task in flight, kept until its results come back whole: if its worker dies, it is sent
 * again to another, so no record is lost and none is counted twice. */
struct task {
    uint64_t seq;
    struct buf bytes;        /* the encoded task, exactly as sent */
    bool is_range;           /* a range of the input (range feed), not records */
    struct range_body range; /* ranges: which */
    uint64_t *lines;         /* records: the line where each starts, to report failures */
    uint32_t records;
    unsigned attempts; /* workers that died holding it */
    int last_signal;   /* how the last of them died */
    struct task *next; /* in the queue to send again */
};

/* After this many workers died holding a chunk, its records are reported as failed. */
#define TASK_ATTEMPTS 3

struct pool_worker {
    unsigned index;
    pid_t pid;                            /* processes */
    pthread_t thread;                     /* threads */
    bool running;                         /* started and not yet reaped or joined */
    int task_fd;                          /* parent writes tasks here (non-blocking) */
    int result_fd;                        /* parent reads results here (non-blocking) */
    int worker_task_fd, worker_result_fd; /* the worker's ends */
    struct buf out;                       /* task bytes not yet written */
    struct buf in;                        /* result bytes not yet parsed */
    struct task *tasks[64];               /* tasks in flight, oldest first (a ring) */
    unsigned head, in_flight;
    struct pool *pool;
    struct rusage usage; /* threads: filled by the thread itself as it ends */
    bool ready;          /* it finished its setup (attach) and is working on its tasks */
};

struct pool {
    struct pool_options opt;
    struct worker_config config;
    unsigned n;
    struct pool_worker *w;
    uint64_t next_seq;
    bool input_done;
    uint64_t taken; /* records read, valid or not */
    double first_sent;
    struct pool_stats stats;
    struct sigaction old_sigpipe;
    struct task *retry;      /* chunks whose worker died, to send again */
    double started;          /* when pool_start began */
    char exe[4096];          /* exec-started workers: this program's file */
    unsigned ready;          /* workers that have reported ready, replacements included */
    struct range_feed *feed; /* the range feed, or NULL for the record feed */
};

static bool is_threads(const struct pool *p)
{
    return p->config.strategy->kind == STRATEGY_THREADS;
}

/* ---- starting ---------------------------------------------------------------------------- */

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int make_pipes(struct pool_worker *w, struct error *err)
{
    int task[2], result[2];
    if (pipe2(task, O_CLOEXEC) != 0)
        return error_errno(err, "pipe");
    if (pipe2(result, O_CLOEXEC) != 0) {
        close(task[0]);
        close(task[1]);
        return error_errno(err, "pipe");
    }
    w->worker_task_fd = task[0];
    w->task_fd = task[1];
    w->result_fd = result[0];
    w->worker_result_fd = result[1];
    /* Bigger pipes mean fewer wake-ups; if the kernel refuses, the default works too. */
    (void)fcntl(w->task_fd, F_SETPIPE_SZ, PIPE_SIZE);
    (void)fcntl(w->result_fd, F_SETPIPE_SZ, PIPE_SIZE);
    if (fcntl(w->task_fd, F_SETFL, O_NONBLOCK) != 0 ||
        fcntl(w->result_fd, F_SETFL, O_NONBLOCK) != 0)
        return error_errno(err, "fcntl O_NONBLOCK");
    return 0;
}

/* In a new worker process: keep only its own two ends, serve, and leave without running the
 * parent's exit handlers or flushing its stdio buffers (_exit). */
static void run_child(struct pool *p, struct pool_worker *w)
{
    for (unsigned i = 0; i < p->n; i++) {
        close_fd(&p->w[i].task_fd);
        close_fd(&p->w[i].result_fd);
        if (&p->w[i] != w) {
            close_fd(&p->w[i].worker_task_fd);
            close_fd(&p->w[i].worker_result_fd);
        }
    }
    struct error err;
    int rc = worker_serve(&p->config, w->worker_task_fd, w->worker_result_fd, &err);
    if (rc != 0)
        fprintf(stderr, "sharebench: worker %u (pid %d): %s\n", w->index, (int)getpid(), err.msg);
    _exit(rc == 0 ? 0 : 3);
}

static void *run_thread(void *arg)
{
    struct pool_worker *w = arg;
    struct error err;
    if (worker_serve(&w->pool->config, w->worker_task_fd, w->worker_result_fd, &err) != 0)
        fprintf(stderr, "sharebench: worker thread %u: %s\n", w->index, err.msg);
    getrusage(RUSAGE_THREAD, &w->usage);
    close_fd(&w->worker_task_fd);
    close_fd(&w->worker_result_fd);
    return NULL;
}

static int start_thread(struct pool_worker *w, struct error *err)
{
    int rc = pthread_create(&w->thread, NULL, run_thread, w);
    if (rc != 0) {
        errno = rc;
        return error_errno(err, "pthread_create");
    }
    w->running = true;
    return 0;
}

/* The argument vector of an exec'd worker, made before the fork (the child only execs). */
static char **exec_argv(const struct pool *p, const struct pool_worker *w)
{
    size_t n = 0;
    while (p->opt.exec_args[n])
        n++;
    char **argv = xcalloc(n + 12, sizeof *argv);
    argv[0] = xstrdup("sharebench");
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = xstrdup(p->opt.exec_args[i]);
    char fd[16];
    argv[n + 1] = xstrdup("--task-fd");
    snprintf(fd, sizeof fd, "%d", w->worker_task_fd);
    argv[n + 2] = xstrdup(fd);
    argv[n + 3] = xstrdup("--result-fd");
    snprintf(fd, sizeof fd, "%d", w->worker_result_fd);
    argv[n + 4] = xstrdup(fd);
    if (p->feed) { /* the range feed: where the worker reads its ranges */
        char limit[32];
        snprintf(fd, sizeof fd, "%d", p->opt.input_fd);
        snprintf(limit, sizeof limit, "%zu", p->opt.field_limit);
        const char *more[] = {"--input-fd",    fd,   "--input-name", p->opt.input_name,
                              "--field-limit", limit};
        for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
            argv[n + 5 + i] = xstrdup(more[i]);
    }
    return argv;
}

static void free_argv(char **argv)
{
    for (size_t i = 0; argv[i]; i++)
        free(argv[i]);
    free(argv);
}

/* Keep fd open across exec. */
static int keep_on_exec(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    return flags < 0 ? -1 : fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
}

/* Mark every descriptor above standard error close-on-exec: ours are already, but the
 * parent may have inherited others from whoever started it (a shell, a test harness), and an
 * exec'd worker must get only what it is handed (what subprocess's close_fds does). */
static void close_all_on_exec(void)
{
    if (close_range(3, ~0u, CLOSE_RANGE_CLOEXEC) == 0)
        return;
    long max = sysconf(_SC_OPEN_MAX); /* kernels before 5.11: every possible descriptor */
    for (int fd = 3; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
        (void)fcntl(fd, F_SETFD, FD_CLOEXEC); /* EBADF for the closed ones: nothing to do */
}

/* In a new worker process that is to become `sharebench worker`: only standard input, output
 * and error, its own two ends and the strategy's descriptor survive the exec. If exec fails,
 * say so on the result pipe, as a worker that cannot set up would, and leave. */
static void exec_child(struct pool *p, struct pool_worker *w, char **argv)
{
    close_all_on_exec();
    if (keep_on_exec(w->worker_task_fd) == 0 && keep_on_exec(w->worker_result_fd) == 0 &&
        (p->opt.inherit_fd < 0 || keep_on_exec(p->opt.inherit_fd) == 0) &&
        (p->feed == NULL || keep_on_exec(p->opt.input_fd) == 0))
        execv(p->exe, argv);
    char message[4400];
    snprintf(message, sizeof message, "exec of %s failed: %s", p->exe, strerror(errno));
    struct error ignored;
    worker_send_setup_error(w->worker_result_fd, message, &ignored);
    _exit(127);
}

static int start_process(struct pool *p, struct pool_worker *w, struct error *err)
{
    char **argv = p->opt.exec ? exec_argv(p, w) : NULL;
    fflush(NULL); /* nothing buffered may be written twice */
    pid_t pid = fork();
    if (pid < 0) {
        if (argv)
            free_argv(argv);
        return error_errno(err, "fork");
    }
    if (pid == 0 && argv)
        exec_child(p, w, argv);
    if (pid == 0)
        run_child(p, w);
    if (argv)
        free_argv(argv);
    w->pid = pid;
    w->running = true;
    close_fd(&w->worker_task_fd);
    close_fd(&w->worker_result_fd);
    return 0;
}

static int start_worker(struct pool *p, struct pool_worker *w, struct error *err)
{
    if (make_pipes(w, err) != 0)
        return -1;
    /* Workers inherit a mask with SIGINT and SIGTERM blocked: a Ctrl-C reaches the whole
     * process group, and only the parent decides how the run ends (interrupt.h). */
    sigset_t old;
    interrupt_block(&old);
    int rc = is_threads(p) ? start_thread(w, err) : start_process(p, w, err);
    interrupt_restore(&old);
    return rc;
}

static int find_exe(char *out, size_t cap, struct error *err)
{
    ssize_t n = readlink("/proc/self/exe", out, cap - 1);
    if (n < 0)
        return error_errno(err, "readlink /proc/self/exe");
    if ((size_t)n >= cap - 1)
        return error_set(err, "this program's path is too long to exec");
    out[n] = '\0';
    return 0;
}

struct pool *pool_start(const struct pool_options *opt, const struct strategy *strategy,
                        struct strategy_state *state, struct error *err)
{
    if (opt->workers < 1 || opt->workers > POOL_WORKERS_MAX || opt->chunk < 1 ||
        opt->chunk > POOL_CHUNK_MAX) {
        error_set(err, "pool: %u workers, chunks of %u: out of range (1 .. %d, 1 .. %u)",
                  opt->workers, opt->chunk, POOL_WORKERS_MAX, POOL_CHUNK_MAX);
        return NULL;
    }
    struct pool *p = xcalloc(1, sizeof *p);
    p->opt = *opt;
    if (p->opt.in_flight == 0)
        p->opt.in_flight = POOL_IN_FLIGHT;
    if (p->opt.in_flight > sizeof p->w[0].tasks / sizeof p->w[0].tasks[0])
        p->opt.in_flight = sizeof p->w[0].tasks / sizeof p->w[0].tasks[0];
    bool ranges = opt->feed == POOL_FEED_RANGES;
    p->config = (struct worker_config){strategy,        state,
                                       opt->want_lines, ranges ? opt->input_fd : -1,
                                       opt->input_name, opt->field_limit};
    /* Results may come back ahead of their turn: a window of a few tasks per worker. */
    if (ranges)
        p->feed =
            range_feed_open(opt->input_fd, opt->input_name, opt->input_size, opt->range_bytes,
                            opt->limit, opt->field_limit, 4 * opt->workers * p->opt.in_flight);
    p->n = opt->workers;
    p->w = xcalloc(p->n, sizeof *p->w);
    for (unsigned i = 0; i < p->n; i++) {
        p->w[i] = (struct pool_worker){.index = i,
                                       .pool = p,
                                       .task_fd = -1,
                                       .result_fd = -1,
                                       .worker_task_fd = -1,
                                       .worker_result_fd = -1};
    }
    /* The program to exec, named once (a tool running us, such as valgrind, resolves the
     * link to our file; exec of the link itself would start the tool's own binary). */
    if (p->opt.exec && find_exe(p->exe, sizeof p->exe, err) != 0) {
        range_feed_close(p->feed);
        free(p->w);
        free(p);
        return NULL;
    }
    /* A worker that has gone must show as an error on write, not kill the parent. */
    struct sigaction ignore = {.sa_handler = SIG_IGN};
    sigaction(SIGPIPE, &ignore, &p->old_sigpipe);
    double t0 = p->started = now_seconds();
    for (unsigned i = 0; i < p->n; i++) {
        if (start_worker(p, &p->w[i], err) != 0) {
            pool_stop(p, NULL, NULL);
            return NULL;
        }
    }
    p->stats.start_seconds = now_seconds() - t0;
    return p;
}

static int write_tasks(struct pool *p, struct pool_worker *w, struct sink *sink, struct error *err);

/* ---- feeding ----------------------------------------------------------------------------- */

/* The running worker with the fewest tasks in flight, if it has room for another. */
static struct pool_worker *worker_with_room(struct pool *p)
{
    struct pool_worker *best = NULL;
    for (unsigned i = 0; i < p->n; i++) {
        struct pool_worker *w = &p->w[i];
        if (w->running && w->in_flight < p->opt.in_flight &&
            (best == NULL || w->in_flight < best->in_flight))
            best = w;
    }
    return best;
}

/* Read up to a chunk of records into w's output as one task. Rejected records go to the
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

static void task_free(struct task *t)
{
    buf_free(&t->bytes);
    free(t->lines);
    free(t);
}

/* Queue t's bytes for w and count it in flight there. */
static void dispatch(struct pool *p, struct pool_worker *w, struct task *t)
{
    buf_append(&w->out, t->bytes.data, t->bytes.len); /* tasks are 8-byte multiples */
    w->tasks[(w->head + w->in_flight) % p->opt.in_flight] = t;
    w->in_flight++;
    if (p->first_sent == 0)
        p->first_sent = now_seconds();
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
        task_free(t);
        return NULL;
    }
    return t;
}

/* A task for one range of the input: the payload, then where the range lies. */
static struct task *range_task(struct pool *p, uint64_t seq, const struct range_body *body,
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
    struct task *t = got == 1 ? range_task(p, seq, &body, err) : NULL;
    *failed = got < 0 || (got == 1 && t == NULL);
    return t;
}

/* Read the next chunk of records into a task (or plan the next range). Returns it, or NULL
 * at the end of the input (*failed set on a read error). */
static struct task *next_task(struct pool *p, struct record_reader *reader, struct sink *sink,
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
        task_free(t);
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

static int send_chunk(struct pool *p, struct pool_worker *w, struct record_reader *reader,
                      struct sink *sink, struct error *err)
{
    bool failed = false;
    struct task *t = next_task(p, reader, sink, &failed, err);
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
            task_free(t); /* past --limit: no longer wanted */
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

static void add_usage(struct pool_stats *st, unsigned index, const struct rusage *ru)
{
    if (index < sizeof st->worker_minor_faults / sizeof st->worker_minor_faults[0])
        st->worker_minor_faults[index] = (uint64_t)ru->ru_minflt;
    st->minor_faults += (uint64_t)ru->ru_minflt;
    st->major_faults += (uint64_t)ru->ru_majflt;
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

/* ---- workers that end ------------------------------------------------------------------- */

/* The range feed asks for a range to be read again with a cap on its records (--limit):
 * it goes first in the queue to send. */
static int queue_resend(struct pool *p, int wanted, uint64_t seq, const struct range_body *body,
                        struct error *err)
{
    if (wanted <= 0)
        return wanted;
    struct task *t = range_task(p, seq, body, err);
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
        rc = queue_resend(p, wanted, seq, &resend, err);
    } else {
        for (uint32_t i = 0; i < t->records; i++)
            sink_failed(sink, t->lines[i], reason);
    }
    task_free(t);
    return rc;
}

static int start_worker(struct pool *p, struct pool_worker *w, struct error *err);

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
    buf_clear(&w->out);
    buf_clear(&w->in);
    close_fd(&w->task_fd);
    close_fd(&w->result_fd);
    if (++p->stats.worker_restarts > 100 + 10ull * p->n)
        return error_set(err, "workers keep dying (%llu restarts): giving up",
                         (unsigned long long)p->stats.worker_restarts);
    if (p->opt.before_fork)
        p->opt.before_fork(p->opt.fork_arg);
    int rc = start_worker(p, w, err);
    if (p->opt.after_fork)
        p->opt.after_fork(p->opt.fork_arg);
    return rc;
}

/* A worker ended before its input did. A process is replaced and its chunks sent again; a
 * thread cannot die alone (a crash takes the process), so one that ends is an error. */
static int worker_died(struct pool *p, struct pool_worker *w, struct sink *sink, struct error *err)
{
    w->running = false;
    if (is_threads(p)) {
        join(p, w);
        return error_set(err, "worker thread %u ended before its input did", w->index);
    }
    int status;
    if (reap(p, w, &status) < 0)
        return error_errno(err, "worker %u (pid %d): waitpid", w->index, (int)w->pid);
    if (WIFSIGNALED(status))
        fprintf(stderr,
                "sharebench: worker %u (pid %d) was killed by signal %d (%s); its %u "
                "chunks go to a new worker\n",
                w->index, (int)w->pid, WTERMSIG(status), strsignal(WTERMSIG(status)), w->in_flight);
    else
        fprintf(stderr,
                "sharebench: worker %u (pid %d) exited with status %d; its %u chunks "
                "go to a new worker\n",
                w->index, (int)w->pid, WEXITSTATUS(status), w->in_flight);
    return replace_worker(p, w, status, sink, err);
}

/* ---- results ----------------------------------------------------------------------------- */

static int take_result(struct pool *p, struct pool_worker *w, const struct result_header *h,
                       const char *text, struct sink *sink, struct error *err)
{
    if (h->magic == RESULT_MAGIC && h->status == RESULT_READY) {
        w->ready = true;
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
    task_free(w->tasks[w->head]);
    w->head = (w->head + 1) % p->opt.in_flight;
    w->in_flight--;
    if (p->stats.first_result_seconds == 0)
        p->stats.first_result_seconds = now_seconds() - p->first_sent;
    if (p->opt.on_chunk)
        p->opt.on_chunk(p->opt.on_chunk_arg, h->seq, h->count, h->sum);
    if (!is_range)
        return sink_chunk(sink, h->count, h->sum, text, h->lines_len, err);
    struct range_body resend;
    uint64_t seq;
    int wanted = range_feed_result(p->feed, h->seq, h, text, sink, &resend, &seq, err);
    return queue_resend(p, wanted, seq, &resend, err);
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
        return worker_died(p, w, sink, err);
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
            return w->running && w->pid == gone ? worker_died(p, w, sink, err) : 0;
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
    struct pollfd fds[2 * POOL_WORKERS_MAX];
    struct pool_worker *owner[2 * POOL_WORKERS_MAX];
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
    if (poll(fds, n, -1) < 0)
        return errno == EINTR ? 0 : error_errno(err, "poll");
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
        if (all_done(p))
            return 0;
        if (wait_and_move(p, sink, err) != 0)
            return -1;
    }
}

/* ---- stopping ---------------------------------------------------------------------------- */

/* After a clean run: tell each worker the input ended (close its task pipe), then check that
 * it ended well. After a failure: stop the processes at once. */
static int reap_worker(struct pool *p, struct pool_worker *w, bool force, struct error *err)
{
    close_fd(&w->task_fd);
    if (!w->running)
        return 0;
    w->running = false;
    if (is_threads(p)) {
        close_fd(&w->result_fd); /* a thread blocked writing results gets EPIPE */
        join(p, w);
        return 0;
    }
    if (force)
        kill(w->pid, SIGKILL);
    int status;
    if (reap(p, w, &status) < 0)
        return error_errno(err, "worker %u (pid %d): waitpid", w->index, (int)w->pid);
    if (!force && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
        return error_set(err, "worker %u (pid %d) failed at the end of input", w->index,
                         (int)w->pid);
    return 0;
}

int pool_stop(struct pool *p, struct pool_stats *stats, struct error *err)
{
    if (p == NULL)
        return 0;
    bool force = !all_done(p);
    int rc = 0;
    for (unsigned i = 0; i < p->n; i++) {
        struct pool_worker *w = &p->w[i];
        if (reap_worker(p, w, force, err) != 0)
            rc = -1;
        close_fd(&w->result_fd);
        close_fd(&w->worker_task_fd); /* only still open if the worker never started */
        close_fd(&w->worker_result_fd);
        for (unsigned k = 0; k < w->in_flight; k++)
            task_free(w->tasks[(w->head + k) % p->opt.in_flight]);
        buf_free(&w->out);
        buf_free(&w->in);
    }
    while (p->retry) {
        struct task *t = p->retry;
        p->retry = t->next;
        task_free(t);
    }
    sigaction(SIGPIPE, &p->old_sigpipe, NULL);
    if (p->feed)
        p->stats.input_bytes = range_feed_bytes(p->feed);
    range_feed_close(p->feed);
    if (stats)
        *stats = p->stats;
    free(p->w);
    free(p);
    return rc;
}

const struct pool_stats *pool_stats(const struct pool *p)
{
    return &p->stats;
}

unsigned pool_worker_pids(const struct pool *p, pid_t *pids, unsigned max)
{
    unsigned n = 0;
    for (unsigned i = 0; i < p->n && n < max; i++)
        if (p->w[i].running && p->w[i].pid > 0)
            pids[n++] = p->w[i].pid;
    return n;
}
